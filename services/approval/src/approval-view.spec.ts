import type { PolicyDecision } from '@airlock/contracts';
import type { ApprovalRequest } from './approval-requests.store';
import { toApprovalView } from './approval-view';

const hash = 'a'.repeat(64);
const decision: PolicyDecision = {
  proposal: {
    proposal_id: 'p-1',
    run_id: 'r-1',
    agent_id: 'support-triage',
    tool: 'payments.refund',
    arguments: { amount_usd: 120 },
    issued_at: '2026-01-01T00:00:00.000Z',
  },
  proposal_hash: hash,
  attestations: [],
  decision: 'approval_required',
  policy_ids: ['refunds-need-approval'],
  reasons: [],
  bundle_hash: hash,
  entities_version: 0,
};

function storedRequest(overrides: Partial<ApprovalRequest> = {}): ApprovalRequest {
  return {
    proposal_id: 'p-1',
    run_id: 'r-1',
    agent_id: 'support-triage',
    tool: 'payments.refund',
    decision,
    trace_headers: {},
    requested_at: new Date('2026-01-01T00:00:00.000Z'),
    status: 'pending',
    decided_by: null,
    decided_at: null,
    comment: null,
    published: false,
    halt_code: null,
    approvals: [],
    ...overrides,
  };
}

describe('toApprovalView', () => {
  const registry = { approval_timeout_seconds: 600, approvers: [] };

  it('shows what was proposed, which policies asked, and when the request expires', () => {
    expect(toApprovalView(storedRequest(), registry)).toEqual({
      proposal_id: 'p-1',
      run_id: 'r-1',
      agent_id: 'support-triage',
      tool: 'payments.refund',
      arguments: { amount_usd: 120 },
      policy_ids: ['refunds-need-approval'],
      approval_for_run: null,
      needs: ['1 approval from any approver'],
      approvals: [],
      requested_at: '2026-01-01T00:00:00.000Z',
      expires_at: '2026-01-01T00:10:00.000Z',
      status: 'pending',
      decided_by: null,
    });
  });

  it('names who decided a closed request', () => {
    const view = toApprovalView(storedRequest({ status: 'approved', decided_by: 'bob' }), registry);
    expect(view).toMatchObject({ status: 'approved', decided_by: 'bob' });
  });

  it('names the argument paths an approval may cover for the rest of the run', () => {
    const request = storedRequest();
    request.decision = { ...request.decision, approval_for_run: ['$.charge_id'] };
    expect(toApprovalView(request, registry).approval_for_run).toEqual(['$.charge_id']);
  });
});
