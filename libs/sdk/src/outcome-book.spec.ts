import type { ActionExecuted, ProposalOutcome } from '@airlock/contracts';
import { ProposalTimeoutError } from './client-errors';
import { OutcomeBook } from './outcome-book';

function outcome(overrides: Partial<ProposalOutcome>): ProposalOutcome {
  return {
    proposal_id: 'p-1',
    run_id: 'run-1',
    agent_id: 'support-triage',
    outcome: 'denied',
    reason_code: 'policy_denied',
    reason: 'no policy permits it',
    decided_by: 'policy',
    ...overrides,
  };
}

function action(overrides: Partial<ActionExecuted> = {}): ActionExecuted {
  return {
    proposal_id: 'p-1',
    run_id: 'run-1',
    agent_id: 'support-triage',
    tool: 'tickets.create',
    idempotency_key: 'k',
    status_code: 201,
    response: { id: 'T-1' },
    cost_usd: 0.01,
    bundle_hash: 'a'.repeat(64),
    ...overrides,
  };
}

const rejection = (submissionId: string) =>
  outcome({
    proposal_id: '',
    outcome: 'rejected',
    reason_code: 'bad_signature',
    decided_by: 'intake',
    submission_id: submissionId,
  });

describe('OutcomeBook', () => {
  let book: OutcomeBook;
  beforeEach(() => {
    book = new OutcomeBook();
    book.track('p-1', 'sub-1');
  });

  it('matches an outcome by proposal id and keeps the first of a repeated outcome', () => {
    book.receiveOutcome(outcome({}));
    book.receiveOutcome(outcome({ outcome: 'halted', reason_code: 'run_halted' }));
    expect(book.resultOf('p-1')).toMatchObject({
      outcome: 'denied',
      reasonCode: 'policy_denied',
      decidedBy: 'policy',
    });
  });

  it('matches a rejection by submission id, never by the proposal id a submission claims', () => {
    book.receiveOutcome({ ...rejection('sub-other'), proposal_id: 'p-1' });
    expect(book.resultOf('p-1')).toBeUndefined();
    book.receiveOutcome(rejection('sub-1'));
    expect(book.resultOf('p-1')).toMatchObject({
      outcome: 'rejected',
      submissionId: 'sub-1',
      proposalId: 'p-1',
    });
  });

  it("lets the proposal's own outcome win over a rejection of a copy of its submission", () => {
    book.receiveOutcome(rejection('sub-1'));
    book.receiveOutcome(outcome({ outcome: 'approval_expired', reason_code: 'approval_timed_out' }));
    expect(book.resultOf('p-1')?.outcome).toBe('approval_expired');
  });

  it('resolves an executed proposal only with its action, whichever arrives first', () => {
    book.receiveOutcome(
      outcome({ outcome: 'executed', reason_code: 'tool_call_succeeded', decided_by: 'executor' }),
    );
    expect(book.resultOf('p-1')).toBeUndefined();
    book.receiveAction(action());
    const result = book.resultOf('p-1');
    expect(result?.outcome === 'executed' && [result.statusCode, result.result]).toEqual([
      201,
      { id: 'T-1' },
    ]);
  });

  it('ignores answers to proposals it does not track', () => {
    book.receiveOutcome(outcome({ proposal_id: 'p-2' }));
    book.receiveAction(action({ proposal_id: 'p-2' }));
    expect(book.resultOf('p-2')).toBeUndefined();
  });

  it('resolves a waiter when the answer arrives', async () => {
    const waiting = book.waitForResult('p-1', 1000);
    book.receiveOutcome(
      outcome({ outcome: 'over_budget', reason_code: 'run_call_cap_reached', decided_by: 'budget' }),
    );
    await expect(waiting).resolves.toMatchObject({ outcome: 'over_budget' });
  });

  it('times out saying that the outcome is still pending', async () => {
    const error = await book.waitForResult('p-1', 10).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ProposalTimeoutError);
    expect(error).toMatchObject({
      code: 'proposal_timeout',
      retriable: true,
      proposalId: 'p-1',
      submissionId: 'sub-1',
      pending: 'outcome',
    });
    expect((error as Error).message).toMatch(/proposal p-1 \(submission sub-1\) has no outcome after 10 ms/);
  });

  it('times out saying that the executed action is still pending', async () => {
    book.receiveOutcome(
      outcome({ outcome: 'executed', reason_code: 'tool_call_succeeded', decided_by: 'executor' }),
    );
    await expect(book.waitForResult('p-1', 10, 'a note')).rejects.toMatchObject({
      pending: 'executed_action',
      message: expect.stringMatching(
        /airlock\.actions\.executed event .* did not arrive within 10 ms; a note$/,
      ),
    });
  });

  it('keeps the usage reports it tracks until budget accounts them', async () => {
    book.trackUsage('u-1');
    const waiting = book.waitForUsage('u-1', 1000);
    book.receiveUsageAccounted({ usage_id: 'u-1' } as never);
    await expect(waiting).resolves.toMatchObject({ usage_id: 'u-1' });
    await expect(book.waitForUsage('u-2', 10)).rejects.toMatchObject({ code: 'usage_timeout' });
  });

  it('fails every waiter once the client closes', async () => {
    const waiting = book.waitForResult('p-1', 1000);
    book.failAll(new Error('closed'));
    await expect(waiting).rejects.toThrow('closed');
  });
});
