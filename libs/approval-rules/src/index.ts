export {
  authenticateApprover,
  hashApproverToken,
  minimumApproverTokenLength,
  type Approver,
} from './approver-authentication';
export { approvalDeadline, checkApprovalRight, isApprovalExpired } from './approval-policy';
