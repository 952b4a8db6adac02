import type { ApprovalView } from '../approval-view';

/** Who the console's page tests render for. */
export const bobsSession = { accountId: 'bob', csrf: 'csrf-token-1' };

/** A request waiting for a quorum, whose agent and approver wrote markup where text belongs. */
export const pendingRefund: ApprovalView = {
  proposal_id: 'p-1',
  run_id: 'run-1',
  agent_id: 'support-triage',
  tool: 'payments.refund',
  arguments: { reason: '<script>alert(1)</script>' },
  policy_ids: ['big-refunds-need-two-from-finance'],
  approval_for_run: null,
  needs: ['policy big-refunds-need-two-from-finance needs 2 approvals from finance'],
  approvals: [{ approver_id: 'bob', comment: '"billed" <twice>', approved_at: '2026-01-01T00:00:00.000Z' }],
  requested_at: '2026-01-01T00:00:00.000Z',
  expires_at: '2026-01-01T01:00:00.000Z',
  status: 'pending',
  decided_by: null,
};
