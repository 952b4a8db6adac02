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
      expect(airlock.stack.watcher.forProposal('outcomes', proposal.proposal_id)).toHaveLength(1);
    }
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
