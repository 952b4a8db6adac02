import { generateSigningKey, type SigningKey } from '@airlock/attestation';
import type { AgentRecord, LauncherRecord } from '@airlock/contracts';
import { verifyRun, verifyRunClose } from '@airlock/proposal-verification';
import { runCloseEnvelope, signedRunTicket } from './launcher-statements';

let deskKey: SigningKey;
let launchers: Map<string, LauncherRecord>;
const agent: AgentRecord = { id: 'support-triage', owner: 'alice', public_keys: [] };

beforeAll(async () => {
  const { signingKey, publicJwk } = await generateSigningKey('support-desk-1');
  deskKey = signingKey;
  const jwk = { kty: 'OKP' as const, crv: 'Ed25519' as const, x: String(publicJwk.x), kid: 'support-desk-1' };
  launchers = new Map([
    ['support-desk', { id: 'support-desk', name: 'Desk', agents: ['support-triage'], public_keys: [jwk] }],
  ]);
});

const facts = {
  run_id: 'run-1',
  agent_id: 'support-triage',
  user_id: 'u-1',
  team: 'support',
  labels: ['refund'],
  limits: { max_tool_calls: 2 },
};

describe('signedRunTicket', () => {
  it("opens the run for its ttl with the launcher's facts, as intake verifies them", () => {
    const now = new Date('2026-01-05T10:00:00.000Z');
    const ticket = signedRunTicket('support-desk', deskKey, facts, 600, now);
    const verdict = verifyRun(
      { run_id: 'run-1', agent_id: 'support-triage', run_ticket: ticket },
      agent,
      launchers,
      now,
    );
    expect(verdict).toMatchObject({
      ok: true,
      facts: {
        launcher_id: 'support-desk',
        user_id: 'u-1',
        team: 'support',
        labels: ['refund'],
        limits: { max_tool_calls: 2 },
        expires_at: '2026-01-05T10:10:00.000Z',
      },
    });
    expect(
      verifyRun(
        { run_id: 'run-1', agent_id: 'support-triage', run_ticket: ticket },
        agent,
        launchers,
        new Date('2026-01-05T10:10:01.000Z'),
      ),
    ).toMatchObject({
      ok: false,
      code: 'run_expired',
    });
  });
});

describe('runCloseEnvelope', () => {
  it("closes the run with a close budget verifies against the ticket's launcher", () => {
    const ticket = signedRunTicket('support-desk', deskKey, facts, 600);
    const envelope = runCloseEnvelope('support-desk', deskKey, {
      runId: 'run-1',
      reason: 'task done',
      ticket,
    });
    expect(envelope).toMatchObject({
      type: 'airlock.run.closed',
      runid: 'run-1',
      source: 'launcher/support-desk',
    });
    expect(verifyRunClose(envelope.data.jws, launchers)).toMatchObject({ ok: true });
  });
});
