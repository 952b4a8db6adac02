import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@airlock/service-runtime';
import { CliConfig, checkoutRoot } from '../cli-config';
import type { CliContext } from '../command';
import { policyCommands } from './policy-commands';

const whocan = policyCommands.find((command) => command.words.join(' ') === 'policy whocan');

/** whocan against the example bundle, with the executor's credentials as a secrets directory holds them. */
async function whocanRefund(secretsDir: string) {
  const context = {
    config: loadConfig(CliConfig, { AIRLOCK_SECRETS_DIR: secretsDir }),
    checkoutBundleDir: join(checkoutRoot(), 'deploy', 'bundle'),
  } as CliContext;
  return whocan!.run({ operands: { tool: 'payments.refund' }, options: {} }, context);
}

describe('airlock policy whocan', () => {
  let secretsDir: string;

  beforeEach(() => {
    secretsDir = mkdtempSync(join(tmpdir(), 'airlock-whocan-'));
  });

  afterEach(() => {
    rmSync(secretsDir, { recursive: true, force: true });
  });

  it('says who may refund on what conditions, who approves, and that the agent holds the credential', async () => {
    writeFileSync(
      join(secretsDir, 'tool-credentials.json'),
      JSON.stringify({ 'support-triage/payments.refund': 'not shown' }),
    );
    const result = await whocanRefund(secretsDir);
    expect(result.lines).toEqual([
      expect.stringMatching(/^payments\.refund: write, acts on payments /),
      `  credentials as provisioned in ${join(secretsDir, 'tool-credentials.json')}`,
      '  support-triage (team support) [credential held]: depends on the call',
      '    denied when !(context.arguments.amount_cents <= 50000)   [refund-ceiling]',
      '    a human approves (bob) when context.arguments.amount_cents <= 50000   [support-refunds-need-approval]',
    ]);
    expect(JSON.stringify(result)).not.toContain('not shown');
    expect(result.data).toMatchObject({
      agents: [{ agent_id: 'support-triage', credential: 'provisioned' }],
    });
  });

  it('names an agent without the credential, whose calls would fail, and says when it cannot tell', async () => {
    writeFileSync(
      join(secretsDir, 'tool-credentials.json'),
      JSON.stringify({ 'support-triage/tickets.create': 'x' }),
    );
    expect((await whocanRefund(secretsDir)).lines[2]).toBe(
      '  support-triage (team support) [NO credential, its calls fail]: depends on the call',
    );
    rmSync(join(secretsDir, 'tool-credentials.json'));
    const unknown = await whocanRefund(secretsDir);
    expect(unknown.lines[1]).toContain('which agents hold a credential is unknown here');
    expect(unknown.lines[2]).toBe('  support-triage (team support): depends on the call');
  });
});
