import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useAirlockStack } from '@airlock/testing';

/**
 * Limits across runs (budgets.json `limits`) with two instances of every gate: a fresh run id per
 * call does not escape an agent's cap, and the cap is exact however the reservations interleave.
 */
describe('limits across runs, two instances of every gate', () => {
  const airlock = useAirlockStack({
    instances: 2,
    editBundle: (dir) => {
      const path = join(dir, 'budgets.json');
      const budgets = JSON.parse(readFileSync(path, 'utf8'));
      // On tickets only, so that the refund test's calls do not use any of it.
      budgets.limits.push({
        id: 'agent-tickets-per-day',
        scope: 'agent',
        tool: 'tickets.create',
        window: 'day',
        max_calls: 50,
      });
      // The example's daily refund cap, lowered to $50.00 so that three refunds can cross it.
      budgets.limits.find((limit: { id: string }) => limit.id === 'support-refunds-per-day').max = 5000;
      writeFileSync(path, JSON.stringify(budgets));
    },
  });

  it('holds a daily cap on money moved across runs: $25 + $25 execute, then even $1 more is refused', async () => {
    const refund = (runId: string, cents: number) =>
      airlock.agent.proposal(runId, 'payments.refund', {
        charge_id: 'ch_1',
        amount_cents: cents,
        reason: 'dup',
      });
    const answers: string[] = [];
    for (const [runId, cents] of [
      ['run-refund-1', 2500],
      ['run-refund-2', 2500],
      ['run-refund-3', 100],
    ] as const) {
      const proposal = refund(runId, cents);
      await airlock.agent.submit(proposal);
      await approveWhenPending(proposal.proposal_id);
      answers.push(await airlock.stack.watcher.waitForVerdict(proposal.proposal_id));
    }
    expect(answers).toEqual([
      'executed/tool_call_succeeded',
      'executed/tool_call_succeeded',
      'over_budget/agent_meter_cap_reached',
    ]);
  });

  it('executes exactly 50 of 200 concurrent proposals in fresh runs of one agent capped at 50', async () => {
    const proposals = Array.from({ length: 200 }, (_, index) =>
      airlock.agent.proposal(`run-fresh-${index}`, 'tickets.create', {
        title: `Ticket ${index}`,
        priority: 'low',
      }),
    );
    await Promise.all(proposals.map((proposal) => airlock.agent.submit(proposal)));
    const verdicts = await Promise.all(
      proposals.map((proposal) => airlock.stack.watcher.waitForVerdict(proposal.proposal_id, 90_000)),
    );

    const counted: Record<string, number> = {};
    for (const verdict of verdicts) counted[verdict] = (counted[verdict] ?? 0) + 1;
    expect(counted).toEqual({
      'executed/tool_call_succeeded': 50,
      'over_budget/agent_call_cap_reached': 150,
    });
    const called = proposals.filter(
      (proposal) => airlock.stack.standIn.requestsFor(proposal.proposal_id).length > 0,
    );
    expect(called).toHaveLength(50);
    expect(airlock.stack.standIn.requests.filter((request) => request.path === '/tickets')).toHaveLength(50);
    // Both budget instances took part, so the cap held across processes, not inside one.
    const reserving = airlock.stack.instances.budget.filter((instance) =>
      instance.lines.some((line) => line.msg === 'budget reserved' || line.msg === 'over budget'),
    );
    expect(reserving).toHaveLength(2);
    // One outcome per proposal, even with two of every gate.
    for (const proposal of proposals) {
      expect(airlock.stack.watcher.outcomesOf(proposal.proposal_id)).toHaveLength(1);
    }
  });

  it('still refuses past the agent cap after both budget instances restart', async () => {
    await Promise.all(airlock.stack.instances.budget.map((instance) => instance.restart()));
    const after = airlock.agent.proposal('run-after-restart', 'tickets.create', {
      title: 'One more',
      priority: 'low',
    });
    await airlock.agent.submit(after);
    expect(await airlock.stack.watcher.waitForVerdict(after.proposal_id)).toBe(
      'over_budget/agent_call_cap_reached',
    );
    expect(airlock.stack.standIn.requestsFor(after.proposal_id)).toHaveLength(0);
  });

  it('tells operators what is left of each budget, and nobody else', async () => {
    const standing = async (path: string, token?: string) =>
      fetch(`${airlock.stack.budgetUrl}/budget/${path}`, {
        headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      });
    expect((await standing('agents/support-triage')).status).toBe(401);
    expect((await standing('agents/support-triage', airlock.stack.approverToken('bob'))).status).toBe(403);

    const olivia = airlock.stack.operatorToken('olivia');
    const agent = (await (await standing('agents/support-triage', olivia)).json()) as {
      limits: { limit_id: string; unit: string; cap: number; used: number; remaining: number }[];
    };
    expect(agent.limits).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          limit_id: 'agent-tickets-per-day',
          unit: 'calls',
          cap: 50,
          used: 50,
          remaining: 0,
        }),
        expect.objectContaining({
          limit_id: 'support-refunds-per-day',
          unit: 'money_moved_cents',
          cap: 5000,
          used: 5000,
          remaining: 0,
        }),
      ]),
    );
    const team = (await (await standing('teams/support', olivia)).json()) as {
      limits: { limit_id: string; unit: string; cap: number; used: number; remaining: number }[];
    };
    // 50 tickets at $0.01 and two refunds at $0.05 were reserved and spent.
    expect(team.limits).toEqual([
      expect.objectContaining({
        limit_id: 'team-spend-per-month',
        unit: 'usd',
        cap: 1000,
        used: 0.6,
        remaining: 999.4,
      }),
      expect.objectContaining({
        limit_id: 'team-inference-per-day',
        unit: 'inference_usd',
        cap: 100,
        used: 0,
        remaining: 100,
      }),
    ]);
    const run = (await (await standing('runs/run-refund-1', olivia)).json()) as { per_run: unknown };
    expect(run.per_run).toEqual({
      max_tool_calls: 3,
      calls: 1,
      max_spend_usd: 1,
      spend_usd: 0.05,
      max_inference_usd: 2,
      inference_usd: 0,
    });
  });

  async function approveWhenPending(proposalId: string): Promise<void> {
    const headers = {
      authorization: `Bearer ${airlock.stack.approverToken('bob')}`,
      'content-type': 'application/json',
    };
    for (let attempt = 0; attempt < 150; attempt += 1) {
      const response = await fetch(`${airlock.stack.approvalUrl}/approvals/${proposalId}/approve`, {
        method: 'POST',
        headers,
        body: '{}',
      });
      if (response.status === 200) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`proposal ${proposalId} never waited for approval`);
  }
});
