import { CompactSign, compactVerify, decodeProtectedHeader } from 'jose';
import { canonicalJson } from './canonical-json';
import { parseSignedClaims, type BoundClaims, type SignedClaims } from './attestation-claims';
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
  return new CompactSign(new TextEncoder().encode(canonicalJson(signed)))
    .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: attestationJwsType })
    .sign(await privateKeyOf(key));
}

export async function verifyAttestation(
  jws: string,
  keyring: ServiceKeyring,
): Promise<AttestationVerification> {
  const header = readHeader(jws);
  if (!header.ok) return header;
  const { kid } = header;
  const trusted = Object.prototype.hasOwnProperty.call(keyring, kid) ? keyring[kid] : undefined;
  if (trusted === undefined)
    return { ok: false, reason: `attestation key ${kid} is not in the service keyring` };

  const payload = await verifiedPayload(jws, trusted.jwk);
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

function readHeader(jws: string): { ok: true; kid: string } | { ok: false; reason: string } {
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(jws);
  } catch {
    return { ok: false, reason: 'attestation is not a decodable compact JWS' };
  }
  if (header.alg !== 'EdDSA')
    return { ok: false, reason: `attestation is signed with ${String(header.alg)}, not EdDSA` };
  if (header.typ !== attestationJwsType) return { ok: false, reason: 'JWS is not an Airlock attestation' };
  if (typeof header.kid !== 'string' || header.kid === '')
    return { ok: false, reason: 'attestation has no key id' };
  return { ok: true, kid: header.kid };
}

async function verifiedPayload(jws: string, jwk: ServiceKeyring[string]['jwk']): Promise<unknown> {
  try {
    const { payload } = await compactVerify(jws, await publicKeyOf(jwk), { algorithms: ['EdDSA'] });
    return JSON.parse(new TextDecoder().decode(payload)) as unknown;
  } catch {
    return undefined;
  }
}
