/* Generated from schemas/ by `npm run contracts:generate`. Do not edit. */

/**
 * Compact JWS strings, one per gate passed so far, each signed by that gate's key and bound to the proposal hash.
 *
 * @maxItems 8
 *
 * This interface was referenced by `Definitions`'s JSON-Schema
 * via the `definition` "Attestations".
 */
export type Attestations = string[];
/**
 * The tools this task may use; absent: whatever the policies allow.
 *
 * @maxItems 100
 *
 * This interface was referenced by `Definitions`'s JSON-Schema
 * via the `definition` "TaskTools".
 */
export type TaskTools = string[];
/**
 * This interface was referenced by `BudgetLimits`'s JSON-Schema
 * via the `definition` "Limit".
 */
export type Limit = {
  /**
   * Named in refusals and in the ledger.
   */
  id: string;
  /**
   * Whose usage is counted together: each run, each agent, each team (the agent's team in the bundle), or everyone.
   */
  scope: 'run' | 'agent' | 'team' | 'global';
  /**
   * Only calls of this tool count; absent: every tool.
   */
  tool?: string;
  /**
   * Only this agent, team or run has the cap (e.g. the team billing); absent: each one of the scope has it. Not for global.
   */
  applies_to?: string;
  /**
   * Fixed UTC windows: the count starts again at zero at each minute, hour, day (00:00 UTC) or calendar month. Every measure has one except max_in_flight, which counts what is under way now.
   */
  window?: 'minute' | 'hour' | 'day' | 'month';
  max_calls?: number;
  /**
   * Tool cost of the calls: reserved at the tool's cost.per_call_usd, then settled to what the tool reported (cost.reported_usd_at) once it answered.
   */
  max_spend_usd?: number;
  /**
   * Inference spend the agents report on agent.usage, priced by prices.json. A report is already spent, so it is counted in full; the report that passes the cap halts its run, and later proposals under the cap are refused.
   */
  max_inference_usd?: number;
  /**
   * Calls reserved and not yet answered by the executor, at once (a concurrency limit); no window.
   */
  max_in_flight?: number;
  /**
   * A quantity the tools declare under `meters` (e.g. money_moved_cents), summed over the calls.
   */
  meter?: string;
  /**
   * The cap on the meter's sum.
   */
  max?: number;
} & {
  [k: string]: unknown;
};

export interface AirlockEvents {
  'events/agent.proposals'?: ProposalSubmission;
  'events/agent.usage'?: UsageSubmission;
  'events/airlock.actions.executed'?: ActionExecuted;
  'events/airlock.approvals.decisions'?: ApprovalDecision;
  'events/airlock.approvals.previews'?: ApprovalPreview;
  'events/airlock.budget.reservations'?: BudgetReservation;
  'events/airlock.control'?: ControlChange;
  'events/airlock.dlq'?: DeadLetter;
  'events/airlock.entities'?: EntityChange;
  'events/airlock.outcomes.resolved'?: OutcomeResolution;
  'events/airlock.policy.decisions'?: PolicyDecision;
  'events/airlock.policy.shadow'?: ShadowDisagreement;
  'events/airlock.proposals.accepted'?: ProposalAccepted;
  'events/airlock.proposals.outcomes'?: ProposalOutcome;
  'events/airlock.runs'?: RunClosing;
  'events/airlock.usage.accounted'?: UsageAccounted;
  'events/cloudevent-envelope'?: CloudEventEnvelope;
  'events/definitions'?: Definitions;
  'bundle/agent'?: AgentRecord;
  'bundle/approvers'?: ApproverRegistry;
  'bundle/budgets'?: BudgetLimits;
  'bundle/entities'?: PolicyEntities;
  'bundle/launcher'?: LauncherRecord;
  'bundle/policy-tests'?: PolicyTests;
  'bundle/prices'?: PriceTable;
  'bundle/submitter'?: SubmitterRecord;
  'bundle/tool'?: ToolDefinition;
}
/**
 * Topic agent.proposals, type airlock.proposal.submitted. The agent's proposal as a compact JWS (EdDSA, typ airlock-proposal+jws, kid = the agent key id) whose payload is a Proposal. The jws maxLength is also intake's limit on the whole message in bytes (maxSubmissionBytes, docs/protocol.md).
 */
export interface ProposalSubmission {
  jws: string;
}
/**
 * Topic agent.usage, type airlock.usage.reported. An agent's usage report as a compact JWS (EdDSA, typ airlock-usage+jws, kid = the agent key id) whose payload is a UsageReport. Budget prices it with prices.json and counts it against the inference caps.
 */
export interface UsageSubmission {
  jws: string;
}
/**
 * Topic airlock.actions.executed, type airlock.action.executed: the side effect happened. This is what downstream systems consume.
 */
export interface ActionExecuted {
  /**
   * This interface was referenced by `Definitions`'s JSON-Schema
   * via the `definition` "Identifier".
   */
  proposal_id: string;
  /**
   * This interface was referenced by `Definitions`'s JSON-Schema
   * via the `definition` "Identifier".
   */
  run_id: string;
  /**
   * This interface was referenced by `Definitions`'s JSON-Schema
   * via the `definition` "Identifier".
   */
  agent_id: string;
  /**
   * The run's team: the launcher's ticket's, else the agent's in the bundle.
   */
  team?: string;
  /**
   * This interface was referenced by `Definitions`'s JSON-Schema
   * via the `definition` "Identifier".
   */
  tool: string;
  idempotency_key: string;
  status_code: number;
  /**
   * The tool's response body (JSON, or text when not JSON), with the tool's sensitive fields redacted.
   */
  response?: {} | unknown[] | string | number | boolean | null;
  /**
   * True when the tool's body was longer than the executor keeps (64 KiB): response then holds its beginning as text.
   */
  response_truncated?: boolean;
  cost_usd: number;
  /**
   * This interface was referenced by `Definitions`'s JSON-Schema
   * via the `definition` "Sha256Hex".
   */
  bundle_hash: string;
}
/**
 * Topic airlock.approvals.decisions, type airlock.approval.decided: a human's answer to a proposal that policy sent for approval.
 */
export interface ApprovalDecision {
  proposal: Proposal;
  /**
   * This interface was referenced by `Definitions`'s JSON-Schema
   * via the `definition` "Sha256Hex".
   */
  proposal_hash: string;
  attestations: Attestations;
  decision: 'approved' | 'denied' | 'expired';
  approver_id?: string;
  /**
   * Every approver whose approval counted toward the quorum, in the order they answered; approver_id is the last.
   */
  approver_ids?: string[];
  comment?: string;
  /**
   * This interface was referenced by `Definitions`'s JSON-Schema
   * via the `definition` "Sha256Hex".
   */
  bundle_hash: string;
}
/**
 * What an agent asks Airlock to do: the payload of the agent's JWS.
 *
 * This interface was referenced by `Definitions`'s JSON-Schema
 * via the `definition` "Proposal".
 */
export interface Proposal {
  /**
   * This interface was referenced by `Definitions`'s JSON-Schema
   * via the `definition` "Identifier".
   */
  proposal_id: string;
  /**
   * This interface was referenced by `Definitions`'s JSON-Schema
   * via the `definition` "Identifier".
   */
  run_id: string;
  /**
   * This interface was referenced by `Definitions`'s JSON-Schema
   * via the `definition` "Identifier".
   */
  agent_id: string;
  /**
   * This interface was referenced by `Definitions`'s JSON-Schema
   * via the `definition` "Identifier".
   */
  tool: string;
  /**
   * The tool's arguments, checked against the tool's JSON Schema by policy.
   */
  arguments: {
    [k: string]: unknown;
  };
  issued_at: string;
  workflow?: string;
  /**
   * The compact JWS (typ airlock-run+jws) by which a launcher opened this run for this agent (ADR 0011); the agent carries it unchanged in every proposal of the run.
   */
  run_ticket?: string;
  /**
   * A submitter of the bundle (submitters/<id>.json) that signed this proposal with its own key on the agent's behalf, e.g. the MCP gateway (ADR 0015); absent when the agent signed itself.
   */
  submitted_by?: string;
}
/**
 * Topic airlock.approvals.previews, type airlock.approval.previewed: what a call waiting for approval would change, read by the executor (which holds the tool's credential) with the GET the tool file declares under `preview`. Attested by the executor; the approval service shows it to approvers. A preview never blocks an approval: when it cannot be had, `unavailable` says why.
 */
export interface ApprovalPreview {
  /**
   * This interface was referenced by `Definitions`'s JSON-Schema
   * via the `definition` "Identifier".
   */
  proposal_id: string;
  /**
   * This interface was referenced by `Definitions`'s JSON-Schema
   * via the `definition` "Identifier".
   */
  run_id: string;
  /**
   * This interface was referenced by `Definitions`'s JSON-Schema
   * via the `definition` "Identifier".
   */
  agent_id: string;
  tool: string;
  /**
   * This interface was referenced by `Definitions`'s JSON-Schema
   * via the `definition` "Sha256Hex".
   */
  proposal_hash: string;
  previewed_at: string;
  status: 'previewed' | 'unavailable';
  /**
   * previewed: the GET's JSON answer, the tool's sensitive fields masked.
   */
  before?: {
    [k: string]: unknown;
  };
  /**
   * previewed: the same answer with the fields the call changes changed, as the tool file's preview.after declares.
   */
  after?: {
    [k: string]: unknown;
  };
  /**
   * unavailable: why there is no preview.
   */
  reason?: string;
}
/**
 * Topic airlock.budget.reservations, type airlock.budget.reserved: budget set aside the cost of this proposal within the run's caps.
 */
export interface BudgetReservation {
  proposal: Proposal;
  /**
   * This interface was referenced by `Definitions`'s JSON-Schema
   * via the `definition` "Sha256Hex".
   */
  proposal_hash: string;
  attestations: Attestations;
  reserved_cost_usd: number;
  /**
   * This interface was referenced by `Definitions`'s JSON-Schema
   * via the `definition` "Sha256Hex".
   */
  bundle_hash: string;
}
/**
 * Topic airlock.control (compacted), type airlock.control.changed: an operator halted or resumed a scope, a stopping rule halted a run, or a launcher closed one. The Kafka key names the scope, so the last event per key is the scope's state; every gate that acts on proposals reads the whole topic at start-up (ADR 0009).
 */
export interface ControlChange {
  scope: HaltScope;
  /**
   * closed: the run's launcher ended it (run scopes only); unlike a halt, it is never lifted.
   */
  state: 'halted' | 'resumed' | 'closed';
  /**
   * Why, in the operator's words.
   */
  reason: string;
  /**
   * This interface was referenced by `Definitions`'s JSON-Schema
   * via the `definition` "Identifier".
   */
  operator_id: string;
  changed_at: string;
}
/**
 * What a halt covers: every proposal (global), or those of one team (the agents the bundle puts in it), one agent, one tool or one run.
 *
 * This interface was referenced by `Definitions`'s JSON-Schema
 * via the `definition` "HaltScope".
 */
export interface HaltScope {
  kind: 'global' | 'team' | 'agent' | 'tool' | 'run';
  /**
   * The team, agent id, tool name or run id; absent for global.
   */
  id?: string;
}
/**
 * Topic airlock.dlq, type airlock.dlq.dead_letter: a message a service could not parse, kept with the reason so nothing is lost.
 */
export interface DeadLetter {
  source_topic: string;
  partition: number;
  offset: string;
  key?: string | null;
  consumer: string;
  /**
   * Why the consumer refused the message (a stable code).
   */
  reason_code: string;
  /**
   * One human sentence, cut to 4 KiB.
   */
  error: string;
  /**
   * The message value as received (base64 when not UTF-8), truncated to 64 KiB.
   */
  raw_value: string;
  raw_truncated?: boolean;
}
/**
 * Topic airlock.entities (compacted, one partition), type airlock.entities.changed: an operator set or removed a policy entity over the bundle's (docs/policies.md). The Kafka key is the entity's uid, so the last change per entity is its state; the policy gate reads the whole topic at start-up and every change after, without a restart. `entity` is present exactly when state is set, with the change's uid. Versions come from the operator API's PostgreSQL table, in the order the changes were published.
 */
export interface EntityChange {
  uid: EntityUid;
  /**
   * set: the entity is `entity` from now on, replacing the bundle's entity with its uid; removed: there is no such entity, even where the bundle has one.
   */
  state: 'set' | 'removed';
  entity?: PolicyEntity;
  /**
   * The change's place in the order of every entity change: a decision that used version N saw every change up to N.
   */
  version: number;
  /**
   * Why, in the operator's words.
   */
  reason: string;
  /**
   * This interface was referenced by `Definitions`'s JSON-Schema
   * via the `definition` "Identifier".
   */
  operator_id: string;
  changed_at: string;
}
/**
 * This interface was referenced by `PolicyEntities`'s JSON-Schema
 * via the `definition` "EntityUid".
 */
export interface EntityUid {
  /**
   * A Cedar entity type such as User, Team or Org. Agents come from agents/, not from here.
   */
  type: string;
  id: string;
}
/**
 * This interface was referenced by `PolicyEntities`'s JSON-Schema
 * via the `definition` "PolicyEntity".
 */
export interface PolicyEntity {
  uid: EntityUid;
  /**
   * Attribute values in Cedar's JSON: strings, integers, booleans, arrays (sets), objects (records), {"__entity": {...}} references.
   */
  attrs?: {};
  parents?: EntityUid[];
}
/**
 * Topic airlock.outcomes.resolved, type airlock.outcome.resolved: a human found out what really happened to a call whose outcome was unknown (cut off after it was sent), and recorded it on the operator API. Attested by the approval service; budget gives the call's charges back when it did not happen.
 */
export interface OutcomeResolution {
  /**
   * This interface was referenced by `Definitions`'s JSON-Schema
   * via the `definition` "Identifier".
   */
  proposal_id: string;
  /**
   * This interface was referenced by `Definitions`'s JSON-Schema
   * via the `definition` "Identifier".
   */
  run_id: string;
  /**
   * This interface was referenced by `Definitions`'s JSON-Schema
   * via the `definition` "Identifier".
   */
  agent_id: string;
  tool: string;
  /**
   * succeeded: the tool acted; failed: it did not (nothing to undo, and nothing is charged).
   */
  happened: 'succeeded' | 'failed';
  /**
   * How the human found out, in their words.
   */
  note: string;
  /**
   * This interface was referenced by `Definitions`'s JSON-Schema
   * via the `definition` "Identifier".
   */
  resolved_by: string;
  resolved_at: string;
  /**
   * Why the executor could not tell, from the unknown outcome.
   */
  unknown_reason_code: string;
}
/**
 * Topic airlock.policy.decisions, type airlock.policy.decided: what the bundle's policies say about an accepted proposal.
 */
export interface PolicyDecision {
  proposal: Proposal;
  /**
   * This interface was referenced by `Definitions`'s JSON-Schema
   * via the `definition` "Sha256Hex".
   */
  proposal_hash: string;
  attestations: Attestations;
  decision: 'allow' | 'deny' | 'approval_required';
  policy_ids: string[];
  reasons: string[];
  /**
   * This interface was referenced by `Definitions`'s JSON-Schema
   * via the `definition` "Sha256Hex".
   */
  bundle_hash: string;
  /**
   * With approval_required, when every policy asking declares @approval_for_run: the argument paths an approver may approve for the rest of the run. A later call of the same tool by the same agent in the run, with equal values at every path, is then approved under that answer.
   *
   * @minItems 1
   */
  approval_for_run?: string[];
  /**
   * With approval_required: what each policy asking for approval needs (@approvers, @quorum); the request is approved once every requirement is met by distinct approvers.
   */
  approval_requirements?: ApprovalRequirement[];
  /**
   * The entities the policies read: the bundle's (named by bundle_hash) with every operator change up to this version over them (topic airlock.entities); 0 when there was none.
   */
  entities_version: number;
}
export interface ApprovalRequirement {
  policy_id: string;
  /**
   * Distinct approvals this policy needs.
   */
  quorum: number;
  /**
   * Absent: any approver counts. Present: only members of these groups (none when empty), and run_user.
   */
  groups?: string[];
  /**
   * The run's user, who may approve their own assistant's proposal: an approver account with this id counts.
   */
  run_user?: string;
}
/**
 * Topic airlock.policy.shadow, type airlock.policy.shadow_disagreed: a candidate bundle, evaluated beside the active one on live traffic (AIRLOCK_SHADOW_BUNDLE_DIR), decided a proposal differently. Nothing acts on it; audit stores it and the view shadow_disagreements counts it.
 */
export interface ShadowDisagreement {
  /**
   * This interface was referenced by `Definitions`'s JSON-Schema
   * via the `definition` "Identifier".
   */
  proposal_id: string;
  /**
   * This interface was referenced by `Definitions`'s JSON-Schema
   * via the `definition` "Identifier".
   */
  run_id: string;
  /**
   * This interface was referenced by `Definitions`'s JSON-Schema
   * via the `definition` "Identifier".
   */
  agent_id: string;
  tool: string;
  active_decision: 'allow' | 'deny' | 'approval_required';
  active_policy_ids: string[];
  candidate_decision: 'allow' | 'deny' | 'approval_required';
  candidate_policy_ids: string[];
  candidate_reasons?: string[];
  bundle_hash: string;
  candidate_bundle_hash: string;
}
/**
 * Topic airlock.proposals.accepted, type airlock.proposal.accepted: intake verified the agent's signature, the run ticket, the schema, the size and that the proposal id is new.
 */
export interface ProposalAccepted {
  proposal: Proposal;
  /**
   * This interface was referenced by `Definitions`'s JSON-Schema
   * via the `definition` "Sha256Hex".
   */
  proposal_hash: string;
  attestations: Attestations;
  /**
   * CloudEvent id of the agent's submission.
   */
  submission_id: string;
  run?: RunFacts;
}
/**
 * What intake verified about the proposal's run: the launcher's ticket, or that the agent opened the run itself where the bundle allows it. Trusted context for later gates.
 *
 * This interface was referenced by `Definitions`'s JSON-Schema
 * via the `definition` "RunFacts".
 */
export interface RunFacts {
  opened_by: 'launcher' | 'agent';
  /**
   * This interface was referenced by `Definitions`'s JSON-Schema
   * via the `definition` "Identifier".
   */
  launcher_id?: string;
  /**
   * This interface was referenced by `Definitions`'s JSON-Schema
   * via the `definition` "Identifier".
   */
  user_id?: string;
  /**
   * This interface was referenced by `Definitions`'s JSON-Schema
   * via the `definition` "Identifier".
   */
  team?: string;
  /**
   * @maxItems 16
   */
  labels?: string[];
  named?: NamedIdentifiers;
  tools?: TaskTools;
  expires_at?: string;
  limits?: RunLimits;
}
/**
 * Identifiers the user named for this task, by kind (payees, recipients, files, ...): what policies may treat as the user's intent.
 *
 * This interface was referenced by `Definitions`'s JSON-Schema
 * via the `definition` "NamedIdentifiers".
 */
export interface NamedIdentifiers {
  /**
   * @maxItems 100
   */
  [k: string]: string[];
}
/**
 * Caps a launcher sets for one run. Each must be within the bundle's per_run cap of the same name (intake refuses a ticket that asks for more); an absent cap is the bundle's.
 *
 * This interface was referenced by `Definitions`'s JSON-Schema
 * via the `definition` "RunLimits".
 */
export interface RunLimits {
  max_tool_calls?: number;
  max_spend_usd?: number;
  max_inference_usd?: number;
}
/**
 * Topic airlock.proposals.outcomes, type airlock.proposal.outcome: the one terminal outcome of a proposal (or of a submission intake refused).
 */
export interface ProposalOutcome {
  proposal_id: string;
  run_id: string;
  agent_id?: string;
  tool?: string;
  /**
   * Set on rejections: the CloudEvent id of the refused submission.
   */
  submission_id?: string;
  /**
   * This interface was referenced by `Definitions`'s JSON-Schema
   * via the `definition` "OutcomeKind".
   */
  outcome:
    | 'rejected'
    | 'denied'
    | 'approval_denied'
    | 'approval_expired'
    | 'over_budget'
    | 'halted'
    | 'executed'
    | 'failed'
    | 'unknown';
  reason_code: string;
  /**
   * One human sentence.
   */
  reason: string;
  decided_by: 'intake' | 'policy' | 'approval' | 'budget' | 'executor';
  policy_ids?: string[];
  approver_id?: string;
  bundle_hash?: string;
  cost_usd?: number;
}
/**
 * Topic airlock.runs, type airlock.run.closed. A launcher's close of a run it opened, as a compact JWS (EdDSA, typ airlock-run-close+jws, kid = the launcher key id) whose payload is a RunClose. Budget verifies it and closes the run on airlock.control (ADR 0012).
 */
export interface RunClosing {
  jws: string;
}
/**
 * Topic airlock.usage.accounted, type airlock.usage.accounted: budget priced an agent's usage report and counted it against the inference caps. What spend_by_day reads for inference.
 */
export interface UsageAccounted {
  /**
   * This interface was referenced by `Definitions`'s JSON-Schema
   * via the `definition` "Identifier".
   */
  usage_id: string;
  /**
   * This interface was referenced by `Definitions`'s JSON-Schema
   * via the `definition` "Identifier".
   */
  run_id: string;
  /**
   * This interface was referenced by `Definitions`'s JSON-Schema
   * via the `definition` "Identifier".
   */
  agent_id: string;
  /**
   * The run's team: the launcher's ticket's, else the agent's in the bundle.
   */
  team?: string;
  model: string;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  /**
   * The inference caps this report took past their maximum; the run was halted for it.
   */
  caps_passed?: string[];
  bundle_hash: string;
}
/**
 * CloudEvents 1.0 structured-mode JSON envelope carried by every Airlock topic. The Kafka key is runid; the W3C traceparent travels as a Kafka header.
 */
export interface CloudEventEnvelope {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  time: string;
  datacontenttype: 'application/json';
  subject?: string;
  /**
   * This interface was referenced by `Definitions`'s JSON-Schema
   * via the `definition` "Identifier".
   */
  runid: string;
  /**
   * This interface was referenced by `Definitions`'s JSON-Schema
   * via the `definition` "Identifier".
   */
  proposalid?: string;
  /**
   * This interface was referenced by `Definitions`'s JSON-Schema
   * via the `definition` "Identifier".
   */
  agentid?: string;
  data: {
    [k: string]: unknown;
  };
  /**
   * CloudEvents extension: a compact JWS (typ airlock-event+jws) by the gate that emitted the event, over the SHA-256 of the event's canonical JSON without this attribute. Which gates may attest which topic is the attestedBy column of libs/contracts/src/topics.ts; verify with the published JWKS.
   */
  attestation?: string;
}
/**
 * Shapes shared by several event payloads.
 */
export interface Definitions {
  [k: string]: unknown;
}
/**
 * The payload of a run ticket: what a launcher says, with its own key, about a run it opened. The agent cannot change it.
 *
 * This interface was referenced by `Definitions`'s JSON-Schema
 * via the `definition` "RunTicket".
 */
export interface RunTicket {
  /**
   * This interface was referenced by `Definitions`'s JSON-Schema
   * via the `definition` "Identifier".
   */
  run_id: string;
  /**
   * This interface was referenced by `Definitions`'s JSON-Schema
   * via the `definition` "Identifier".
   */
  agent_id: string;
  /**
   * This interface was referenced by `Definitions`'s JSON-Schema
   * via the `definition` "Identifier".
   */
  launcher_id: string;
  /**
   * On whose behalf the run acts.
   */
  user_id: string;
  /**
   * The tenant the run belongs to.
   */
  team?: string;
  /**
   * Task labels, e.g. the kind of request the user made.
   *
   * @maxItems 16
   */
  labels?: string[];
  named?: NamedIdentifiers;
  tools?: TaskTools;
  issued_at: string;
  /**
   * No proposal of the run is accepted after this: the run's maximum duration.
   */
  expires_at: string;
  limits?: RunLimits;
}
/**
 * The payload of an agent's usage report (agent.usage): the inference one model call of the run consumed, signed by the agent like a proposal.
 *
 * This interface was referenced by `Definitions`'s JSON-Schema
 * via the `definition` "UsageReport".
 */
export interface UsageReport {
  /**
   * Unique per report: a report sent again with the same id is counted once.
   */
  usage_id: string;
  /**
   * This interface was referenced by `Definitions`'s JSON-Schema
   * via the `definition` "Identifier".
   */
  run_id: string;
  /**
   * This interface was referenced by `Definitions`'s JSON-Schema
   * via the `definition` "Identifier".
   */
  agent_id: string;
  /**
   * A model named in the bundle's prices.json.
   */
  model: string;
  input_tokens: number;
  output_tokens: number;
  reported_at: string;
  /**
   * The run ticket its launcher gave the agent, as in a proposal.
   */
  run_ticket?: string;
}
/**
 * The payload of a launcher's run close (airlock.runs): the run has ended; nothing more of it executes.
 *
 * This interface was referenced by `Definitions`'s JSON-Schema
 * via the `definition` "RunClose".
 */
export interface RunClose {
  /**
   * This interface was referenced by `Definitions`'s JSON-Schema
   * via the `definition` "Identifier".
   */
  run_id: string;
  /**
   * This interface was referenced by `Definitions`'s JSON-Schema
   * via the `definition` "Identifier".
   */
  launcher_id: string;
  reason: string;
  closed_at: string;
  /**
   * The ticket that opened the run, signed by the same launcher: only the launcher that opened a run may close it.
   */
  run_ticket: string;
}
/**
 * bundle/agents/<id>.json: an agent's identity, owner and the public keys its proposals are signed with.
 */
export interface AgentRecord {
  id: string;
  /**
   * Approver id of the human accountable for this agent; they may not approve its proposals.
   */
  owner: string;
  /**
   * Cedar parent entity Team::"<team>" of the agent.
   */
  team?: string;
  description?: string;
  /**
   * For local development only: proposals without a launcher's run ticket are accepted, the agent opening its own runs. Default false.
   */
  opens_own_runs?: boolean;
  /**
   * Ed25519 public keys as JWK (kty OKP, crv Ed25519) with a kid each; several during a rotation.
   */
  public_keys: {
    kty: 'OKP';
    crv: 'Ed25519';
    x: string;
    kid: string;
  }[];
}
/**
 * bundle/approvers.json: who may decide proposals that policy sends for approval, and who may operate the kill switch.
 */
export interface ApproverRegistry {
  approval_timeout_seconds: number;
  /**
   * Requests one agent may have waiting for a human at once (default 20): a looping or hostile agent cannot bury the approvers.
   */
  max_pending_per_agent?: number;
  /**
   * Requests one run may have waiting at once (default 5).
   */
  max_pending_per_run?: number;
  /**
   * Where the approval service may post its notices (an approval waiting, a halt): the webhook URL is deployment configuration (AIRLOCK_NOTIFY_WEBHOOK_URL, a secret for Slack), its host must be listed here.
   */
  notifications?: {
    /**
     * Hosts (names or addresses, no port) a webhook URL may point at, e.g. hooks.slack.com.
     */
    allowed_hosts: string[];
  };
  /**
   * Separation of duties: when true, no approver of the agent owner's team (the owner's `team` here) may decide the agent's proposals, as the owner never may (default false).
   */
  exclude_owner_team?: boolean;
  approvers: TokenAccount[];
  /**
   * Who may halt and resume agents, tools, teams, runs or everything over the operator API. An operator is not an approver unless listed there too, with a token of its own.
   */
  operators?: TokenAccount[];
}
/**
 * This interface was referenced by `ApproverRegistry`'s JSON-Schema
 * via the `definition` "TokenAccount".
 */
export interface TokenAccount {
  id: string;
  name: string;
  /**
   * SHA-256 (hex) of the person's bearer token; the token itself is never stored here.
   */
  token_sha256: string;
  /**
   * Approver groups, such as finance, that policies name in @approvers("...").
   */
  groups?: string[];
  /**
   * The approver's own team, for exclude_owner_team.
   */
  team?: string;
}
/**
 * bundle/budgets.json: the caps budget enforces.
 */
export interface BudgetLimits {
  per_run: {
    max_tool_calls: number;
    max_spend_usd: number;
    /**
     * Inference spend a run may report on agent.usage (priced by prices.json); the report that passes it halts the run. Absent: no per-run inference cap.
     */
    max_inference_usd?: number;
  };
  /**
   * Rules that halt a run when it loops, fails over and over or floods approvers (docs/limits.md). The rule that fires is the halt's reason.
   */
  stopping_rules?: {
    /**
     * A run may call one tool with the same arguments at most this many times; the next such call halts the run.
     */
    max_identical_calls?: number;
    /**
     * A run whose last this-many proposals in a row ended denied, approval_denied or failed is halted; an executed call starts the count again.
     */
    max_consecutive_failures?: number;
    /**
     * A run may have at most this many requests waiting for a human; the proposal that would be one more is halted, and the run with it.
     */
    max_pending_approvals?: number;
  };
  /**
   * Caps across runs: per agent, team or everything (or per run), on one tool or all, over fixed UTC windows. Every limit that applies is reserved atomically with the run's caps before execution.
   */
  limits?: Limit[];
}
/**
 * bundle/entities/<name>.json: data policies read from outside their text, as Cedar entities (Cedar's entity JSON): a user's saved payees, a team's contacts, the organisation's domains. Policies reach a run's user as context.user and its team as context.team, any other entity by its uid (Org::"acme").
 */
export interface PolicyEntities {
  entities: PolicyEntity[];
}
/**
 * bundle/launchers/<id>.json: an application that starts agents on users' behalf and opens their runs by signing run tickets with its own key (ADR 0011).
 */
export interface LauncherRecord {
  id: string;
  name: string;
  /**
   * The agents this launcher may open runs for.
   */
  agents: string[];
  /**
   * The longest run it may open: a ticket valid for longer is refused (default 86400).
   */
  max_run_seconds?: number;
  /**
   * Ed25519 public keys as JWK (kty OKP, crv Ed25519) with a kid each; several during a rotation.
   */
  public_keys: {
    kty: 'OKP';
    crv: 'Ed25519';
    x: string;
    kid: string;
  }[];
}
/**
 * bundle/tests/<name>.json: cases the bundle's policies must decide as stated, run by `npm run airlock -- policy test` and by npm test. A case is a proposal (agent, tool, arguments), the run's trusted facts and what the run did before, and the expected decision.
 */
export interface PolicyTests {
  /**
   * @minItems 1
   */
  cases: PolicyTestCase[];
}
/**
 * This interface was referenced by `PolicyTests`'s JSON-Schema
 * via the `definition` "PolicyTestCase".
 */
export interface PolicyTestCase {
  name: string;
  /**
   * An agent of the bundle.
   */
  agent: string;
  tool: string;
  arguments: {};
  run?: RunFacts1;
  /**
   * Calls the run made before, in order, each let through: they make context.history, with the facts read from their results.
   */
  before?: {
    tool: string;
    arguments: {};
    /**
     * What the call answered, as the executor would report it once it executed: the facts its tool declares under result_facts are read from it into context.history.results. Absent: the answer had not reached the policy gate, so the call left no facts.
     */
    result?: {} | unknown[] | string | number | boolean | null;
  }[];
  expect: {
    decision: 'allow' | 'deny' | 'approval_required';
    /**
     * The policies that decided, in any order; absent: not checked.
     */
    policy_ids?: string[];
    /**
     * For a deny; absent: not checked.
     */
    reason_code?: string;
  };
}
/**
 * What intake verified about the proposal's run: the launcher's ticket, or that the agent opened the run itself where the bundle allows it. Trusted context for later gates.
 */
export interface RunFacts1 {
  opened_by: 'launcher' | 'agent';
  /**
   * This interface was referenced by `Definitions`'s JSON-Schema
   * via the `definition` "Identifier".
   */
  launcher_id?: string;
  /**
   * This interface was referenced by `Definitions`'s JSON-Schema
   * via the `definition` "Identifier".
   */
  user_id?: string;
  /**
   * This interface was referenced by `Definitions`'s JSON-Schema
   * via the `definition` "Identifier".
   */
  team?: string;
  /**
   * @maxItems 16
   */
  labels?: string[];
  named?: NamedIdentifiers;
  tools?: TaskTools;
  expires_at?: string;
  limits?: RunLimits;
}
/**
 * bundle/prices.json: what inference costs, per model, in US dollars per million tokens. Budget prices agents' usage reports with it; a report of a model not listed is dead-lettered (model_not_priced).
 */
export interface PriceTable {
  models: {
    [k: string]: {
      input_usd_per_million_tokens: number;
      output_usd_per_million_tokens: number;
    };
  };
}
/**
 * bundle/submitters/<id>.json: a front door (the MCP gateway) that signs proposals with its own key on behalf of the agents it lists, each of which proves itself to it with a bearer token (ADR 0015).
 */
export interface SubmitterRecord {
  id: string;
  name: string;
  /**
   * The agents this submitter may propose for, and how each agent's client authenticates to it.
   */
  agents: {
    /**
     * An agent of agents/.
     */
    id: string;
    /**
     * SHA-256 (hex) of the bearer token this agent's client presents to the submitter; empty in the committed example bundle, filled in by local provisioning.
     */
    token_sha256: string;
  }[];
  /**
   * Ed25519 public keys as JWK (kty OKP, crv Ed25519) with a kid each; several during a rotation.
   */
  public_keys: {
    kty: 'OKP';
    crv: 'Ed25519';
    x: string;
    kid: string;
  }[];
}
/**
 * bundle/tools/<name>.json: one tool an agent may propose to call.
 */
export interface ToolDefinition {
  name: string;
  description: string;
  risk: 'read' | 'write';
  /**
   * Whether a retried call with the same idempotency key is safe; false means an attempt with an unknown result goes to a human.
   */
  idempotent: boolean;
  /**
   * JSON Schema (draft-07) of the proposal's arguments.
   */
  arguments_schema: {};
  cost: {
    /**
     * What budget reserves for a call before it runs.
     */
    per_call_usd: number;
    /**
     * Where the tool's JSON answer says what the call really cost, in dollars (e.g. $.usage.cost_usd). Budget settles the call to it; where the answer has no such non-negative number, the call costs per_call_usd.
     */
    reported_usd_at?: string;
  };
  adapter: {
    type: 'http';
    /**
     * Name of the destination whose base URL the executor's configuration holds.
     */
    destination: string;
    method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
    path: string;
  };
  /**
   * @minItems 1
   */
  allowed_hosts: string[];
  /**
   * Quantities a call moves, each read from the arguments by a path such as $.amount_cents; the value must be a non-negative integer. Limits in budgets.json cap their sums.
   */
  meters?: {
    [k: string]: string;
  };
  /**
   * How an approver sees what the call would change. When policy asks for approval, the executor makes this read-only GET on the tool's destination with the tool's credential, allowlist, timeout and size cap, and the approval page shows the answer's fields before the call and after it.
   */
  preview?: {
    /**
     * Path of the GET, e.g. /charges/{charge_id}: {name} (or {a.b}) is the argument at $.name, a string or an integer, percent-encoded as one path segment; an empty value, '.' or '..' gives no preview. No query, no fragment.
     */
    path: string;
    /**
     * The top-level fields of the GET's JSON answer that the call changes, and how: "$.plan" becomes the argument at $.plan; {"add": "$.amount_cents"} adds that number argument to the field's number.
     */
    after: {
      [k: string]:
        | string
        | {
            add: string;
          };
    };
  };
  /**
   * Its answer holds text from outside (web pages, e-mails, documents) that may carry a prompt injection. Once a run has called it, policies see context.history.tainted.
   */
  returns_untrusted_content?: boolean;
  /**
   * Paths of the arguments that name who receives something (an address, an account), a string or an array of strings. Policies see the run's distinct recipients so far as context.history.recipients.
   */
  recipients?: string[];
  /**
   * Facts extracted from the arguments for policies, as context.derived.<name> (a set of strings): the links in a text, their domains, the domains of e-mail addresses. Hosts are normalised as a browser would.
   */
  derived?: {
    [k: string]: {
      from: string | string[];
      extract: 'urls' | 'url_domains' | 'email_domains';
    };
  };
  /**
   * Facts read from the tool's answer, as the executor reported it in its attested airlock.actions.executed event (sensitive fields redacted), kept in the run's history for policies as context.history.results.<name>; the latest answer of a tool declaring a fact replaces it. Without max_by or min_by a fact is the set of strings found (items' take values, or the values at from); with one, it is the take value of the one item with the greatest (least) number there. A value is a string or an integer (written in decimal); an answer that is not JSON, truncated, too large, of the wrong shape or with a tie gives no fact. Declare facts only over fields the tool's own server sets (ids, sizes, timestamps), never over text others write.
   */
  result_facts?: {
    [k: string]: {
      /**
       * Where the items are in the answer: $ the answer, .name a member, [*] every item of an array, e.g. $.files[*] or $[*].
       */
      from: string;
      /**
       * The member of each item that is the value, e.g. id or owner.email.
       */
      take?: string;
      /**
       * The member of each item holding a number: the fact is the take value of the item where it is greatest.
       */
      max_by?: string;
      /**
       * As max_by, for the least.
       */
      min_by?: string;
    };
  };
  /**
   * Argument and response fields redacted before anything is stored for the long term.
   */
  sensitive_fields: string[];
}
