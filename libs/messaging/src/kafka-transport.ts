import { Transport, type KafkaOptions } from '@nestjs/microservices';
import type { KafkaConfig } from 'kafkajs';
import { consumerGroupId } from './namespaced-names';

export interface KafkaConnection {
  brokers: string[];
  service: string;
}

export function kafkaClientConfig({ brokers, service }: KafkaConnection): KafkaConfig {
  return {
    clientId: `airlock-${service}`,
    brokers,
    // A broker that is briefly away (restart, leader move) must not crash the service.
    retry: { initialRetryTime: 200, retries: 10 },
  };
}

/** Options for the Nest Kafka server: one consumer group per service, raw bytes in, our own parsing. */
export function kafkaTransportOptions(connection: KafkaConnection): KafkaOptions {
  return {
    transport: Transport.KAFKA,
    options: {
      client: kafkaClientConfig(connection),
      consumer: {
        groupId: consumerGroupId(connection.service),
        sessionTimeout: 10000,
        heartbeatInterval: 1000,
        allowAutoTopicCreation: false,
      },
      // Our groups are named by namespace already; Nest would otherwise append "-server".
      postfixId: '',
      // Keep values as bytes: size checks count bytes and malformed JSON reaches us, not Nest's parser.
      parser: { keepBinary: true },
      subscribe: { fromBeginning: true },
      run: { autoCommit: true, partitionsConsumedConcurrently: 3 },
      producerOnlyMode: false,
    },
  };
}
