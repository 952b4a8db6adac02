import { randomBytes } from 'node:crypto';
import { Kafka, type Consumer, type EachBatchPayload, type KafkaMessage } from 'kafkajs';
import { verifyEventAttestation, type ServiceKeyring } from '@airlock/attestation';
import { topics } from '@airlock/contracts';
import type { HaltBoard } from '@airlock/halts';
import { parseEvent } from './incoming-event';
import type { ConsumerLogger } from './kafka-batch-consumer';
import { kafkaClientConfig, type KafkaConnection } from './kafka-connection';
import { consumerGroupId, topicName } from './namespaced-names';

/** A gate that has not read every halt within this long does not start: it would act blind. */
const catchUpTimeoutMs = 30_000;

/**
 * Feeds a gate's HaltBoard from airlock.control (ADR 0009). Every instance reads every partition
 * from the beginning, in a consumer group of its own that commits nothing (so the broker drops it
 * when the instance leaves), and `start` returns only once it has read what the topic held when it
 * began: a gate never handles a proposal before it knows the halts in force. An event that is
 * unreadable, or not attested by a gate that may change halts (`topics.control.attestedBy`: the
 * approval service's operator API, budget's stopping rules), changes nothing; audit records it with
 * its attestation status.
 */
export class ControlFeed {
  private readonly consumer: Consumer;
  private readonly topic: string;
  /** Per partition, the offset the feed must reach to have read what was there at start. */
  private readonly pending = new Map<number, bigint>();
  private caughtUp: (() => void) | undefined;

  constructor(
    private readonly connection: KafkaConnection,
    private readonly board: HaltBoard,
    private readonly keyring: ServiceKeyring,
    private readonly logger: ConsumerLogger,
  ) {
    this.topic = topicName('control', connection.namespace);
    const instance = `${process.pid}-${randomBytes(4).toString('hex')}`;
    this.consumer = new Kafka(
      kafkaClientConfig({ ...connection, service: `${connection.service}-control` }),
    ).consumer({
      groupId: `${consumerGroupId(connection.service, connection.namespace)}.control.${instance}`,
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
              `could not read the halts on ${this.topic} within ${catchUpTimeoutMs / 1000} s; is Kafka reachable?`,
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
      kafkaClientConfig({ ...this.connection, service: `${this.connection.service}-control-admin` }),
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
        this.ignore(batch.partition, message.offset, 'unreadable_control_event', String(error)),
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
    const parsed = parseEvent('control', {
      ...raw,
      headers: (message.headers ?? {}) as Record<string, unknown>,
    });
    if (!parsed.ok) return this.ignore(partition, message.offset, parsed.code, parsed.error);
    const attested = await verifyEventAttestation(parsed.envelope, this.keyring, topics.control.attestedBy);
    if (!attested.ok) return this.ignore(partition, message.offset, attested.code, attested.reason);
    const change = parsed.envelope.data;
    this.board.apply(change);
    this.logger.event('info', `control: ${change.state}`, {
      scope: change.scope,
      operator_id: change.operator_id,
      reason: change.reason.slice(0, 500),
    });
  }

  private ignore(partition: number, offset: string, code: string, reason: string): void {
    this.logger.event('warn', 'ignored a control event', {
      topic: this.topic,
      partition,
      offset,
      reason_code: code,
      error: reason.slice(0, 500),
    });
  }
}
