import type { ProposalOutcome } from '@airlock/contracts';
import { ProposalTimeoutError, type ProposalResult } from '@airlock/sdk';
import { callResultOf, pendingResultOf } from './call-results';

const outcomeEvent = {} as ProposalOutcome;

describe('callResultOf', () => {
  it("answers an executed call with the executor's (redacted) response", () => {
    const result = {
      outcome: 'executed',
      proposalId: 'p-1',
      runId: 'run-1',
      reasonCode: 'tool_call_succeeded',
      reason: 'ok',
      decidedBy: 'executor',
      event: outcomeEvent,
      result: { id: 'T-1', customer_email: '[redacted]' },
      statusCode: 201,
    } as unknown as ProposalResult;
    expect(callResultOf(result)).toEqual({
      content: [{ type: 'text', text: '{"id":"T-1","customer_email":"[redacted]"}' }],
      structuredContent: {
        outcome: 'executed',
        proposal_id: 'p-1',
        status_code: 201,
        result: { id: 'T-1', customer_email: '[redacted]' },
      },
    });
  });

  it.each([
    ['denied', 'policy_denied', 'policy'],
    ['over_budget', 'run_call_cap_reached', 'budget'],
    ['halted', 'run_halted', 'budget'],
    ['rejected', 'bad_run_ticket', 'intake'],
    ['approval_denied', 'approver_denied', 'approval'],
    ['approval_expired', 'approval_timed_out', 'approval'],
  ] as const)(
    'answers %s as an error naming the outcome and its reason code',
    (outcome, reasonCode, gate) => {
      const result = {
        outcome,
        proposalId: 'p-1',
        runId: 'run-1',
        reasonCode,
        reason: 'because',
        decidedBy: gate,
        event: outcomeEvent,
      } as unknown as ProposalResult;
      const answer = callResultOf(result);
      expect(answer.isError).toBe(true);
      expect(answer.structuredContent).toEqual({
        outcome,
        reason_code: reasonCode,
        reason: 'because',
        decided_by: gate,
        proposal_id: 'p-1',
      });
      expect(answer.content).toEqual([
        { type: 'text', text: expect.stringContaining(`(${reasonCode}): because`) },
      ]);
    },
  );
});

describe('pendingResultOf', () => {
  it('says the proposal is still pending and that calling again resumes it', () => {
    const answer = pendingResultOf(new ProposalTimeoutError('p-1', 's-1', 'outcome', 'no outcome yet'));
    expect(answer.isError).toBe(true);
    expect(answer.structuredContent).toMatchObject({
      outcome: 'pending',
      proposal_id: 'p-1',
      waiting_for: 'outcome',
    });
    expect(JSON.stringify(answer.content)).toContain('call this tool again with the same arguments');
  });
});
