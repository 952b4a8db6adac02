import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Admin, type Consumer, type Producer } from 'kafkajs';
import { topicName, type TopicKey } from '@airlock/contracts';

/** Where Airlock's Kafka is, and the namespace (topic prefix) its deployment uses. */
export interface KafkaTarget {
  /** Bootstrap servers, as a list or comma-separated, e.g. `127.0.0.1:19092`. */
  brokers: string[] | string;
  /** The deployment's AIRLOCK_NAMESPACE ('' or absent for none): prefixes every topic name. */
  namespace?: string;
  /** Names this client in the brokers' logs. */
  clientId?: string;
}

export interface Received {
  topic: TopicKey;
  data: unknown;
}

/**
 * The SDK's only use of kafkajs (as libs/messaging is the services'), so that a successor client
 * replaces one file. One producer, and at most one consumer however many calls wait on answers.
 */
export class KafkaChannel {
  private readonly kafka: Kafka;
  private readonly namespace: string;
  private producer: Producer | undefined;
  private consumer: Consumer | undefined;

  constructor(target: KafkaTarget, role: string) {
    this.namespace = target.namespace ?? '';
    this.kafka = new Kafka({
      clientId: target.clientId ?? `airlock-sdk-${role}`,
      brokers: typeof target.brokers === 'string' ? target.brokers.split(',') : target.brokers,
      logLevel: logLevel.NOTHING,
      // A broker briefly away (restart, leader move) should delay a call, not fail it.
      retry: { initialRetryTime: 200, retries: 10 },
    });
  }

  async send(
    topic: TopicKey,
    key: string,
    value: string,
    headers: Record<string, string> = {},
  ): Promise<void> {
    if (this.producer === undefined) {
      const producer = this.kafka.producer();
      await producer.connect();
      this.producer = producer;
    }
    await this.producer.send({
      topic: topicName(topic, this.namespace),
      messages: [{ key, value, headers }],
    });
  }

  /**
   * Reads `topics` from their ends as they are now, so every answer to what is sent after this
   * resolves is seen, and none of the history is read. A consumer group of its own: a client
   * must see every partition's answers, not share them with other clients.
   */
  async read(topics: TopicKey[], onEvent: (event: Received) => void): Promise<void> {
    const byName = new Map(topics.map((key) => [topicName(key, this.namespace), key]));
    const ends = await this.endOffsets([...byName.keys()]);
    const consumer = this.kafka.consumer({ groupId: `airlock-sdk-${randomUUID()}` });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topics: [...byName.keys()], fromBeginning: false });
    await consumer.run({
      eachMessage: async ({ topic, message }) => {
        const data = dataOf(message.value);
        if (data !== undefined) onEvent({ topic: byName.get(topic) as TopicKey, data });
      },
    });
    // Applied before each partition's first fetch: without it a new group starts at the end as it
    // is when the partition is assigned, later than now, and would miss a fast answer.
    for (const { topic, partition, offset } of ends) consumer.seek({ topic, partition, offset });
  }

  async close(): Promise<void> {
    await Promise.all([this.producer?.disconnect(), this.consumer?.disconnect()]);
  }

  private async endOffsets(names: string[]): Promise<{ topic: string; partition: number; offset: string }[]> {
    const admin: Admin = this.kafka.admin();
    await admin.connect();
    try {
      const perTopic = await Promise.all(
        names.map(async (topic) =>
          (await admin.fetchTopicOffsets(topic)).map(({ partition, high }) => ({
            topic,
            partition,
            offset: high,
          })),
        ),
      );
      return perTopic.flat();
    } finally {
      await admin.disconnect();
    }
  }
}

/** The `data` of a CloudEvent; anything else on the topic (hostile bytes, foreign JSON) is skipped. */
function dataOf(value: Buffer | null): unknown {
  try {
    const parsed: unknown = JSON.parse(value?.toString('utf8') ?? 'null');
    return typeof parsed === 'object' && parsed !== null ? (parsed as { data?: unknown }).data : undefined;
  } catch {
    return undefined;
  }
}
