import { attestEvent, generateSigningKey, type ServiceKeyring, type SigningKey } from '@airlock/attestation';
import { buildEnvelope, topics } from '@airlock/contracts';
import { attestationColumnsOf } from './attestation-columns';
import { unstorableText } from './storable-text';

const outcome = {
  proposal_id: 'p1',
  run_id: 'r1',
  agent_id: 'a1',
  tool: 'issue_refund',
  outcome: 'denied' as const,
  reason_code: 'policy_denied',
  reason: 'no',
  decided_by: 'policy' as const,
  policy_ids: [],
  cost_usd: 0,
};
const event = buildEnvelope('outcomes', 'airlock/policy', { runId: 'r1', proposalId: 'p1' }, outcome);

let policyKey: SigningKey;
let keyring: ServiceKeyring;

beforeAll(async () => {
  const generated = await generateSigningKey('policy-1');
  policyKey = generated.signingKey;
  keyring = { 'policy-1': { gate: 'policy', jwk: generated.publicJwk } };
});

describe('attestationColumnsOf', () => {
  it('records the gate of a valid attestation as verified', async () => {
    const attested = await attestEvent(policyKey, 'policy', event);
    await expect(attestationColumnsOf(attested, keyring, topics.outcomes.attestedBy)).resolves.toEqual({
      attested_by: 'policy',
      attestation: 'verified',
      attestation_error: '',
    });
  });

  it('records an event without attestation as missing', async () => {
    await expect(attestationColumnsOf(event, keyring, topics.outcomes.attestedBy)).resolves.toMatchObject({
      attested_by: '',
      attestation: 'missing',
      attestation_error: expect.stringMatching(/no attestation/),
    });
  });

  it('records an event altered after its gate attested it as invalid', async () => {
    const attested = await attestEvent(policyKey, 'policy', event);
    const altered = { ...attested, data: { ...attested.data, outcome: 'executed' } };
    await expect(attestationColumnsOf(altered, keyring, topics.outcomes.attestedBy)).resolves.toMatchObject({
      attested_by: '',
      attestation: 'invalid',
      attestation_error: 'the event differs from what its gate attested',
    });
  });

  it('records a valid attestation by a gate that does not emit on the topic as invalid', async () => {
    const attested = await attestEvent(policyKey, 'policy', event);
    await expect(
      attestationColumnsOf(attested, keyring, topics.actionsExecuted.attestedBy),
    ).resolves.toMatchObject({ attestation: 'invalid', attested_by: '' });
  });

  it("records the agents' topic as agent-signed without looking for a gate attestation", async () => {
    await expect(attestationColumnsOf(event, keyring, topics.proposals.attestedBy)).resolves.toEqual({
      attested_by: '',
      attestation: 'agent_signed',
      attestation_error: '',
    });
  });

  it('makes the reason storable when it quotes a forged key id', async () => {
    const header = Buffer.from(
      JSON.stringify({ alg: 'EdDSA', typ: 'airlock-event+jws', kid: `k\u0000\ud800${'x'.repeat(3000)}` }),
    ).toString('base64url');
    const forged = { ...event, attestation: `${header}.e30.c2ln` };
    const columns = await attestationColumnsOf(forged, keyring, topics.outcomes.attestedBy);
    expect(columns.attestation).toBe('invalid');
    expect(unstorableText(columns.attestation_error)).toBeUndefined();
    expect(columns.attestation_error.length).toBeLessThanOrEqual(501);
  });
});
