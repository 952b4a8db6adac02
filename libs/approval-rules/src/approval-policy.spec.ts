import type { AgentRecord, ApproverRegistry } from '@airlock/contracts';
import { approvalDeadline, checkApprovalRight, isApprovalExpired } from './approval-policy';

const agent: AgentRecord = { id: 'refund-bot', owner: 'alice', public_keys: [] };
const registry: ApproverRegistry = { approval_timeout_seconds: 900, approvers: [] };
const requestedAt = new Date('2024-05-01T12:00:00Z');

describe('checkApprovalRight', () => {
  it("refuses the agent's owner approving its proposals", () => {
    expect(checkApprovalRight('alice', agent, registry)).toEqual({
      ok: false,
      reason: 'approver alice owns agent refund-bot and may not approve its proposals',
    });
  });

  it('allows an approver who does not own the agent', () => {
    expect(checkApprovalRight('bob', agent, registry)).toEqual({ ok: true });
  });

  it('refuses an empty approver id', () => {
    expect(checkApprovalRight('', agent, registry).ok).toBe(false);
  });

  it("refuses the owner's team only where approvers.json says so", () => {
    const teams: ApproverRegistry = {
      approval_timeout_seconds: 900,
      approvers: [
        { id: 'alice', name: 'Alice', token_sha256: '', team: 'support' },
        { id: 'sam', name: 'Sam', token_sha256: '', team: 'support' },
        { id: 'bob', name: 'Bob', token_sha256: '', team: 'finance' },
      ],
    };
    expect(checkApprovalRight('sam', agent, teams)).toEqual({ ok: true });
    const separated = { ...teams, exclude_owner_team: true };
    expect(checkApprovalRight('sam', agent, separated)).toEqual({
      ok: false,
      reason:
        "approver sam is of team support, the team of agent refund-bot's owner alice, and may not approve its proposals",
    });
    expect(checkApprovalRight('bob', agent, separated)).toEqual({ ok: true });
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
