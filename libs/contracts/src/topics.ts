import type {
  ActionExecuted,
  ApprovalDecision,
  ApprovalPreview,
  BudgetReservation,
  ControlChange,
  DeadLetter,
  EntityChange,
  OutcomeResolution,
  PolicyDecision,
  ProposalAccepted,
  ProposalOutcome,
  ProposalSubmission,
  RunClosing,
  ShadowDisagreement,
  UsageAccounted,
  UsageSubmission,
} from './generated/events';
import { gateNames, type GateName } from './outcome-reasons';

const noGate: readonly GateName[] = [];

/**
 * Every Kafka topic Airlock uses, with the CloudEvent type, the JSON Schema of its payload, and
 * the gates whose attestation an event on it must carry to be trusted (`attestedBy`; empty for the
 * agents' topic, whose submissions are signed by the agent inside the JWS instead).
 * This table is the single place where these names are written.
 */
export const topics = {
  proposals: {
    name: 'agent.proposals',
    eventType: 'airlock.proposal.submitted',
    schema: 'agent.proposals',
    attestedBy: noGate,
  },
  accepted: {
    name: 'airlock.proposals.accepted',
    eventType: 'airlock.proposal.accepted',
    schema: 'airlock.proposals.accepted',
    attestedBy: ['intake'],
  },
  policyDecisions: {
    name: 'airlock.policy.decisions',
    eventType: 'airlock.policy.decided',
    schema: 'airlock.policy.decisions',
    attestedBy: ['policy'],
  },
  approvalDecisions: {
    name: 'airlock.approvals.decisions',
    eventType: 'airlock.approval.decided',
    schema: 'airlock.approvals.decisions',
    attestedBy: ['approval'],
  },
  /**
   * What a call waiting for approval would change, read by the executor (which alone holds the
   * tool's credential) for the approval service to show (ADR 0017).
   */
  approvalPreviews: {
    name: 'airlock.approvals.previews',
    eventType: 'airlock.approval.previewed',
    schema: 'airlock.approvals.previews',
    attestedBy: ['executor'],
  },
  budgetReservations: {
    name: 'airlock.budget.reservations',
    eventType: 'airlock.budget.reserved',
    schema: 'airlock.budget.reservations',
    attestedBy: ['budget'],
  },
  actionsExecuted: {
    name: 'airlock.actions.executed',
    eventType: 'airlock.action.executed',
    schema: 'airlock.actions.executed',
    attestedBy: ['executor'],
  },
  outcomes: {
    name: 'airlock.proposals.outcomes',
    eventType: 'airlock.proposal.outcome',
    schema: 'airlock.proposals.outcomes',
    attestedBy: gateNames,
  },
  dlq: {
    name: 'airlock.dlq',
    eventType: 'airlock.dlq.dead_letter',
    schema: 'airlock.dlq',
    attestedBy: gateNames,
  },
  /** Where a candidate bundle evaluated in shadow decided differently from the active one. */
  policyShadow: {
    name: 'airlock.policy.shadow',
    eventType: 'airlock.policy.shadow_disagreed',
    schema: 'airlock.policy.shadow',
    attestedBy: ['policy'],
  },
  /** Agents' inference usage reports, signed by the agent inside the JWS like proposals. */
  usage: {
    name: 'agent.usage',
    eventType: 'airlock.usage.reported',
    schema: 'agent.usage',
    attestedBy: noGate,
  },
  /** Budget's pricing of each usage report: what the spend views read for inference. */
  usageAccounted: {
    name: 'airlock.usage.accounted',
    eventType: 'airlock.usage.accounted',
    schema: 'airlock.usage.accounted',
    attestedBy: ['budget'],
  },
  /** Launchers close the runs they opened, signed inside the JWS with the launcher's key (ADR 0012). */
  runs: {
    name: 'airlock.runs',
    eventType: 'airlock.run.closed',
    schema: 'airlock.runs',
    attestedBy: noGate,
  },
  /**
   * Halts and resumes, keyed by scope (not by run), compacted so that the last change of each
   * scope is kept for good: a gate starting up reads the whole topic (ADR 0009). The operator API
   * lives on the approval service, which attests what operators change and halts a run that passed
   * its pending-approvals rule; budget halts a run whose other stopping rules fired, and closes the
   * runs their launchers close.
   */
  control: {
    name: 'airlock.control',
    eventType: 'airlock.control.changed',
    schema: 'airlock.control',
    attestedBy: ['approval', 'budget'],
    compacted: true,
  },
  /** What a human found really happened to a call whose outcome was unknown; budget settles on it. */
  resolutions: {
    name: 'airlock.outcomes.resolved',
    eventType: 'airlock.outcome.resolved',
    schema: 'airlock.outcomes.resolved',
    attestedBy: ['approval'],
  },
  /**
   * Policy entities operators set or remove over the bundle's, keyed by uid and compacted like
   * airlock.control; one partition, so that the order of versions is the order a gate reads them.
   */
  entities: {
    name: 'airlock.entities',
    eventType: 'airlock.entities.changed',
    schema: 'airlock.entities',
    attestedBy: ['approval'],
    compacted: true,
    partitions: 1,
  },
} as const satisfies Record<
  string,
  {
    name: string;
    eventType: string;
    schema: string;
    attestedBy: readonly GateName[];
    compacted?: true;
    partitions?: 1;
  }
>;

export type TopicKey = keyof typeof topics;
export type TopicSpec = (typeof topics)[TopicKey];

/** The payload type carried by each topic, derived from the generated schema types. */
export interface TopicPayloads {
  proposals: ProposalSubmission;
  accepted: ProposalAccepted;
  policyDecisions: PolicyDecision;
  approvalDecisions: ApprovalDecision;
  approvalPreviews: ApprovalPreview;
  budgetReservations: BudgetReservation;
  actionsExecuted: ActionExecuted;
  outcomes: ProposalOutcome;
  dlq: DeadLetter;
  policyShadow: ShadowDisagreement;
  usage: UsageSubmission;
  usageAccounted: UsageAccounted;
  runs: RunClosing;
  control: ControlChange;
  entities: EntityChange;
  resolutions: OutcomeResolution;
}

export const topicKeys = Object.keys(topics) as TopicKey[];

/**
 * A topic's name in a namespace (AIRLOCK_NAMESPACE, '' for none): the namespace prefixes every
 * topic so that several stacks (the demo, each end-to-end test run) share one Kafka without
 * consuming each other's events. Part of the wire protocol, so agents' clients use it too.
 */
export function topicName(key: TopicKey, namespace: string): string {
  const name = topics[key].name;
  return namespace ? `${namespace}.${name}` : name;
}
