import type { AgentRecord, Proposal, ToolDefinition } from '@airlock/contracts';
import { createPolicyEngine } from './policy-engine';
import { emptyRunHistory, recordCall, type RunHistory } from './run-history';

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
