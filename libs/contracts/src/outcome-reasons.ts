/**
 * Reason codes of terminal outcomes. Agents and analysts match on these, so they are stable
 * identifiers; the accompanying sentence is for humans and may change.
 */
export const reasonCodes = [
  'malformed_envelope',
  'invalid_submission',
  'oversized_message',
  'unknown_agent',
  'bad_signature',
  'agent_mismatch',
  'run_mismatch',
  'invalid_proposal',
  'replayed_proposal_id',
  'unknown_tool',
  'invalid_arguments',
  'policy_denied',
  'no_policy_permits',
  'policy_evaluation_error',
  'approver_denied',
  'approval_timed_out',
  'run_call_cap_reached',
  'run_spend_cap_reached',
  'missing_attestation',
  'invalid_attestation',
  'destination_not_allowed',
  'missing_credential',
  'tool_call_succeeded',
  'tool_call_failed',
  'tool_redirect_refused',
  'tool_unreachable',
  'result_unknown_after_crash',
] as const;

export type ReasonCode = (typeof reasonCodes)[number];

/** The gates, each of which may decide a terminal outcome. */
export const gateNames = ['intake', 'policy', 'approval', 'budget', 'executor'] as const;
export type GateName = (typeof gateNames)[number];
