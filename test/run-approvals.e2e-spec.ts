import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useAirlockStack } from '@airlock/testing';

/**
 * An approval that covers the rest of a run (docs/policies.md, @approval_for_run): a human answers
 * once for "this charge, in this run", not per call, and nothing beyond that is covered.
 */
describe('approvals for the rest of a run', () => {
  const airlock = useAirlockStack({
    editBundle: (dir) => {
      const path = join(dir, 'policies', 'support.cedar');
      const text = readFileSync(path, 'utf8').replace(
        '@id("support-refunds-need-approval")',
        '@id("support-refunds-need-approval")\n@approval_for_run("$.charge_id")',
      );
      writeFileSync(path, text);
    },
  });

  const approvals = (path: string, approver: string, method = 'GET', body?: unknown) =>
    fetch(`${airlock.stack.approvalUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${airlock.stack.approverToken(approver)}`,
        'content-type': 'application/json',
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

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
    throw new Error(`${proposalId} never waited for a human`);
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
});
