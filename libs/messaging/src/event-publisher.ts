import { Kafka, Partitioners, type Producer } from 'kafkajs';
import { attestEvent, type SigningKey } from '@airlock/attestation';
import {
  PoisonMessageError,
  validateEnvelope,
  validatePayload,
  type Envelope,
  type GateName,
  type TopicKey,
} from '@airlock/contracts';
import { currentTraceHeaders, type TraceHeaders } from '@airlock/telemetry';
import { kafkaClientConfig, type KafkaConnection } from './kafka-connection';
import { topicName } from './namespaced-names';

/** One event a gate emits, with the trace context of the message that caused it. */
export interface Emission<K extends TopicKey = TopicKey> {
  topic: K;
  envelope: Envelope<K>;
  traceHeaders: TraceHeaders;
}

/** An emission in the active trace: gates build these inside the span of the message they handle. */
export function emission<K extends TopicKey>(topic: K, envelope: Envelope<K>): Emission<K> {
  return { topic, envelope, traceHeaders: currentTraceHeaders() };
}

/** A checked, attested event, ready for Kafka. */
export interface OutgoingMessage {
  topic: string;
  key: string;
  value: string;
  headers: TraceHeaders;
}

/** Who signs what this publisher sends: the gate, with its own key. */
export interface PublisherIdentity {
  gate: GateName;
  signingKey: SigningKey;
}

/**
 * Publishes CloudEvents keyed by run id, each attested by the gate that emits it, with the trace
 * context in the headers. Payloads are checked against their schema before they leave, so a bug in
 * one gate cannot push a malformed event onto the next gate's topic. Many events go out in one
 * request: ordering holds per partition, which is per run.
 */
export class EventPublisher {
  private readonly producer: Producer;

  constructor(
    private readonly connection: KafkaConnection,
    private readonly identity: PublisherIdentity,
  ) {
    this.producer = new Kafka(
      kafkaClientConfig({ ...connection, service: `${connection.service}-producer` }),
    ).producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  }

  async connect(): Promise<void> {
    await this.producer.connect();
  }

  async close(): Promise<void> {
    await this.producer.disconnect();
  }

  async publish<K extends TopicKey>(topic: K, envelope: Envelope<K>): Promise<void> {
    await this.send(await this.prepare([emission(topic, envelope)]));
  }

  /**
   * Checks and attests emissions; throws PoisonMessageError for an event that must not go out (a
   * payload off its schema, content that cannot be hashed), so the message that caused it can be
   * dead-lettered on its own instead of failing the whole send it would have joined.
   */
  async prepare(emissions: readonly Emission[]): Promise<OutgoingMessage[]> {
    const prepared: OutgoingMessage[] = [];
    for (const { topic, envelope, traceHeaders } of emissions) {
      checkContract(topic, envelope);
      prepared.push({
        topic: topicName(topic, this.connection.namespace),
        key: envelope.runid,
        value: JSON.stringify(await this.attest(envelope)),
        headers: { ...traceHeaders, 'ce-type': envelope.type },
      });
    }
    return prepared;
  }

  /** Sends prepared messages in one request; only Kafka itself can make this fail. */
  async send(messages: readonly OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const byTopic = new Map<string, OutgoingMessage[]>();
    for (const message of messages)
      byTopic.set(message.topic, [...(byTopic.get(message.topic) ?? []), message]);
    await this.producer.sendBatch({
      topicMessages: [...byTopic].map(([topic, grouped]) => ({
        topic,
        messages: grouped.map(({ key, value, headers }) => ({ key, value, headers })),
      })),
    });
  }

  private async attest<K extends TopicKey>(envelope: Envelope<K>): Promise<Envelope<K>> {
    try {
      return await attestEvent(this.identity.signingKey, this.identity.gate, envelope);
    } catch (error) {
      throw new PoisonMessageError(
        'unattestable_event',
        `cannot attest a ${envelope.type} event: ${(error as Error).message}`,
      );
    }
  }
}

function checkContract<K extends TopicKey>(topic: K, envelope: Envelope<K>): void {
  const checkedEnvelope = validateEnvelope(envelope);
  const checked = validatePayload(topic, envelope.data);
  if (!checkedEnvelope.ok || !checked.ok) {
    const errors = [checkedEnvelope, checked].flatMap((result) => (result.ok ? [] : [result.errors]));
    throw new PoisonMessageError(
      'contract_violation',
      `refusing to publish an invalid ${topic} event: ${errors.join('; ')}`,
    );
  }
}
