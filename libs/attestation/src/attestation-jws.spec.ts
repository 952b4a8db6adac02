import { CompactSign, importJWK, type JWK } from 'jose';
import { generateGateKeys, type GateKeys } from './attestation-test-fixtures';
import { signAttestation, verifyAttestation } from './attestation-jws';
import { generateSigningKey } from './signing-keys';

const bound = { proposal_id: 'prop-1', proposal_hash: 'a'.repeat(64) };

describe('signAttestation and verifyAttestation', () => {
  let gates: GateKeys;
  beforeAll(async () => {
    gates = await generateGateKeys();
  });

  it('round-trips the claims with the signing time in seconds', async () => {
    const jws = await signAttestation(
      gates.keys.budget,
      { gate: 'budget', verdict: 'reserved', reserved_cost_usd: 0.25, ...bound },
      new Date('2024-05-01T12:00:00.900Z'),
    );
    const result = await verifyAttestation(jws, gates.keyring);
    expect(result).toEqual({
      ok: true,
      claims: { gate: 'budget', verdict: 'reserved', reserved_cost_usd: 0.25, ...bound, iat: 1714564800 },
    });
  });

  it('refuses an attestation signed by a key that is not in the keyring', async () => {
    const { signingKey } = await generateSigningKey('rogue-key');
    const jws = await signAttestation(signingKey, { gate: 'intake', verdict: 'accepted', ...bound });
    expect(await verifyAttestation(jws, gates.keyring)).toEqual({
      ok: false,
      reason: 'attestation key rogue-key is not in the service keyring',
    });
  });

  it('refuses a policy key attesting a budget reservation', async () => {
    const jws = await signAttestation(gates.keys.policy, {
      gate: 'budget',
      verdict: 'reserved',
      reserved_cost_usd: 1,
      ...bound,
    });
    const result = await verifyAttestation(jws, gates.keyring);
    expect(result).toEqual({ ok: false, reason: expect.stringMatching(/belongs to the policy gate/) });
  });

  it('refuses a forged key claiming a trusted key id', async () => {
    const { signingKey } = await generateSigningKey(gates.keys.intake.kid);
    const jws = await signAttestation(signingKey, { gate: 'intake', verdict: 'accepted', ...bound });
    expect(await verifyAttestation(jws, gates.keyring)).toEqual({
      ok: false,
      reason: 'attestation signature does not verify with key intake-key-1',
    });
  });

  it('refuses a payload altered after signing', async () => {
    const jws = await signAttestation(gates.keys.policy, {
      gate: 'policy',
      verdict: 'approval_required',
      ...bound,
    });
    const [header, , signature] = jws.split('.');
    const altered = Buffer.from(
      JSON.stringify({ gate: 'policy', verdict: 'allow', ...bound, iat: 1 }),
    ).toString('base64url');
    expect((await verifyAttestation(`${header}.${altered}.${signature}`, gates.keyring)).ok).toBe(false);
  });

  it.each(['', 'garbage', 'a.b.c', 'eyJhbGciOiJFZERTQSJ9..'])('refuses JWS garbage %p', async (jws) => {
    expect(await verifyAttestation(jws, gates.keyring)).toEqual({ ok: false, reason: expect.any(String) });
  });

  it('refuses a JWS signed correctly but without the attestation type', async () => {
    const key = await importJWK(gates.keys.intake.privateJwk as JWK, 'EdDSA');
    const jws = await new CompactSign(
      Buffer.from(JSON.stringify({ gate: 'intake', verdict: 'accepted', ...bound, iat: 1 })),
    )
      .setProtectedHeader({ alg: 'EdDSA', kid: gates.keys.intake.kid })
      .sign(key);
    expect(await verifyAttestation(jws, gates.keyring)).toEqual({
      ok: false,
      reason: expect.stringContaining('it is not of type airlock-attestation+jws'),
    });
  });

  it('refuses a verdict the gate can never give, even when correctly signed', async () => {
    const key = await importJWK(gates.keys.policy.privateJwk as JWK, 'EdDSA');
    const jws = await new CompactSign(
      Buffer.from(JSON.stringify({ gate: 'policy', verdict: 'deny', ...bound, iat: 1 })),
    )
      .setProtectedHeader({ alg: 'EdDSA', kid: gates.keys.policy.kid, typ: 'airlock-attestation+jws' })
      .sign(key);
    expect(await verifyAttestation(jws, gates.keyring)).toEqual({
      ok: false,
      reason: 'policy cannot attest verdict deny',
    });
  });

  it('verifies with a keyring entry that mistakenly carries the private part', async () => {
    const keyring = {
      [gates.keys.intake.kid]: { gate: 'intake' as const, jwk: gates.keys.intake.privateJwk },
    };
    const jws = await signAttestation(gates.keys.intake, { gate: 'intake', verdict: 'accepted', ...bound });
    expect((await verifyAttestation(jws, keyring)).ok).toBe(true);
  });
});
