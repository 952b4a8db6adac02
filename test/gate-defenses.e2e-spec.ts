import { buildEnvelope, type Proposal } from '@airlock/contracts';
import { generateSigningKey, proposalHash, signAttestation } from '@airlock/attestation';
import { useAirlockStack, waitUntil } from '@airlock/testing';

/** Budget caps, forged internal events and bad input, against the real services. */
describe('gate defenses', () => {
  const airlock = useAirlockStack();

  const ticket = (runId: string, title: string) =>
    airlock.agent.proposal(runId, 'tickets.create', { title, priority: 'low' });

  async function outcomeOf(proposal: Proposal): Promise<Record<string, unknown>> {
    await airlock.agent.submit(proposal);
    return (await airlock.stack.watcher.waitForOutcome(proposal.proposal_id)).envelope.data;
  }

  it('refuses the call past the run cap, and the cap still holds after the budget service restarts', async () => {
    // The example bundle allows 3 tool calls per run.
    for (const title of ['one', 'two'])
      expect(await outcomeOf(ticket('run-budget', title))).toMatchObject({ outcome: 'executed' });

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
    await airlock.agent.sendRaw('run-forged', JSON.stringify(reservation), 'budgetReservations');
    await airlock.agent.sendRaw('run-forged', JSON.stringify(allow), 'policyDecisions');

    const refusals = await waitUntil(
      () => {
        const found = airlock.stack.watcher.events('dlq', (e) => e.envelope.runid === 'run-forged');
        return found.length >= 2 ? found : undefined;
      },
      30000,
      () => 'the executor did not dead-letter both forged reservations',
    );
    expect(refusals.map((r) => r.envelope.data['error'])).toEqual([
      expect.stringContaining('refused to execute: invalid_attestation'),
      expect.stringContaining('refused to execute: invalid_attestation'),
    ]);
    expect(airlock.stack.standIn.requestsFor(proposal.proposal_id)).toHaveLength(0);
    expect(
      airlock.stack.watcher
        .forProposal('outcomes', proposal.proposal_id)
        .map((e) => e.envelope.data['outcome']),
    ).not.toContain('executed');
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
