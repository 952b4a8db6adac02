import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentRecord, Proposal, ToolDefinition } from '@airlock/contracts';
import { backtest, type RecordedDecision } from './backtest';
import { createPolicyEngine } from './policy-engine';

const bundleDir = join(__dirname, '../../../deploy/bundle');
const tools = new Map(
  readdirSync(join(bundleDir, 'tools')).map((name) => {
    const tool = JSON.parse(readFileSync(join(bundleDir, 'tools', name), 'utf8')) as ToolDefinition;
    return [tool.name, tool] as const;
  }),
);
const policies = { 'support.cedar': readFileSync(join(bundleDir, 'policies', 'support.cedar'), 'utf8') };
const agent: AgentRecord = { id: 'support-triage', owner: 'alice', team: 'support', public_keys: [] };
const agents = new Map([[agent.id, agent]]);

const ticket = (id: string, priority: string, agentId = agent.id): RecordedDecision => ({
  proposal: {
    proposal_id: id,
    run_id: 'run-1',
    agent_id: agentId,
    tool: 'tickets.create',
    arguments: { title: 'Printer', priority },
    issued_at: '2026-11-25T00:00:00Z',
  } as Proposal,
  decision: 'allow',
  policy_ids: ['support-may-open-tickets'],
  redacted: false,
});

describe('backtest', () => {
  const candidate = createPolicyEngine({
    tools,
    policies: {
      ...policies,
      'candidate.cedar':
        '@id("no-high-priority-tickets") forbid (principal, action == Action::"tickets.create", resource) when { context.arguments.priority == "high" };',
    },
  });

  it('returns only the proposals the candidate decides otherwise, with both answers', () => {
    const changes = backtest(candidate, agents, tools, [ticket('p-low', 'low'), ticket('p-high', 'high')]);
    expect(changes).toEqual([
      expect.objectContaining({
        proposal_id: 'p-high',
        recorded: { decision: 'allow', policy_ids: ['support-may-open-tickets'] },
        candidate: expect.objectContaining({ decision: 'deny', policy_ids: ['no-high-priority-tickets'] }),
      }),
    ]);
  });

  it('finds nothing when the candidate is the active bundle, and denies agents it does not know', () => {
    const active = createPolicyEngine({ tools, policies });
    expect(backtest(active, agents, tools, [ticket('p-low', 'low'), ticket('p-high', 'high')])).toEqual([]);
    const [stranger] = backtest(active, agents, tools, [ticket('p-x', 'low', 'gone-agent')]);
    expect(stranger.candidate).toMatchObject({ decision: 'deny', reason_code: 'unknown_agent' });
  });

  it("replays each run's history under the candidate, reporting only what is in the range", () => {
    const secondTicketNeedsReview = createPolicyEngine({
      tools,
      policies: {
        ...policies,
        'candidate.cedar':
          '@id("one-ticket-per-run") forbid (principal, action == Action::"tickets.create", resource) when { context.history.calls has "tickets.create" };',
      },
    });
    const inRun = (record: RecordedDecision, runId: string, beforeRange = false): RecordedDecision => ({
      ...record,
      proposal: { ...record.proposal, run_id: runId },
      ...(beforeRange ? { before_range: true } : {}),
    });
    const changes = backtest(secondTicketNeedsReview, agents, tools, [
      inRun(ticket('p-a1', 'low'), 'run-a', true),
      inRun(ticket('p-b1', 'low'), 'run-b'),
      inRun(ticket('p-a2', 'low'), 'run-a'),
      inRun(ticket('p-b2', 'low'), 'run-b'),
    ]);
    // p-a1 is before the range: not reported, but its run's next ticket is judged after it.
    expect(changes.map((change) => change.proposal_id)).toEqual(['p-a2', 'p-b2']);
    expect(changes[0]?.candidate).toMatchObject({ decision: 'deny', policy_ids: ['one-ticket-per-run'] });
  });

  it('keeps out of the history what the candidate itself refuses', () => {
    const highThenCount = createPolicyEngine({
      tools,
      policies: {
        ...policies,
        'candidate.cedar': [
          '@id("no-high") forbid (principal, action == Action::"tickets.create", resource) when { context.arguments.priority == "high" };',
          '@id("one-ticket-per-run") forbid (principal, action == Action::"tickets.create", resource) when { context.history.calls has "tickets.create" };',
        ].join('\n'),
      },
    });
    // The high ticket is denied by the candidate, so the low one after it is the run's first.
    const changes = backtest(highThenCount, agents, tools, [
      ticket('p-high', 'high'),
      ticket('p-low', 'low'),
    ]);
    expect(changes.map((change) => change.proposal_id)).toEqual(['p-high']);
  });
});
