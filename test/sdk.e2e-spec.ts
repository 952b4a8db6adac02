import { randomUUID } from 'node:crypto';
import { eventually, localInfra, useAirlockStack } from '@airlock/testing';
import {
  AirlockAgent,
  AirlockLauncher,
  ProposalTimeoutError,
  fetchJwks,
  verifyExecutedAction,
  type ProposalResult,
} from '@airlock/sdk';

/** The SDK against a real stack: what an agent, its launcher and a downstream consumer do with it. */
describe('@airlock/sdk', () => {
  const airlock = useAirlockStack();
  let agent: AirlockAgent;
  let launcher: AirlockLauncher;
  const ticket = { title: 'Printer on fire', priority: 'high' };

  beforeAll(async () => {
    const { namespace, paths } = airlock.stack;
    const kafka = { brokers: localInfra.kafkaBrokers, namespace };
    launcher = new AirlockLauncher({
      ...kafka,
      launcherId: 'support-desk',
      key: paths.launcherKeyFiles['support-desk'],
    });
    agent = await AirlockAgent.connect({
      ...kafka,
      agentId: 'support-triage',
      key: paths.agentKeyFiles['support-triage'],
    });
  });

  afterAll(async () => {
    await Promise.all([agent?.close(), launcher?.close()]);
  });

  const openRun = (runId: string) =>
    launcher.openRun({ runId, agentId: 'support-triage', userId: 'u-1', team: 'support', labels: ['sdk'] });

  it("executes a proposal in a run its launcher opened, and answers with the tool's result", async () => {
    const result = await agent.propose('tickets.create', ticket, {
      runId: 'sdk-run-executed',
      ticket: openRun('sdk-run-executed'),
    });
    expect(result).toMatchObject({
      outcome: 'executed',
      reasonCode: 'tool_call_succeeded',
      decidedBy: 'executor',
    });
    const executed = result as Extract<ProposalResult, { outcome: 'executed' }>;
    expect(executed.statusCode).toBeGreaterThanOrEqual(200);
    expect(executed.action).toMatchObject({
      proposal_id: result.proposalId,
      tool: 'tickets.create',
      team: 'support',
    });
    expect(airlock.stack.standIn.requestsFor(result.proposalId)).toHaveLength(1);
  });

  it('answers a proposal policy forbids with its denial', async () => {
    const result = await agent.propose(
      'email.send',
      { to: 'customer@example.com', subject: 'Your refund', body: 'Hello!' },
      { runId: 'sdk-run-denied', ticket: openRun('sdk-run-denied') },
    );
    expect(result).toMatchObject({
      outcome: 'denied',
      event: { policy_ids: ['support-never-emails-customers'] },
    });
  });

  it('answers a submission intake refuses by its submission id', async () => {
    const result = await agent.propose('tickets.create', ticket, { runId: 'sdk-run-no-ticket' });
    expect(result).toMatchObject({
      outcome: 'rejected',
      reasonCode: 'run_not_opened',
      proposalId: expect.any(String),
    });
    expect(result.outcome === 'rejected' && result.submissionId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('re-sends a proposal that timed out as the same message, and it executes once', async () => {
    const runId = 'sdk-run-resubmitted';
    const proposalId = `p-${randomUUID()}`;
    const first = await agent
      .propose('tickets.create', ticket, { runId, ticket: openRun(runId), proposalId, timeoutMs: 1 })
      .catch((error: unknown) => error);
    expect(first).toBeInstanceOf(ProposalTimeoutError);
    expect(first).toMatchObject({ proposalId, pending: 'outcome', retriable: true });

    const again = await agent.propose('tickets.create', ticket, { runId, proposalId });
    expect(again).toMatchObject({ outcome: 'executed', proposalId });
    await expect(agent.propose('tickets.create', ticket, { runId, proposalId })).resolves.toEqual(again);
    await expect(
      agent.propose('tickets.create', { ...ticket, title: 'other' }, { runId, proposalId }),
    ).rejects.toMatchObject({ code: 'proposal_id_reused' });

    // Both copies reached intake: one execution, one outcome, and no replay rejection.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(airlock.stack.standIn.requestsFor(proposalId)).toHaveLength(1);
    expect(airlock.stack.watcher.outcomesOf(proposalId)).toHaveLength(1);
    const submissions = airlock.stack.watcher.events(
      'outcomes',
      (e) => e.envelope.data['outcome'] === 'rejected',
    );
    expect(submissions.filter((e) => e.envelope.data['run_id'] === runId)).toEqual([]);
  });

  it('reports usage, which budget prices, and closes the run so that a later proposal is refused', async () => {
    const runId = 'sdk-run-closed';
    expect(await agent.propose('tickets.create', ticket, { runId, ticket: openRun(runId) })).toMatchObject({
      outcome: 'executed',
    });
    const { usageId } = await agent.reportUsage({
      runId,
      model: 'gpt-4o-mini',
      inputTokens: 12_000,
      outputTokens: 3_000,
    });
    expect(await agent.usageAccounted(usageId)).toMatchObject({
      usage_id: usageId,
      run_id: runId,
      team: 'support',
    });

    const close = await launcher.closeRun(runId, 'the user closed the chat');
    expect(close).toMatchObject({ type: 'airlock.run.closed', runid: runId });
    const olivia = { authorization: `Bearer ${airlock.stack.operatorToken('olivia')}` };
    await eventually(
      async () => {
        const response = await fetch(`${airlock.stack.approvalUrl}/operator/halts`, { headers: olivia });
        const { halts } = (await response.json()) as {
          halts: { reason_code: string; scope: { id?: string } }[];
        };
        return halts.some((halt) => halt.scope.id === runId && halt.reason_code === 'run_closed');
      },
      15_000,
      () => 'the operator API shows the run closed',
    );
    const late = await agent.propose('tickets.create', { ...ticket, title: 'one more thing' }, { runId });
    expect(late).toMatchObject({ outcome: 'halted', reasonCode: 'run_closed' });
    expect(airlock.stack.standIn.requestsFor(late.proposalId)).toHaveLength(0);
  });

  it("lets a downstream system verify an executed action with Airlock's published keys", async () => {
    const result = await agent.propose('tickets.create', ticket, {
      runId: 'sdk-run-verified',
      ticket: openRun('sdk-run-verified'),
    });
    const jwks = await fetchJwks(`${airlock.stack.approvalUrl}/.well-known/jwks.json`);
    const event = (
      await airlock.stack.watcher.waitFor(
        'actionsExecuted',
        (e) => e.envelope.proposalid === result.proposalId,
      )
    ).envelope;

    expect(await verifyExecutedAction(JSON.stringify(event), jwks)).toMatchObject({
      ok: true,
      action: { proposal_id: result.proposalId, tool: 'tickets.create' },
    });
    const forged = { ...event, data: { ...event.data, tool: 'payments.refund' } };
    expect(await verifyExecutedAction(forged, jwks)).toMatchObject({
      ok: false,
      code: 'invalid_attestation',
    });
  });
});
