import type { AgentRecord, ApproverRegistry } from '@airlock/contracts';

/**
 * Separation of duties: the agent's owner never decides its proposals, nor, where approvers.json
 * sets exclude_owner_team, anyone of the owner's team.
 */
export function checkApprovalRight(
  approverId: string,
  agent: AgentRecord,
  registry: ApproverRegistry,
): { ok: true } | { ok: false; reason: string } {
  if (approverId === '') return { ok: false, reason: 'approval names no approver' };
  if (approverId === agent.owner) {
    return {
      ok: false,
      reason: `approver ${approverId} owns agent ${agent.id} and may not approve its proposals`,
    };
  }
  if (registry.exclude_owner_team === true) {
    const teamOf = (id: string) => registry.approvers.find((approver) => approver.id === id)?.team;
    const ownerTeam = teamOf(agent.owner);
    if (ownerTeam !== undefined && teamOf(approverId) === ownerTeam) {
      return {
        ok: false,
        reason: `approver ${approverId} is of team ${ownerTeam}, the team of agent ${agent.id}'s owner ${agent.owner}, and may not approve its proposals`,
      };
    }
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
