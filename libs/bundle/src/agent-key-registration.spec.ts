import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BundleError, loadBundle, nextKid, readSigningKey, registerAgentKey } from './index';

const exampleBundleDir = join(__dirname, '../../../deploy/bundle');

describe('registerAgentKey', () => {
  let workDir: string;
  let bundleDir: string;
  let secretsDir: string;

  beforeEach(() => {
    workDir = mkdtempSync(join(tmpdir(), 'airlock-agent-key-'));
    bundleDir = join(workDir, 'bundle');
    secretsDir = join(workDir, 'secrets');
    cpSync(exampleBundleDir, bundleDir, { recursive: true });
  });
  afterEach(() => rmSync(workDir, { recursive: true, force: true }));

  it('writes the private key as a secret and lists its public half in the agent record', () => {
    const registered = registerAgentKey({ bundleDir, secretsDir, agentId: 'support-triage' });

    expect(registered).toMatchObject({ kid: 'support-triage-1', createdRecord: false });
    expect(registered.privateKeyFile).toBe(join(secretsDir, 'agents', 'support-triage.private.jwk.json'));
    expect(statSync(registered.privateKeyFile).mode & 0o777).toBe(0o600);
    const { privateJwk } = readSigningKey(registered.privateKeyFile);
    const agent = loadBundle(bundleDir).agents.get('support-triage');
    expect(agent?.public_keys).toEqual([
      { kty: 'OKP', crv: 'Ed25519', x: privateJwk.x, kid: 'support-triage-1' },
    ]);
    expect(agent?.owner).toBe('alice');
  });

  it('rotates: keeps the old public key listed and moves the old private key aside, never deleting it', () => {
    const first = registerAgentKey({ bundleDir, secretsDir, agentId: 'support-triage' });
    const firstKey = readFileSync(first.privateKeyFile, 'utf8');
    const second = registerAgentKey({ bundleDir, secretsDir, agentId: 'support-triage' });

    expect(second.kid).toBe('support-triage-2');
    expect(second.replacedKeyFile).toBe(
      join(secretsDir, 'agents', 'support-triage.support-triage-1.private.jwk.json'),
    );
    expect(readFileSync(second.replacedKeyFile ?? '', 'utf8')).toBe(firstKey);
    const kids = loadBundle(bundleDir)
      .agents.get('support-triage')
      ?.public_keys.map((key) => key.kid);
    expect(kids).toEqual(['support-triage-1', 'support-triage-2']);
  });

  it('creates the record of a new agent only when told its owner', () => {
    expect(() => registerAgentKey({ bundleDir, secretsDir, agentId: 'billing-bot' })).toThrow(/owner/);
    const registered = registerAgentKey({
      bundleDir,
      secretsDir,
      agentId: 'billing-bot',
      owner: 'bob',
      team: 'finance',
    });

    expect(registered.createdRecord).toBe(true);
    expect(loadBundle(bundleDir).agents.get('billing-bot')).toMatchObject({ owner: 'bob', team: 'finance' });
  });

  it('puts everything back when the changed bundle does not load', () => {
    expect(() =>
      registerAgentKey({ bundleDir, secretsDir, agentId: 'ghost', owner: 'nobody-we-know' }),
    ).toThrow(BundleError);
    expect(existsSync(join(bundleDir, 'agents', 'ghost.json'))).toBe(false);
    expect(existsSync(join(secretsDir, 'agents', 'ghost.private.jwk.json'))).toBe(false);
  });

  it('refuses an id that is not a plain file name', () => {
    expect(() => registerAgentKey({ bundleDir, secretsDir, agentId: '../escape', owner: 'bob' })).toThrow(
      /not an agent id/,
    );
  });

  it('refuses a record that is not JSON, leaving it as it was', () => {
    const recordFile = join(bundleDir, 'agents', 'support-triage.json');
    writeFileSync(recordFile, '{ not json');
    expect(() => registerAgentKey({ bundleDir, secretsDir, agentId: 'support-triage' })).toThrow(
      /not valid JSON/,
    );
    expect(readFileSync(recordFile, 'utf8')).toBe('{ not json');
  });
});

describe('nextKid', () => {
  it('numbers one past the highest kid of the agent in use, ignoring others', () => {
    expect(nextKid('a', [])).toBe('a-1');
    expect(nextKid('a', ['a-1', 'a-3', undefined, 'b-9', 'a-x', 'a-b-7'])).toBe('a-4');
  });
});
