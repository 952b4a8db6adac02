import fc from 'fast-check';
import { generateSigningKey, signStatement, type SigningKey } from '@airlock/attestation';
import type { AgentRecord, LauncherRecord, Proposal, RunTicket } from '@airlock/contracts';
import { runTicketJwsType, signRunTicket, verifyRun } from './run-tickets';

const now = new Date('2026-11-25T12:00:00.000Z');
const agent: AgentRecord = { id: 'support-triage', owner: 'alice', public_keys: [] };
let deskKey: SigningKey;
let otherKey: SigningKey;
let launchers: Map<string, LauncherRecord>;

async function launcherWith(
  id: string,
  agents: string[],
): Promise<{ record: LauncherRecord; key: SigningKey }> {
  const { signingKey, publicJwk } = await generateSigningKey(`${id}-1`);
  const key = { kty: 'OKP' as const, crv: 'Ed25519' as const, x: String(publicJwk.x), kid: signingKey.kid };
  return { record: { id, name: id, agents, max_run_seconds: 3600, public_keys: [key] }, key: signingKey };
}

beforeAll(async () => {
  const desk = await launcherWith('support-desk', ['support-triage']);
  const other = await launcherWith('billing-portal', ['billing-bot']);
  deskKey = desk.key;
  otherKey = other.key;
  launchers = new Map([
    ['support-desk', desk.record],
    ['billing-portal', other.record],
  ]);
});

function ticket(overrides: Partial<RunTicket> = {}): RunTicket {
  return {
    run_id: 'run-1',
    agent_id: 'support-triage',
    launcher_id: 'support-desk',
    user_id: 'u-42',
    team: 'support',
    labels: ['refund-request'],
    issued_at: '2026-11-25T11:30:00.000Z',
    expires_at: '2026-11-25T12:30:00.000Z',
    ...overrides,
  };
}

function proposal(runTicket?: string): Proposal {
  return {
    proposal_id: 'p-1',
    run_id: 'run-1',
    agent_id: 'support-triage',
    tool: 'tickets.create',
    arguments: {},
    issued_at: now.toISOString(),
    ...(runTicket === undefined ? {} : { run_ticket: runTicket }),
  };
}

describe('verifyRun', () => {
  it("accepts the launcher's ticket for this run and agent, and passes its facts on", () => {
    expect(verifyRun(proposal(signRunTicket(ticket(), deskKey)), agent, launchers, now)).toEqual({
      ok: true,
      facts: {
        opened_by: 'launcher',
        launcher_id: 'support-desk',
        user_id: 'u-42',
        team: 'support',
        labels: ['refund-request'],
        expires_at: '2026-11-25T12:30:00.000Z',
      },
    });
  });

  it('refuses a proposal without a ticket unless the bundle lets the agent open its own runs', () => {
    expect(verifyRun(proposal(), agent, launchers, now)).toMatchObject({ ok: false, code: 'run_not_opened' });
    expect(verifyRun(proposal(), { ...agent, opens_own_runs: true }, launchers, now)).toEqual({
      ok: true,
      facts: { opened_by: 'agent' },
    });
  });

  it.each([
    ['for another run', ticket({ run_id: 'run-2' }), 'run_ticket_mismatch'],
    ['for another agent', ticket({ agent_id: 'billing-bot' }), 'run_ticket_mismatch'],
    ['that has expired', ticket({ expires_at: '2026-11-25T12:00:00.000Z' }), 'run_expired'],
    [
      'valid for longer than its launcher may open',
      ticket({ expires_at: '2026-11-25T13:30:00.001Z' }),
      'bad_run_ticket',
    ],
    [
      'issued ahead of the clock',
      ticket({ issued_at: '2026-11-25T12:05:00.000Z', expires_at: '2026-11-25T12:30:00.000Z' }),
      'bad_run_ticket',
    ],
    ['naming a launcher other than the signer', ticket({ launcher_id: 'billing-portal' }), 'bad_run_ticket'],
  ])('refuses a ticket %s', (_what, body, code) => {
    expect(verifyRun(proposal(signRunTicket(body, deskKey)), agent, launchers, now)).toMatchObject({
      ok: false,
      code,
    });
  });

  it('refuses a launcher opening runs for an agent it may not start', () => {
    const signed = signRunTicket(ticket({ launcher_id: 'billing-portal' }), otherKey);
    expect(verifyRun(proposal(signed), agent, launchers, now)).toMatchObject({
      ok: false,
      code: 'launcher_not_allowed',
    });
  });

  it('refuses a ticket signed by an unknown key, of another type, or altered after signing', async () => {
    const { signingKey: stranger } = await generateSigningKey('stranger-1');
    expect(verifyRun(proposal(signRunTicket(ticket(), stranger)), agent, launchers, now)).toMatchObject({
      code: 'bad_run_ticket',
    });
    const otherType = signStatement(deskKey, 'airlock-proposal+jws', ticket());
    expect(verifyRun(proposal(otherType), agent, launchers, now)).toMatchObject({ code: 'bad_run_ticket' });
    const [header, , signature] = signRunTicket(ticket(), deskKey).split('.');
    const forgedPayload = Buffer.from(JSON.stringify(ticket({ user_id: 'u-admin' }))).toString('base64url');
    expect(
      verifyRun(proposal(`${header}.${forgedPayload}.${signature}`), agent, launchers, now),
    ).toMatchObject({
      code: 'bad_run_ticket',
    });
  });

  it('ends any string in a verdict, never an exception, and accepts none of them', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
        expect(verifyRun(proposal(text), agent, launchers, now).ok).toBe(false);
      }),
      { numRuns: Number(process.env['AIRLOCK_PROPERTY_RUNS'] ?? 300) },
    );
    const garbageStatement = signStatement(deskKey, runTicketJwsType, { run_id: 'run-1', deep: [[[[1]]]] });
    expect(verifyRun(proposal(garbageStatement), agent, launchers, now)).toMatchObject({
      code: 'bad_run_ticket',
    });
  });
});
