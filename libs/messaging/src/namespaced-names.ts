import { topics, type TopicKey } from '@airlock/contracts';

/**
 * The namespace (AIRLOCK_NAMESPACE, '' for none) prefixes every topic, consumer group and store
 * schema, so that several stacks (the demo, each end-to-end test run) can share one Kafka without
 * consuming each other's events.
 */
export function topicName(key: TopicKey, namespace: string): string {
  const name = topics[key].name;
  return namespace ? `${namespace}.${name}` : name;
}

export function consumerGroupId(service: string, namespace: string): string {
  return namespace ? `${namespace}.airlock-${service}` : `airlock-${service}`;
}
