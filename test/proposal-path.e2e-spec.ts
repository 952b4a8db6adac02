import { readSigningKey, readStringMap } from '@airlock/bundle';
import { verifyExecutedAction, type Jwks } from '@airlock/attestation';
import { verifyChain, type ChainedAuditRow } from '@airlock/audit-record';
import { useAirlockStack } from '@airlock/testing';

/** The whole proposal path on real Kafka, PostgreSQL and ClickHouse, with every service as a process. */
describe('the proposal path', () => {
  const airlock = useAirlockStack();

  const approvals = (path: string, approver: string, method = 'GET', body?: unknown) =>
    airlock.stack.callApi(path, { token: airlock.stack.approverToken(approver), method, body });

  it('executes an allowed proposal once, with the scoped credential, idempotency key and run id', async () => {
    const proposal = airlock.agent.proposal('run-allowed', 'tickets.create', {
      title: 'Printer on fire',
      priority: 'high',
    });
    await airlock.agent.submit(proposal);

    const outcome = await airlock.stack.watcher.waitForOutcome(proposal.proposal_id);
    expect(outcome.envelope.data).toMatchObject({ outcome: 'executed', decided_by: 'executor' });

    const calls = airlock.stack.standIn.requestsFor(proposal.proposal_id);
    expect(calls).toHaveLength(1);
    const credentials = readStringMap(airlock.stack.paths.toolCredentialsFile, 'tool credentials');
    expect(calls[0]?.headers['authorization']).toBe(`Bearer ${credentials['support-triage/tickets.create']}`);
    expect(calls[0]?.headers['x-airlock-run-id']).toBe('run-allowed');
    expect(calls[0]?.headers['idempotency-key']).toMatch(/^[0-9a-f]{64}$/);
    const agentKey = readSigningKey(airlock.stack.paths.agentKeyFiles['support-triage'] ?? '');
    expect(JSON.stringify(calls[0])).not.toContain(agentKey.privateJwk.d);
    expect(calls[0]?.body).toEqual({ title: 'Printer on fire', priority: 'high' });

    const executed = await airlock.stack.watcher.waitFor(
      'actionsExecuted',
      (e) => e.envelope.data['proposal_id'] === proposal.proposal_id,
    );
    expect(executed.envelope.data['idempotency_key']).toBe(calls[0]?.headers['idempotency-key']);

    // A downstream system checks the action with the published keys, and a changed copy fails.
    const jwks = (await (await fetch(`${airlock.stack.approvalUrl}/.well-known/jwks.json`)).json()) as Jwks;
    expect(await verifyExecutedAction(executed.envelope, jwks)).toEqual({ ok: true, gate: 'executor' });
    const altered = { ...executed.envelope, data: { ...executed.envelope.data, status_code: 299 } };
    expect(await verifyExecutedAction(altered, jwks)).toMatchObject({
      ok: false,
      code: 'invalid_attestation',
    });
  });

  it('denies a forbidden proposal with the deciding policy id and calls nothing', async () => {
    const proposal = airlock.agent.proposal('run-denied', 'email.send', {
      to: 'c@example.com',
      subject: 'hi',
      body: 'x',
    });
    await airlock.agent.submit(proposal);

    const outcome = await airlock.stack.watcher.waitForOutcome(proposal.proposal_id);
    expect(outcome.envelope.data).toMatchObject({
      outcome: 'denied',
      reason_code: 'policy_denied',
      policy_ids: ['support-never-emails-customers'],
    });
    expect(airlock.stack.standIn.requestsFor(proposal.proposal_id)).toHaveLength(0);
  });

  it('waits for a human, refuses the agent owner, and executes once when another approver approves', async () => {
    const proposal = airlock.agent.proposal('run-approval', 'payments.refund', {
      charge_id: 'ch_123',
      amount_cents: 2500,
      reason: 'duplicate',
    });
    await airlock.agent.submit(proposal);
    await airlock.stack.watcher.waitFor(
      'policyDecisions',
      (e) => e.envelope.proposalid === proposal.proposal_id,
    );

    const pending = await pollPending(proposal.proposal_id);
    expect(pending).toBe(true);
    expect(airlock.stack.standIn.requestsFor(proposal.proposal_id)).toHaveLength(0);

    const byOwner = await approvals(`/approvals/${proposal.proposal_id}/approve`, 'alice', 'POST', {});
    expect(byOwner.status).toBe(403);

    const byOther = await approvals(`/approvals/${proposal.proposal_id}/approve`, 'bob', 'POST', {
      comment: 'checked the charge',
    });
    expect(byOther.status).toBe(200);

    const outcome = await airlock.stack.watcher.waitForOutcome(proposal.proposal_id);
    expect(outcome.envelope.data['outcome']).toBe('executed');
    expect(airlock.stack.standIn.requestsFor(proposal.proposal_id)).toHaveLength(1);

    const again = await approvals(`/approvals/${proposal.proposal_id}/approve`, 'bob', 'POST', {});
    expect(again.status).toBe(409);
  });

  it('executes nothing when the approver denies', async () => {
    const proposal = airlock.agent.proposal('run-approval-denied', 'payments.refund', {
      charge_id: 'ch_9',
      amount_cents: 900,
      reason: 'goodwill',
    });
    await airlock.agent.submit(proposal);
    expect(await pollPending(proposal.proposal_id)).toBe(true);

    const denied = await approvals(`/approvals/${proposal.proposal_id}/deny`, 'bob', 'POST', {
      comment: 'not eligible',
    });
    expect(denied.status).toBe(200);

    const outcome = await airlock.stack.watcher.waitForOutcome(proposal.proposal_id);
    expect(outcome.envelope.data).toMatchObject({ outcome: 'approval_denied', approver_id: 'bob' });
    expect(airlock.stack.standIn.requestsFor(proposal.proposal_id)).toHaveLength(0);
  });

  it('refuses approval calls without a valid approver token', async () => {
    const response = await fetch(`${airlock.stack.approvalUrl}/approvals`, {
      headers: { authorization: 'Bearer not-a-real-token-at-all' },
    });
    expect(response.status).toBe(401);
  });

  it('executes a proposal submitted twice only once', async () => {
    const proposal = airlock.agent.proposal('run-redelivery', 'tickets.create', {
      title: 'Duplicate me',
      priority: 'low',
    });
    const envelope = await airlock.agent.submit(proposal);
    await airlock.agent.sendEnvelope(envelope);
    const resigned = await airlock.agent.submit(proposal);

    await airlock.stack.watcher.waitForOutcome(proposal.proposal_id);
    await airlock.stack.watcher.waitFor('outcomes', (e) => e.envelope.data['submission_id'] === resigned.id);
    await new Promise((resolve) => setTimeout(resolve, 2000));

    expect(airlock.stack.standIn.requestsFor(proposal.proposal_id)).toHaveLength(1);
    const outcomes = airlock.stack.watcher.outcomesOf(proposal.proposal_id).map((e) => e.envelope.data);
    // The proposal has its one outcome; the replay is answered on its submission, not on the proposal.
    expect(outcomes).toEqual([expect.objectContaining({ outcome: 'executed' })]);
    const replayAnswers = airlock.stack.watcher
      .distinctEvents('outcomes', (e) => e.envelope.data['submission_id'] === resigned.id)
      .map((e) => e.envelope.data);
    expect(replayAnswers).toEqual([
      expect.objectContaining({ outcome: 'rejected', reason_code: 'replayed_proposal_id', proposal_id: '' }),
    ]);
  });

  it('records every event of a run in ClickHouse, once, in one trace, with an intact hash chain', async () => {
    const proposal = airlock.agent.proposal('run-audited', 'tickets.create', {
      title: 'Audit me',
      priority: 'normal',
      customer_email: 'secret@example.com',
    });
    await airlock.agent.submit(proposal);
    await airlock.stack.watcher.waitForOutcome(proposal.proposal_id);

    const rows = await waitForRows("run_id = 'run-audited'", 6);
    expect(rows.map((row) => row.event_type).sort()).toEqual(
      [
        'airlock.action.executed',
        'airlock.budget.reserved',
        'airlock.policy.decided',
        'airlock.proposal.accepted',
        'airlock.proposal.outcome',
        'airlock.proposal.submitted',
      ].sort(),
    );
    expect(new Set(rows.map((row) => row.event_id)).size).toBe(rows.length);
    const traceIds = new Set(rows.map((row) => row.trace_id));
    expect(traceIds.size).toBe(1);
    expect([...traceIds][0]).toMatch(/^[0-9a-f]{32}$/);
    expect(rows.map((row) => row.payload).join('\n')).not.toContain('secret@example.com');
    expect(rows.find((row) => row.event_type === 'airlock.policy.decided')).toMatchObject({
      decision: 'allow',
      policy_ids: ['support-may-open-tickets'],
      bundle_hash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const chain = [...rows].sort((a, b) => a.seq - b.seq);
    expect(chain.map((row) => row.seq)).toEqual(rows.map((_, index) => index + 1));
    expect(verifyChain(chain)).toEqual({ ok: true, length: rows.length });
    const tampered = chain.map((row) => (row.seq === 3 ? { ...row, decision: 'allow-everything' } : row));
    expect(verifyChain(tampered)).toMatchObject({ ok: false, seq: 3 });
  });

  async function pollPending(proposalId: string): Promise<boolean> {
    for (let attempt = 0; attempt < 100; attempt += 1) {
      const response = await approvals('/approvals?status=pending', 'bob');
      const body = (await response.json()) as { approvals: { proposal_id: string }[] };
      if (body.approvals.some((item) => item.proposal_id === proposalId)) return true;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return false;
  }

  async function waitForRows(where: string, atLeast: number): Promise<ChainedAuditRow[]> {
    let rows: ChainedAuditRow[] = [];
    for (let attempt = 0; attempt < 100; attempt += 1) {
      rows = await airlock.stack.clickhouse.select<ChainedAuditRow>(
        `SELECT * FROM ${airlock.stack.database}.events FINAL WHERE ${where}`,
      );
      if (rows.length >= atLeast) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return rows;
  }
});
