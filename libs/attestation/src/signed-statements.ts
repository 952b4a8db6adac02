import type { JsonWebKey } from 'node:crypto';
import { canonicalJson } from './canonical-json';
import { readCompactJws, signatureVerifies, signCompactJws } from './ed25519-compact-jws';
import { privateKeyOf, publicKeyOf } from './key-cache';
import type { SigningKey } from './signing-keys';

/**
 * A statement someone outside the gates signs with their own key, of a type of its own (a
 * launcher's run ticket, say): a compact EdDSA JWS over the statement's canonical JSON.
 */
export function signStatement(key: SigningKey, type: string, statement: unknown): string {
  return signCompactJws(
    { alg: 'EdDSA', kid: key.kid, typ: type },
    canonicalJson(statement),
    privateKeyOf(key),
  );
}

export type StatementCheck = { ok: true; kid: string; statement: unknown } | { ok: false; reason: string };

/**
 * Verifies a statement of `type` with the key `keyOf` finds for its key id; the statement is
 * returned only when the signature verifies. Never throws.
 */
export function verifyStatement(
  jws: string,
  type: string,
  keyOf: (kid: string) => JsonWebKey | undefined,
): StatementCheck {
  const read = readCompactJws(jws, type);
  if (!read.ok) return { ok: false, reason: read.reason };
  const kid = read.header.kid;
  const jwk = keyOf(kid);
  if (jwk === undefined) return { ok: false, reason: `key id ${kid.slice(0, 128)} is not registered` };
  let publicKey;
  try {
    publicKey = publicKeyOf(jwk);
  } catch {
    return { ok: false, reason: `key ${kid} is not an Ed25519 public key` };
  }
  if (!signatureVerifies(read, publicKey))
    return { ok: false, reason: `the signature does not verify with key ${kid}` };
  try {
    return { ok: true, kid, statement: JSON.parse(read.payload) as unknown };
  } catch {
    return { ok: false, reason: 'its payload is not JSON' };
  }
}

/**
 * A statement's content without checking its signature: only for a reader after the gate that
 * verified it, whose attestation binds the content it checked. Undefined when it is not one.
 */
export function readStatementUnverified(jws: string, type: string): unknown {
  const read = readCompactJws(jws, type);
  if (!read.ok) return undefined;
  try {
    return JSON.parse(read.payload) as unknown;
  } catch {
    return undefined;
  }
}
