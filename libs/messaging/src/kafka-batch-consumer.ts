import { Kafka, type Consumer, type EachBatchPayload, type KafkaMessage } from 'kafkajs';
import { topicKeys, type TopicKey } from '@airlock/contracts';
import { ConsumerHealth, retryDelayMs } from './consumer-health';
import { classifyFailure } from './failure-classification';
import type { RawKafkaMessage } from './incoming-event';
import { kafkaClientConfig, type KafkaConnection } from './kafka-connection';
import { consumerGroupId, topicName } from './namespaced-names';
import { BatchInterruptedError, type TopicBatchHandler } from './topic-batch-handler';

export interface ConsumerLogger {
  event(level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>): void;
}

const commitIntervalMs = 1000;

/** Partitions handled at once unless the handler says otherwise: each in order, side by side. */
const defaultPartitionsAtOnce = 4;

/**
 * The one Kafka consumer every service runs: a consumer group per service, batches per
 * topic-partition in offset order, offsets committed only for what the handler finished. When the
 * handler reports a dependency away, the partition pauses, seeks back to the first unfinished
 * message and resumes after a backoff; nothing is skipped and the service reports itself unhealthy
 * meanwhile (ADR 0006). Poison never reaches this level: the handler dead-letters it itself.
 */
export class KafkaBatchConsumer {
  readonly health = new ConsumerHealth();
  private readonly consumer: Consumer;
  private readonly topicByName: Map<string, TopicKey>;
  private readonly resumeTimers = new Set<NodeJS.Timeout>();
  /** Per partition, the next offset to read: what was finished, for the commit on a graceful stop. */
  private readonly finished = new Map<string, { topic: string; partition: number; offset: string }>();

  constructor(
    private readonly connection: KafkaConnection,
    private readonly handler: TopicBatchHandler,
    private readonly logger: ConsumerLogger,
  ) {
    this.consumer = new Kafka(kafkaClientConfig(connection)).consumer({
      groupId: consumerGroupId(connection.service, connection.namespace),
      sessionTimeout: 10000,
      heartbeatInterval: 1000,
      allowAutoTopicCreation: false,
    });
    this.topicByName = new Map(topicKeys.map((key) => [topicName(key, connection.namespace), key]));
    const { CRASH, STOP, GROUP_JOIN } = this.consumer.events;
    // After a rebalance another member may own a partition and have committed past us.
    this.consumer.on(GROUP_JOIN, () => this.finished.clear());
    this.consumer.on(CRASH, (event) => {
      this.health.markConsuming(event.payload.restart);
      this.logger.event('error', 'Kafka consumer crashed', {
        error: event.payload.error.message,
        restarting: event.payload.restart,
      });
    });
    this.consumer.on(STOP, () => this.health.markConsuming(false));
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({
      topics: this.handler.topics.map((key) => topicName(key, this.connection.namespace)),
      fromBeginning: true,
    });
    await this.consumer.run({
      // Offsets are committed at most once a second, not after every batch: each commit is a
      // request, and a redelivery after a crash repeats nothing (every handler is idempotent).
      autoCommit: false,
      autoCommitInterval: commitIntervalMs,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.handler.partitionsAtOnce ?? defaultPartitionsAtOnce,
      eachBatch: (payload) => this.consumeBatch(payload),
    });
    this.health.markConsuming(true);
  }

  /**
   * Commits what was finished, then leaves the group: a graceful stop (a deploy, a restart)
   * redelivers only a batch still in flight, not the last second of work.
   */
  async stop(): Promise<void> {
    for (const timer of this.resumeTimers) clearTimeout(timer);
    this.resumeTimers.clear();
    await this.consumer.commitOffsets([...this.finished.values()]).catch((error: unknown) =>
      this.logger.event('warn', 'could not commit finished offsets on stop; they will be redelivered', {
        error: (error as Error).message ?? String(error),
      }),
    );
    await this.consumer.disconnect();
    this.health.markConsuming(false);
  }

  private async consumeBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const topic = this.topicByName.get(batch.topic);
    if (topic === undefined || batch.messages.length === 0) return;
    const messages = batch.messages.map((message) => rawMessage(batch.topic, batch.partition, message));
    const partition = `${batch.topic}/${batch.partition}`;
    try {
      await this.handler.handleBatch(topic, messages);
      this.resolve(payload, batch.lastOffset());
      await payload.commitOffsetsIfNecessary();
      if (this.health.recordSuccess(partition)) {
        this.logger.event('info', 'partition consuming again', { partition });
      }
    } catch (error) {
      const handled = error instanceof BatchInterruptedError ? error.handled : 0;
      if (handled > 0) this.resolve(payload, messages[handled - 1].offset);
      this.retryLater(payload, partition, messages[handled], error);
    }
  }

  private resolve(payload: EachBatchPayload, offset: string): void {
    payload.resolveOffset(offset);
    const { topic, partition } = payload.batch;
    this.finished.set(`${topic}/${partition}`, {
      topic,
      partition,
      offset: (BigInt(offset) + 1n).toString(),
    });
  }

  /** Pauses the partition at the first unfinished message and resumes it after a backoff. */
  private retryLater(
    payload: EachBatchPayload,
    partition: string,
    first: RawKafkaMessage,
    error: unknown,
  ): void {
    const failure = classifyFailure(error);
    const attempts = this.health.recordFailure(partition, failure.code, failure.message);
    const delayMs = retryDelayMs(attempts);
    // Poison is the handler's to dead-letter; one reaching here is a bug, and waiting is safer than skipping.
    this.logger.event(failure.retriable ? 'warn' : 'error', 'partition paused; will retry', {
      partition,
      offset: first.offset,
      code: failure.code,
      error: failure.message,
      attempts,
      retry_in_ms: delayMs,
    });
    const resume = payload.pause();
    this.consumer.seek({ topic: first.topic, partition: first.partition, offset: first.offset });
    const timer = setTimeout(() => {
      this.resumeTimers.delete(timer);
      resume();
    }, delayMs);
    this.resumeTimers.add(timer);
  }
}

function rawMessage(topic: string, partition: number, message: KafkaMessage): RawKafkaMessage {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key === null ? null : message.key.toString('utf8'),
    value: message.value,
    headers: (message.headers ?? {}) as Record<string, unknown>,
  };
}
