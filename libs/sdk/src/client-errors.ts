/** What went wrong in a client call, by stable code; `retriable` says whether trying again can help. */
export type ClientErrorCode =
  'proposal_timeout' | 'usage_timeout' | 'proposal_id_reused' | 'oversized_message' | 'client_closed';

/**
 * The one error type the SDK throws for what it decides (Kafka's own errors pass through as
 * kafkajs throws them). `retriable` follows the rule the gates use: true when the same call made
 * again may succeed, false when only a different call can.
 */
export class AirlockClientError extends Error {
  constructor(
    readonly code: ClientErrorCode,
    message: string,
    readonly retriable: boolean,
  ) {
    super(message);
    this.name = 'AirlockClientError';
  }
}

/** What a proposal still waited for when its time ran out. */
export type PendingPart = 'outcome' | 'executed_action';

/**
 * No answer within the call's timeout. Retriable: proposing again with the same proposal id
 * re-sends the identical message, which Airlock treats as a redelivery (nothing executes twice).
 */
export class ProposalTimeoutError extends AirlockClientError {
  constructor(
    readonly proposalId: string,
    readonly submissionId: string,
    readonly pending: PendingPart,
    detail: string,
  ) {
    super('proposal_timeout', detail, true);
    this.name = 'ProposalTimeoutError';
  }
}
