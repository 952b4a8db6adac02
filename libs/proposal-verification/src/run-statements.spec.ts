import { generateSigningKey, type SigningKey } from '@airlock/attestation';
import type { AgentRecord, LauncherRecord, RunClose, UsageReport } from '@airlock/contracts';
import { runTeamOf, runTicketOf, signRunTicket } from './run-tickets';
import { signRunClose, verifyRunClose } from './run-closes';
import { signUsageReport, verifyUsageReport } from './usage-reports';

let deskKey: SigningKey;
let otherKey: SigningKey;
let agentKey: SigningKey;
let launchers: Map<string, LauncherRecord>;
let agents: Map<string, AgentRecord>;

async function publicKey(kid: string) {
  const { signingKey, publicJwk } = await generateSigningKey(kid);
  return {
    key: signingKey,
    jwk: { kty: 'OKP' as const, crv: 'Ed25519' as const, x: String(publicJwk.x), kid },
  };
}

beforeAll(async () => {
  const desk = await publicKey('support-desk-1');
  const other = await publicKey('other-desk-1');
  const agent = await publicKey('support-triage-1');
  [deskKey, otherKey, agentKey] = [desk.key, other.key, agent.key];
  launchers = new Map([
    [
      'support-desk',
      { id: 'support-desk', name: 'Desk', agents: ['support-triage'], public_keys: [desk.jwk] },
    ],
    ['other-desk', { id: 'other-desk', name: 'Other', agents: ['support-triage'], public_keys: [other.jwk] }],
  ]);
  agents = new Map([
    [
      'support-triage',
      { id: 'support-triage', owner: 'alice', team: 'bundle-team', public_keys: [agent.jwk] },
    ],
  ]);
});

/** A ticket that ended an hour ago: what the run did while it ran must still be counted. */
function ticket(launcherId = 'support-desk', key = deskKey) {
  return signRunTicket(
    {
      run_id: 'run-1',
      agent_id: 'support-triage',
      launcher_id: launcherId,
      user_id: 'u-42',
      team: 'support',
      limits: { max_inference_usd: 0.5 },
      issued_at: '2026-11-25T09:00:00.000Z',
      expires_at: '2026-11-25T10:00:00.000Z',
    },
    key,
  );
}

function report(overrides: Partial<UsageReport> = {}): UsageReport {
  return {
    usage_id: 'u-1',
    run_id: 'run-1',
    agent_id: 'support-triage',
    model: 'gpt-small',
    input_tokens: 1200,
    output_tokens: 300,
    reported_at: '2026-11-25T09:30:00.000Z',
    run_ticket: ticket(),
    ...overrides,
  };
}

describe('verifyUsageReport', () => {
  it("accepts the agent's signed report for a run its launcher opened, even after the run ended", () => {
    const verdict = verifyUsageReport(signUsageReport(report(), agentKey), agents, launchers);
    expect(verdict).toMatchObject({
      ok: true,
      report: { usage_id: 'u-1', input_tokens: 1200 },
      run: { team: 'support', limits: { max_inference_usd: 0.5 } },
    });
  });

  it('refuses a report signed by another key, one naming another agent, and one for a run never opened', () => {
    expect(verifyUsageReport(signUsageReport(report(), deskKey), agents, launchers)).toMatchObject({
      ok: false,
      code: 'bad_signature',
    });
    expect(
      verifyUsageReport(signUsageReport(report({ agent_id: 'billing-bot' }), agentKey), agents, launchers),
    ).toMatchObject({ ok: false, code: 'agent_mismatch' });
    const { run_ticket: _dropped, ...unopened } = report();
    expect(verifyUsageReport(signUsageReport(unopened, agentKey), agents, launchers)).toMatchObject({
      ok: false,
      code: 'run_not_opened',
    });
    expect(
      verifyUsageReport(signUsageReport(report({ input_tokens: -1 }), agentKey), agents, launchers),
    ).toMatchObject({ ok: false, code: 'invalid_usage_report' });
  });

  it('never throws on junk', () => {
    for (const junk of ['', 'a.b.c', '....', 'x'.repeat(10_000)]) {
      expect(verifyUsageReport(junk, agents, launchers).ok).toBe(false);
    }
  });
});

describe('verifyRunClose', () => {
  const close = (overrides: Partial<RunClose> = {}): RunClose => ({
    run_id: 'run-1',
    launcher_id: 'support-desk',
    reason: 'the user closed the chat',
    closed_at: '2026-11-25T09:45:00.000Z',
    run_ticket: ticket(),
    ...overrides,
  });

  it('accepts the close of a run by the launcher that opened it', () => {
    expect(verifyRunClose(signRunClose(close(), deskKey), launchers)).toMatchObject({
      ok: true,
      close: { run_id: 'run-1' },
      launcher: { id: 'support-desk' },
    });
  });

  it("refuses a launcher closing another launcher's run, or a run its ticket does not name", () => {
    const foreign = close({ launcher_id: 'other-desk' });
    expect(verifyRunClose(signRunClose(foreign, otherKey), launchers)).toMatchObject({
      ok: false,
      code: 'run_not_opened_by_launcher',
    });
    expect(verifyRunClose(signRunClose(close({ run_id: 'run-2' }), deskKey), launchers)).toMatchObject({
      ok: false,
      code: 'run_not_opened_by_launcher',
    });
    expect(verifyRunClose(signRunClose(close(), otherKey), launchers)).toMatchObject({
      ok: false,
      code: 'launcher_mismatch',
    });
  });
});

describe('runTicketOf and runTeamOf', () => {
  it("reads the ticket's facts, and takes the launcher's team over the bundle's", () => {
    expect(runTicketOf({ run_ticket: ticket() })?.limits).toEqual({ max_inference_usd: 0.5 });
    expect(runTeamOf({ run_ticket: ticket() }, { team: 'bundle-team' })).toBe('support');
    expect(runTeamOf({}, { team: 'bundle-team' })).toBe('bundle-team');
    expect(runTicketOf({ run_ticket: 'junk' })).toBeUndefined();
  });
});
