import { sign, verify, type KeyObject } from 'node:crypto';

/**
 * Compact JWS (RFC 7515) with EdDSA over Ed25519, on node:crypto directly: the gates sign and check
 * several of these per message, and a general JOSE library's option handling cost about as much
 * as the signature itself. Only what gates emit is supported: no `crit`, no unencoded payloads.
 */
export interface JwsHeader {
  alg: 'EdDSA';
  kid: string;
  typ: string;
}

export function signCompactJws(header: JwsHeader, payload: string, privateKey: KeyObject): string {
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(payload)}`;
  const signature = sign(null, Buffer.from(signingInput, 'ascii'), privateKey);
  return `${signingInput}.${signature.toString('base64url')}`;
}

/** The decoded parts of a compact JWS whose header is one gates emit, or why it is not one. */
export type ReadJws =
  | { ok: true; header: JwsHeader; payload: string; signingInput: string; signature: Buffer }
  | { ok: false; reason: string };

export function readCompactJws(jws: string, expectedType: string): ReadJws {
  const parts = jws.split('.');
  if (parts.length !== 3 || parts.some((part) => !/^[A-Za-z0-9_-]+$/.test(part))) {
    return { ok: false, reason: 'not a compact JWS' };
  }
  const header = parsedObject(parts[0]);
  if (header === undefined) return { ok: false, reason: 'its header is not a JSON object' };
  if (header['alg'] !== 'EdDSA')
    return { ok: false, reason: `it is signed with ${String(header['alg'])}, not EdDSA` };
  if (header['typ'] !== expectedType) return { ok: false, reason: `it is not of type ${expectedType}` };
  if ('crit' in header || 'b64' in header)
    return { ok: false, reason: 'it uses header extensions Airlock does not sign with' };
  const kid = header['kid'];
  if (typeof kid !== 'string' || kid === '') return { ok: false, reason: 'it names no key id' };
  return {
    ok: true,
    header: { alg: 'EdDSA', kid, typ: expectedType },
    payload: Buffer.from(parts[1], 'base64url').toString('utf8'),
    signingInput: `${parts[0]}.${parts[1]}`,
    signature: Buffer.from(parts[2], 'base64url'),
  };
}

export function signatureVerifies(jws: Extract<ReadJws, { ok: true }>, publicKey: KeyObject): boolean {
  try {
    return verify(null, Buffer.from(jws.signingInput, 'ascii'), publicKey, jws.signature);
  } catch {
    return false;
  }
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

function parsedObject(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
