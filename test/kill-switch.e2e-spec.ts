import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildEnvelope, type HaltScope } from '@airlock/contracts';
import { controlKeyOf } from '@airlock/halts';
import { serviceNames, useAirlockStack, type ServiceProcess } from '@airlock/testing';

/** The kill switch (ADR 0009) on real Kafka, PostgreSQL and ClickHouse, every service a process. */
describe('the kill switch', () => {
  const airlock = useAirlockStack({
    editBundle: (dir) => {
      const path = join(dir, 'budgets.json');
      const budgets = JSON.parse(readFileSync(path, 'utf8'));
      budgets.stopping_rules = { max_identical_calls: 2 };
      writeFileSync(path, JSON.stringify(budgets));
    },
  });

  const operatorApi = (path: string, token: string | undefined, body?: unknown) =>
    airlock.stack.callApi(path, { ...(token === undefined ? {} : { token }), body });

  const olivia = () => airlock.stack.operatorToken('olivia');

  /** Halts or resumes, then waits until the approval service's own board shows it. */
  async function change(action: 'halts' | 'resumes', scope: HaltScope, reason: string): Promise<void> {
    const response = await operatorApi(`/operator/${action}`, olivia(), { ...scope, reason });
    expect(response.status).toBe(202);
    const wanted = action === 'halts';
    for (let attempt = 0; attempt < 100; attempt += 1) {
      const listed = (await (await operatorApi('/operator/halts', olivia())).json()) as {
        halts: { scope: HaltScope }[];
      };
      const present = listed.halts.some((halt) => controlKeyOf(halt.scope) === controlKeyOf(scope));
      if (present === wanted) {
        // Every gate reads the same topic; give the others the moment this one needed.
        await new Promise((resolve) => setTimeout(resolve, 300));
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`the ${action.slice(0, -1)} of ${controlKeyOf(scope)} never showed`);
  }

  const ticket = (runId: string) =>
    airlock.agent.proposal(runId, 'tickets.create', { title: 'Printer on fire', priority: 'high' });

  it('lets only operators halt: no token 401, an approver 403, a malformed scope 400', async () => {
    const scope = { kind: 'agent', id: 'support-triage', reason: 'test' };
    expect((await operatorApi('/operator/halts', undefined, scope)).status).toBe(401);
    expect((await operatorApi('/operator/halts', airlock.stack.approverToken('bob'), scope)).status).toBe(
      403,
    );
    expect((await operatorApi('/operator/halts', olivia(), { ...scope, kind: 'planet' })).status).toBe(400);
    expect(
      (await operatorApi('/operator/halts', olivia(), { kind: 'global', id: 'x', reason: 'r' })).status,
    ).toBe(400);
    expect((await operatorApi('/operator/halts', olivia(), { kind: 'agent', reason: 'r' })).status).toBe(400);
    expect((await operatorApi('/operator/halts', olivia(), { ...scope, reason: '' })).status).toBe(400);
    const listed = (await (await operatorApi('/operator/halts', olivia())).json()) as { halts: unknown[] };
    expect(listed.halts).toEqual([]);
  });

  it('halts an agent before policy, records who and why, and executes again after the resume', async () => {
    await change('halts', { kind: 'agent', id: 'support-triage' }, 'incident 7: the agent loops');
    const halted = ticket('run-agent-halt');
    await airlock.agent.submit(halted);
    const outcome = await airlock.stack.watcher.waitForOutcome(halted.proposal_id);
    expect(outcome.envelope.data).toMatchObject({
      outcome: 'halted',
      reason_code: 'agent_halted',
      decided_by: 'intake',
    });
    expect(String(outcome.envelope.data['reason'])).toContain('olivia');
    expect(String(outcome.envelope.data['reason'])).toContain('incident 7: the agent loops');
    expect(airlock.stack.watcher.forProposal('policyDecisions', halted.proposal_id)).toEqual([]);

    await change('resumes', { kind: 'agent', id: 'support-triage' }, 'incident 7 closed');
    const after = ticket('run-agent-resumed');
    await airlock.agent.submit(after);
    expect((await airlock.stack.watcher.waitForOutcome(after.proposal_id)).envelope.data['outcome']).toBe(
      'executed',
    );
    expect(airlock.stack.standIn.requestsFor(halted.proposal_id)).toHaveLength(0);

    // Each change is in the audit, attested by the approval service, with the operator and the reason.
    const rows = await waitForRows(`run_id = 'agent:support-triage' AND topic = 'airlock.control'`, 2);
    expect(rows.map((row) => row.attestation)).toEqual(['verified', 'verified']);
    expect(rows.map((row) => row.payload).join('\n')).toContain('incident 7 closed');
    expect(rows.map((row) => row.payload).join('\n')).toContain('"operator_id":"olivia"');
  });

  it('closes a pending approval when its tool is halted, and an approve after that executes nothing', async () => {
    const refund = airlock.agent.proposal('run-pending-halt', 'payments.refund', {
      charge_id: 'ch_9',
      amount_cents: 2500,
      reason: 'duplicate',
    });
    await airlock.agent.submit(refund);
    await airlock.stack.watcher.waitFor(
      'policyDecisions',
      (event) => event.envelope.proposalid === refund.proposal_id,
    );
    await waitForApprovalStatus(refund.proposal_id, 'pending');

    await change('halts', { kind: 'tool', id: 'payments.refund' }, 'refund provider is down');
    const outcome = await airlock.stack.watcher.waitForOutcome(refund.proposal_id);
    expect(outcome.envelope.data).toMatchObject({
      outcome: 'halted',
      reason_code: 'tool_halted',
      decided_by: 'approval',
    });
    const approve = await fetch(`${airlock.stack.approvalUrl}/approvals/${refund.proposal_id}/approve`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${airlock.stack.approverToken('bob')}`,
        'content-type': 'application/json',
      },
      body: '{}',
    });
    expect(approve.status).toBe(409);
    expect(await approve.json()).toMatchObject({ status: 'halted' });
    await change('resumes', { kind: 'tool', id: 'payments.refund' }, 'provider is back');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(airlock.stack.standIn.requestsFor(refund.proposal_id)).toHaveLength(0);
    expect(airlock.stack.watcher.outcomesOf(refund.proposal_id)).toHaveLength(1);
  });

  it('stops a proposal already reserved: the executor checks right before it acts', async () => {
    const executor = airlock.stack.services.executor;
    await executor.stop();
    const reserved = ticket('run-reserved-halt');
    await airlock.agent.submit(reserved);
    await airlock.stack.watcher.waitFor(
      'budgetReservations',
      (event) => event.envelope.proposalid === reserved.proposal_id,
    );
    await change('halts', { kind: 'run', id: 'run-reserved-halt' }, 'user withdrew consent');
    // The executor reads every halt before it consumes the reservation waiting for it.
    await executor.start();
    const outcome = await airlock.stack.watcher.waitForOutcome(reserved.proposal_id);
    expect(outcome.envelope.data).toMatchObject({
      outcome: 'halted',
      reason_code: 'run_halted',
      decided_by: 'executor',
    });
    expect(airlock.stack.standIn.requestsFor(reserved.proposal_id)).toHaveLength(0);
    await change('resumes', { kind: 'run', id: 'run-reserved-halt' }, 'consent given again');
  });

  it('keeps a halt in force after every service restarts, until it is resumed', async () => {
    await change('halts', { kind: 'team', id: 'support' }, 'quarterly freeze');
    const services: ServiceProcess[] = serviceNames.map((name) => airlock.stack.services[name]);
    await Promise.all(services.map((service) => service.restart()));

    const halted = ticket('run-team-halt');
    await airlock.agent.submit(halted);
    expect((await airlock.stack.watcher.waitForOutcome(halted.proposal_id)).envelope.data).toMatchObject({
      outcome: 'halted',
      reason_code: 'team_halted',
    });

    await change('resumes', { kind: 'team', id: 'support' }, 'freeze over');
    const after = ticket('run-team-resumed');
    await airlock.agent.submit(after);
    expect((await airlock.stack.watcher.waitForOutcome(after.proposal_id)).envelope.data['outcome']).toBe(
      'executed',
    );
  });

  it('ignores a halt forged onto airlock.control without the approval service attestation', async () => {
    const forged = buildEnvelope(
      'control',
      'airlock/operator-api',
      { runId: 'global' },
      {
        scope: { kind: 'global' },
        state: 'halted',
        reason: 'forged',
        operator_id: 'mallory',
        changed_at: new Date().toISOString(),
      },
    );
    await airlock.agent.sendRaw(
      'global',
      JSON.stringify({ ...forged, attestation: `x.${randomUUID()}.y` }),
      'control',
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    const after = ticket('run-after-forgery');
    await airlock.agent.submit(after);
    expect((await airlock.stack.watcher.waitForOutcome(after.proposal_id)).envelope.data['outcome']).toBe(
      'executed',
    );
    const listed = (await (await operatorApi('/operator/halts', olivia())).json()) as { halts: unknown[] };
    expect(listed.halts).toEqual([]);
  });

  it("lets an operator halt, list and resume from the command line, with the operator's token", async () => {
    const cli = (...args: string[]) => airlock.stack.runCli(args, { AIRLOCK_OPERATOR_TOKEN: olivia() });
    const halted = await cli('halt', 'tool', 'email.send', '--reason', 'mailer misbehaves');
    expect(halted.status).toBe(0);
    expect(halted.stdout).toContain('halted: tool:email.send (by olivia)');
    expect((await cli('halts')).stdout).toContain('tool email.send  tool_halted  by olivia');
    expect((await cli('resume', 'tool', 'email.send', '--reason', 'fixed')).status).toBe(0);
    expect((await cli('halt', 'tool', 'email.send')).status).toBe(2);
    expect((await cli('budget', 'agent', 'support-triage')).stdout).toContain(
      'support-refunds-per-day  this day:',
    );
  });

  it('halts a run that calls a tool a third time with the same arguments, and refuses what follows', async () => {
    const again = () =>
      airlock.agent.proposal('run-loop', 'tickets.create', { title: 'Again', priority: 'low' });
    const answers: string[] = [];
    for (let call = 0; call < 3; call += 1) {
      const proposal = again();
      await airlock.agent.submit(proposal);
      answers.push(await airlock.stack.watcher.waitForVerdict(proposal.proposal_id));
    }
    expect(answers).toEqual([
      'executed/tool_call_succeeded',
      'executed/tool_call_succeeded',
      'halted/loop_detected',
    ]);

    // The rule halted the whole run, as budget: every gate refuses even a different call now.
    await waitForHalt({ kind: 'run', id: 'run-loop' }, 'airlock-budget');
    const different = airlock.agent.proposal('run-loop', 'tickets.create', {
      title: 'Other',
      priority: 'low',
    });
    await airlock.agent.submit(different);
    expect((await airlock.stack.watcher.waitForOutcome(different.proposal_id)).envelope.data).toMatchObject({
      outcome: 'halted',
      reason_code: 'run_halted',
      decided_by: 'intake',
    });
    expect(airlock.stack.standIn.requestsFor(different.proposal_id)).toHaveLength(0);
  });

  async function waitForHalt(scope: HaltScope, operatorId: string): Promise<void> {
    for (let attempt = 0; attempt < 100; attempt += 1) {
      const listed = (await (await operatorApi('/operator/halts', olivia())).json()) as {
        halts: { scope: HaltScope; operator_id: string }[];
      };
      const found = listed.halts.some(
        (halt) => controlKeyOf(halt.scope) === controlKeyOf(scope) && halt.operator_id === operatorId,
      );
      if (found) return new Promise((resolve) => setTimeout(resolve, 300));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${controlKeyOf(scope)} was never halted by ${operatorId}`);
  }

  async function waitForApprovalStatus(proposalId: string, status: string): Promise<void> {
    for (let attempt = 0; attempt < 100; attempt += 1) {
      const response = await fetch(`${airlock.stack.approvalUrl}/approvals/${proposalId}`, {
        headers: { authorization: `Bearer ${airlock.stack.approverToken('bob')}` },
      });
      if (response.status === 200 && ((await response.json()) as { status: string }).status === status)
        return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`approval request of ${proposalId} never became ${status}`);
  }

  async function waitForRows(where: string, atLeast: number) {
    let rows: { attestation: string; payload: string }[] = [];
    for (let attempt = 0; attempt < 100; attempt += 1) {
      rows = await airlock.stack.clickhouse.select<{ attestation: string; payload: string }>(
        `SELECT attestation, payload FROM ${airlock.stack.database}.events FINAL WHERE ${where} ORDER BY seq`,
      );
      if (rows.length >= atLeast) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return rows;
  }
});
