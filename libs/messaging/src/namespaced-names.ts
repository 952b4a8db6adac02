// The namespace (AIRLOCK_NAMESPACE, '' for none) prefixes every topic, consumer group and store
// schema; topic names follow the protocol's rule, which lives with the topic table.
export { topicName } from '@airlock/contracts';

export function consumerGroupId(service: string, namespace: string): string {
  return namespace ? `${namespace}.airlock-${service}` : `airlock-${service}`;
}
