import { canonicalJson } from './canonical-json';
import { parseSignedClaims, type BoundClaims, type SignedClaims } from './attestation-claims';
import { readCompactJws, signatureVerifies, signCompactJws } from './ed25519-compact-jws';
import { privateKeyOf, publicKeyOf } from './key-cache';
import type { ServiceKeyring, SigningKey } from './signing-keys';

/** Distinguishes an attestation from an agent's proposal JWS, which is signed the same way. */
export const attestationJwsType = 'airlock-attestation+jws';

export type AttestationVerification = { ok: true; claims: SignedClaims } | { ok: false; reason: string };

export async function signAttestation(
  key: SigningKey,
  claims: BoundClaims,
  now: Date = new Date(),
): Promise<string> {
  const signed: SignedClaims = { ...claims, iat: Math.floor(now.getTime() / 1000) };
  const header = { alg: 'EdDSA', kid: key.kid, typ: attestationJwsType } as const;
  return signCompactJws(header, canonicalJson(signed), privateKeyOf(key));
}

export async function verifyAttestation(
  jws: string,
  keyring: ServiceKeyring,
): Promise<AttestationVerification> {
  const read = readCompactJws(jws, attestationJwsType);
  if (!read.ok) return { ok: false, reason: `the attestation is not usable: ${read.reason}` };
  const { kid } = read.header;
  const trusted = Object.prototype.hasOwnProperty.call(keyring, kid) ? keyring[kid] : undefined;
  if (trusted === undefined)
    return { ok: false, reason: `attestation key ${kid} is not in the service keyring` };

  const payload = verifiedPayload(read, trusted.jwk);
  if (payload === undefined)
    return { ok: false, reason: `attestation signature does not verify with key ${kid}` };
  const parsed = parseSignedClaims(payload);
  if (!parsed.ok) return parsed;
  // Each key speaks for one gate only: a compromised policy key must not be able to reserve budget.
  if (parsed.claims.gate !== trusted.gate) {
    return {
      ok: false,
      reason: `key ${kid} belongs to the ${trusted.gate} gate and cannot attest for ${parsed.claims.gate}`,
    };
  }
  return parsed;
}

function verifiedPayload(
  read: Extract<ReturnType<typeof readCompactJws>, { ok: true }>,
  jwk: ServiceKeyring[string]['jwk'],
): unknown {
  try {
    return signatureVerifies(read, publicKeyOf(jwk)) ? (JSON.parse(read.payload) as unknown) : undefined;
  } catch {
    // A keyring entry that is not a usable key verifies nothing.
    return undefined;
  }
}
