import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, unlinkSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BundleError, loadBundle } from './index';

const exampleBundleDir = join(__dirname, '../../../deploy/bundle');

describe('loadBundle', () => {
  let copyDir: string;
  beforeEach(() => {
    copyDir = join(mkdtempSync(join(tmpdir(), 'airlock-bundle-')), 'bundle');
    cpSync(exampleBundleDir, copyDir, { recursive: true });
  });
  afterEach(() => rmSync(join(copyDir, '..'), { recursive: true, force: true }));

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each test breaks a different field of raw bundle JSON
  const editJson = (relativePath: string, edit: (value: any) => void) => {
    const path = join(copyDir, relativePath);
    const value = JSON.parse(readFileSync(path, 'utf8'));
    edit(value);
    writeFileSync(path, JSON.stringify(value));
  };

  it('loads the example bundle with its agents, tools, policies, budgets and approvers', () => {
    const bundle = loadBundle(exampleBundleDir);
    expect([...bundle.agents.keys()]).toEqual(['support-triage']);
    expect([...bundle.tools.keys()].sort()).toEqual(['email.send', 'payments.refund', 'tickets.create']);
    expect(Object.keys(bundle.policies)).toEqual(['support.cedar']);
    expect(bundle.budgets.per_run.max_tool_calls).toBe(3);
    expect(bundle.approvers.approvers.map((a) => a.id)).toEqual(['alice', 'bob']);
  });

  it('gives the same 64-hex content hash on every load, wherever the directory is', () => {
    const first = loadBundle(exampleBundleDir).hash;
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(loadBundle(exampleBundleDir).hash).toBe(first);
    expect(loadBundle(copyDir).hash).toBe(first);
  });

  it('changes the hash when any file changes, even one the loader does not read', () => {
    const before = loadBundle(copyDir).hash;
    writeFileSync(join(copyDir, 'README.md'), 'notes\n');
    const withReadme = loadBundle(copyDir).hash;
    writeFileSync(
      join(copyDir, 'policies/support.cedar'),
      readFileSync(join(copyDir, 'policies/support.cedar'), 'utf8') + '\n',
    );
    expect(new Set([before, withReadme, loadBundle(copyDir).hash]).size).toBe(3);
  });

  it('rejects a tool with a negative cost, naming the file and the field', () => {
    editJson('tools/payments.refund.json', (tool) => (tool.cost.per_call_usd = -1));
    expect(() => loadBundle(copyDir)).toThrow(
      new BundleError('tools/payments.refund.json: /cost/per_call_usd must be >= 0'),
    );
  });

  it('loads the result facts a tool declares', () => {
    const facts = { largest_id: { from: '$.tickets[*]', max_by: 'age_days', take: 'id' } };
    editJson('tools/tickets.create.json', (tool) => (tool.result_facts = facts));
    expect(loadBundle(copyDir).tools.get('tickets.create')?.result_facts).toEqual(facts);
  });

  it.each([
    [
      'a misspelt key',
      { ids: { from: '$[*]', takes: 'id' } },
      /result_facts\/ids must NOT have additional properties/,
    ],
    [
      'a path that is not $.a[*].b',
      { ids: { from: 'files[*]', take: 'id' } },
      /result_facts\/ids\/from must match pattern/,
    ],
    [
      'a greatest item without take',
      { ids: { from: '$[*]', max_by: 'size' } },
      /must have property take when property max_by is present/,
    ],
    [
      'both max_by and min_by',
      { ids: { from: '$[*]', max_by: 'a', min_by: 'b', take: 'id' } },
      /result_facts\/ids must NOT be valid/,
    ],
    ['a fact name in capitals', { Ids: { from: '$[*]' } }, /property name must be valid/],
  ])('rejects result facts with %s, naming the file', (_what, facts, message) => {
    editJson('tools/tickets.create.json', (tool) => (tool.result_facts = facts));
    expect(() => loadBundle(copyDir)).toThrow(message);
  });

  it('rejects a result fact over a field the executor redacts', () => {
    editJson('tools/tickets.create.json', (tool) => {
      tool.sensitive_fields = ['Email'];
      tool.result_facts = { owners: { from: '$.tickets[*].owner', take: 'email' } };
    });
    expect(() => loadBundle(copyDir)).toThrow(
      new BundleError(
        'tools/tickets.create.json: result fact owners reads email, which the tool lists in sensitive_fields: the executor redacts it before anyone reads the answer',
      ),
    );
  });

  it('rejects one result fact declared as a set by one tool and as one value by another', () => {
    editJson('tools/tickets.create.json', (tool) => (tool.result_facts = { ticket: { from: '$.id' } }));
    editJson(
      'tools/email.send.json',
      (tool) => (tool.result_facts = { ticket: { from: '$[*]', max_by: 'n', take: 'id' } }),
    );
    expect(() => loadBundle(copyDir)).toThrow(
      /result fact ticket is (one value|a set) here but (a set|one value) in tools\//,
    );
  });

  it('loads a preview whose path and changes name arguments the tool takes', () => {
    const preview = {
      path: '/charges/{charge_id}',
      after: { amount_refunded_cents: { add: '$.amount_cents' } },
    };
    editJson('tools/payments.refund.json', (tool) => (tool.preview = preview));
    expect(loadBundle(copyDir).tools.get('payments.refund')?.preview).toEqual(preview);
  });

  it.each([
    [
      'its path',
      { path: '/charges/{charge}', after: { amount_refunded_cents: { add: '$.amount_cents' } } },
      '$.charge',
    ],
    [
      'its changes',
      { path: '/charges/{charge_id}', after: { amount_refunded_cents: '$.amount' } },
      '$.amount',
    ],
    [
      'a member of a string',
      { path: '/charges/{charge_id.x}', after: { reason: '$.reason' } },
      '$.charge_id.x',
    ],
  ])('rejects a preview naming in %s an argument the schema does not allow', (_where, preview, path) => {
    editJson('tools/payments.refund.json', (tool) => (tool.preview = preview));
    expect(() => loadBundle(copyDir)).toThrow(
      new BundleError(
        `tools/payments.refund.json: preview reads the argument at ${path}, which arguments_schema does not allow`,
      ),
    );
  });

  it('rejects a tool file that is not JSON, naming the file', () => {
    writeFileSync(join(copyDir, 'tools/email.send.json'), '{ nope');
    expect(() => loadBundle(copyDir)).toThrow(/^tools\/email\.send\.json: is not valid JSON/);
  });

  it('rejects a tool whose arguments schema is not a JSON Schema', () => {
    editJson('tools/email.send.json', (tool) => (tool.arguments_schema = { type: 'text' }));
    expect(() => loadBundle(copyDir)).toThrow(
      /^tools\/email\.send\.json: \/arguments_schema is not a valid JSON Schema/,
    );
  });

  it('rejects a tool file named after another tool', () => {
    editJson('tools/email.send.json', (tool) => (tool.name = 'email.blast'));
    expect(() => loadBundle(copyDir)).toThrow(
      'tools/email.send.json: name is "email.blast", so the file must be named tools/email.blast.json',
    );
  });

  it('rejects a key id used by two agents', () => {
    const key = { kty: 'OKP', crv: 'Ed25519', x: 'abc', kid: 'shared-1' };
    editJson('agents/support-triage.json', (agent) => (agent.public_keys = [key]));
    writeFileSync(
      join(copyDir, 'agents/other.json'),
      JSON.stringify({ id: 'other', owner: 'bob', public_keys: [key] }),
    );
    expect(() => loadBundle(copyDir)).toThrow(
      'agents/support-triage.json: key id "shared-1" is already used by agent "other"',
    );
  });

  it('rejects an agent whose owner is not an approver', () => {
    editJson('agents/support-triage.json', (agent) => (agent.owner = 'mallory'));
    expect(() => loadBundle(copyDir)).toThrow(
      'agents/support-triage.json: owner "mallory" is not an approver in approvers.json',
    );
  });

  it('rejects an approver id listed twice', () => {
    editJson('approvers.json', (registry) => registry.approvers.push({ ...registry.approvers[0] }));
    expect(() => loadBundle(copyDir)).toThrow('approvers.json: approver id "alice" appears twice');
  });

  it('rejects a bundle without policy files', () => {
    unlinkSync(join(copyDir, 'policies/support.cedar'));
    expect(() => loadBundle(copyDir)).toThrow(/^policies\/: the bundle has no \*\.cedar file/);
  });

  it('loads the limits across runs and the meters they cap', () => {
    const bundle = loadBundle(exampleBundleDir);
    expect(bundle.budgets.limits?.map((limit) => limit.id)).toEqual([
      'support-refunds-per-day',
      'team-spend-per-month',
      'team-inference-per-day',
    ]);
    expect(bundle.tools.get('payments.refund')?.meters).toEqual({ money_moved_cents: '$.amount_cents' });
    expect(bundle.prices.models['gpt-4o-mini']).toEqual({
      input_usd_per_million_tokens: 0.15,
      output_usd_per_million_tokens: 0.6,
    });
  });

  it.each([
    ['a tool that is not in the bundle', { tool: 'payments.refnud' }, /names tool payments.refnud/],
    ['a meter no tool declares', { meter: 'money_moved', max: 1, tool: undefined }, /which no tool declares/],
    ['a meter its tool does not declare', { tool: 'tickets.create' }, /tool tickets.create does not declare/],
    ['both a call cap and a meter', { max_calls: 3 }, /budgets.json/],
    ['calls in flight over a window', { meter: undefined, max: undefined, max_in_flight: 2 }, /budgets.json/],
    ['inference on one tool', { meter: undefined, max: undefined, max_inference_usd: 1 }, /budgets.json/],
  ])('rejects a limit on %s', (_what, change, message) => {
    editJson('budgets.json', (budgets) => Object.assign(budgets.limits[0], change));
    expect(() => loadBundle(copyDir)).toThrow(message);
  });

  it('rejects inference caps when no model has a price', () => {
    unlinkSync(join(copyDir, 'prices.json'));
    expect(() => loadBundle(copyDir)).toThrow(
      'budgets.json caps inference spend, but prices.json prices no model',
    );
  });

  it('rejects a limit id used twice', () => {
    editJson('budgets.json', (budgets) => (budgets.limits[1].id = budgets.limits[0].id));
    expect(() => loadBundle(copyDir)).toThrow(/limit id "support-refunds-per-day" appears twice/);
  });

  it('loads the entities policies read, and refuses an agent among them or one listed twice', () => {
    mkdirSync(join(copyDir, 'entities'));
    const write = (entities: unknown[]) =>
      writeFileSync(join(copyDir, 'entities', 'users.json'), JSON.stringify({ entities }));
    write([{ uid: { type: 'User', id: 'u-1' }, attrs: { payees: ['DE89'] } }]);
    expect(loadBundle(copyDir).entities).toEqual([
      { uid: { type: 'User', id: 'u-1' }, attrs: { payees: ['DE89'] } },
    ]);
    write([{ uid: { type: 'Agent', id: 'support-triage' } }]);
    expect(() => loadBundle(copyDir)).toThrow(
      'entities/users.json: Agent::"support-triage" belongs in agents/',
    );
    write([{ uid: { type: 'User', id: 'u-1' } }, { uid: { type: 'User', id: 'u-1' } }]);
    expect(() => loadBundle(copyDir)).toThrow('entities/: entity "User::u-1" appears twice');
  });

  it('loads the submitters that sign for agents', () => {
    const submitter = loadBundle(exampleBundleDir).submitters.get('mcp-gateway');
    expect(submitter?.agents).toEqual([{ id: 'support-triage', token_sha256: '' }]);
  });

  it('rejects a submitter acting for an agent that is not in agents/', () => {
    editJson('submitters/mcp-gateway.json', (submitter) =>
      submitter.agents.push({ id: 'ghost', token_sha256: '' }),
    );
    expect(() => loadBundle(copyDir)).toThrow('submitters/mcp-gateway.json: agent "ghost" is not in agents/');
  });

  it('rejects a submitter listing an agent twice, or two agents with one token hash', () => {
    const hash = 'a'.repeat(64);
    editJson('submitters/mcp-gateway.json', (submitter) =>
      submitter.agents.push({ id: 'support-triage', token_sha256: '' }),
    );
    expect(() => loadBundle(copyDir)).toThrow(
      'submitters/mcp-gateway.json: agent "support-triage" appears twice',
    );
    writeFileSync(
      join(copyDir, 'agents/other.json'),
      JSON.stringify({ id: 'other', owner: 'bob', public_keys: [] }),
    );
    editJson('submitters/mcp-gateway.json', (submitter) => {
      submitter.agents = [
        { id: 'support-triage', token_sha256: hash },
        { id: 'other', token_sha256: hash },
      ];
    });
    expect(() => loadBundle(copyDir)).toThrow(
      `submitters/mcp-gateway.json: token_sha256 "${hash}" appears twice`,
    );
  });

  it('rejects a submitter key id that a launcher already uses', () => {
    const key = { kty: 'OKP', crv: 'Ed25519', x: 'abc', kid: 'shared-1' };
    editJson('launchers/support-desk.json', (launcher) => (launcher.public_keys = [key]));
    editJson('submitters/mcp-gateway.json', (submitter) => (submitter.public_keys = [key]));
    expect(() => loadBundle(copyDir)).toThrow(
      'submitters/mcp-gateway.json: key id "shared-1" is already used by launcher "support-desk"',
    );
  });

  it('rejects a bundle without budgets.json', () => {
    unlinkSync(join(copyDir, 'budgets.json'));
    expect(() => loadBundle(copyDir)).toThrow('budgets.json: is missing from the bundle');
  });
});
