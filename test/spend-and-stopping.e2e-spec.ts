import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { controlKeyOf } from '@airlock/halts';
import { eventually, useAirlockStack, type SeenEvent } from '@airlock/testing';

/**
 * What issue 7 asks of budgets beyond caps: settling what a tool reports, rate and concurrency
 * limits, stopping rules that halt a run, runs their launcher limits and closes, and inference
 * spend reported by agents; all against the real stack, with the spend visible in ClickHouse.
 */
describe('spend, rates and stopping rules', () => {
  const airlock = useAirlockStack({
    editBundle: (dir) => {
      const budgetsPath = join(dir, 'budgets.json');
      const budgets = JSON.parse(readFileSync(budgetsPath, 'utf8'));
      budgets.per_run.max_inference_usd = 0.5;
      budgets.stopping_rules = { max_consecutive_failures: 2, max_pending_approvals: 2 };
      budgets.limits.push(
        {
          id: 'agent-comments-per-minute',
          scope: 'agent',
          tool: 'tickets.comment',
          window: 'minute',
          max_calls: 3,
        },
        { id: 'run-tickets-in-flight', scope: 'run', tool: 'tickets.create', max_in_flight: 1 },
        { id: 'agent-inference-per-day', scope: 'agent', window: 'day', max_inference_usd: 1 },
        { id: 'billing-calls-per-day', scope: 'team', applies_to: 'billing', window: 'day', max_calls: 2 },
      );
      writeFileSync(budgetsPath, JSON.stringify(budgets));

      const pricesPath = join(dir, 'prices.json');
      const prices = JSON.parse(readFileSync(pricesPath, 'utf8'));
      prices.models['test-model'] = { input_usd_per_million_tokens: 1, output_usd_per_million_tokens: 1 };
      writeFileSync(pricesPath, JSON.stringify(prices));

      // Tickets report what they cost; comments are a tool of their own, so the rate limit on them
      // counts nothing the other tests send.
      const ticketPath = join(dir, 'tools', 'tickets.create.json');
      const ticket = JSON.parse(readFileSync(ticketPath, 'utf8'));
      ticket.cost.reported_usd_at = '$.cost_usd';
      writeFileSync(ticketPath, JSON.stringify(ticket));
      const comment = {
        ...ticket,
        name: 'tickets.comment',
        description: 'Comment on a ticket.',
        cost: { per_call_usd: 0.001 },
        adapter: { ...ticket.adapter, path: '/comments' },
      };
      writeFileSync(join(dir, 'tools', 'tickets.comment.json'), JSON.stringify(comment));
      const policyPath = join(dir, 'policies', 'support.cedar');
      const comments = `\n@id("support-may-comment")\npermit (principal in Team::"support", action == Action::"tickets.comment", resource);\n`;
      writeFileSync(policyPath, readFileSync(policyPath, 'utf8') + comments);
    },
  });

  const ticket = { title: 'Printer on fire', priority: 'high' };
  const olivia = () => ({ authorization: `Bearer ${airlock.stack.operatorToken('olivia')}` });

  it('settles a call to the cost the tool reported, for the run and its limits', async () => {
    airlock.stack.standIn.respondWith(201, JSON.stringify({ id: 't-1', cost_usd: 0.0042 }));
    try {
      const proposal = airlock.agent.proposal('run-cost', 'tickets.create', ticket);
      await airlock.agent.submit(proposal);
      const outcome = await airlock.stack.watcher.waitForOutcome(proposal.proposal_id);
      expect(outcome.envelope.data).toMatchObject({ outcome: 'executed', cost_usd: 0.0042 });
    } finally {
      airlock.stack.standIn.respondWith(201);
    }
    // Budget settles after the executor's outcome: the run's spend moves from $0.01 to $0.0042.
    await eventually(
      async () => (await runStanding('run-cost')).per_run.spend_usd === 0.0042,
      15_000,
      () => 'the run settled',
    );
  });

  it('limits the rate of calls per agent and tool: 3 comments a minute, the rest refused', async () => {
    // Five calls must fall into one minute window; start early enough in a minute.
    while (new Date().getUTCSeconds() > 40) await new Promise((resolve) => setTimeout(resolve, 1000));
    const proposals = Array.from({ length: 5 }, (_, index) =>
      airlock.agent.proposal(`run-comment-${index}`, 'tickets.comment', ticket),
    );
    await Promise.all(proposals.map((proposal) => airlock.agent.submit(proposal)));
    const verdicts = await Promise.all(
      proposals.map((proposal) => airlock.stack.watcher.waitForVerdict(proposal.proposal_id)),
    );
    expect(verdicts.sort()).toEqual([
      'executed/tool_call_succeeded',
      'executed/tool_call_succeeded',
      'executed/tool_call_succeeded',
      'over_budget/agent_call_cap_reached',
      'over_budget/agent_call_cap_reached',
    ]);
  });

  it('refuses a second call in flight in one run, and admits the next once the first settled', async () => {
    airlock.stack.standIn.delayResponses(2000);
    const [first, second] = [1, 2].map((index) =>
      airlock.agent.proposal('run-busy', 'tickets.create', { ...ticket, title: `Busy ${index}` }),
    );
    try {
      await Promise.all([airlock.agent.submit(first), airlock.agent.submit(second)]);
      const verdicts = await Promise.all(
        [first, second].map((proposal) => airlock.stack.watcher.waitForVerdict(proposal.proposal_id)),
      );
      expect(verdicts.sort()).toEqual([
        'executed/tool_call_succeeded',
        'over_budget/run_concurrency_cap_reached',
      ]);
    } finally {
      airlock.stack.standIn.delayResponses(0);
    }
    const third = airlock.agent.proposal('run-busy', 'tickets.create', { ...ticket, title: 'Busy 3' });
    await eventually(
      async () =>
        (await runStanding('run-busy')).limits.some(
          (limit) => limit.limit_id === 'run-tickets-in-flight' && limit.used === 0,
        ),
      15_000,
      () => 'the first call settled',
    );
    await airlock.agent.submit(third);
    expect(await airlock.stack.watcher.waitForVerdict(third.proposal_id)).toBe(
      'executed/tool_call_succeeded',
    );
  });

  it('halts a run whose last two proposals were denied, naming the rule', async () => {
    for (const index of [1, 2]) {
      const email = airlock.agent.proposal('run-failing', 'email.send', {
        to: 'customer@example.com',
        subject: `Attempt ${index}`,
        body: 'hello',
      });
      await airlock.agent.submit(email);
      expect(await airlock.stack.watcher.waitForVerdict(email.proposal_id)).toMatch(/^denied\//);
    }
    const halt = await waitForControl('run-failing', 'halted');
    expect(halt.envelope.data).toMatchObject({ operator_id: 'airlock-budget' });
    expect(String(halt.envelope.data['reason'])).toContain('max_consecutive_failures (2)');
    const after = airlock.agent.proposal('run-failing', 'tickets.create', ticket);
    await airlock.agent.submit(after);
    expect(await airlock.stack.watcher.waitForVerdict(after.proposal_id)).toBe('halted/run_halted');
    expect(airlock.stack.standIn.requestsFor(after.proposal_id)).toHaveLength(0);
  });

  it('halts a run that asks for a third approval while two wait, and closes the two', async () => {
    const refunds = [1, 2, 3].map((index) =>
      airlock.agent.proposal('run-asking', 'payments.refund', {
        charge_id: `ch_${index}`,
        amount_cents: 100,
        reason: 'dup',
      }),
    );
    for (const refund of refunds.slice(0, 2)) {
      await airlock.agent.submit(refund);
      await waitForApprovalStatus(refund.proposal_id, 'pending');
    }
    await airlock.agent.submit(refunds[2]);
    expect(await airlock.stack.watcher.waitForVerdict(refunds[2].proposal_id)).toBe(
      'halted/too_many_pending_approvals',
    );
    const halt = await waitForControl('run-asking', 'halted');
    expect(halt.envelope.data).toMatchObject({ operator_id: 'airlock-approval' });
    for (const refund of refunds.slice(0, 2)) {
      expect(await airlock.stack.watcher.waitForVerdict(refund.proposal_id)).toBe('halted/run_halted');
    }
  });

  it("holds a run to the caps its launcher set, and refuses a ticket that asks for more than the bundle's", async () => {
    const launcher = airlock.agent.launcher!;
    launcher.openRun('run-tight', 'support-triage', { limits: { max_tool_calls: 1 } });
    const verdicts: string[] = [];
    for (const index of [1, 2]) {
      const proposal = airlock.agent.proposal('run-tight', 'tickets.create', {
        ...ticket,
        title: `Tight ${index}`,
      });
      await airlock.agent.submit(proposal);
      verdicts.push(await airlock.stack.watcher.waitForVerdict(proposal.proposal_id));
    }
    expect(verdicts).toEqual(['executed/tool_call_succeeded', 'over_budget/run_call_cap_reached']);
    expect((await runStanding('run-tight')).per_run).toMatchObject({ max_tool_calls: 1, calls: 1 });

    launcher.openRun('run-greedy', 'support-triage', { limits: { max_tool_calls: 10 } });
    const greedy = airlock.agent.proposal('run-greedy', 'tickets.create', ticket);
    await airlock.agent.submit(greedy);
    const rejection = await airlock.stack.watcher.waitFor(
      'outcomes',
      (event) => event.envelope.data['run_id'] === 'run-greedy',
    );
    expect(rejection.envelope.data).toMatchObject({
      outcome: 'rejected',
      reason_code: 'run_limits_above_bundle',
    });
  });

  it("holds a team's cap across fresh runs, for the team the launcher named", async () => {
    // The agent's team in the bundle is support; these runs are opened for billing.
    const proposals = [1, 2, 3].map((index) => {
      airlock.agent.launcher!.openRun(`run-billing-${index}`, 'support-triage', { team: 'billing' });
      return airlock.agent.proposal(`run-billing-${index}`, 'tickets.create', ticket);
    });
    const verdicts: string[] = [];
    for (const proposal of proposals) {
      await airlock.agent.submit(proposal);
      verdicts.push(await airlock.stack.watcher.waitForVerdict(proposal.proposal_id));
    }
    expect(verdicts).toEqual([
      'executed/tool_call_succeeded',
      'executed/tool_call_succeeded',
      'over_budget/team_call_cap_reached',
    ]);
    const executed = await airlock.stack.watcher.waitFor(
      'actionsExecuted',
      (event) => event.envelope.data['proposal_id'] === proposals[0].proposal_id,
    );
    expect(executed.envelope.data['team']).toBe('billing');
  });

  it('does not execute a call approved after its run ended', async () => {
    airlock.agent.launcher!.openRun('run-short', 'support-triage', {}, 5);
    const refund = airlock.agent.proposal('run-short', 'payments.refund', {
      charge_id: 'ch_late',
      amount_cents: 100,
      reason: 'dup',
    });
    await airlock.agent.submit(refund);
    await waitForApprovalStatus(refund.proposal_id, 'pending');
    await new Promise((resolve) => setTimeout(resolve, 5_500));
    const approve = await fetch(`${airlock.stack.approvalUrl}/approvals/${refund.proposal_id}/approve`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${airlock.stack.approverToken('bob')}`,
        'content-type': 'application/json',
      },
      body: '{}',
    });
    expect(approve.status).toBe(200);
    expect(await airlock.stack.watcher.waitForVerdict(refund.proposal_id)).toBe('halted/run_expired');
    expect(airlock.stack.standIn.requestsFor(refund.proposal_id)).toHaveLength(0);
    // The reservation is given back: the tool was never called.
    await eventually(
      async () => (await runStanding('run-short')).per_run.calls === 0,
      15_000,
      () => 'the reservation was released',
    );
  });

  it('closes a run its launcher closes: nothing more of it executes, no operator reopens it', async () => {
    const first = airlock.agent.proposal('run-closing', 'tickets.create', ticket);
    await airlock.agent.submit(first);
    expect(await airlock.stack.watcher.waitForVerdict(first.proposal_id)).toBe(
      'executed/tool_call_succeeded',
    );

    await airlock.agent.launcher!.close('run-closing', 'support-triage', 'the user closed the chat');
    const closed = await waitForControl('run-closing', 'closed');
    expect(closed.envelope.data).toMatchObject({
      operator_id: 'launcher:support-desk',
      reason: 'the user closed the chat',
    });
    await eventually(
      async () => {
        const response = await fetch(`${airlock.stack.approvalUrl}/operator/halts`, { headers: olivia() });
        const { halts } = (await response.json()) as {
          halts: { reason_code: string; scope: { id?: string } }[];
        };
        return halts.some((halt) => halt.scope.id === 'run-closing' && halt.reason_code === 'run_closed');
      },
      15_000,
      () => 'the operator API shows the run closed',
    );

    const late = airlock.agent.proposal('run-closing', 'tickets.create', ticket);
    await airlock.agent.submit(late);
    expect(await airlock.stack.watcher.waitForVerdict(late.proposal_id)).toBe('halted/run_closed');
    const resume = await fetch(`${airlock.stack.approvalUrl}/operator/resumes`, {
      method: 'POST',
      headers: { ...olivia(), 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'run', id: 'run-closing', reason: 'try to reopen' }),
    });
    expect(resume.status).toBe(409);

    // What the run spent on inference before it closed is still counted when reported after.
    const usage = await airlock.agent.reportUsage('run-closing', {
      model: 'test-model',
      input_tokens: 1500,
      output_tokens: 500,
    });
    const accounted = await airlock.stack.watcher.waitFor(
      'usageAccounted',
      (event) => event.envelope.data['run_id'] === usage.runid,
    );
    expect(accounted.envelope.data).toMatchObject({ cost_usd: 0.002, team: 'support' });
  });

  it('dead-letters usage reports it cannot trust or price', async () => {
    const unpriced = await airlock.agent.reportUsage('run-unpriced', {
      model: 'no-such-model',
      input_tokens: 10,
      output_tokens: 10,
    });
    await airlock.agent.sendRaw(
      'run-forged',
      JSON.stringify({ ...unpriced, id: 'forged-usage', runid: 'run-forged', data: { jws: 'e30.e30.AAAA' } }),
      'usage',
    );
    const dead = (runId: string) =>
      airlock.stack.watcher.waitFor(
        'dlq',
        (event) => event.envelope.data['reason_code'] !== undefined && event.envelope.runid === runId,
      );
    expect((await dead('run-unpriced')).envelope.data).toMatchObject({ reason_code: 'model_not_priced' });
    expect((await dead('run-forged')).envelope.data).toMatchObject({ reason_code: 'bad_signature' });
  });

  it('halts a run whose reported inference passes its cap, then the agent past its daily cap', async () => {
    const report = (runId: string, inputTokens: number) =>
      airlock.agent.reportUsage(runId, { model: 'test-model', input_tokens: inputTokens, output_tokens: 0 });
    const accountedFor = async (usageRunId: string, count: number) => {
      await eventually(
        async () =>
          airlock.stack.watcher.seen.filter(
            (event) => event.topic === 'usageAccounted' && event.envelope.data['run_id'] === usageRunId,
          ).length >= count,
        15_000,
        () => `${count} usage reports of ${usageRunId} accounted`,
      );
      return airlock.stack.watcher.seen
        .filter((event) => event.topic === 'usageAccounted' && event.envelope.data['run_id'] === usageRunId)
        .map((event) => event.envelope.data);
    };

    // $0.30, then $0.30 more: the run's $0.50 cap is passed by the second report.
    await report('run-thinking', 300_000);
    await accountedFor('run-thinking', 1);
    const repeated = await report('run-thinking', 300_000);
    const accounted = await accountedFor('run-thinking', 2);
    expect(accounted.map((data) => data['caps_passed'] ?? [])).toEqual([[], ['per_run.max_inference_usd']]);
    // The same report sent again is counted once.
    await airlock.agent.sendRaw(repeated.runid, JSON.stringify(repeated), 'usage');
    const halt = await waitForControl('run-thinking', 'halted');
    expect(String(halt.envelope.data['reason'])).toContain('per_run.max_inference_usd');
    const after = airlock.agent.proposal('run-thinking', 'tickets.create', ticket);
    await airlock.agent.submit(after);
    expect(await airlock.stack.watcher.waitForVerdict(after.proposal_id)).toBe('halted/run_halted');
    expect((await runStanding('run-thinking')).per_run.inference_usd).toBe(0.6);

    // $0.002 + $0.60 so far today; $0.50 more passes the agent's $1 a day, in another run.
    await report('run-thinking-more', 500_000);
    const [passed] = await accountedFor('run-thinking-more', 1);
    expect(passed['caps_passed']).toEqual(['agent-inference-per-day']);
    await waitForControl('run-thinking-more', 'halted');
    const fresh = airlock.agent.proposal('run-after-thinking', 'tickets.create', ticket);
    await airlock.agent.submit(fresh);
    expect(await airlock.stack.watcher.waitForVerdict(fresh.proposal_id)).toBe(
      'over_budget/agent_inference_cap_reached',
    );
  });

  it('shows spend by day, team, agent and tool or model in ClickHouse, as the events add it up', async () => {
    // Each event once, by id, as ClickHouse keeps it.
    const seen = (topic: string, match: (data: Record<string, unknown>) => boolean) => [
      ...new Map(
        airlock.stack.watcher.seen
          .filter((event) => event.topic === topic && match(event.envelope.data))
          .map((event) => [event.envelope.id, Number(event.envelope.data['cost_usd'])]),
      ).values(),
    ];
    const tickets = seen(
      'actionsExecuted',
      (data) => data['tool'] === 'tickets.create' && data['team'] === 'support',
    );
    const reports = seen('usageAccounted', (data) => data['model'] === 'test-model');
    expect(tickets.length).toBeGreaterThan(0);
    expect(reports.length).toBeGreaterThan(0);
    const rows = await waitForSpend(
      (spend) =>
        spend.some((row) => row.model === 'test-model' && Number(row.usage_reports) === reports.length) &&
        spend.some(
          (row) =>
            row.tool === 'tickets.create' &&
            row.team === 'support' &&
            Number(row.tool_calls) === tickets.length,
        ),
    );
    const sum = (costs: number[]) => costs.reduce((total, cost) => total + cost, 0);
    const model = rows.find((row) => row.model === 'test-model');
    expect(model).toMatchObject({ team: 'support', agent_id: 'support-triage', tool: '' });
    expect(Number(model?.spend_usd)).toBeCloseTo(sum(reports), 9);
    const ticketRow = rows.find((row) => row.tool === 'tickets.create' && row.team === 'support');
    expect(ticketRow).toMatchObject({ agent_id: 'support-triage', model: '' });
    expect(rows.find((row) => row.tool === 'tickets.create' && row.team === 'billing')).toMatchObject({
      tool_calls: 2,
    });
    // The settled $0.0042 ticket counts at what it cost, not at its $0.01 price.
    expect(tickets).toContain(0.0042);
    expect(Number(ticketRow?.spend_usd)).toBeCloseTo(sum(tickets), 9);
  });

  interface Standing {
    per_run: { max_tool_calls: number; calls: number; spend_usd: number; inference_usd: number };
    limits: { limit_id: string; used: number }[];
  }

  async function runStanding(runId: string): Promise<Standing> {
    const response = await fetch(`${airlock.stack.budgetUrl}/budget/runs/${runId}`, { headers: olivia() });
    expect(response.status).toBe(200);
    return (await response.json()) as Standing;
  }

  function waitForControl(runId: string, state: string): Promise<SeenEvent> {
    return airlock.stack.watcher.waitFor(
      'control',
      (event) =>
        event.envelope.runid === controlKeyOf({ kind: 'run', id: runId }) &&
        event.envelope.data['state'] === state,
    );
  }

  async function waitForApprovalStatus(proposalId: string, status: string): Promise<void> {
    await eventually(
      async () => {
        const response = await fetch(`${airlock.stack.approvalUrl}/approvals/${proposalId}`, {
          headers: { authorization: `Bearer ${airlock.stack.approverToken('bob')}` },
        });
        return response.status === 200 && ((await response.json()) as { status: string }).status === status;
      },
      15_000,
      () => `approval of ${proposalId} ${status}`,
    );
  }

  interface SpendRow {
    team: string;
    agent_id: string;
    tool: string;
    model: string;
    tool_calls: number;
    usage_reports: number;
    spend_usd: number;
  }

  async function waitForSpend(ready: (rows: SpendRow[]) => boolean): Promise<SpendRow[]> {
    let rows: SpendRow[] = [];
    await eventually(
      async () => {
        rows = await airlock.stack.clickhouse.select<SpendRow>(
          `SELECT team, agent_id, tool, model, tool_calls, usage_reports, spend_usd FROM ${airlock.stack.database}.spend_by_day`,
        );
        return ready(rows);
      },
      20_000,
      () => `spend_by_day shows the spend (it shows ${JSON.stringify(rows)})`,
    );
    return rows;
  }
});
