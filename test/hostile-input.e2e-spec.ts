import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  buildEnvelope,
  deterministicEventId,
  maxSubmissionBytes,
  outcomeEnvelope,
  topicKeys,
  topics,
  type Proposal,
} from '@airlock/contracts';
import { CompactSign, importJWK } from 'jose';
import { generateSigningKey } from '@airlock/attestation';
import { readSigningKey } from '@airlock/bundle';
import { proposalJwsType } from '@airlock/proposal-verification';
import { repoRoot, useAirlockStack, waitUntil } from '@airlock/testing';

/**
 * The findings of the hostile-input review, one test each, on the real stack: each failed on the
 * main of that day and must pass now.
 */
describe('hostile input', () => {
  const airlock = useAirlockStack({
    editBundle: (dir) => {
      const file = join(dir, 'approvers.json');
      const registry = JSON.parse(readFileSync(file, 'utf8'));
      writeFileSync(file, JSON.stringify({ ...registry, max_pending_per_run: 2 }));
    },
  });

  const ticket = (runId: string, title: string) =>
    airlock.agent.proposal(runId, 'tickets.create', { title, priority: 'low' });

  async function outcomeOf(proposal: Proposal): Promise<Record<string, unknown>> {
    await airlock.agent.submit(proposal);
    return (await airlock.stack.watcher.waitForOutcome(proposal.proposal_id)).envelope.data;
  }

  async function rejectionOf(proposal: Proposal): Promise<Record<string, unknown>> {
    const envelope = await submitSignedAsIs(proposal);
    const answer = await airlock.stack.watcher.waitFor(
      'outcomes',
      (e) => e.envelope.data['submission_id'] === envelope.id,
    );
    return answer.envelope.data;
  }

  it('keeps every gate row of a proposal in the audit when an agent first publishes junk with those ids', async () => {
    const proposal = ticket('run-erasure', 'erase me');
    const gateEventIds = topicKeys
      .filter((key) => key !== 'proposals' && key !== 'dlq')
      .map((key) => deterministicEventId(topics[key].eventType, proposal.run_id, proposal.proposal_id));
    for (const id of gateEventIds) {
      const junk = {
        ...buildEnvelope('proposals', 'agent/x', { runId: proposal.run_id }, { jws: 'junk' }),
        id,
      };
      await airlock.agent.sendEnvelope(junk);
    }
    expect(await outcomeOf(proposal)).toMatchObject({ outcome: 'executed' });
    const stored = await waitForRows(
      `proposal_id = '${proposal.proposal_id}' AND topic != 'agent.proposals'`,
      5,
    );
    expect(stored.map((row) => row['event_type']).sort()).toEqual(
      [
        'airlock.action.executed',
        'airlock.budget.reserved',
        'airlock.policy.decided',
        'airlock.proposal.accepted',
        'airlock.proposal.outcome',
      ].sort(),
    );
  });

  it('keeps forged events visible but marked, out of the gate views, and named by verify-run', async () => {
    const proposal = ticket('run-forged-audit', 'real one');
    expect(await outcomeOf(proposal)).toMatchObject({ outcome: 'executed' });
    const forgedOutcome = outcomeEnvelope({
      proposal_id: 'p-never-proposed',
      run_id: proposal.run_id,
      agent_id: proposal.agent_id,
      tool: proposal.tool,
      outcome: 'executed',
      reason_code: 'tool_call_succeeded',
      reason: 'trust me',
      decided_by: 'executor',
    });
    const forgedAction = buildEnvelope(
      'actionsExecuted',
      'airlock/executor',
      { runId: proposal.run_id, proposalId: 'p-never-proposed', dedupKey: 'p-never-proposed' },
      {
        proposal_id: 'p-never-proposed',
        run_id: proposal.run_id,
        agent_id: proposal.agent_id,
        tool: proposal.tool,
        idempotency_key: 'forged',
        status_code: 201,
        cost_usd: 999,
        bundle_hash: '0'.repeat(64),
      },
    );
    await airlock.agent.sendRaw(proposal.run_id, JSON.stringify(forgedOutcome), 'outcomes');
    await airlock.agent.sendRaw(proposal.run_id, JSON.stringify(forgedAction), 'actionsExecuted');
    const forged = await waitForRows(`run_id = '${proposal.run_id}' AND proposal_id = 'p-never-proposed'`, 2);
    expect(forged.map((row) => row['attestation'])).toEqual(['missing', 'missing']);
    const real = await waitForRows(
      `proposal_id = '${proposal.proposal_id}' AND topic != 'agent.proposals'`,
      5,
    );
    expect(real.map((row) => row['attestation'])).toEqual(real.map(() => 'verified'));

    const [counted] = await airlock.stack.clickhouse.select<{ executed: number }>(
      `SELECT sum(executed) AS executed FROM ${airlock.stack.database}.outcome_rates`,
    );
    const [verified] = await airlock.stack.clickhouse.select<{ executed: number }>(
      `SELECT count() AS executed FROM ${airlock.stack.database}.events FINAL
       WHERE topic = 'airlock.proposals.outcomes' AND outcome = 'executed' AND attestation = 'verified'`,
    );
    expect(Number(counted?.executed)).toBe(Number(verified?.executed));
    const [costs] = await airlock.stack.clickhouse.select<{ total: number }>(
      `SELECT sum(total_cost_usd) AS total FROM ${airlock.stack.database}.cost_per_success`,
    );
    expect(Number(costs?.total)).toBeLessThan(999);

    const verify = spawnSync(
      process.execPath,
      [
        '-r',
        join(repoRoot, 'deploy/local/register-paths.js'),
        join(repoRoot, 'dist/services/audit/src/verify-run.js'),
        proposal.run_id,
      ],
      { env: { ...process.env, AIRLOCK_NAMESPACE: airlock.stack.namespace }, encoding: 'utf8' },
    );
    expect(verify.status).toBe(1);
    expect(verify.stdout).toContain('airlock.proposal.outcome');
    expect(verify.stdout).toMatch(/missing|attestation/);
  });

  describe('refuses at intake, before claiming the id, what later stages cannot hash or store', () => {
    it.each([
      ['a lone UTF-16 surrogate', { title: 'broken \ud800 text', priority: 'low' }, 'lone_surrogate'],
      ['a NUL character', { title: 'nul \u0000 inside', priority: 'low' }, 'nul_character'],
      ['nesting 2,000 deep', { title: 'deep', priority: 'low', body: nested(2000) }, 'nesting_too_deep'],
    ])('rejects a signed proposal with %s', async (_label, args, code) => {
      const proposal = airlock.agent.proposal(
        'run-hygiene',
        'tickets.create',
        args as Record<string, unknown>,
      );
      expect(await rejectionOf(proposal)).toMatchObject({
        outcome: 'rejected',
        reason_code: code,
        proposal_id: '',
      });
      // The id was not claimed: the same id with clean content is still accepted.
      const clean = {
        ...proposal,
        arguments: { title: 'clean', priority: 'low' },
        issued_at: new Date().toISOString(),
      };
      expect(await outcomeOf(clean)).toMatchObject({ outcome: 'executed' });
    });

    it.each([
      ['in year 0001', '0001-01-01T00:00:00Z', 'issued_at_too_old'],
      ['in year 9999', '9999-12-31T23:59:59Z', 'issued_at_in_future'],
    ])('rejects a proposal issued %s', async (_label, issuedAt, code) => {
      const proposal = { ...ticket('run-freshness', 'when'), issued_at: issuedAt };
      expect(await rejectionOf(proposal)).toMatchObject({ outcome: 'rejected', reason_code: code });
      expect(airlock.stack.standIn.requestsFor(proposal.proposal_id)).toHaveLength(0);
    });
  });

  it('answers an unverifiable submission on its submission only, never on the proposal it names', async () => {
    const pending = airlock.agent.proposal('run-speak-for', 'payments.refund', {
      charge_id: 'ch_5',
      amount_cents: 500,
      reason: 'pending',
    });
    await airlock.agent.submit(pending);
    await airlock.stack.watcher.waitFor(
      'policyDecisions',
      (e) => e.envelope.proposalid === pending.proposal_id,
    );
    const stranger = await generateSigningKey('support-triage-1');
    const impostor = await airlock.agent.submit(
      { ...pending, issued_at: new Date().toISOString() },
      stranger.signingKey,
    );
    const answer = await airlock.stack.watcher.waitFor(
      'outcomes',
      (e) => e.envelope.data['submission_id'] === impostor.id,
    );
    expect(answer.envelope.data).toMatchObject({
      outcome: 'rejected',
      reason_code: 'bad_signature',
      proposal_id: '',
    });
    expect(answer.envelope.data).not.toHaveProperty('agent_id');
    expect(airlock.stack.watcher.forProposal('outcomes', pending.proposal_id)).toHaveLength(0);
  });

  it("refuses an envelope naming another proposal or agent than it signed, and leaves that proposal's outcome alone", async () => {
    const other = ticket('run-envelope-ids', 'the real one');
    await airlock.agent.submit(other);
    expect((await airlock.stack.watcher.waitForOutcome(other.proposal_id)).envelope.data['outcome']).toBe(
      'executed',
    );
    const cases = [
      { proposalid: other.proposal_id, code: 'proposal_id_mismatch' },
      { agentid: 'someone-else', code: 'agent_id_mismatch' },
    ];
    for (const { code, ...attributes } of cases) {
      // A run of its own per case: the example bundle allows 3 calls per run.
      const proposal = ticket(`run-${code.replace(/_/g, '-')}`, code);
      const envelope = { ...(await airlock.agent.signedEnvelope(proposal)), ...attributes };
      await airlock.agent.sendEnvelope(envelope);
      const answer = await airlock.stack.watcher.waitFor(
        'outcomes',
        (e) => e.envelope.data['submission_id'] === envelope.id,
      );
      expect(answer.envelope.data).toMatchObject({
        outcome: 'rejected',
        reason_code: code,
        proposal_id: '',
        agent_id: 'support-triage',
      });
      // Refused before the id was claimed: the same proposal under its own ids still runs.
      expect(await outcomeOf({ ...proposal, issued_at: new Date().toISOString() })).toMatchObject({
        outcome: 'executed',
      });
    }
    expect(airlock.stack.watcher.outcomesOf(other.proposal_id)).toHaveLength(1);
  });

  it("accepts a submission of exactly the protocol's size limit and refuses one byte more", async () => {
    // JSON allows whitespace after the value, so padding changes the size and nothing else.
    const paddedTo = async (runId: string, bytes: number) => {
      const proposal = ticket(runId, 'sized');
      const json = JSON.stringify(await airlock.agent.signedEnvelope(proposal));
      await airlock.agent.sendRaw(runId, json.padEnd(bytes, ' '));
      return proposal;
    };
    const atLimit = await paddedTo('run-size-at-limit', maxSubmissionBytes);
    expect(await airlock.stack.watcher.waitForVerdict(atLimit.proposal_id)).toBe(
      'executed/tool_call_succeeded',
    );
    await paddedTo('run-size-over-limit', maxSubmissionBytes + 1);
    expect(await airlock.stack.watcher.waitForRunOutcome('run-size-over-limit')).toMatchObject({
      outcome: 'rejected',
      reason_code: 'oversized_message',
      reason: `message is ${maxSubmissionBytes + 1} bytes, over the ${maxSubmissionBytes}-byte limit`,
      proposal_id: '',
    });
  });

  it('refuses a proposal id reused with other content, even under the same CloudEvent id', async () => {
    const proposal = ticket('run-same-id', 'original');
    const original = await airlock.agent.submit(proposal);
    expect((await airlock.stack.watcher.waitForOutcome(proposal.proposal_id)).envelope.data['outcome']).toBe(
      'executed',
    );
    const altered = await airlock.agent.signedEnvelope({
      ...proposal,
      arguments: { title: 'altered', priority: 'high' },
    });
    await airlock.agent.sendEnvelope({ ...altered, id: original.id });
    const answer = await airlock.stack.watcher.waitFor(
      'outcomes',
      (e) => e.envelope.data['submission_id'] === original.id && e.envelope.data['outcome'] === 'rejected',
    );
    expect(answer.envelope.data['reason_code']).toBe('replayed_proposal_id');
    expect(airlock.stack.standIn.requestsFor(proposal.proposal_id)).toHaveLength(1);
  });

  it('never lets a forged executor outcome hand a run its budget back', async () => {
    // The example bundle allows 3 tool calls per run.
    const executed: Proposal[] = [];
    for (const title of ['one', 'two', 'three']) {
      const proposal = ticket('run-forged-release', title);
      expect(await outcomeOf(proposal)).toMatchObject({ outcome: 'executed' });
      executed.push(proposal);
    }
    for (const proposal of executed) {
      const forged = outcomeEnvelope({
        proposal_id: proposal.proposal_id,
        run_id: proposal.run_id,
        agent_id: proposal.agent_id,
        tool: proposal.tool,
        outcome: 'failed',
        reason_code: 'tool_unreachable',
        reason: 'refused the connection; nothing was sent',
        decided_by: 'executor',
      });
      await airlock.agent.sendRaw(
        proposal.run_id,
        JSON.stringify({ ...forged, id: `forged-${proposal.proposal_id}` }),
        'outcomes',
      );
    }
    await waitUntil(
      () =>
        airlock.stack.watcher.events(
          'dlq',
          (e) => e.envelope.data['consumer'] === 'budget' && e.envelope.runid === 'run-forged-release',
        ).length >= 3
          ? true
          : undefined,
      30000,
      () => 'budget did not refuse the forged outcomes',
    );
    expect(await outcomeOf(ticket('run-forged-release', 'four'))).toMatchObject({
      outcome: 'over_budget',
      reason_code: 'run_call_cap_reached',
    });
  });

  describe('the executor is strict about what it calls', () => {
    let elsewhere: Server;
    let elsewhereHits = 0;
    beforeAll(async () => {
      elsewhere = createServer((request, response) => {
        elsewhereHits += 1;
        request.resume();
        response.end('{}');
      });
      await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
    });
    afterAll(async () => {
      airlock.stack.standIn.respondWith(201);
      await new Promise<void>((resolve) => elsewhere.close(() => resolve()));
    });

    it('does not follow a redirect, and reports it as a failed call with its own reason', async () => {
      const port = (elsewhere.address() as AddressInfo).port;
      airlock.stack.standIn.respondWith(307, '', { location: `http://127.0.0.1:${port}/stolen` });
      const proposal = ticket('run-redirect', 'go elsewhere');
      expect(await outcomeOf(proposal)).toMatchObject({
        outcome: 'failed',
        reason_code: 'tool_redirect_refused',
      });
      expect(elsewhereHits).toBe(0);
    });

    it('caps a response over 1 MiB with NUL characters and still reports the execution', async () => {
      airlock.stack.standIn.respondWith(201, JSON.stringify({ blob: `\u0000${'x'.repeat(1_200_000)}` }));
      const proposal = ticket('run-big-response', 'flood me');
      expect(await outcomeOf(proposal)).toMatchObject({ outcome: 'executed' });
      const executed = await airlock.stack.watcher.waitFor(
        'actionsExecuted',
        (e) => e.envelope.data['proposal_id'] === proposal.proposal_id,
      );
      expect(executed.envelope.data['response_truncated']).toBe(true);
      expect(JSON.stringify(executed.envelope).length).toBeLessThan(128 * 1024);
    });
  });

  it('refuses a request for approval past the per-run cap of waiting requests', async () => {
    const refund = (n: number) =>
      airlock.agent.proposal('run-approval-flood', 'payments.refund', {
        charge_id: `ch_${n}`,
        amount_cents: 100 + n,
        reason: 'flood',
      });
    const proposals = [refund(1), refund(2), refund(3)];
    for (const proposal of proposals) await airlock.agent.submit(proposal);
    const third = await airlock.stack.watcher.waitForOutcome(proposals[2].proposal_id);
    expect(third.envelope.data).toMatchObject({
      outcome: 'denied',
      decided_by: 'approval',
      reason_code: 'run_pending_approvals_cap_reached',
    });
    expect(airlock.stack.watcher.forProposal('outcomes', proposals[0].proposal_id)).toHaveLength(0);
  });

  it('survives a burst of hostile messages on every topic, then executes a valid proposal once, in the audit within seconds', async () => {
    const runId = 'run-burst';
    const hostile = [
      Buffer.from([0xff, 0xfe, 0x00, 0x80]),
      '{"specversion":"1.0",',
      JSON.stringify({ specversion: '1.0', id: 'x\ud800', type: 'nope' }),
      `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`,
      JSON.stringify({ ...buildEnvelope('dlq', 'x', { runId }, {} as never), time: '0001-01-01T00:00:00Z' }),
      // Passes every schema, but no DateTime can store its time.
      JSON.stringify({
        ...outcomeEnvelope({
          proposal_id: 'p-x',
          run_id: runId,
          outcome: 'failed',
          reason_code: 'x',
          reason: 'x',
          decided_by: 'executor',
        }),
        time: '0001-01-01T00:00:00Z',
      }),
      JSON.stringify({
        junk: 'k'.repeat(200_000),
        ...Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`k${i}`, i])),
      }),
      '',
    ];
    for (const key of topicKeys) {
      for (const value of hostile) await airlock.agent.sendRaw(runId, value, key);
    }
    const proposal = ticket(runId, 'after the storm');
    const started = Date.now();
    expect(await outcomeOf(proposal)).toMatchObject({ outcome: 'executed' });
    await waitForRows(`proposal_id = '${proposal.proposal_id}' AND topic = 'airlock.proposals.outcomes'`, 1);
    expect(Date.now() - started).toBeLessThan(30000);
    expect(airlock.stack.standIn.requestsFor(proposal.proposal_id)).toHaveLength(1);
    expect(airlock.stack.watcher.outcomesOf(proposal.proposal_id)).toHaveLength(1);
    for (const url of Object.values(airlock.stack.healthUrls)) expect((await fetch(url)).status).toBe(200);
    const [quarantined] = await airlock.stack.clickhouse.select<{ rows: number }>(
      `SELECT count() AS rows FROM ${airlock.stack.database}.quarantine WHERE kafka_key = '${runId}'`,
    );
    expect(Number(quarantined?.rows)).toBeGreaterThan(0);
  });

  /**
   * Signs the JSON text of the proposal as it is, as a hostile agent would: the SDK's signing
   * refuses what canonical JSON cannot carry, an attacker's code does not.
   */
  async function submitSignedAsIs(proposal: Proposal) {
    const key = readSigningKey(airlock.stack.paths.agentKeyFiles['support-triage'] ?? '');
    const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(proposal)))
      .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: proposalJwsType })
      .sign(await importJWK(key.privateJwk, 'EdDSA'));
    const envelope = buildEnvelope(
      'proposals',
      'agent/support-triage',
      { runId: proposal.run_id, proposalId: proposal.proposal_id, agentId: proposal.agent_id },
      { jws },
    );
    await airlock.agent.sendEnvelope(envelope);
    return envelope;
  }

  async function waitForRows(where: string, atLeast: number): Promise<Record<string, unknown>[]> {
    let rows: Record<string, unknown>[] = [];
    for (let attempt = 0; attempt < 150; attempt += 1) {
      rows = await airlock.stack.clickhouse.select<Record<string, unknown>>(
        `SELECT * FROM ${airlock.stack.database}.events FINAL WHERE ${where}`,
      );
      if (rows.length >= atLeast) return rows;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`fewer than ${atLeast} audit rows where ${where}: ${rows.length}`);
  }
});

function nested(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let level = 0; level < depth; level += 1) value = { inner: value };
  return value;
}
