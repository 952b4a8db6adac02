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
export { runApprovalKey } from './run-approval';
export {
  checkRequirementFit,
  countsToward,
  describeRequirement,
  quorumStanding,
  requirementsOf,
} from './quorum';
