import { randomBytes } from 'node:crypto';
import { Kafka, type Consumer, type EachBatchPayload, type KafkaMessage } from 'kafkajs';
import { verifyEventAttestation, type ServiceKeyring } from '@airlock/attestation';
import { topics, type TopicKey, type TopicPayloads } from '@airlock/contracts';
import { parseEvent } from './incoming-event';
import type { ConsumerLogger } from './kafka-batch-consumer';
import { kafkaClientConfig, type KafkaConnection } from './kafka-connection';
import { consumerGroupId, topicName } from './namespaced-names';

/** A gate that has not read the whole topic within this long does not start: it would act blind. */
const catchUpTimeoutMs = 30_000;

/** The topics whose last event per key is state a service holds in memory. */
export type CompactedTopicKey = {
  [K in TopicKey]: (typeof topics)[K] extends { compacted: true } ? K : never;
}[TopicKey];

export interface CompactedTopicFeedSpec<K extends CompactedTopicKey> {
  topic: K;
  /** What the service learns from it, for the error when it cannot: "the halts". */
  holds: string;
  keyring: ServiceKeyring;
  /** Takes in one attested event; returns why it changed nothing, if it did not. */
  apply: (payload: TopicPayloads[K]) => string | undefined;
}

/**
 * Feeds a service's in-memory state from a compacted topic: the halts of airlock.control (ADR
 * 0009), the operators' policy entities of airlock.entities. Every instance reads every partition
 * from the beginning, in a consumer group of its own that commits nothing (so the broker drops it
 * when the instance leaves), and `start` returns only once it has read what the topic held when it
 * began: a gate never handles a proposal before it knows, say, the halts in force. An event that is
 * unreadable, or not attested by a gate the topic names (`attestedBy`), changes nothing; audit
 * records it with its attestation status.
 */
export class CompactedTopicFeed<K extends CompactedTopicKey> {
  private readonly consumer: Consumer;
  private readonly topic: string;
  /** Per partition, the offset the feed must reach to have read what was there at start. */
  private readonly pending = new Map<number, bigint>();
  private caughtUp: (() => void) | undefined;

  constructor(
    private readonly connection: KafkaConnection,
    private readonly spec: CompactedTopicFeedSpec<K>,
    private readonly logger: ConsumerLogger,
  ) {
    this.topic = topicName(spec.topic, connection.namespace);
    const instance = `${process.pid}-${randomBytes(4).toString('hex')}`;
    this.consumer = new Kafka(
      kafkaClientConfig({ ...connection, service: `${connection.service}-${spec.topic}` }),
    ).consumer({
      groupId: `${consumerGroupId(connection.service, connection.namespace)}.${spec.topic}.${instance}`,
      sessionTimeout: 10000,
      heartbeatInterval: 1000,
      allowAutoTopicCreation: false,
    });
  }

  async start(): Promise<void> {
    await this.readEndOffsets();
    const caughtUp = new Promise<void>((resolve) => (this.caughtUp = resolve));
    if (this.pending.size === 0) this.caughtUp?.();
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [this.topic], fromBeginning: true });
    await this.consumer.run({ autoCommit: false, eachBatch: (payload) => this.read(payload) });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(
              `could not read ${this.spec.holds} on ${this.topic} within ${catchUpTimeoutMs / 1000} s; is Kafka reachable?`,
            ),
          ),
        catchUpTimeoutMs,
      );
    });
    try {
      await Promise.race([caughtUp, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }

  /**
   * Retried until the catch-up deadline: a service that finds the topic just created by another
   * one can be told that the broker is not the partitions' leader yet.
   */
  private async readEndOffsets(): Promise<void> {
    const admin = new Kafka(
      kafkaClientConfig({
        ...this.connection,
        service: `${this.connection.service}-${this.spec.topic}-admin`,
      }),
    ).admin();
    await admin.connect();
    try {
      const deadline = Date.now() + catchUpTimeoutMs;
      for (;;) {
        try {
          for (const { partition, high, low } of await admin.fetchTopicOffsets(this.topic)) {
            if (BigInt(high) > BigInt(low)) this.pending.set(partition, BigInt(high));
          }
          return;
        } catch (error) {
          if (Date.now() > deadline) throw error;
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      }
    } finally {
      await admin.disconnect();
    }
  }

  private async read({ batch }: EachBatchPayload): Promise<void> {
    for (const message of batch.messages) {
      // Whatever a message holds, the feed goes on: a stalled feed would keep the gate from starting.
      await this.apply(batch.topic, batch.partition, message).catch((error: unknown) =>
        this.ignore(batch.partition, message.offset, 'unreadable_event', String(error)),
      );
    }
    const end = this.pending.get(batch.partition);
    if (end !== undefined && BigInt(batch.lastOffset()) + 1n >= end) {
      this.pending.delete(batch.partition);
      if (this.pending.size === 0) this.caughtUp?.();
    }
  }

  private async apply(topic: string, partition: number, message: KafkaMessage): Promise<void> {
    const key = message.key === null ? null : message.key.toString('utf8');
    const raw = { topic, partition, offset: message.offset, key, value: message.value };
    const parsed = parseEvent(this.spec.topic, {
      ...raw,
      headers: (message.headers ?? {}) as Record<string, unknown>,
    });
    if (!parsed.ok) return this.ignore(partition, message.offset, parsed.code, parsed.error);
    const attested = await verifyEventAttestation(
      parsed.envelope,
      this.spec.keyring,
      topics[this.spec.topic].attestedBy,
    );
    if (!attested.ok) return this.ignore(partition, message.offset, attested.code, attested.reason);
    const refused = this.spec.apply(parsed.envelope.data as TopicPayloads[K]);
    if (refused !== undefined) this.ignore(partition, message.offset, 'change_refused', refused);
  }

  private ignore(partition: number, offset: string, code: string, reason: string): void {
    this.logger.event('warn', `ignored an event on ${this.spec.topic}`, {
      topic: this.topic,
      partition,
      offset,
      reason_code: code,
      error: reason.slice(0, 500),
    });
  }
}
