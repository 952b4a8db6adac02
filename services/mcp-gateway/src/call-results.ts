import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { ProposalResult, ProposalTimeoutError } from '@airlock/sdk';

/**
 * What a tools/call answers once its proposal ended. Executed: the tool's response as the executor
 * published it (sensitive fields already redacted). Anything else is an error the model can read
 * and code can match: structuredContent names the outcome and its stable reason code.
 */
export function callResultOf(result: ProposalResult): CallToolResult {
  if (result.outcome === 'executed') {
    return {
      content: [{ type: 'text', text: JSON.stringify(result.result) }],
      structuredContent: {
        outcome: 'executed',
        proposal_id: result.proposalId,
        status_code: result.statusCode,
        result: result.result,
      },
    };
  }
  const structured = {
    outcome: result.outcome,
    reason_code: result.reasonCode,
    reason: result.reason,
    decided_by: result.decidedBy,
    proposal_id: result.proposalId,
  };
  return {
    isError: true,
    content: [
      {
        type: 'text',
        text: `Airlock did not execute ${result.proposalId}: ${describeOutcome[result.outcome]} (${result.reasonCode}): ${result.reason}`,
      },
    ],
    structuredContent: structured,
  };
}

const describeOutcome: Record<ProposalResult['outcome'], string> = {
  executed: 'executed',
  rejected: 'intake rejected the proposal',
  denied: 'policy denied the call',
  approval_denied: 'an approver denied the call',
  approval_expired: 'no approver decided in time',
  over_budget: 'the call is over budget',
  halted: 'a halt stopped the call',
  failed: 'the tool call failed',
  unknown: 'whether the tool call happened is unknown; a human will look at it',
};

/**
 * The call waited as long as the gateway lets a call wait. The proposal is still in Airlock's hands
 * (most often with an approver): the same call made again resumes waiting for it, because its
 * proposal id is derived from the run, the tool and the arguments (CallLedger).
 */
export function pendingResultOf(timeout: ProposalTimeoutError): CallToolResult {
  const retry =
    'call this tool again with the same arguments to keep waiting: it resumes this proposal and never executes it twice';
  return {
    isError: true,
    content: [
      {
        type: 'text',
        text: `Proposal ${timeout.proposalId} is still pending (waiting for its ${timeout.pending === 'outcome' ? 'outcome' : 'executed action'}); ${retry}.`,
      },
    ],
    structuredContent: {
      outcome: 'pending',
      proposal_id: timeout.proposalId,
      waiting_for: timeout.pending,
      retry,
    },
  };
}

/** A call the gateway could not turn into a proposal at all (e.g. arguments that are no JSON object). */
export function unproposableResultOf(reason: string): CallToolResult {
  return {
    isError: true,
    content: [{ type: 'text', text: `The call was not proposed: ${reason}` }],
    structuredContent: { outcome: 'not_proposed', reason },
  };
}
