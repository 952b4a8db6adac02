import type { ControlChange, PolicyDecision } from '@airlock/contracts';

/** One message for people, with a key that makes it be sent once. */
export interface Notice {
  key: string;
  text: string;
  /** The same facts as fields, for a receiver that reads JSON rather than text (Slack ignores it). */
  fields: Record<string, string>;
}

/** How old a halt may be and still be news: older ones are replayed history (a restart). */
export const haltNewsMs = 10 * 60_000;

export function approvalWaitingNotice(decision: PolicyDecision, expiresAt: Date): Notice {
  const { proposal } = decision;
  return {
    key: `approval-waiting:${proposal.proposal_id}`,
    text: `Approval waiting: ${proposal.agent_id} wants ${proposal.tool} in run ${proposal.run_id} (asked by ${decision.policy_ids.join(', ') || 'policy'}). Decide before ${expiresAt.toISOString()}: proposal ${proposal.proposal_id}.`,
    fields: {
      kind: 'approval_waiting',
      proposal_id: proposal.proposal_id,
      run_id: proposal.run_id,
      agent_id: proposal.agent_id,
      tool: proposal.tool,
      expires_at: expiresAt.toISOString(),
    },
  };
}

/** A notice of a halt that is news, or undefined: resumes, closes and replayed history are not. */
export function haltNotice(change: ControlChange, now: Date): Notice | undefined {
  if (change.state !== 'halted' || now.getTime() - Date.parse(change.changed_at) > haltNewsMs) {
    return undefined;
  }
  const scope = change.scope.id === undefined ? 'everything' : `${change.scope.kind} ${change.scope.id}`;
  return {
    key: `halted:${change.scope.kind}:${change.scope.id ?? ''}:${change.changed_at}`,
    text: `Halted: ${scope}, by ${change.operator_id}: ${change.reason.slice(0, 500)}`,
    fields: {
      kind: 'halted',
      scope: change.scope.kind,
      ...(change.scope.id === undefined ? {} : { id: change.scope.id }),
      operator_id: change.operator_id,
      changed_at: change.changed_at,
    },
  };
}

/**
 * The webhook's host must be one the bundle allows: the URL comes from the deployment, and a
 * changed environment must not be able to send approvals' details anywhere.
 */
export function webhookProblem(url: string, allowedHosts: readonly string[]): string | undefined {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  return allowedHosts.includes(host)
    ? undefined
    : `AIRLOCK_NOTIFY_WEBHOOK_URL points at ${host}, which approvers.json notifications.allowed_hosts does not list`;
}
