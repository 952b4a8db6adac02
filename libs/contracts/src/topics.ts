import type {
  ActionExecuted,
  ApprovalDecision,
  BudgetReservation,
  DeadLetter,
  PolicyDecision,
  ProposalAccepted,
  ProposalOutcome,
  ProposalSubmission,
} from './generated/events';

/**
 * Every Kafka topic Airlock uses, with the CloudEvent type and the JSON Schema of its payload.
 * This table is the single place where these names are written.
 */
export const topics = {
  proposals: { name: 'agent.proposals', eventType: 'airlock.proposal.submitted', schema: 'agent.proposals' },
  accepted: {
    name: 'airlock.proposals.accepted',
    eventType: 'airlock.proposal.accepted',
    schema: 'airlock.proposals.accepted',
  },
  policyDecisions: {
    name: 'airlock.policy.decisions',
    eventType: 'airlock.policy.decided',
    schema: 'airlock.policy.decisions',
  },
  approvalDecisions: {
    name: 'airlock.approvals.decisions',
    eventType: 'airlock.approval.decided',
    schema: 'airlock.approvals.decisions',
  },
  budgetReservations: {
    name: 'airlock.budget.reservations',
    eventType: 'airlock.budget.reserved',
    schema: 'airlock.budget.reservations',
  },
  actionsExecuted: {
    name: 'airlock.actions.executed',
    eventType: 'airlock.action.executed',
    schema: 'airlock.actions.executed',
  },
  outcomes: {
    name: 'airlock.proposals.outcomes',
    eventType: 'airlock.proposal.outcome',
    schema: 'airlock.proposals.outcomes',
  },
  dlq: { name: 'airlock.dlq', eventType: 'airlock.dlq.dead_letter', schema: 'airlock.dlq' },
} as const;

export type TopicKey = keyof typeof topics;
export type TopicSpec = (typeof topics)[TopicKey];

/** The payload type carried by each topic, derived from the generated schema types. */
export interface TopicPayloads {
  proposals: ProposalSubmission;
  accepted: ProposalAccepted;
  policyDecisions: PolicyDecision;
  approvalDecisions: ApprovalDecision;
  budgetReservations: BudgetReservation;
  actionsExecuted: ActionExecuted;
  outcomes: ProposalOutcome;
  dlq: DeadLetter;
}

export const topicKeys = Object.keys(topics) as TopicKey[];
