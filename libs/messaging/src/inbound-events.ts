import type { KafkaContext } from '@nestjs/microservices';
import type { Envelope, TopicKey } from '@airlock/contracts';
import { withConsumerSpan } from '@airlock/telemetry';
import { deadLetterEnvelope } from './dead-letter';
import type { EventPublisher } from './event-publisher';
import {
  defaultMaxMessageBytes,
  parseEvent,
  rawMessageOf,
  type ParsedEvent,
  type RawKafkaMessage,
} from './incoming-event';

export type RefusedEvent = Extract<ParsedEvent<TopicKey>, { ok: false }>;

export interface InboundLogger {
  event(level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>): void;
}

/**
 * What every Kafka handler does before its gate decides anything: parse and check the event, send
 * what cannot be parsed to the DLQ with the reason, and continue the proposal's trace. Handlers
 * stay a few lines long and the rules are the same in every service.
 */
export class InboundEvents {
  constructor(
    private readonly service: string,
    private readonly publisher: EventPublisher,
    private readonly logger: InboundLogger,
    private readonly maxBytes: number = defaultMaxMessageBytes,
  ) {}

  async handle<K extends TopicKey>(
    topic: K,
    context: KafkaContext,
    work: (envelope: Envelope<K>, refuse: (reason: string) => Promise<void>) => Promise<void>,
    onRefused?: (refused: RefusedEvent) => Promise<void>,
  ): Promise<void> {
    const parsed = parseEvent(topic, rawMessageOf(context), this.maxBytes);
    if (!parsed.ok) {
      await this.refuse(parsed, onRefused);
      return;
    }
    const { envelope } = parsed;
    const ids = { runId: envelope.runid, proposalId: envelope.proposalid, agentId: envelope.agentid };
    const refuse = (reason: string) => this.deadLetter(parsed.raw, 'refused_event', reason);
    await withConsumerSpan(`${this.service} handle ${topic}`, parsed.raw.headers, ids, () =>
      work(envelope, refuse),
    );
  }

  private async refuse(
    refused: RefusedEvent,
    onRefused?: (refused: RefusedEvent) => Promise<void>,
  ): Promise<void> {
    await this.deadLetter(refused.raw, refused.code, refused.error);
    if (onRefused) await onRefused(refused);
  }

  /** Keeps the message, with the reason, where an operator can find it; the consumer moves on. */
  private async deadLetter(raw: RawKafkaMessage, code: string, error: string): Promise<void> {
    this.logger.event('warn', 'dead-lettered a message', {
      topic: raw.topic,
      partition: raw.partition,
      offset: raw.offset,
      run_id: raw.key,
      reason_code: code,
      error,
    });
    await this.publisher.publish('dlq', deadLetterEnvelope(this.service, raw, error));
  }
}
