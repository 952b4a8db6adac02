import { generateSigningKey, type SigningKey } from '@airlock/attestation';
import { maxSubmissionBytes, type AgentRecord, type Proposal } from '@airlock/contracts';
import { verifySubmission } from '@airlock/proposal-verification';
import { proposalEnvelope, submissionValue } from './agent-submissions';

let key: SigningKey;
let agents: Map<string, AgentRecord>;

beforeAll(async () => {
  const { signingKey, publicJwk } = await generateSigningKey('support-triage-1');
  key = signingKey;
  const jwk = {
    kty: 'OKP' as const,
    crv: 'Ed25519' as const,
    x: String(publicJwk.x),
    kid: 'support-triage-1',
  };
  agents = new Map([
    ['support-triage', { id: 'support-triage', owner: 'alice', opens_own_runs: true, public_keys: [jwk] }],
  ]);
});

const proposal = (overrides: Partial<Proposal> = {}): Proposal => ({
  proposal_id: 'p-1',
  run_id: 'run-1',
  agent_id: 'support-triage',
  tool: 'tickets.create',
  arguments: { title: 'Printer on fire', priority: 'high' },
  issued_at: '2026-01-05T10:00:00.000Z',
  ...overrides,
});

describe('proposalEnvelope', () => {
  it('signs the same proposal into the same message, so sending it again is a redelivery', async () => {
    const first = await proposalEnvelope(proposal(), key);
    const again = await proposalEnvelope(proposal(), key);
    expect(JSON.stringify(again)).toBe(JSON.stringify(first));
    expect(first).toMatchObject({
      time: '2026-01-05T10:00:00.000Z',
      runid: 'run-1',
      proposalid: 'p-1',
      agentid: 'support-triage',
    });
  });

  it('gives other content, or another issued_at, another submission id', async () => {
    const first = await proposalEnvelope(proposal(), key);
    const other = await proposalEnvelope(proposal({ arguments: { title: 'x', priority: 'low' } }), key);
    const later = await proposalEnvelope(proposal({ issued_at: '2026-01-05T10:00:01.000Z' }), key);
    expect(new Set([first.id, other.id, later.id]).size).toBe(3);
  });

  it("is what intake verifies: the agent's signature over the proposal, matching the envelope", async () => {
    const now = new Date('2026-01-05T10:00:30.000Z');
    const envelope = await proposalEnvelope(proposal(), key);
    expect(await verifySubmission(envelope.data, envelope, agents, { now })).toMatchObject({
      ok: true,
      proposal: proposal(),
    });
  });

  it('takes the id and time a caller chooses', async () => {
    const time = new Date('2026-01-05T11:00:00.000Z');
    expect(await proposalEnvelope(proposal(), key, { id: 'mine', time })).toMatchObject({
      id: 'mine',
      time: time.toISOString(),
    });
  });
});

describe('submissionValue', () => {
  it('refuses a message intake would refuse for its size, before sending it', async () => {
    const big = await proposalEnvelope(
      proposal({ arguments: { title: 'x'.repeat(maxSubmissionBytes) } }),
      key,
    );
    expect(() => submissionValue(big)).toThrow(
      expect.objectContaining({ code: 'oversized_message', retriable: false }),
    );
    expect(JSON.parse(submissionValue(await proposalEnvelope(proposal(), key)))).toMatchObject({
      type: 'airlock.proposal.submitted',
    });
  });
});
