/**
 * Reason codes of terminal outcomes. Agents and analysts match on these, so they are stable
 * identifiers; the accompanying sentence is for humans and may change.
 */
export const reasonCodes = [
  'malformed_envelope',
  'invalid_submission',
  'oversized_message',
  // Input hygiene (intake refuses these before claiming any id; see docs/limits.md).
  'lone_surrogate',
  'nul_character',
  'nesting_too_deep',
  'number_not_finite',
  'string_too_long',
  'array_too_long',
  'too_many_keys',
  'too_many_values',
  // Freshness: issued_at outside the window around intake's clock.
  'issued_at_too_old',
  'issued_at_in_future',
  'unknown_agent',
  'bad_signature',
  'agent_mismatch',
  // The submission's envelope names another run, proposal or agent than the signed proposal.
  'run_mismatch',
  'proposal_id_mismatch',
  'agent_id_mismatch',
  'invalid_proposal',
  'replayed_proposal_id',
  // Runs (ADR 0011): the launcher's run ticket the proposal carries.
  'run_not_opened',
  'bad_run_ticket',
  'run_ticket_mismatch',
  'launcher_not_allowed',
  'run_expired',
  'run_limits_above_bundle',
  // Submitters (ADR 0015): a front door that signed for the agent (the proposal's submitted_by).
  'unknown_submitter',
  'submitter_not_allowed',
  'unknown_tool',
  'invalid_arguments',
  'policy_denied',
  'no_policy_permits',
  'policy_evaluation_error',
  'approver_denied',
  'approval_timed_out',
  'agent_pending_approvals_cap_reached',
  'run_pending_approvals_cap_reached',
  'run_call_cap_reached',
  'run_spend_cap_reached',
  // Limits across runs (budgets.json `limits`): the scope whose cap the call would pass.
  'run_meter_cap_reached',
  'agent_call_cap_reached',
  'agent_spend_cap_reached',
  'agent_meter_cap_reached',
  'team_call_cap_reached',
  'team_spend_cap_reached',
  'team_meter_cap_reached',
  'global_call_cap_reached',
  'global_spend_cap_reached',
  'global_meter_cap_reached',
  'run_inference_cap_reached',
  'agent_inference_cap_reached',
  'team_inference_cap_reached',
  'global_inference_cap_reached',
  'run_concurrency_cap_reached',
  'agent_concurrency_cap_reached',
  'team_concurrency_cap_reached',
  'global_concurrency_cap_reached',
  'meter_unreadable',
  // Stopping rules (budgets.json stopping_rules): the run is halted.
  'loop_detected',
  'too_many_pending_approvals',
  'missing_attestation',
  'invalid_attestation',
  'destination_not_allowed',
  'missing_credential',
  'tool_call_succeeded',
  'tool_call_failed',
  'tool_redirect_refused',
  'tool_unreachable',
  'result_unknown_after_crash',
  // Kill switch (ADR 0009): the widest halt in force that covers the proposal.
  'everything_halted',
  'team_halted',
  'agent_halted',
  'tool_halted',
  'run_halted',
  // The run's launcher closed it (ADR 0012).
  'run_closed',
] as const;

export type ReasonCode = (typeof reasonCodes)[number];

/** The gates, each of which may decide a terminal outcome. */
export const gateNames = ['intake', 'policy', 'approval', 'budget', 'executor'] as const;
export type GateName = (typeof gateNames)[number];
