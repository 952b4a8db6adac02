import fc from 'fast-check';
import { buildEnvelope, outcomeEnvelope } from '@airlock/contracts';
import { attestEvent, eventHash, verifyEventAttestation } from './event-attestation';
import { keyringFromJwks, publishedJwks, verifyExecutedAction } from './published-keys';
import { generateGateKeys } from './attestation-test-fixtures';
import type { ServiceKeyring, SigningKey } from './signing-keys';

const outcome = outcomeEnvelope({
  proposal_id: 'p-1',
  run_id: 'run-1',
  outcome: 'failed',
  reason_code: 'tool_unreachable',
  reason: 'refused',
  decided_by: 'executor',
});

const executed = buildEnvelope(
  'actionsExecuted',
  'airlock/executor',
  { runId: 'run-1', proposalId: 'p-1', agentId: 'a-1', dedupKey: 'p-1' },
  {
    proposal_id: 'p-1',
    run_id: 'run-1',
    agent_id: 'a-1',
    tool: 'tickets.create',
    idempotency_key: 'k',
    status_code: 201,
    cost_usd: 0.01,
    bundle_hash: 'a'.repeat(64),
  },
);

describe('event attestations', () => {
  let executorKey: SigningKey;
  let policyKey: SigningKey;
  let keyring: ServiceKeyring;

  beforeAll(async () => {
    const generated = await generateGateKeys();
    ({ keyring } = generated);
    executorKey = generated.keys.executor;
    policyKey = generated.keys.policy;
  });

  it('verifies an event attested by a gate allowed to emit it', async () => {
    const attested = await attestEvent(executorKey, 'executor', outcome);
    expect(await verifyEventAttestation(attested, keyring, ['executor'])).toEqual({
      ok: true,
      gate: 'executor',
    });
  });

  it('reports an event without attestation as missing', async () => {
    expect(await verifyEventAttestation(outcome, keyring, ['executor'])).toMatchObject({
      ok: false,
      code: 'missing_attestation',
    });
  });

  it('refuses a gate that does not emit this kind of event, and a key claiming another gate', async () => {
    const byPolicy = await attestEvent(policyKey, 'policy', outcome);
    expect(await verifyEventAttestation(byPolicy, keyring, ['executor'])).toMatchObject({
      ok: false,
      code: 'invalid_attestation',
    });
    const impostor = await attestEvent(policyKey, 'executor', outcome);
    const check = await verifyEventAttestation(impostor, keyring, ['executor']);
    expect(check).toMatchObject({ ok: false, reason: expect.stringContaining('belongs to the policy gate') });
  });

  it('refuses an attestation copied onto any other event, whatever member changed', async () => {
    const attested = await attestEvent(executorKey, 'executor', outcome);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('id', 'runid', 'time', 'source', 'type'),
        fc.string({ minLength: 1, maxLength: 20 }),
        async (member, value) => {
          fc.pre((attested as Record<string, unknown>)[member] !== value);
          const altered = { ...attested, [member]: value };
          expect((await verifyEventAttestation(altered, keyring, ['executor'])).ok).toBe(false);
        },
      ),
      { numRuns: 50 },
    );
    const reasonChanged = { ...attested, data: { ...attested.data, reason_code: 'tool_call_failed' } };
    expect((await verifyEventAttestation(reasonChanged, keyring, ['executor'])).ok).toBe(false);
  });

  it('never throws, whatever sits in the attestation member', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.string({ unit: 'binary' })), async (attestation) => {
        const check = await verifyEventAttestation({ ...outcome, attestation }, keyring, ['executor']);
        expect(check.ok).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it('hashes an event the same with or without its attestation', async () => {
    const attested = await attestEvent(executorKey, 'executor', outcome);
    expect(eventHash(attested)).toBe(eventHash(outcome));
  });

  it('lets a downstream system verify an executed action with the published JWKS only', async () => {
    const jwks = publishedJwks(keyring);
    expect(jwks.keys.map((key) => [key.kid, key.airlock_gate])).toContainEqual([
      'executor-key-1',
      'executor',
    ]);
    expect(jwks.keys.some((key) => 'd' in key)).toBe(false);
    expect(Object.keys(keyringFromJwks(jwks)).sort()).toEqual(Object.keys(keyring).sort());
    const attested = await attestEvent(executorKey, 'executor', executed);
    expect(await verifyExecutedAction(attested, jwks)).toEqual({ ok: true, gate: 'executor' });
    const byPolicy = await attestEvent(policyKey, 'policy', executed);
    expect((await verifyExecutedAction(byPolicy, jwks)).ok).toBe(false);
    const attestedOutcome = await attestEvent(executorKey, 'executor', outcome);
    expect(await verifyExecutedAction(attestedOutcome, jwks)).toMatchObject({
      ok: false,
      code: 'invalid_attestation',
    });
  });
});

describe('attestations are standard compact JWS', () => {
  it('verify with a general JOSE library, as a downstream system in another language would', async () => {
    const { compactVerify, importJWK } = await import('jose');
    const { keys, keyring } = await generateGateKeys();
    const attested = await attestEvent(keys.executor, 'executor', outcome);
    const publicJwk = keyring[keys.executor.kid]?.jwk as Parameters<typeof importJWK>[0];
    const { payload, protectedHeader } = await compactVerify(
      attested.attestation,
      await importJWK(publicJwk, 'EdDSA'),
    );
    expect(protectedHeader).toMatchObject({ alg: 'EdDSA', kid: keys.executor.kid, typ: 'airlock-event+jws' });
    expect(JSON.parse(new TextDecoder().decode(payload))).toMatchObject({
      gate: 'executor',
      event_hash: eventHash(outcome),
    });
  });
});
