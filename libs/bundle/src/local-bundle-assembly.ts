import { secretsLayout } from './secrets-layout';
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { publishedJwks } from '@airlock/attestation';
import type {
  AgentRecord,
  ApproverRegistry,
  LauncherRecord,
  SubmitterRecord,
  TokenAccount,
} from '@airlock/contracts';
import { BundleError } from './bundle-error';
import { loadBundle } from './load-bundle';
import {
  attestingGates,
  ensureSecretDir,
  toPublicJwk,
  writeSecretFile,
  type AttestingGate,
  type ServiceKeyring,
} from './local-secret-files';
import {
  ensureDestinationsFile,
  ensureSigningKey,
  ensureTokenFile,
  sha256Hex,
} from './local-secret-generation';

export interface LocalBundleOptions {
  /** The committed bundle, whose agents have no keys and approvers no token hashes. */
  sourceDir: string;
  /** Where the runnable bundle goes; its previous content is replaced. */
  outDir: string;
  /** Where generated secrets live (git-ignored); existing ones are reused. */
  secretsDir: string;
}

export interface LocalBundlePaths {
  bundleDir: string;
  secretsDir: string;
  agentKeyFiles: Record<string, string>;
  launcherKeyFiles: Record<string, string>;
  submitterKeyFiles: Record<string, string>;
  /** `{ "<submitter id>/<agent id>": bearer token }`: what each agent's MCP client presents. */
  submitterTokensFile: string;
  approverTokensFile: string;
  operatorTokensFile: string;
  serviceKeyFiles: Record<AttestingGate, string>;
  keyringFile: string;
  toolCredentialsFile: string;
  destinationsFile: string;
}

/**
 * Turns the committed example bundle into a runnable one for local development and tests:
 * generates (once) the keys and tokens a real deployment would provision, writes their public
 * halves and hashes into a copy of the bundle, and leaves the private halves in `secretsDir`.
 */
export async function assembleLocalBundle(opts: LocalBundleOptions): Promise<LocalBundlePaths> {
  const sourceDir = resolve(opts.sourceDir);
  const bundleDir = resolve(opts.outDir);
  const secretsDir = resolve(opts.secretsDir);
  refuseOverlaps(sourceDir, bundleDir, secretsDir);
  const source = loadBundle(sourceDir);
  for (const dir of [
    secretsDir,
    ...['agents', 'launchers', 'submitters', 'services'].map((sub) => join(secretsDir, sub)),
  ]) {
    ensureSecretDir(dir);
  }
  rmSync(bundleDir, { recursive: true, force: true });
  cpSync(sourceDir, bundleDir, { recursive: true });

  const layout = secretsLayout(secretsDir);
  const agentKeyFiles = provisionSignerKeys(source.agents.values(), bundleDir, 'agents', layout.agentKeyFile);
  const launcherKeyFiles = provisionSignerKeys(
    source.launchers.values(),
    bundleDir,
    'launchers',
    layout.launcherKeyFile,
  );
  const submitterKeyFiles = provisionSubmitters(source.submitters.values(), bundleDir, layout);
  const { approverTokensFile, operatorTokensFile, keyringFile, toolCredentialsFile, destinationsFile } =
    layout;
  provisionTokens(source.approvers, bundleDir, { approverTokensFile, operatorTokensFile });
  const serviceKeyFiles = provisionServiceKeys(layout);
  const pairs = [...source.agents.keys()].flatMap((agent) =>
    [...source.tools.keys()].map((tool) => `${agent}/${tool}`),
  );
  ensureTokenFile(toolCredentialsFile, 'tool credentials', pairs);
  ensureDestinationsFile(destinationsFile);

  loadBundle(bundleDir); // what we wrote must load, or the services would fail later and less clearly
  return {
    bundleDir,
    secretsDir,
    agentKeyFiles,
    launcherKeyFiles,
    submitterKeyFiles,
    submitterTokensFile: layout.submitterTokensFile,
    approverTokensFile,
    operatorTokensFile,
    serviceKeyFiles,
    keyringFile,
    toolCredentialsFile,
    destinationsFile,
  };
}

/**
 * Replacing outDir deletes it first: if it held or sat inside the source, or held the secrets,
 * that would delete them; secrets inside the source would be copied into the bundle.
 */
function refuseOverlaps(sourceDir: string, outDir: string, secretsDir: string): void {
  if (isSameOrInside(sourceDir, outDir) || isSameOrInside(outDir, sourceDir)) {
    throw new BundleError(
      `${outDir}: the output directory must not contain or be inside the source bundle ${sourceDir}`,
    );
  }
  if (
    isSameOrInside(secretsDir, outDir) ||
    isSameOrInside(outDir, secretsDir) ||
    isSameOrInside(sourceDir, secretsDir)
  ) {
    throw new BundleError(
      `${secretsDir}: the secrets directory must be outside the source and output bundles`,
    );
  }
}

function isSameOrInside(parent: string, child: string): boolean {
  const path = relative(parent, child);
  return path === '' || (path !== '..' && !path.startsWith(`..${sep}`) && !isAbsolute(path));
}

/**
 * Signers (agents, launchers) that already list keys are provisioned elsewhere; each keyless one
 * gets a local key, its public half written into its file in the bundle copy.
 */
function provisionSignerKeys<T extends AgentRecord | LauncherRecord>(
  signers: Iterable<T>,
  bundleDir: string,
  folder: 'agents' | 'launchers',
  keyFileOf: (id: string) => string,
): Record<string, string> {
  const keyFiles: Record<string, string> = {};
  for (const signer of signers) {
    if (signer.public_keys.length > 0) continue;
    const keyFile = keyFileOf(signer.id);
    const privateJwk = ensureSigningKey(keyFile, `${signer.id}-1`);
    writeBundleJson(join(bundleDir, folder, `${signer.id}.json`), {
      ...signer,
      public_keys: [toPublicJwk(privateJwk)],
    });
    keyFiles[signer.id] = keyFile;
  }
  return keyFiles;
}

/**
 * A keyless submitter gets a local key, as launchers do, and each agent it lists without a token
 * hash a local token (one file for all submitters): the key stays with the submitter, the token
 * with the agent's MCP client, and the bundle holds only the public key and the token's hash.
 */
function provisionSubmitters(
  submitters: Iterable<SubmitterRecord>,
  bundleDir: string,
  layout: SecretsLayout,
): Record<string, string> {
  const all = [...submitters];
  const tokenName = (submitter: SubmitterRecord, agentId: string) => `${submitter.id}/${agentId}`;
  const tokens = ensureTokenFile(
    layout.submitterTokensFile,
    'submitter tokens',
    all.flatMap((submitter) =>
      submitter.agents
        .filter((agent) => agent.token_sha256 === '')
        .map((agent) => tokenName(submitter, agent.id)),
    ),
  );
  const keyFiles: Record<string, string> = {};
  for (const submitter of all) {
    let publicKeys = submitter.public_keys;
    if (publicKeys.length === 0) {
      keyFiles[submitter.id] = layout.submitterKeyFile(submitter.id);
      publicKeys = [toPublicJwk(ensureSigningKey(keyFiles[submitter.id], `${submitter.id}-1`))];
    }
    const agents = submitter.agents.map((agent) => {
      const token = tokens[tokenName(submitter, agent.id)];
      return token === undefined ? agent : { ...agent, token_sha256: sha256Hex(token) };
    });
    writeBundleJson(join(bundleDir, 'submitters', `${submitter.id}.json`), {
      ...submitter,
      agents,
      public_keys: publicKeys,
    });
  }
  return keyFiles;
}

/** Approvers and operators without a token hash get a local token each, in a file per role. */
function provisionTokens(
  registry: ApproverRegistry,
  bundleDir: string,
  files: { approverTokensFile: string; operatorTokensFile: string },
): void {
  const approvers = withLocalTokens(registry.approvers, files.approverTokensFile, 'approver tokens');
  const operators = withLocalTokens(registry.operators ?? [], files.operatorTokensFile, 'operator tokens');
  writeBundleJson(join(bundleDir, 'approvers.json'), { ...registry, approvers, operators });
}

function withLocalTokens(
  accounts: readonly TokenAccount[],
  tokensFile: string,
  what: string,
): TokenAccount[] {
  const needingTokens = accounts.filter((account) => account.token_sha256 === '').map((a) => a.id);
  const tokens = ensureTokenFile(tokensFile, what, needingTokens);
  return accounts.map((account) =>
    tokens[account.id] === undefined ? account : { ...account, token_sha256: sha256Hex(tokens[account.id]) },
  );
}

function provisionServiceKeys(layout: SecretsLayout): Record<AttestingGate, string> {
  const keyFiles = {} as Record<AttestingGate, string>;
  const keyring: ServiceKeyring = {};
  for (const gate of attestingGates) {
    keyFiles[gate] = layout.gateKeyFile(gate);
    const publicJwk = toPublicJwk(ensureSigningKey(keyFiles[gate], `${gate}-1`));
    keyring[publicJwk.kid] = { gate, jwk: publicJwk };
  }
  writeSecretFile(layout.keyringFile, keyring);
  writeFileSync(layout.jwksFile, `${JSON.stringify(publishedJwks(keyring), null, 2)}\n`);
  return keyFiles;
}

type SecretsLayout = ReturnType<typeof secretsLayout>;

function writeBundleJson(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}
