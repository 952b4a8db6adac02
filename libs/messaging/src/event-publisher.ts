import { ClientKafka } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { validateEnvelope, validatePayload, type Envelope, type TopicKey } from '@airlock/contracts';
import { currentTraceHeaders } from '@airlock/telemetry';
import { kafkaClientConfig, type KafkaConnection } from './kafka-transport';
import { topicName } from './namespaced-names';

export class ContractViolationError extends Error {}

/**
 * Publishes CloudEvents keyed by run id, with the active trace context in the headers. Payloads are
 * checked against their schema before they leave, so a bug in one gate cannot push a malformed
 * event onto the next gate's topic.
 */
export class EventPublisher {
  private readonly client: ClientKafka;

  constructor(connection: KafkaConnection) {
    this.client = new ClientKafka({
      client: kafkaClientConfig({ ...connection, service: `${connection.service}-producer` }),
      producerOnlyMode: true,
      producer: { allowAutoTopicCreation: false },
    });
  }

  async connect(): Promise<void> {
    await this.client.connect();
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  async publish<K extends TopicKey>(topic: K, envelope: Envelope<K>): Promise<void> {
    const checkedEnvelope = validateEnvelope(envelope);
    const checked = validatePayload(topic, envelope.data);
    if (!checkedEnvelope.ok || !checked.ok) {
      const errors = [checkedEnvelope, checked].flatMap((result) => (result.ok ? [] : [result.errors]));
      throw new ContractViolationError(`refusing to publish an invalid ${topic} event: ${errors.join('; ')}`);
    }
    const headers = { ...currentTraceHeaders(), 'ce-type': envelope.type };
    await lastValueFrom(
      this.client.emit(topicName(topic), { key: envelope.runid, value: JSON.stringify(envelope), headers }),
    );
  }
}
