import { InfrastructureError, type TopicKey } from '@airlock/contracts';
import type { RawKafkaMessage } from './incoming-event';

/**
 * What a service's consumer hands its messages to: one batch at a time, the messages of one
 * topic-partition in offset order. Offsets are committed only after `handleBatch` resolves, so a
 * crash redelivers what was not finished, and every handler must be idempotent under redelivery.
 *
 * A handler ends every message itself (an event, an outcome, a DLQ record, a stored row). It throws
 * only a retriable AirlockError, when a dependency is away: the partition then pauses and the batch
 * is tried again, from the first message not reported handled, after a backoff. See ADR 0006.
 */
export interface TopicBatchHandler {
  readonly topics: readonly TopicKey[];
  /**
   * How many partitions' batches it takes at once (default 4). A handler that waits to write many
   * messages together (audit) wants every partition of a fetch at once, so they share one write.
   */
  readonly partitionsAtOnce?: number;
  handleBatch(topic: TopicKey, messages: readonly RawKafkaMessage[]): Promise<void>;
}

/** A retriable failure part-way through a batch: the first `handled` messages are done and committed. */
export class BatchInterruptedError extends InfrastructureError {
  constructor(
    readonly handled: number,
    readonly failure: InfrastructureError,
  ) {
    super(failure.code, failure.message, { cause: failure });
  }
}
