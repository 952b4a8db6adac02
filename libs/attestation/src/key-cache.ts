import { importJWK, type KeyLike } from 'jose';
import { asJoseJwk, publicMembersOf, type ServiceKeyring, type SigningKey } from './signing-keys';

/**
 * Imported keys, kept: importing an Ed25519 JWK costs more than the signature it is used for, and
 * a gate signs and verifies with the same handful of keys all day. Keyed by the key material
 * itself, so a rotated key under an old kid is never confused with its predecessor.
 */
const imported = new Map<string, Promise<KeyLike | Uint8Array>>();

function cached(cacheKey: string, load: () => Promise<KeyLike | Uint8Array>): Promise<KeyLike | Uint8Array> {
  let key = imported.get(cacheKey);
  if (key === undefined) {
    key = load();
    imported.set(cacheKey, key);
    // A failed import must not be remembered: the next call reports the error again.
    key.catch(() => imported.delete(cacheKey));
  }
  return key;
}

export function privateKeyOf(key: SigningKey): Promise<KeyLike | Uint8Array> {
  const jwk = asJoseJwk(key.privateJwk);
  return cached(`private:${key.kid}:${String(jwk.x)}:${String(jwk.d)}`, () => importJWK(jwk, 'EdDSA'));
}

export function publicKeyOf(jwk: ServiceKeyring[string]['jwk']): Promise<KeyLike | Uint8Array> {
  const members = publicMembersOf(jwk);
  return cached(`public:${String(members.crv)}:${String(members.x)}`, () => importJWK(members, 'EdDSA'));
}
