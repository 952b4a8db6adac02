import { buildEnvelope, type Proposal } from '@airlock/contracts';
import { generateSigningKey, proposalHash, signAttestation } from '@airlock/attestation';
import { AirlockStack, type TestAgent } from '@airlock/testing';

/** Budget caps, forged internal events and bad input, against the real services. */
describe('gate defenses', () => {
  let stack: AirlockStack;
  let agent: TestAgent;

  beforeAll(async () => {
    stack = await AirlockStack.start();
    agent = stack.agent('support-triage');
  }, 120000);

  afterAll(async () => {
    await stack?.stop();
  });

  const ticket = (runId: string, title: string) =>
    agent.proposal(runId, 'tickets.create', { title, priority: 'low' });

  async function waitUntil(condition: () => boolean, timeoutMs = 30000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async function outcomeOf(proposal: Proposal): Promise<Record<string, unknown>> {
    await agent.submit(proposal);
    return (await stack.watcher.waitForOutcome(proposal.proposal_id)).envelope.data;
  }

  it('refuses the call past the run cap, and the cap still holds after the budget service restarts', async () => {
    // The example bundle allows 3 tool calls per run.
    for (const title of ['one', 'two'])
      expect(await outcomeOf(ticket('run-budget', title))).toMatchObject({ outcome: 'executed' });

    await stack.services.budget.restart();

    expect(await outcomeOf(ticket('run-budget', 'three'))).toMatchObject({ outcome: 'executed' });
    const fourth = ticket('run-budget', 'four');
    expect(await outcomeOf(fourth)).toMatchObject({
      outcome: 'over_budget',
      reason_code: 'run_call_cap_reached',
    });
    expect(stack.standIn.requestsFor(fourth.proposal_id)).toHaveLength(0);
    expect(stack.standIn.requests.filter((r) => r.headers['x-airlock-run-id'] === 'run-budget')).toHaveLength(
      3,
    );
  });

  it('executes nothing for an allow or a reservation forged by someone without the gates keys', async () => {
    const forger = await generateSigningKey('budget-1');
    const proposal = ticket('run-forged', 'forged');
    const hash = proposalHash(proposal);
    const claims = { proposal_id: proposal.proposal_id, proposal_hash: hash };
    const attestations = [
      await signAttestation(forger.signingKey, { gate: 'intake', verdict: 'accepted', ...claims }),
      await signAttestation(forger.signingKey, { gate: 'policy', verdict: 'allow', ...claims }),
      await signAttestation(forger.signingKey, {
        gate: 'budget',
        verdict: 'reserved',
        reserved_cost_usd: 0,
        ...claims,
      }),
    ];
    const identity = { runId: 'run-forged', proposalId: proposal.proposal_id, agentId: proposal.agent_id };
    const reservation = buildEnvelope('budgetReservations', 'airlock/budget', identity, {
      proposal,
      proposal_hash: hash,
      attestations,
      reserved_cost_usd: 0,
      bundle_hash: '0'.repeat(64),
    });
    const allow = buildEnvelope('policyDecisions', 'airlock/policy', identity, {
      proposal,
      proposal_hash: hash,
      attestations: attestations.slice(0, 2),
      decision: 'allow',
      policy_ids: [],
      reasons: [],
      bundle_hash: '0'.repeat(64),
    });
    await agent.sendRaw('run-forged', JSON.stringify(reservation), 'budgetReservations');
    await agent.sendRaw('run-forged', JSON.stringify(allow), 'policyDecisions');

    await waitUntil(() => stack.watcher.events('dlq', (e) => e.envelope.runid === 'run-forged').length >= 2);
    const refusals = stack.watcher.events('dlq', (e) => e.envelope.runid === 'run-forged');
    expect(refusals.map((r) => r.envelope.data['error'])).toEqual([
      expect.stringContaining('refused to execute: invalid_attestation'),
      expect.stringContaining('refused to execute: invalid_attestation'),
    ]);
    expect(stack.standIn.requestsFor(proposal.proposal_id)).toHaveLength(0);
    expect(
      stack.watcher.forProposal('outcomes', proposal.proposal_id).map((e) => e.envelope.data['outcome']),
    ).not.toContain('executed');
  });

  describe('bad input gets a specific reason and the services keep serving', () => {
    it.each([
      [
        'unsigned',
        async (p: Proposal) => {
          const envelope = await agent.signedEnvelope(p);
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
          return agent.signedEnvelope(p, stranger.signingKey);
        },
        'bad_signature',
      ],
      [
        'from an unknown agent',
        async (p: Proposal) => agent.signedEnvelope({ ...p, agent_id: 'ghost-agent' }),
        'unknown_agent',
      ],
    ])('rejects a proposal %s', async (_label, make, reasonCode) => {
      const proposal = ticket(`run-bad-${reasonCode}`, 'bad');
      const envelope = await make(proposal);
      await agent.sendEnvelope(envelope);
      const rejection = await stack.watcher.waitFor(
        'outcomes',
        (e) => e.envelope.data['submission_id'] === envelope.id,
      );
      expect(rejection.envelope.data).toMatchObject({
        outcome: 'rejected',
        reason_code: reasonCode,
        decided_by: 'intake',
      });
      expect(stack.standIn.requestsFor(proposal.proposal_id)).toHaveLength(0);
    });

    it('rejects a replayed proposal id', async () => {
      const proposal = ticket('run-replay', 'first');
      expect(await outcomeOf(proposal)).toMatchObject({ outcome: 'executed' });
      const replay = await agent.submit({ ...proposal, issued_at: new Date().toISOString() });
      const rejection = await stack.watcher.waitFor(
        'outcomes',
        (e) => e.envelope.data['submission_id'] === replay.id,
      );
      expect(rejection.envelope.data).toMatchObject({
        outcome: 'rejected',
        reason_code: 'replayed_proposal_id',
      });
      expect(stack.standIn.requestsFor(proposal.proposal_id)).toHaveLength(1);
    });

    it('denies schema-invalid arguments naming the field', async () => {
      const proposal = agent.proposal('run-bad-args', 'tickets.create', { title: 'x', priority: 'urgent!!' });
      const outcome = await outcomeOf(proposal);
      expect(outcome).toMatchObject({ outcome: 'denied', reason_code: 'invalid_arguments' });
      expect(String(outcome['reason'])).toContain('priority');
    });

    it('dead-letters malformed JSON and tells the run why', async () => {
      await agent.sendRaw('run-malformed', '{"specversion": "1.0", oops');
      const dead = await stack.watcher.waitFor('dlq', (e) => e.envelope.runid === 'run-malformed');
      expect(dead.envelope.data['error']).toContain('not JSON');
      expect(dead.envelope.data['raw_value']).toBe('{"specversion": "1.0", oops');
      const rejection = await stack.watcher.waitFor(
        'outcomes',
        (e) => e.envelope.data['run_id'] === 'run-malformed',
      );
      expect(rejection.envelope.data).toMatchObject({
        outcome: 'rejected',
        reason_code: 'malformed_envelope',
      });
    });

    it('rejects an oversized message before parsing it', async () => {
      const proposal = agent.proposal('run-oversized', 'tickets.create', {
        title: 'x'.repeat(100 * 1024),
        priority: 'low',
      });
      await agent.submit(proposal);
      const rejection = await stack.watcher.waitFor(
        'outcomes',
        (e) => e.envelope.data['run_id'] === 'run-oversized',
      );
      expect(rejection.envelope.data).toMatchObject({
        outcome: 'rejected',
        reason_code: 'oversized_message',
      });
      expect(String(rejection.envelope.data['reason'])).toMatch(/over the \d+-byte limit/);
    });

    it('still executes the next valid proposal after all of that', async () => {
      expect(await outcomeOf(ticket('run-after-bad-input', 'still alive'))).toMatchObject({
        outcome: 'executed',
      });
    });
  });
});
