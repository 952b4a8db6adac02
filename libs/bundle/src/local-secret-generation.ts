import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { BundleError } from './bundle-error';
import {
  readJsonFile,
  readSigningKey,
  readStringMap,
  writeSecretFile,
  type Ed25519PrivateJwk,
} from './local-secret-files';

/**
 * Returns the key stored at `path`, creating it first if absent. Reusing keys is what makes
 * local runs repeatable: agents and services started earlier keep working after a re-run.
 */
export function ensureSigningKey(path: string, kid: string): Ed25519PrivateJwk {
  if (!existsSync(path)) {
    const { privateKey } = generateKeyPairSync('ed25519');
    const jwk = privateKey.export({ format: 'jwk' });
    const privateJwk = { kty: 'OKP', crv: 'Ed25519', x: jwk.x, d: jwk.d, kid, alg: 'EdDSA' };
    try {
      // 'wx' fails if another process created the key meanwhile; its key then wins below.
      writeFileSync(path, `${JSON.stringify(privateJwk, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  const { privateJwk } = readSigningKey(path);
  if (privateJwk.kid !== kid) {
    throw new BundleError(`signing key file ${path} has kid "${privateJwk.kid}", expected "${kid}"`);
  }
  return privateJwk;
}

/** A bearer secret: 32 random bytes, base64url, so it fits headers and URLs unescaped. */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * Writes `{ name: token }` for exactly `names`, keeping tokens already in the file and generating
 * the missing ones. Names no longer wanted are dropped so stale credentials do not linger.
 */
export function ensureTokenFile(
  path: string,
  what: string,
  names: readonly string[],
): Record<string, string> {
  const existing = existsSync(path) ? readStringMap(path, what) : {};
  const tokens = Object.fromEntries(names.map((name) => [name, existing[name] ?? generateToken()]));
  writeSecretFile(path, tokens);
  return tokens;
}

/** The caller owns destinations.json (base URLs of the test or real systems); only create it empty. */
export function ensureDestinationsFile(path: string): void {
  if (existsSync(path)) {
    readJsonFile<unknown>(path, 'destinations');
    return;
  }
  writeSecretFile(path, {});
}
