import type { AgentRecord, Proposal, ToolDefinition } from '@airlock/contracts';
import { createPolicyEngine } from './policy-engine';
import { emptyRunHistory, recordCall, recordResult, type RunHistory } from './run-history';

const tool = (name: string, extra: Partial<ToolDefinition> = {}): ToolDefinition => ({
  name,
  description: name,
  risk: 'write',
  idempotent: true,
  arguments_schema: { type: 'object' },
  cost: { per_call_usd: 0 },
  adapter: { type: 'http', destination: 'd', method: 'POST', path: '/' },
  allowed_hosts: ['localhost'],
  sensitive_fields: [],
  ...extra,
});
const readMail = tool('mail.read', { returns_untrusted_content: true });
const sendMail = tool('mail.send', { recipients: ['$.to', '$.cc'] });
const transfer = tool('bank.transfer', {
  meters: { money_moved_cents: '$.amount_cents' },
  recipients: ['$.iban'],
});
const tools = new Map([readMail, sendMail, transfer].map((each) => [each.name, each]));

const proposal = (toolName: string, args: Record<string, unknown>): Proposal => ({
  proposal_id: 'p-1',
  run_id: 'run-1',
  agent_id: 'assistant',
  tool: toolName,
  arguments: args,
  issued_at: '2026-11-25T00:00:00Z',
});
const agent: AgentRecord = { id: 'assistant', owner: 'alice', public_keys: [] };

function historyOf(calls: [ToolDefinition, Record<string, unknown>][]): RunHistory {
  return calls.reduce(
    (history, [each, args]) => recordCall(history, proposal(each.name, args), each),
    emptyRunHistory,
  );
}

describe('recordCall', () => {
  it('counts calls and meters, collects recipients in lower case, and remembers untrusted content', () => {
    const history = historyOf([
      [transfer, { amount_cents: 2500, iban: 'DE89' }],
      [readMail, {}],
      [sendMail, { to: 'Bob@Example.com', cc: ['carol@example.com', 'bob@example.com'] }],
      [transfer, { amount_cents: 100, iban: 'DE89' }],
    ]);
    expect(history).toEqual({
      calls: { 'bank.transfer': 2, 'mail.read': 1, 'mail.send': 1 },
      meters: { money_moved_cents: 2600 },
      recipients: ['bob@example.com', 'carol@example.com', 'de89'],
      tainted: true,
      last_tools: ['bank.transfer', 'mail.read', 'mail.send', 'bank.transfer'],
      results: {},
    });
  });

  it('keeps only the last five tools', () => {
    const history = historyOf(
      Array.from({ length: 7 }, () => [readMail, {}] as [ToolDefinition, Record<string, unknown>]),
    );
    expect(history.last_tools).toHaveLength(5);
    expect(history.calls['mail.read']).toBe(7);
  });
});

const listFiles = tool('drive.list_files', {
  risk: 'read',
  result_facts: {
    listed_file_ids: { from: '$.files[*]', take: 'id' },
    largest_file_id: { from: '$.files[*]', max_by: 'size', take: 'id' },
  },
});
const searchFiles = tool('drive.search', {
  risk: 'read',
  result_facts: { found_file_ids: { from: '$[*]', take: 'id' } },
});
const deleteFile = tool('drive.delete_file');
const drive = {
  files: [
    { id: 'f-1', size: 10 },
    { id: 'f-2', size: 30 },
  ],
};

describe('recordResult', () => {
  it("keeps the facts of a tool's answer beside what the calls left, and changes nothing else", () => {
    const before = historyOf([[readMail, {}]]);
    const after = recordResult(before, listFiles, drive);
    expect(after).toEqual({
      ...before,
      results: { listed_file_ids: ['f-1', 'f-2'], largest_file_id: 'f-2' },
    });
  });

  it("replaces a tool's facts by its latest answer, dropping those the answer no longer supports", () => {
    const searched = recordResult(emptyRunHistory, searchFiles, [{ id: 'f-9' }]);
    const listed = recordResult(searched, listFiles, drive);
    const tied = recordResult(listed, listFiles, {
      files: [
        { id: 'f-3', size: 5 },
        { id: 'f-4', size: 5 },
      ],
    });
    expect(tied.results).toEqual({ found_file_ids: ['f-9'], listed_file_ids: ['f-3', 'f-4'] });
    expect(recordResult(listed, listFiles, drive, true).results).toEqual({ found_file_ids: ['f-9'] });
  });

  it('changes nothing for a tool that declares no result facts', () => {
    const listed = recordResult(emptyRunHistory, listFiles, drive);
    expect(recordResult(listed, deleteFile, { files: [{ id: 'x', size: 99 }] })).toEqual(listed);
  });

  it('is kept by later calls', () => {
    const listed = recordResult(emptyRunHistory, listFiles, drive);
    expect(recordCall(listed, proposal('drive.delete_file', { file_id: 'f-2' }), deleteFile).results).toEqual(
      listed.results,
    );
  });
});

describe('policies over the facts of earlier answers', () => {
  const engine = createPolicyEngine({
    tools: new Map([listFiles, deleteFile].map((each) => [each.name, each])),
    policies: {
      'drive.cedar': `
        @id("delete-the-largest-listed-file")
        permit (principal, action == Action::"drive.delete_file", resource)
        when { context.history.results has largest_file_id && context.history.results.largest_file_id == context.arguments.file_id };
        @id("delete-another-file-needs-a-human")
        @approval("required")
        permit (principal, action == Action::"drive.delete_file", resource)
        unless { context.history.results has largest_file_id && context.history.results.largest_file_id == context.arguments.file_id };
        @id("delete-only-listed-files")
        forbid (principal, action == Action::"drive.delete_file", resource)
        unless { context.history.results has listed_file_ids && context.history.results.listed_file_ids.contains(context.arguments.file_id) };`,
    },
  });
  const remove = (fileId: string) => proposal('drive.delete_file', { file_id: fileId });
  const listed = recordResult(emptyRunHistory, listFiles, drive);

  it('allows deleting the largest file the listing showed, and sends another listed one to a human', () => {
    expect(engine.decide(remove('f-2'), agent, undefined, listed)).toMatchObject({
      decision: 'allow',
      policy_ids: ['delete-the-largest-listed-file'],
    });
    expect(engine.decide(remove('f-1'), agent, undefined, listed)).toMatchObject({
      decision: 'approval_required',
      policy_ids: ['delete-another-file-needs-a-human'],
    });
  });

  it('refuses a file no listing showed, and before any listing (no fact) lets no rule over it match', () => {
    expect(engine.decide(remove('f-7'), agent, undefined, listed).policy_ids).toEqual([
      'delete-only-listed-files',
    ]);
    expect(engine.decide(remove('f-2'), agent, undefined, emptyRunHistory).policy_ids).toEqual([
      'delete-only-listed-files',
    ]);
  });

  it('fails the bundle for a policy naming a result fact no tool declares', () => {
    expect(() =>
      createPolicyEngine({
        tools: new Map([[listFiles.name, listFiles]]),
        policies: {
          'typo.cedar':
            '@id("typo") permit (principal, action, resource) when { context.history.results has largest_fileid };',
        },
      }),
    ).toThrow(
      'typo.cedar: policy typo: context.history.results.largest_fileid: no tool declares the result fact largest_fileid',
    );
  });
});

describe('policies over the run history', () => {
  const engine = createPolicyEngine({
    tools,
    policies: {
      'assistant.cedar': `
        @id("assistant-may-act")
        permit (principal, action, resource);
        @id("no-mail-to-new-people-after-reading-mail")
        @approval("required")
        permit (principal, action == Action::"mail.send", resource) when { context.history.tainted };
        @id("no-mail-after-untrusted-content")
        forbid (principal, action == Action::"mail.send", resource)
        when { context.history.tainted && !context.history.recipients.containsAll(context.arguments.to_list) };
        @id("two-transfers-a-run")
        forbid (principal, action == Action::"bank.transfer", resource)
        when { context.history.calls has "bank.transfer" && context.history.calls["bank.transfer"] >= 2 };
        @id("at-most-5000-a-run")
        forbid (principal, action == Action::"bank.transfer", resource)
        when { context.history.meters has money_moved_cents && context.history.meters.money_moved_cents + context.arguments.amount_cents > 5000 };`,
    },
  });

  it('says the policies read the history, and a set without such a policy does not', () => {
    expect(engine.readsHistory).toBe(true);
    const plain = createPolicyEngine({
      tools,
      policies: { 'a.cedar': '@id("a") permit (principal, action, resource);' },
    });
    expect(plain.readsHistory).toBe(false);
  });

  it('counts calls and sums meters of earlier calls, by tool name and meter name', () => {
    const first = { amount_cents: 3000, iban: 'DE89' };
    expect(engine.decide(proposal('bank.transfer', first), agent).decision).toBe('allow');
    const once = historyOf([[transfer, first]]);
    expect(
      engine.decide(proposal('bank.transfer', { amount_cents: 2000, iban: 'X' }), agent, undefined, once)
        .decision,
    ).toBe('allow');
    expect(
      engine.decide(proposal('bank.transfer', { amount_cents: 2001, iban: 'X' }), agent, undefined, once)
        .policy_ids,
    ).toEqual(['at-most-5000-a-run']);
    const twice = historyOf([
      [transfer, { amount_cents: 1, iban: 'X' }],
      [transfer, { amount_cents: 1, iban: 'X' }],
    ]);
    expect(
      engine.decide(proposal('bank.transfer', { amount_cents: 1, iban: 'X' }), agent, undefined, twice)
        .policy_ids,
    ).toEqual(['two-transfers-a-run']);
  });

  it('after untrusted content, mails only people the run already wrote to, and asks a human', () => {
    const mail = (to: string) => proposal('mail.send', { to_list: [to] });
    expect(engine.decide(mail('attacker@evil.test'), agent).decision).toBe('allow');
    const tainted = historyOf([
      [sendMail, { to: 'bob@example.com' }],
      [readMail, {}],
    ]);
    expect(engine.decide(mail('attacker@evil.test'), agent, undefined, tainted).policy_ids).toEqual([
      'no-mail-after-untrusted-content',
    ]);
    expect(engine.decide(mail('bob@example.com'), agent, undefined, tainted).decision).toBe(
      'approval_required',
    );
  });
});
