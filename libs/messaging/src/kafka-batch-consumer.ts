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

  constructor(
    private readonly connection: KafkaConnection,
    private readonly handler: TopicBatchHandler,
    private readonly logger: ConsumerLogger,
  ) {
    this.consumer = new Kafka(kafkaClientConfig(connection)).consumer({
      groupId: consumerGroupId(connection.service),
      sessionTimeout: 10000,
      heartbeatInterval: 1000,
      allowAutoTopicCreation: false,
    });
    this.topicByName = new Map(topicKeys.map((key) => [topicName(key), key]));
    const { CRASH, STOP } = this.consumer.events;
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
      topics: this.handler.topics.map((key) => topicName(key)),
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

  async stop(): Promise<void> {
    for (const timer of this.resumeTimers) clearTimeout(timer);
    this.resumeTimers.clear();
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
      payload.resolveOffset(batch.lastOffset());
      await payload.commitOffsetsIfNecessary();
      if (this.health.recordSuccess(partition)) {
        this.logger.event('info', 'partition consuming again', { partition });
      }
    } catch (error) {
      const handled = error instanceof BatchInterruptedError ? error.handled : 0;
      if (handled > 0) payload.resolveOffset(messages[handled - 1].offset);
      this.retryLater(payload, partition, messages[handled], error);
    }
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
