import { topics, type TopicKey } from '@airlock/contracts';

/**
 * The namespace prefixes every topic, consumer group and store schema, so that several stacks (the
 * demo, each end-to-end test run) can share one Kafka without consuming each other's events. It
 * is read from the environment because Nest binds handler topics when the module is loaded.
 */
export function currentNamespace(): string {
  return process.env['AIRLOCK_NAMESPACE'] ?? '';
}

export function topicName(key: TopicKey, namespace: string = currentNamespace()): string {
  const name = topics[key].name;
  return namespace ? `${namespace}.${name}` : name;
}

export function consumerGroupId(service: string, namespace: string = currentNamespace()): string {
  return namespace ? `${namespace}.airlock-${service}` : `airlock-${service}`;
}
