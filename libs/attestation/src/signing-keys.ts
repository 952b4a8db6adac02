import type { JsonWebKey } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import type { GateName } from '@airlock/contracts';

/** A service's (or an agent's) Ed25519 private key as an OKP JWK, with the key id put in JWS headers. */
export interface SigningKey {
  kid: string;
  privateJwk: JsonWebKey;
}

/** The public keys the executor trusts, each allowed to speak for exactly one gate. */
export type ServiceKeyring = Record<string /* kid */, { gate: GateName; jwk: JsonWebKey }>;

export async function generateSigningKey(
  kid: string,
): Promise<{ signingKey: SigningKey; publicJwk: JsonWebKey }> {
  const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const privateJwk = { ...(await exportJWK(privateKey)), kid } as JsonWebKey;
  const publicJwk = { ...(await exportJWK(publicKey)), kid } as JsonWebKey;
  return { signingKey: { kid, privateJwk }, publicJwk };
}

/**
 * Only the public members of an Ed25519 JWK. A keyring entry copied with its private part `d` by
 * mistake must still verify as a public key, and must never be usable to sign.
 */
export function publicMembersOf(jwk: JsonWebKey): JWK {
  return { kty: jwk.kty ?? '', crv: jwk.crv, x: jwk.x };
}

/** The same JWK, typed for jose (node's JsonWebKey allows members of any type). */
export function asJoseJwk(jwk: JsonWebKey): JWK {
  return jwk as JWK;
}
