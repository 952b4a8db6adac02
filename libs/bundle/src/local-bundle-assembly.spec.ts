import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompactSign, compactVerify, importJWK } from 'jose';
import {
  assembleLocalBundle,
  BundleError,
  loadBundle,
  readJsonFile,
  readServiceKeyring,
  readSigningKey,
  readStringMap,
  type Ed25519PublicJwk,
  type LocalBundlePaths,
} from './index';

const exampleBundleDir = join(__dirname, '../../../deploy/bundle');

describe('assembleLocalBundle', () => {
  let workDir: string;
  const assemble = () =>
    assembleLocalBundle({
      sourceDir: exampleBundleDir,
      outDir: join(workDir, 'bundle'),
      secretsDir: join(workDir, 'secrets'),
    });

  beforeEach(() => (workDir = mkdtempSync(join(tmpdir(), 'airlock-local-'))));
  afterEach(() => rmSync(workDir, { recursive: true, force: true }));

  async function signsAndVerifies(privateKeyFile: string, publicJwk: Ed25519PublicJwk): Promise<boolean> {
    const { privateJwk } = readSigningKey(privateKeyFile);
    const jws = await new CompactSign(Buffer.from('proposal'))
      .setProtectedHeader({ alg: 'EdDSA' })
      .sign(await importJWK(privateJwk));
    const verified = await compactVerify(jws, await importJWK({ ...publicJwk, alg: 'EdDSA' }));
    return Buffer.from(verified.payload).toString() === 'proposal';
  }

  it('produces a loadable bundle whose agent key verifies signatures made with the private key file', async () => {
    const paths = await assemble();
    const agent = loadBundle(paths.bundleDir).agents.get('support-triage');
    expect(agent?.public_keys).toEqual([
      expect.objectContaining({ kid: 'support-triage-1', kty: 'OKP', crv: 'Ed25519' }),
    ]);
    await expect(
      signsAndVerifies(paths.agentKeyFiles['support-triage'], agent!.public_keys[0]),
    ).resolves.toBe(true);
  });

  it('stores the hash of each approver token in approvers.json', async () => {
    const paths = await assemble();
    const tokens = readStringMap(paths.approverTokensFile, 'approver tokens');
    expect(Object.keys(tokens).sort()).toEqual(['alice', 'bob']);
    for (const approver of loadBundle(paths.bundleDir).approvers.approvers) {
      expect(Buffer.from(tokens[approver.id], 'base64url')).toHaveLength(32);
      expect(approver.token_sha256).toBe(createHash('sha256').update(tokens[approver.id]).digest('hex'));
    }
  });

  it('gives operators tokens of their own, in their own file, hashed into approvers.json', async () => {
    const paths = await assemble();
    const tokens = readStringMap(paths.operatorTokensFile, 'operator tokens');
    expect(Object.keys(tokens)).toEqual(['olivia']);
    const approverTokens = Object.values(readStringMap(paths.approverTokensFile, 'approver tokens'));
    expect(approverTokens).not.toContain(tokens['olivia']);
    const [olivia] = loadBundle(paths.bundleDir).approvers.operators ?? [];
    expect(olivia.token_sha256).toBe(createHash('sha256').update(tokens['olivia']).digest('hex'));
  });

  it("gives each submitter a key and each agent it acts for a token, hashed into the submitter's file", async () => {
    const paths = await assemble();
    const submitter = loadBundle(paths.bundleDir).submitters.get('mcp-gateway');
    expect(submitter?.public_keys).toEqual([expect.objectContaining({ kid: 'mcp-gateway-1' })]);
    await expect(
      signsAndVerifies(paths.submitterKeyFiles['mcp-gateway'], submitter!.public_keys[0]),
    ).resolves.toBe(true);
    const tokens = readStringMap(paths.submitterTokensFile, 'submitter tokens');
    expect(Object.keys(tokens)).toEqual(['mcp-gateway/support-triage']);
    expect(submitter?.agents).toEqual([
      {
        id: 'support-triage',
        token_sha256: createHash('sha256').update(tokens['mcp-gateway/support-triage']).digest('hex'),
      },
    ]);
    expect(statSync(paths.submitterTokensFile).mode & 0o777).toBe(0o600);
  });

  it('writes a service keyring whose keys verify each gate signing key', async () => {
    const paths = await assemble();
    const keyring = readServiceKeyring(paths.keyringFile);
    expect(Object.keys(keyring).sort()).toEqual([
      'approval-1',
      'budget-1',
      'executor-1',
      'intake-1',
      'policy-1',
    ]);
    for (const [gate, keyFile] of Object.entries(paths.serviceKeyFiles)) {
      expect(keyring[`${gate}-1`].gate).toBe(gate);
      await expect(signsAndVerifies(keyFile, keyring[`${gate}-1`].jwk)).resolves.toBe(true);
    }
  });

  it('gives every agent and tool pair its own credential and creates an empty destinations file', async () => {
    const paths = await assemble();
    const credentials = readStringMap(paths.toolCredentialsFile, 'tool credentials');
    expect(Object.keys(credentials).sort()).toEqual([
      'support-triage/email.send',
      'support-triage/payments.refund',
      'support-triage/tickets.create',
    ]);
    expect(new Set(Object.values(credentials)).size).toBe(3);
    expect(readJsonFile(paths.destinationsFile, 'destinations')).toEqual({});
  });

  it('keeps keys, tokens, credentials, destinations and the bundle hash when run again', async () => {
    const first = await assemble();
    const snapshot = (paths: LocalBundlePaths) => ({
      agentKey: readFileSync(paths.agentKeyFiles['support-triage'], 'utf8'),
      serviceKey: readFileSync(paths.serviceKeyFiles.policy, 'utf8'),
      tokens: readFileSync(paths.approverTokensFile, 'utf8'),
      submitterKey: readFileSync(paths.submitterKeyFiles['mcp-gateway'], 'utf8'),
      submitterTokens: readFileSync(paths.submitterTokensFile, 'utf8'),
      credentials: readFileSync(paths.toolCredentialsFile, 'utf8'),
      keyring: readFileSync(paths.keyringFile, 'utf8'),
      hash: loadBundle(paths.bundleDir).hash,
    });
    const before = snapshot(first);
    writeFileSync(first.destinationsFile, JSON.stringify({ payments: 'http://127.0.0.1:9999' }));
    const second = await assemble();
    expect(snapshot(second)).toEqual(before);
    expect(readJsonFile(second.destinationsFile, 'destinations')).toEqual({
      payments: 'http://127.0.0.1:9999',
    });
  });

  it('keeps secrets readable by their owner only', async () => {
    const paths = await assemble();
    expect(statSync(paths.secretsDir).mode & 0o777).toBe(0o700);
    expect(statSync(paths.agentKeyFiles['support-triage']).mode & 0o777).toBe(0o600);
    expect(statSync(paths.toolCredentialsFile).mode & 0o777).toBe(0o600);
  });

  it('refuses an output directory inside the source bundle', async () => {
    const inside = {
      sourceDir: exampleBundleDir,
      outDir: join(exampleBundleDir, 'out'),
      secretsDir: join(workDir, 's'),
    };
    await expect(assembleLocalBundle(inside)).rejects.toThrow(BundleError);
  });

  it('says how to create a missing secrets file', () => {
    expect(() => readSigningKey(join(workDir, 'nope.json'))).toThrow(
      /is missing: generate it with assembleLocalBundle/,
    );
  });
});
