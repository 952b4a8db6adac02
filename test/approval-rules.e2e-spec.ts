import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useAirlockStack } from '@airlock/testing';

/**
 * The humans in the loop (docs/policies.md): an approval that covers the rest of a run
 * (@approval_for_run), a human answering once for "this charge, in this run"; a quorum of a group
 * (@approvers, @quorum) with separation of duties (exclude_owner_team); and the queue where an
 * operator records what really happened to a call whose outcome was unknown.
 */
describe('humans in the loop', () => {
  const airlock = useAirlockStack({
    env: {
      // A tool that answers after a second leaves its call's outcome unknown.
      AIRLOCK_TOOL_TIMEOUT_MS: '1000',
      // Notices go to the stand-in, on a host approvers.json allows.
      AIRLOCK_NOTIFY_WEBHOOK_URL: '{stand_in_url}/hooks/airlock',
    },
    editBundle: (dir) => {
      const path = join(dir, 'policies', 'support.cedar');
      // Refunds up to $200 need one approver (one answer covering the charge for the run); more,
      // two of finance.
      const text = readFileSync(path, 'utf8')
        .replace(
          '@id("support-refunds-need-approval")',
          '@id("support-refunds-need-approval")\n@approval_for_run("$.charge_id")',
        )
        .replace(
          'when { context.arguments.amount_cents <= 50000 };',
          'when { context.arguments.amount_cents <= 20000 };',
        );
      writeFileSync(
        path,
        `${text}
@id("big-refunds-need-two-from-finance")
@approval("required")
@approvers("finance")
@quorum("2")
permit (principal in Team::"support", action == Action::"payments.refund", resource)
when { context.arguments.amount_cents > 20000 && context.arguments.amount_cents <= 50000 };
`,
      );
      const approversFile = join(dir, 'approvers.json');
      const registry = JSON.parse(readFileSync(approversFile, 'utf8'));
      const person = (id: string, name: string, extra: object) => ({ id, name, token_sha256: '', ...extra });
      registry.exclude_owner_team = true;
      registry.notifications = { allowed_hosts: ['127.0.0.1'] };
      registry.approvers = [
        person('alice', 'Alice (support lead, owns support-triage)', { team: 'support' }),
        person('sam', "Sam (support, on alice's team)", { team: 'support', groups: ['finance'] }),
        person('bob', 'Bob (finance)', { team: 'finance', groups: ['finance'] }),
        person('carol', 'Carol (finance)', { team: 'finance', groups: ['finance'] }),
        person('dave', 'Dave (legal)', { team: 'legal' }),
      ];
      writeFileSync(approversFile, JSON.stringify(registry));
    },
  });

  const approvals = (path: string, approver: string, method = 'GET', body?: unknown) =>
    airlock.stack.callApi(path, { token: airlock.stack.approverToken(approver), method, body });

  async function refund(runId: string, chargeId: string, amountCents: number): Promise<string> {
    const proposal = airlock.agent.proposal(runId, 'payments.refund', {
      charge_id: chargeId,
      amount_cents: amountCents,
      reason: 'duplicate',
    });
    await airlock.agent.submit(proposal);
    return proposal.proposal_id;
  }

  async function waitUntilPending(proposalId: string): Promise<{ approval_for_run: string[] | null }> {
    for (let attempt = 0; attempt < 100; attempt += 1) {
      const response = await approvals(`/approvals/${proposalId}`, 'bob');
      if (response.status === 200) return (await response.json()) as { approval_for_run: string[] | null };
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const ended = airlock.stack.watcher.seen.find((event) => event.envelope.proposalid === proposalId);
    throw new Error(
      `${proposalId} never waited for a human: ${JSON.stringify(ended?.envelope.data ?? 'no event')}`,
    );
  }

  async function approvalOf(proposalId: string) {
    const decided = await airlock.stack.watcher.waitFor(
      'approvalDecisions',
      (event) => event.envelope.proposalid === proposalId,
    );
    return decided.envelope.data as { decision: string; approver_id?: string; comment?: string };
  }

  it('approves later calls with the same charge in the run, and only those', async () => {
    const first = await refund('run-for-run', 'ch_1', 1000);
    const waiting = await refund('run-for-run', 'ch_1', 2000);
    const otherCharge = await refund('run-for-run', 'ch_2', 3000);
    expect((await waitUntilPending(first)).approval_for_run).toEqual(['$.charge_id']);
    await waitUntilPending(waiting);
    await waitUntilPending(otherCharge);

    const approved = await approvals(`/approvals/${first}/approve`, 'bob', 'POST', {
      comment: 'this charge was billed twice',
      for_rest_of_run: true,
    });
    expect(approved.status).toBe(200);
    expect(await airlock.stack.watcher.waitForVerdict(first)).toBe('executed/tool_call_succeeded');
    // The request already waiting for the same charge is approved with it, in bob's name.
    expect(await airlock.stack.watcher.waitForVerdict(waiting)).toBe('executed/tool_call_succeeded');
    expect(await approvalOf(waiting)).toMatchObject({
      decision: 'approved',
      approver_id: 'bob',
      comment: expect.stringContaining(`bob approved proposal ${first} with the same $.charge_id`),
    });

    // A later call for the same charge in the run asks nobody; each executes once.
    const later = await refund('run-for-run', 'ch_1', 500);
    expect(await airlock.stack.watcher.waitForVerdict(later)).toBe('executed/tool_call_succeeded');
    expect(await approvalOf(later)).toMatchObject({ decision: 'approved', approver_id: 'bob' });
    for (const id of [first, waiting, later]) expect(airlock.stack.standIn.requestsFor(id)).toHaveLength(1);

    // Another charge, or the same charge in another run, still waits for a human.
    const elsewhere = await refund('run-other', 'ch_1', 1000);
    await waitUntilPending(elsewhere);
    const pending = (await (await approvals('/approvals?status=pending', 'bob')).json()) as {
      approvals: { proposal_id: string }[];
    };
    expect(pending.approvals.map((request) => request.proposal_id).sort()).toEqual(
      [elsewhere, otherCharge].sort(),
    );
    expect(airlock.stack.standIn.requestsFor(otherCharge)).toHaveLength(0);
  });

  it('refuses to deny for the rest of a run, leaving the request waiting', async () => {
    const proposal = await refund('run-deny-for-run', 'ch_9', 1000);
    await waitUntilPending(proposal);
    const answer = await approvals(`/approvals/${proposal}/deny`, 'bob', 'POST', { for_rest_of_run: true });
    expect(answer.status).toBe(400);
    expect(await answer.json()).toMatchObject({ error: 'not_for_run' });
    expect(
      ((await (await approvals(`/approvals/${proposal}`, 'bob')).json()) as { status: string }).status,
    ).toBe('pending');
  });

  it('executes a big refund once two of finance approved, refusing the owner, her team and outsiders', async () => {
    const refundId = await refund('run-quorum', 'ch_big', 30000);
    const pending = (await waitUntilPending(refundId)) as unknown as { needs: string[] };
    expect(pending.needs).toContain(
      'policy big-refunds-need-two-from-finance needs 2 approvals from finance',
    );

    const answer = (approver: string, verdict = 'approve') =>
      approvals(`/approvals/${refundId}/${verdict}`, approver, 'POST', { comment: `${approver} checked` });
    // The owner, a finance member of the owner's team (exclude_owner_team), and someone not of finance.
    for (const [approver, reason] of [
      ['alice', 'owns agent support-triage'],
      ['sam', 'the team of agent support-triage'],
      ['dave', 'counts toward none of what this request needs'],
    ]) {
      const refused = await answer(approver);
      expect({ approver, status: refused.status }).toEqual({ approver, status: 403 });
      expect(((await refused.json()) as { message: string }).message).toContain(reason);
    }

    // One person's answer may not stand for a quorum's on the calls to come.
    const forRun = await approvals(`/approvals/${refundId}/approve`, 'bob', 'POST', {
      for_rest_of_run: true,
    });
    expect(forRun.status).toBe(400);
    expect(await forRun.json()).toMatchObject({
      error: 'not_for_run',
      message: expect.stringContaining('needs several approvers'),
    });

    const first = await answer('bob');
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({
      status: 'pending',
      approved_by: ['bob'],
      missing: ['policy big-refunds-need-two-from-finance needs 2 approvals from finance (1 so far)'],
    });
    expect((await answer('bob')).status).toBe(409);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(airlock.stack.standIn.requestsFor(refundId)).toHaveLength(0);

    const second = await answer('carol');
    expect(await second.json()).toMatchObject({ status: 'approved' });
    expect(await airlock.stack.watcher.waitForVerdict(refundId)).toBe('executed/tool_call_succeeded');
    expect(await approvalOf(refundId)).toMatchObject({
      approver_id: 'carol',
      approver_ids: ['bob', 'carol'],
    });
    expect(airlock.stack.standIn.requestsFor(refundId)).toHaveLength(1);
  });

  it('lets one finance approver deny a request a quorum would approve', async () => {
    const refundId = await refund('run-quorum-denied', 'ch_bigger', 30000);
    await waitUntilPending(refundId);
    expect(
      (await approvals(`/approvals/${refundId}/deny`, 'carol', 'POST', { comment: 'not this one' })).status,
    ).toBe(200);
    expect(await airlock.stack.watcher.waitForVerdict(refundId)).toBe('approval_denied/approver_denied');
  });

  describe('an outcome nobody could tell', () => {
    const operatorApi = (method: string, path: string, token: string, body?: unknown) =>
      airlock.stack.callApi(path, { method, token, body });
    const olivia = () => airlock.stack.operatorToken('olivia');
    const runCalls = async (runId: string) => {
      const standing = await airlock.stack.callApi(`/budget/runs/${runId}`, {
        token: olivia(),
        service: 'budget',
      });
      return ((await standing.json()) as { per_run: { calls: number } }).per_run.calls;
    };

    it('waits for an operator, whose "it never happened" gives the run its call back, audited', async () => {
      airlock.stack.standIn.delayResponses(3000);
      const proposal = airlock.agent.proposal('run-unknown', 'tickets.create', {
        title: 'Slow desk',
        priority: 'low',
      });
      try {
        await airlock.agent.submit(proposal);
        expect(await airlock.stack.watcher.waitForVerdict(proposal.proposal_id)).toMatch(/^unknown\//);
      } finally {
        airlock.stack.standIn.delayResponses(0);
      }
      let queued: { proposal_id: string; happened: string | null }[] = [];
      for (let attempt = 0; attempt < 50 && queued.length === 0; attempt += 1) {
        const listed = (await (await operatorApi('GET', '/operator/unknown-outcomes', olivia())).json()) as {
          unknown_outcomes: typeof queued;
        };
        queued = listed.unknown_outcomes.filter((row) => row.proposal_id === proposal.proposal_id);
        if (queued.length === 0) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(queued).toEqual([
        expect.objectContaining({ proposal_id: proposal.proposal_id, happened: null }),
      ]);
      expect(await runCalls('run-unknown')).toBe(1);

      const path = `/operator/unknown-outcomes/${proposal.proposal_id}/resolution`;
      const finding = { happened: 'failed', note: 'no ticket in the desk for it' };
      expect((await operatorApi('POST', path, airlock.stack.approverToken('bob'), finding)).status).toBe(403);
      const resolved = await operatorApi('POST', path, olivia(), finding);
      expect(resolved.status).toBe(201);
      expect(await resolved.json()).toMatchObject({ happened: 'failed', resolved_by: 'olivia' });
      expect((await operatorApi('POST', path, olivia(), { ...finding, happened: 'succeeded' })).status).toBe(
        409,
      );
      expect(
        (await operatorApi('POST', '/operator/unknown-outcomes/p-never/resolution', olivia(), finding))
          .status,
      ).toBe(404);

      // Budget gave the call back, and audit holds the resolution, attested by the approval service.
      for (let attempt = 0; attempt < 50 && (await runCalls('run-unknown')) !== 0; attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(await runCalls('run-unknown')).toBe(0);
      let rows: { decision: string; attestation: string }[] = [];
      for (let attempt = 0; attempt < 100 && rows.length === 0; attempt += 1) {
        rows = await airlock.stack.clickhouse.select<{ decision: string; attestation: string }>(
          `SELECT decision, attestation FROM ${airlock.stack.database}.events FINAL
            WHERE topic = 'airlock.outcomes.resolved' AND proposal_id = '${proposal.proposal_id}'`,
        );
        if (rows.length === 0) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(rows).toEqual([{ decision: 'failed', attestation: 'verified' }]);
    });
  });

  it('posts a Slack-compatible notice when an approval waits and when something is halted, once each', async () => {
    const notices = () =>
      airlock.stack.standIn.requests
        .filter((request) => request.path === '/hooks/airlock')
        .map((request) => request.body as { text: string; airlock: Record<string, string> });
    const refundId = await refund('run-notified', 'ch_notified', 1000);
    await waitUntilPending(refundId);
    const halted = await airlock.stack.callApi('/operator/halts', {
      token: airlock.stack.operatorToken('olivia'),
      body: { kind: 'tool', id: 'email.send', reason: 'the mailer misbehaves' },
    });
    expect(halted.status).toBe(202);
    for (let attempt = 0; attempt < 50; attempt += 1) {
      const kinds = notices().map((notice) => notice.airlock['kind']);
      if (kinds.includes('halted') && notices().some((notice) => notice.airlock['proposal_id'] === refundId))
        break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const waiting = notices().filter((notice) => notice.airlock['proposal_id'] === refundId);
    expect(waiting).toEqual([
      {
        text: expect.stringMatching(
          new RegExp(
            `^Approval waiting: support-triage wants payments\\.refund in run run-notified .*proposal ${refundId}\\.$`,
          ),
        ),
        airlock: expect.objectContaining({ kind: 'approval_waiting', run_id: 'run-notified' }),
      },
    ]);
    expect(notices().filter((notice) => notice.airlock['kind'] === 'halted')).toEqual([
      {
        text: 'Halted: tool email.send, by olivia: the mailer misbehaves',
        airlock: expect.objectContaining({ scope: 'tool', id: 'email.send' }),
      },
    ]);
  });
});
