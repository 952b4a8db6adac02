import type { AgentRecord, ApproverRegistry } from '@airlock/contracts';
import { approvalDeadline, checkApprovalRight, isApprovalExpired } from './approval-policy';

const agent: AgentRecord = { id: 'refund-bot', owner: 'alice', public_keys: [] };
const registry: ApproverRegistry = { approval_timeout_seconds: 900, approvers: [] };
const requestedAt = new Date('2024-05-01T12:00:00Z');

describe('checkApprovalRight', () => {
  it("refuses the agent's owner approving its proposals", () => {
    expect(checkApprovalRight('alice', agent)).toEqual({
      ok: false,
      reason: 'approver alice owns agent refund-bot and may not approve its proposals',
    });
  });

  it('allows an approver who does not own the agent', () => {
    expect(checkApprovalRight('bob', agent)).toEqual({ ok: true });
  });

  it('refuses an empty approver id', () => {
    expect(checkApprovalRight('', agent).ok).toBe(false);
  });
});

describe('approval deadline', () => {
  it('falls the registry timeout after the request', () => {
    expect(approvalDeadline(requestedAt, registry).toISOString()).toBe('2024-05-01T12:15:00.000Z');
  });

  it('is not expired one millisecond before the deadline', () => {
    expect(isApprovalExpired(requestedAt, registry, new Date('2024-05-01T12:14:59.999Z'))).toBe(false);
  });

  it('is expired at the deadline itself', () => {
    expect(isApprovalExpired(requestedAt, registry, new Date('2024-05-01T12:15:00.000Z'))).toBe(true);
  });
});
