import type { ApproverRegistry } from '@airlock/contracts';

/** Defaults for bundles that do not say; docs/limits.md explains them. */
export const defaultMaxPendingPerAgent = 20;
export const defaultMaxPendingPerRun = 5;

export interface PendingCounts {
  agent: number;
  run: number;
}

export type PendingCapacity =
  | { ok: true }
  | {
      ok: false;
      code:
        | 'agent_pending_approvals_cap_reached'
        | 'run_pending_approvals_cap_reached'
        | 'too_many_pending_approvals';
      reason: string;
    };

/**
 * Whether one more request may wait for a human. Approvers' attention is the scarcest budget: an
 * agent that floods them with requests would get the one that matters approved by fatigue. The
 * stopping rule `maxPendingApprovals` (budgets.json) is looked at first: passing it halts the run,
 * where passing a cap only refuses the one proposal.
 */
export function checkPendingCapacity(
  pending: PendingCounts,
  registry: ApproverRegistry,
  ids: { agentId: string; runId: string },
  maxPendingApprovals?: number,
): PendingCapacity {
  if (maxPendingApprovals !== undefined && pending.run >= maxPendingApprovals) {
    const reason = `stopping rule max_pending_approvals (${maxPendingApprovals}): run ${ids.runId} already has ${pending.run} requests waiting for approval`;
    return { ok: false, code: 'too_many_pending_approvals', reason };
  }
  const perAgent = registry.max_pending_per_agent ?? defaultMaxPendingPerAgent;
  const perRun = registry.max_pending_per_run ?? defaultMaxPendingPerRun;
  if (pending.agent >= perAgent) {
    const reason = `agent ${ids.agentId} already has ${pending.agent} requests waiting for approval (at most ${perAgent})`;
    return { ok: false, code: 'agent_pending_approvals_cap_reached', reason };
  }
  if (pending.run >= perRun) {
    const reason = `run ${ids.runId} already has ${pending.run} requests waiting for approval (at most ${perRun})`;
    return { ok: false, code: 'run_pending_approvals_cap_reached', reason };
  }
  return { ok: true };
}
