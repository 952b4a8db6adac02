import { Kafka } from 'kafkajs';
import { topicKeys, topics, type TopicKey } from '@airlock/contracts';
import { kafkaClientConfig, type KafkaConnection } from './kafka-connection';
import { topicName } from './namespaced-names';

/** How topics a service creates are laid out (AIRLOCK_TOPIC_PARTITIONS, AIRLOCK_TOPIC_REPLICATION). */
export interface TopicLayout {
  partitions: number;
  replicationFactor: number;
}

/**
 * Creates every Airlock topic that does not exist yet. Each service runs this at start-up, so no
 * topic is ever made by hand and auto-creation can stay off on the broker.
 */
export async function ensureTopics(connection: KafkaConnection, layout: TopicLayout): Promise<void> {
  const admin = new Kafka(
    kafkaClientConfig({ ...connection, service: `${connection.service}-admin` }),
  ).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topicKeys.filter((key) => !existing.has(topicName(key, connection.namespace)));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((key) => ({
          topic: topicName(key, connection.namespace),
          numPartitions: partitionsOf(key, layout),
          replicationFactor: layout.replicationFactor,
          ...(isCompacted(key) ? { configEntries: [{ name: 'cleanup.policy', value: 'compact' }] } : {}),
        })),
      });
    }
  } catch (error) {
    // Two services starting together may both try to create a topic; the loser sees it exists.
    if (!String(error).includes('already exists')) throw error;
  } finally {
    await admin.disconnect();
  }
}

function partitionsOf(key: TopicKey, layout: TopicLayout): number {
  const spec = topics[key];
  return 'partitions' in spec ? spec.partitions : layout.partitions;
}

function isCompacted(key: TopicKey): boolean {
  return 'compacted' in topics[key];
}
