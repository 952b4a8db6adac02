import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { AgentRecord } from '@airlock/contracts';
import { BundleError } from './bundle-error';
import { loadBundle } from './load-bundle';
import { ensureSecretDir, readSigningKey, toPublicJwk, type Ed25519PublicJwk } from './local-secret-files';
import { ensureSigningKey } from './local-secret-generation';
import { secretsLayout } from './secrets-layout';

export interface AgentKeyRegistration {
  /** The bundle directory whose agents/<id>.json lists the new public key. */
  bundleDir: string;
  /** Where the private key goes: `agents/<id>.private.jwk.json` of this secrets directory. */
  secretsDir: string;
  agentId: string;
  /** Needed only when the bundle has no record of the agent yet: it is created with them. */
  owner?: string;
  team?: string;
}

export interface RegisteredAgentKey {
  agentId: string;
  kid: string;
  publicJwk: Ed25519PublicJwk;
  recordFile: string;
  privateKeyFile: string;
  /** Where the key that was at privateKeyFile before now lives; it is moved aside, never deleted. */
  replacedKeyFile?: string;
  /** Every key id the record lists now, the new one last: agents signing with any of them are accepted. */
  listedKids: string[];
  /** True when the agent had no record and this created it. */
  createdRecord: boolean;
}

/** The agent id rule of schemas/bundle/agent.schema.json; it also keeps the id a plain file name. */
const agentIdPattern = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;

/**
 * Generates an Ed25519 key pair for an agent, writes the private half where the local secrets keep
 * agent keys, and appends the public half to the agent's record in the bundle. Keys the record
 * already lists stay, so agents still signing with them keep working during a rotation. If the
 * changed bundle does not load, everything is put back as it was.
 */
export function registerAgentKey(request: AgentKeyRegistration): RegisteredAgentKey {
  const { agentId, bundleDir } = request;
  if (!agentIdPattern.test(agentId) || agentId.length > 128) {
    throw new BundleError(`"${agentId}" is not an agent id: letters, digits and . _ : - (at most 128)`);
  }
  const recordFile = join(bundleDir, 'agents', `${agentId}.json`);
  const existing = existsSync(recordFile) ? readFileSync(recordFile, 'utf8') : undefined;
  const record = existing === undefined ? newRecord(request, recordFile) : parseRecord(existing, recordFile);
  const privateKeyFile = secretsLayout(request.secretsDir).agentKeyFile(agentId);
  const previousKid = existsSync(privateKeyFile) ? readSigningKey(privateKeyFile).kid : undefined;
  const kid = nextKid(agentId, [...record.public_keys.map((key) => key.kid), previousKid]);

  ensureSecretDir(dirname(privateKeyFile));
  const replacedKeyFile =
    previousKid === undefined
      ? undefined
      : join(dirname(privateKeyFile), `${agentId}.${previousKid}.private.jwk.json`);
  if (replacedKeyFile !== undefined) renameSync(privateKeyFile, replacedKeyFile);
  const publicJwk = toPublicJwk(ensureSigningKey(privateKeyFile, kid));
  writeFileSync(
    recordFile,
    `${JSON.stringify({ ...record, public_keys: [...record.public_keys, publicJwk] }, null, 2)}\n`,
  );
  try {
    loadBundle(bundleDir);
  } catch (error) {
    if (existing === undefined) rmSync(recordFile);
    else writeFileSync(recordFile, existing);
    rmSync(privateKeyFile);
    if (replacedKeyFile !== undefined) renameSync(replacedKeyFile, privateKeyFile);
    throw error;
  }
  return {
    agentId,
    kid,
    publicJwk,
    recordFile,
    privateKeyFile,
    ...(replacedKeyFile === undefined ? {} : { replacedKeyFile }),
    listedKids: [...record.public_keys.map((key) => key.kid), kid],
    createdRecord: existing === undefined,
  };
}

function newRecord(request: AgentKeyRegistration, recordFile: string): AgentRecord {
  if (request.owner === undefined) {
    throw new BundleError(
      `${recordFile} does not exist: name the agent's owner (an approver id) to create it`,
    );
  }
  return {
    id: request.agentId,
    owner: request.owner,
    ...(request.team === undefined ? {} : { team: request.team }),
    public_keys: [],
  };
}

function parseRecord(text: string, recordFile: string): AgentRecord {
  let record: AgentRecord;
  try {
    record = JSON.parse(text) as AgentRecord;
  } catch (error) {
    throw new BundleError(`${recordFile} is not valid JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(record?.public_keys)) throw new BundleError(`${recordFile} has no public_keys list`);
  return record;
}

/**
 * `<agent>-<n>`, one past the highest n in use: a kid names one key for good, and reusing one that
 * a record or a key file still holds would let two keys answer to it.
 */
export function nextKid(agentId: string, kidsInUse: readonly (string | undefined)[]): string {
  const prefix = `${agentId}-`;
  const numbers = kidsInUse
    .filter((kid): kid is string => kid !== undefined && kid.startsWith(prefix))
    .map((kid) => Number(kid.slice(prefix.length)))
    .filter((n) => Number.isInteger(n) && n > 0);
  return `${prefix}${Math.max(0, ...numbers) + 1}`;
}
