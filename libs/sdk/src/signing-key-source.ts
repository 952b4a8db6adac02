import type { SigningKey } from '@airlock/attestation';
import { readSigningKey } from '@airlock/bundle';

/**
 * A key given as is, or the path of a private JWK file in the format `npm start` and the test
 * stacks write (`agents/<id>.private.jwk.json`, `launchers/<id>.private.jwk.json`: docs/protocol.md).
 */
export type KeySource = SigningKey | string;

export function signingKeyFrom(source: KeySource): SigningKey {
  return typeof source === 'string' ? readSigningKey(source) : source;
}
