import { join } from 'node:path';
import {
  readServiceKeyring,
  readSigningKey,
  type AttestingGate,
  type ServiceKeyring,
  type SigningKey,
} from './local-secret-files';

/**
 * Where each secret lives inside a secrets directory. assembleLocalBundle writes this layout and
 * the services read it, so the file names are written here once.
 */
export function secretsLayout(secretsDir: string) {
  return {
    agentKeyFile: (agentId: string) => join(secretsDir, 'agents', `${agentId}.private.jwk.json`),
    launcherKeyFile: (launcherId: string) => join(secretsDir, 'launchers', `${launcherId}.private.jwk.json`),
    submitterKeyFile: (submitterId: string) =>
      join(secretsDir, 'submitters', `${submitterId}.private.jwk.json`),
    gateKeyFile: (gate: AttestingGate) => join(secretsDir, 'services', `${gate}.private.jwk.json`),
    keyringFile: join(secretsDir, 'service-keyring.json'),
    /** The same public keys as a JWKS, the form downstream systems fetch (not secret). */
    jwksFile: join(secretsDir, 'jwks.json'),
    approverTokensFile: join(secretsDir, 'approver-tokens.json'),
    operatorTokensFile: join(secretsDir, 'operator-tokens.json'),
    /** The bearer token each agent's client presents to a submitter, keyed `<submitter id>/<agent id>`. */
    submitterTokensFile: join(secretsDir, 'submitter-tokens.json'),
    toolCredentialsFile: join(secretsDir, 'tool-credentials.json'),
    destinationsFile: join(secretsDir, 'destinations.json'),
  };
}

/** What an attesting gate needs: its own signing key, and the keyring to check the gates before it. */
export function readGateKeys(
  secretsDir: string,
  gate: AttestingGate,
): { signingKey: SigningKey; keyring: ServiceKeyring } {
  const layout = secretsLayout(secretsDir);
  return {
    signingKey: readSigningKey(layout.gateKeyFile(gate)),
    keyring: readServiceKeyring(layout.keyringFile),
  };
}
