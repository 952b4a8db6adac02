import { approvalDeadline, describeRequirement, requirementsOf } from '@airlock/approval-rules';
import type { ApproverRegistry } from '@airlock/contracts';
import type { PreviewShown } from './approval-previews';
import type { ApprovalRequest, ApprovalStatus, RecordedApproval } from './approval-requests.store';

/** What the approval API shows an approver about one request. */
export interface ApprovalView {
  proposal_id: string;
  run_id: string;
  agent_id: string;
  tool: string;
  arguments: Record<string, unknown>;
  policy_ids: string[];
  /** Argument paths an approval may cover for the rest of the run (`for_rest_of_run`), if any. */
  approval_for_run: string[] | null;
  /** Who must approve, per policy asking: "policy refunds-need-finance needs 2 approvals from finance". */
  needs: string[];
  /** The approvals given so far, toward the quorum. */
  approvals: RecordedApproval[];
  requested_at: string;
  expires_at: string;
  status: ApprovalStatus;
  decided_by: string | null;
}

/** One request as `GET /approvals/<id>` shows it: with the executor's preview, or why there is none. */
export type ApprovalDetail = ApprovalView & { preview: PreviewShown };

export function toApprovalView(request: ApprovalRequest, registry: ApproverRegistry): ApprovalView {
  return {
    proposal_id: request.proposal_id,
    run_id: request.run_id,
    agent_id: request.agent_id,
    tool: request.tool,
    arguments: request.decision.proposal.arguments,
    policy_ids: request.decision.policy_ids,
    approval_for_run: request.decision.approval_for_run ?? null,
    needs: requirementsOf(request.decision.approval_requirements).map(describeRequirement),
    approvals: request.approvals,
    requested_at: request.requested_at.toISOString(),
    expires_at: approvalDeadline(request.requested_at, registry).toISOString(),
    status: request.status,
    decided_by: request.decided_by,
  };
}
