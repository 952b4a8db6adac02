export {
  accountOfToken,
  authenticateApprover,
  authenticateOperator,
  hashApproverToken,
  minimumApproverTokenLength,
  type Approver,
  type Operator,
} from './approver-authentication';
export { approvalDeadline, checkApprovalRight, isApprovalExpired } from './approval-policy';
export {
  checkPendingCapacity,
  defaultMaxPendingPerAgent,
  defaultMaxPendingPerRun,
  type PendingCapacity,
  type PendingCounts,
} from './pending-capacity';
export { argumentAt, runApprovalKey } from './run-approval';
export {
  fillPreviewPath,
  previewRows,
  stateAfter,
  type Previewed,
  type PreviewRow,
  type ToolPreview,
} from './tool-preview';
export {
  checkRequirementFit,
  countsToward,
  describeRequirement,
  quorumStanding,
  requirementsOf,
} from './quorum';
