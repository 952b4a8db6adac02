import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { publicMembersOf, type ServiceKeyring, type SigningKey } from './signing-keys';

/**
 * Imported keys, kept: importing an Ed25519 JWK costs more than the signature it is used for, and
 * a gate signs and verifies with the same handful of keys all day. Keyed by the key material
 * itself, so a rotated key under an old kid is never confused with its predecessor.
 */
const imported = new Map<string, KeyObject>();

function cached(cacheKey: string, load: () => KeyObject): KeyObject {
  let key = imported.get(cacheKey);
  if (key === undefined) {
    key = load();
    imported.set(cacheKey, key);
  }
  return key;
}

export function privateKeyOf(key: SigningKey): KeyObject {
  const { kty, crv, x, d } = key.privateJwk;
  return cached(`private:${key.kid}:${String(x)}:${String(d)}`, () =>
    createPrivateKey({ key: { kty: kty ?? '', crv, x, d }, format: 'jwk' }),
  );
}

export function publicKeyOf(jwk: ServiceKeyring[string]['jwk']): KeyObject {
  const members = publicMembersOf(jwk);
  return cached(`public:${String(members.crv)}:${String(members.x)}`, () =>
    createPublicKey({ key: { kty: members.kty, crv: members.crv, x: members.x }, format: 'jwk' }),
  );
}
