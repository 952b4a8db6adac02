import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gateNames, type AgentRecord, type GateName } from '@airlock/contracts';
import { BundleError } from './bundle-error';

/** The public half of an Ed25519 key, exactly as agents/<id>.json lists it. */
export type Ed25519PublicJwk = AgentRecord['public_keys'][number];

/**
 * An Ed25519 private JWK as written by assembleLocalBundle; `alg` lets jose import it without a
 * hint. A type alias rather than an interface so it stays assignable to node's JsonWebKey.
 */
export type Ed25519PrivateJwk = Ed25519PublicJwk & { d: string; alg: 'EdDSA' };

export interface SigningKey {
  kid: string;
  privateJwk: Ed25519PrivateJwk;
}

/** Every gate signs what it emits (its verdicts, its outcomes, the executor its executed actions). */
export const attestingGates = gateNames;
export type AttestingGate = GateName;

/** Public keys of the attesting gates by kid, as the executor reads them. */
export type ServiceKeyring = Record<string, { gate: AttestingGate; jwk: Ed25519PublicJwk }>;

const secretFileMode = 0o600;
const secretDirMode = 0o700;

export function ensureSecretDir(path: string): void {
  mkdirSync(path, { recursive: true, mode: secretDirMode });
  // mkdir's mode applies only to directories it creates; an existing one may be wider.
  chmodSync(path, secretDirMode);
}

export function writeSecretFile(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`, { mode: secretFileMode });
  chmodSync(path, secretFileMode);
}

/** Reads a JSON file; `what` names it in errors, e.g. "approver tokens". */
export function readJsonFile<T>(path: string, what: string): T {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new BundleError(`${what} file ${path} is missing: generate it with assembleLocalBundle`);
    }
    throw new BundleError(`${what} file ${path} cannot be read: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new BundleError(`${what} file ${path} is not valid JSON: ${(error as Error).message}`);
  }
}

/** Reads a `{ name: string }` file such as approver-tokens.json or tool-credentials.json. */
export function readStringMap(path: string, what: string): Record<string, string> {
  const value = readJsonFile<unknown>(path, what);
  if (!isRecord(value) || !Object.values(value).every((entry) => typeof entry === 'string')) {
    throw new BundleError(`${what} file ${path} must be a JSON object whose values are strings`);
  }
  return value as Record<string, string>;
}

export function readSigningKey(path: string): SigningKey {
  const jwk = readJsonFile<unknown>(path, 'signing key');
  if (!isEd25519PrivateJwk(jwk)) {
    throw new BundleError(`signing key file ${path} is not an Ed25519 private JWK with kid, x and d`);
  }
  return { kid: jwk.kid, privateJwk: { ...jwk, alg: 'EdDSA' } };
}

export function readServiceKeyring(path: string): ServiceKeyring {
  const keyring = readJsonFile<unknown>(path, 'service keyring');
  if (!isRecord(keyring)) {
    throw new BundleError(`service keyring file ${path} must be a JSON object keyed by kid`);
  }
  for (const [kid, entry] of Object.entries(keyring)) {
    const valid =
      isRecord(entry) &&
      (attestingGates as readonly unknown[]).includes(entry['gate']) &&
      isEd25519PublicJwk(entry['jwk']) &&
      entry['jwk'].kid === kid;
    if (!valid) {
      throw new BundleError(
        `service keyring file ${path}: entry "${kid}" needs a known gate and an Ed25519 jwk with kid "${kid}"`,
      );
    }
  }
  return keyring as ServiceKeyring;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isEd25519PublicJwk(value: unknown): value is Ed25519PublicJwk {
  return (
    isRecord(value) &&
    value['kty'] === 'OKP' &&
    value['crv'] === 'Ed25519' &&
    typeof value['x'] === 'string' &&
    typeof value['kid'] === 'string'
  );
}

export function isEd25519PrivateJwk(value: unknown): value is Ed25519PrivateJwk {
  return isEd25519PublicJwk(value) && typeof (value as Record<string, unknown>)['d'] === 'string';
}

export function toPublicJwk(privateJwk: Ed25519PrivateJwk): Ed25519PublicJwk {
  return { kty: privateJwk.kty, crv: privateJwk.crv, x: privateJwk.x, kid: privateJwk.kid };
}
