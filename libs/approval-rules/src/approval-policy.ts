import type { AgentRecord, ApproverRegistry } from '@airlock/contracts';

/** Separation of duties: the human accountable for an agent may not approve what it proposes. */
export function checkApprovalRight(
  approverId: string,
  agent: AgentRecord,
): { ok: true } | { ok: false; reason: string } {
  if (approverId === '') return { ok: false, reason: 'approval names no approver' };
  if (approverId === agent.owner) {
    return {
      ok: false,
      reason: `approver ${approverId} owns agent ${agent.id} and may not approve its proposals`,
    };
  }
  return { ok: true };
}

export function approvalDeadline(requestedAt: Date, registry: ApproverRegistry): Date {
  return new Date(requestedAt.getTime() + registry.approval_timeout_seconds * 1000);
}

/** Expired from the deadline itself on, so an answer and the timeout can never both be valid. */
export function isApprovalExpired(requestedAt: Date, registry: ApproverRegistry, now: Date): boolean {
  return now.getTime() >= approvalDeadline(requestedAt, registry).getTime();
}
