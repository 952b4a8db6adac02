import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildEnvelope, type Proposal } from '@airlock/contracts';
import {
  attestEvent,
  generateSigningKey,
  proposalHash,
  signAttestation,
  type AttestationClaims,
} from '@airlock/attestation';
import { storeSchemaName } from '@airlock/postgres';
import { localInfra, useAirlockStack, waitUntil } from '@airlock/testing';
import { Client } from 'pg';

/** Budget caps, forged internal events and bad input, against the real services. */
describe('gate defenses', () => {
  // A short approval timeout, so that expiry can be watched within a test.
  const airlock = useAirlockStack({
    editBundle: (dir) => {
      const file = join(dir, 'approvers.json');
      writeFileSync(
        file,
        JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), approval_timeout_seconds: 2 }),
      );
    },
  });

  const ticket = (runId: string, title: string) =>
    airlock.agent.proposal(runId, 'tickets.create', { title, priority: 'low' });

  async function outcomeOf(proposal: Proposal): Promise<Record<string, unknown>> {
    await airlock.agent.submit(proposal);
    return (await airlock.stack.watcher.waitForOutcome(proposal.proposal_id)).envelope.data;
  }

  it('refuses the call past the run cap, and the cap still holds after the budget service restarts', async () => {
    // The example bundle allows 3 tool calls per run.
    const before = [ticket('run-budget', 'one'), ticket('run-budget', 'two')];
    for (const proposal of before) expect(await outcomeOf(proposal)).toMatchObject({ outcome: 'executed' });

    await airlock.stack.services.budget.restart();

    expect(await outcomeOf(ticket('run-budget', 'three'))).toMatchObject({ outcome: 'executed' });
    const fourth = ticket('run-budget', 'four');
    expect(await outcomeOf(fourth)).toMatchObject({
      outcome: 'over_budget',
      reason_code: 'run_call_cap_reached',
    });
    expect(airlock.stack.standIn.requestsFor(fourth.proposal_id)).toHaveLength(0);
    expect(
      airlock.stack.standIn.requests.filter((r) => r.headers['x-airlock-run-id'] === 'run-budget'),
    ).toHaveLength(3);
    // A graceful stop commits what was finished: the restarted budget does not handle them again.
    const handledAgain = airlock.stack.services.budget.lines.filter((line) =>
      before.some((proposal) => line['proposal_id'] === proposal.proposal_id),
    );
    expect(handledAgain).toEqual([]);
  });

  it('waits, reports itself unhealthy and retries while PostgreSQL does not answer, then skips nothing', async () => {
    const { stack } = airlock;
    const locker = new Client({ connectionString: localInfra.postgresUrl });
    await locker.connect();
    try {
      // Budget's statements now time out (SQLSTATE 57014): the dependency is "away" for budget only.
      await locker.query('BEGIN');
      await locker.query(
        `LOCK TABLE ${storeSchemaName('budget', stack.namespace)}.run_usage IN ACCESS EXCLUSIVE MODE`,
      );
      const proposal = ticket('run-postgres-away', 'wait for me');
      await airlock.agent.submit(proposal);
      const report = await pollHealth(stack.healthUrls.budget, 503);
      expect(JSON.stringify(report)).toContain('postgres_unavailable');
      expect(stack.watcher.forProposal('outcomes', proposal.proposal_id)).toHaveLength(0);
      await locker.query('ROLLBACK');
      const outcome = await stack.watcher.waitForOutcome(proposal.proposal_id, 60000);
      expect(outcome.envelope.data['outcome']).toBe('executed');
      await pollHealth(stack.healthUrls.budget, 200);
      expect(stack.watcher.events('dlq', (e) => e.envelope.runid === 'run-postgres-away')).toHaveLength(0);
    } finally {
      await locker.end();
    }
  });

  async function pollHealth(url: string, status: number): Promise<unknown> {
    for (let attempt = 0; attempt < 150; attempt += 1) {
      const response = await fetch(url);
      if (response.status === status) return response.json();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${url} did not answer ${status} within 15 s`);
  }

  it('refuses at the first gate an event forged onto each internal topic, and executes nothing', async () => {
    const forger = await generateSigningKey('budget-1');
    const proposal = ticket('run-forged', 'forged');
    const hash = proposalHash(proposal);
    const binding = { proposal_id: proposal.proposal_id, proposal_hash: hash };
    const forge = (claims: AttestationClaims) =>
      signAttestation(forger.signingKey, { ...claims, ...binding });
    const accepted = await forge({ gate: 'intake', verdict: 'accepted' });
    const allowed = await forge({ gate: 'policy', verdict: 'allow' });
    const askedForApproval = await forge({ gate: 'policy', verdict: 'approval_required' });
    const reserved = await forge({ gate: 'budget', verdict: 'reserved', reserved_cost_usd: 0 });
    const identity = { runId: 'run-forged', proposalId: proposal.proposal_id, agentId: proposal.agent_id };
    const gated = { proposal, proposal_hash: hash };
    const decision = { policy_ids: [], reasons: [], bundle_hash: '0'.repeat(64), entities_version: 0 };
    const forgeries = [
      buildEnvelope('accepted', 'airlock/intake', identity, {
        ...gated,
        attestations: [accepted],
        submission_id: 'x',
      }),
      buildEnvelope('policyDecisions', 'airlock/policy', identity, {
        ...gated,
        ...decision,
        attestations: [accepted, allowed],
        decision: 'allow',
      }),
      buildEnvelope('policyDecisions', 'airlock/policy', identity, {
        ...gated,
        ...decision,
        attestations: [accepted, askedForApproval],
        decision: 'approval_required',
      }),
      buildEnvelope('budgetReservations', 'airlock/budget', identity, {
        ...gated,
        attestations: [accepted, allowed, reserved],
        reserved_cost_usd: 0,
        bundle_hash: '0'.repeat(64),
      }),
    ] as const;
    const topicOf = ['accepted', 'policyDecisions', 'policyDecisions', 'budgetReservations'] as const;
    const gateOf = ['intake', 'policy', 'policy', 'budget'] as const;
    for (const [index, forged] of forgeries.entries()) {
      // Each event also carries an event attestation in the right gate's name, by the wrong key.
      const attested = await attestEvent(forger.signingKey, gateOf[index], forged);
      await airlock.agent.sendRaw('run-forged', JSON.stringify(attested), topicOf[index]);
    }

    const refusals = await waitUntil(
      () => {
        const found = airlock.stack.watcher.events('dlq', (e) => e.envelope.runid === 'run-forged');
        return found.length >= 4 ? found : undefined;
      },
      30000,
      () => 'not every forged event was dead-lettered',
    );
    const byConsumer = Object.fromEntries(
      refusals.map((r) => [r.envelope.data['consumer'], r.envelope.data['reason_code']]),
    );
    expect(byConsumer).toEqual({
      policy: 'invalid_attestation',
      approval: 'invalid_attestation',
      budget: 'invalid_attestation',
      executor: 'invalid_attestation',
    });
    for (const refusal of refusals) expect(refusal.envelope.data['error']).toContain('event refused');
    expect(airlock.stack.standIn.requestsFor(proposal.proposal_id)).toHaveLength(0);
    expect(airlock.stack.watcher.forProposal('outcomes', proposal.proposal_id)).toHaveLength(0);
    const pending = await fetch(`${airlock.stack.approvalUrl}/approvals?status=all`, {
      headers: { authorization: `Bearer ${airlock.stack.approverToken('bob')}` },
    });
    expect(JSON.stringify(await pending.json())).not.toContain(proposal.proposal_id);
  });

  it('expires an approval nobody decided in time, and executes nothing', async () => {
    const proposal = airlock.agent.proposal('run-expiry', 'payments.refund', {
      charge_id: 'ch_77',
      amount_cents: 100,
      reason: 'late',
    });
    expect(await outcomeOf(proposal)).toMatchObject({
      outcome: 'approval_expired',
      reason_code: 'approval_timed_out',
    });
    const late = await fetch(`${airlock.stack.approvalUrl}/approvals/${proposal.proposal_id}/approve`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${airlock.stack.approverToken('bob')}`,
        'content-type': 'application/json',
      },
      body: '{}',
    });
    expect(late.status).toBe(409);
    expect(airlock.stack.standIn.requestsFor(proposal.proposal_id)).toHaveLength(0);
  });

  it('reports a tool that answers with an error as failed, and calls it once', async () => {
    airlock.stack.standIn.respondWith(503);
    try {
      const proposal = ticket('run-tool-error', 'downstream is down');
      expect(await outcomeOf(proposal)).toMatchObject({ outcome: 'failed', reason_code: 'tool_call_failed' });
      expect(airlock.stack.standIn.requestsFor(proposal.proposal_id)).toHaveLength(1);
    } finally {
      airlock.stack.standIn.respondWith(201);
    }
  });

  it('turns a call cut short by an executor crash into unknown, never a second call', async () => {
    const { standIn, services, watcher } = airlock.stack;
    standIn.delayResponses(4000);
    const proposal = ticket('run-crash', 'will the executor survive');
    await airlock.agent.submit(proposal);
    await waitUntil(
      () => standIn.requestsFor(proposal.proposal_id)[0],
      30000,
      () => 'the tool was never called',
    );
    await services.executor.crash();
    standIn.delayResponses(0);
    await services.executor.start();

    const outcome = await watcher.waitForOutcome(proposal.proposal_id, 60000);
    expect(outcome.envelope.data).toMatchObject({
      outcome: 'unknown',
      reason_code: 'result_unknown_after_crash',
    });
    expect(standIn.requestsFor(proposal.proposal_id)).toHaveLength(1);
  });

  describe('bad input gets a specific reason and the services keep serving', () => {
    it.each([
      [
        'unsigned',
        async (p: Proposal) => {
          const envelope = await airlock.agent.signedEnvelope(p);
          const payload = envelope.data.jws.split('.')[1];
          const unsignedHeader = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
          return { ...envelope, data: { jws: `${unsignedHeader}.${payload}.` } };
        },
        'bad_signature',
      ],
      [
        'signed with a key that is not the agent key',
        async (p: Proposal) => {
          const stranger = await generateSigningKey('support-triage-1');
          return airlock.agent.signedEnvelope(p, stranger.signingKey);
        },
        'bad_signature',
      ],
      [
        'from an unknown agent',
        async (p: Proposal) => airlock.agent.signedEnvelope({ ...p, agent_id: 'ghost-agent' }),
        'unknown_agent',
      ],
    ])('rejects a proposal %s', async (_label, make, reasonCode) => {
      const proposal = ticket(`run-bad-${reasonCode}`, 'bad');
      const envelope = await make(proposal);
      await airlock.agent.sendEnvelope(envelope);
      const rejection = await airlock.stack.watcher.waitFor(
        'outcomes',
        (e) => e.envelope.data['submission_id'] === envelope.id,
      );
      expect(rejection.envelope.data).toMatchObject({
        outcome: 'rejected',
        reason_code: reasonCode,
        decided_by: 'intake',
      });
      expect(airlock.stack.standIn.requestsFor(proposal.proposal_id)).toHaveLength(0);
    });

    it('rejects a replayed proposal id', async () => {
      const proposal = ticket('run-replay', 'first');
      expect(await outcomeOf(proposal)).toMatchObject({ outcome: 'executed' });
      const replay = await airlock.agent.submit({ ...proposal, issued_at: new Date().toISOString() });
      const rejection = await airlock.stack.watcher.waitFor(
        'outcomes',
        (e) => e.envelope.data['submission_id'] === replay.id,
      );
      expect(rejection.envelope.data).toMatchObject({
        outcome: 'rejected',
        reason_code: 'replayed_proposal_id',
      });
      expect(airlock.stack.standIn.requestsFor(proposal.proposal_id)).toHaveLength(1);
    });

    it('denies schema-invalid arguments naming the field', async () => {
      const proposal = airlock.agent.proposal('run-bad-args', 'tickets.create', {
        title: 'x',
        priority: 'urgent!!',
      });
      const outcome = await outcomeOf(proposal);
      expect(outcome).toMatchObject({ outcome: 'denied', reason_code: 'invalid_arguments' });
      expect(String(outcome['reason'])).toContain('priority');
    });

    it('dead-letters malformed JSON and tells the run why', async () => {
      await airlock.agent.sendRaw('run-malformed', '{"specversion": "1.0", oops');
      const dead = await airlock.stack.watcher.waitFor('dlq', (e) => e.envelope.runid === 'run-malformed');
      expect(dead.envelope.data['error']).toContain('not JSON');
      expect(dead.envelope.data['raw_value']).toBe('{"specversion": "1.0", oops');
      expect(await airlock.stack.watcher.waitForRunOutcome('run-malformed')).toMatchObject({
        outcome: 'rejected',
        reason_code: 'malformed_envelope',
      });
    });

    it('rejects an oversized message before parsing it', async () => {
      const proposal = airlock.agent.proposal('run-oversized', 'tickets.create', {
        title: 'x'.repeat(100 * 1024),
        priority: 'low',
      });
      await airlock.agent.submit(proposal);
      const rejection = await airlock.stack.watcher.waitForRunOutcome('run-oversized');
      expect(rejection).toMatchObject({ outcome: 'rejected', reason_code: 'oversized_message' });
      expect(String(rejection['reason'])).toMatch(/over the \d+-byte limit/);
    });

    it('still executes the next valid proposal after all of that', async () => {
      expect(await outcomeOf(ticket('run-after-bad-input', 'still alive'))).toMatchObject({
        outcome: 'executed',
      });
    });
  });
});
