import type { ActionExecuted, ProposalOutcome } from '@airlock/contracts';

/** Every terminal outcome a proposal can end with (the schema's OutcomeKind). */
export type OutcomeKind = ProposalOutcome['outcome'];

interface ResultOf<K extends OutcomeKind> {
  outcome: K;
  proposalId: string;
  runId: string;
  /** Stable, for code (libs/contracts/src/outcome-reasons.ts lists them all). */
  reasonCode: string;
  /** One sentence, for humans. */
  reason: string;
  /** The gate that ended the proposal. */
  decidedBy: ProposalOutcome['decided_by'];
  /** The outcome event's payload as Airlock published it: policy ids, approver, cost… */
  event: ProposalOutcome;
}

/** The tool ran: its answer is the executor's airlock.actions.executed event for the proposal. */
export interface ExecutedResult extends ResultOf<'executed'> {
  /** The tool's response body, with the fields the tool declares sensitive redacted. */
  result: ActionExecuted['response'];
  statusCode: number;
  action: ActionExecuted;
}

/** Intake refused the submission; the proposal id is not used up (docs/protocol.md). */
export interface RejectedResult extends ResultOf<'rejected'> {
  /** The CloudEvent id of the refused submission, which is how the rejection was matched. */
  submissionId: string;
}

type OtherKind = Exclude<OutcomeKind, 'executed' | 'rejected'>;

/** How a proposal ended; `outcome` discriminates (denied, approval_denied, over_budget, halted…). */
export type ProposalResult = ExecutedResult | RejectedResult | { [K in OtherKind]: ResultOf<K> }[OtherKind];

function common<K extends OutcomeKind>(
  outcome: ProposalOutcome & { outcome: K },
  proposalId: string,
): ResultOf<K> {
  return {
    outcome: outcome.outcome,
    proposalId,
    runId: outcome.run_id,
    reasonCode: outcome.reason_code,
    reason: outcome.reason,
    decidedBy: outcome.decided_by,
    event: outcome,
  };
}

/** A rejection answers a submission, never a proposal: the caller says whose submission it was. */
export function rejectedResult(outcome: ProposalOutcome, proposalId: string): RejectedResult {
  return {
    ...common({ ...outcome, outcome: 'rejected' }, proposalId),
    submissionId: outcome.submission_id ?? '',
  };
}

export function executedResult(outcome: ProposalOutcome, action: ActionExecuted): ExecutedResult {
  return {
    ...common({ ...outcome, outcome: 'executed' }, outcome.proposal_id),
    result: action.response,
    statusCode: action.status_code,
    action,
  };
}

/** Any terminal outcome but executed (which needs its action) and rejected (which needs its proposal). */
export function endedResult(outcome: ProposalOutcome & { outcome: OtherKind }): ProposalResult {
  return common(outcome, outcome.proposal_id) as ProposalResult;
}
