import type { KafkaConfig } from 'kafkajs';
import './kafkajs-idle-timer-fix';

export interface KafkaConnection {
  brokers: string[];
  service: string;
  /** Prefix of topics and consumer groups (see namespaced-names.ts); '' for none. */
  namespace: string;
}

export function kafkaClientConfig({ brokers, service }: KafkaConnection): KafkaConfig {
  return {
    clientId: `airlock-${service}`,
    brokers,
    // A broker that is briefly away (restart, leader move) must not crash the service.
    retry: { initialRetryTime: 200, retries: 10 },
  };
}
