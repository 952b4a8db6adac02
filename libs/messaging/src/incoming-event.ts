import type { KafkaContext } from '@nestjs/microservices';
import { topics, validateEnvelope, validatePayload, type Envelope, type TopicKey } from '@airlock/contracts';

export interface RawKafkaMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, unknown>;
}

export type ParsedEvent<K extends TopicKey> =
  | { ok: true; envelope: Envelope<K>; raw: RawKafkaMessage }
  | {
      ok: false;
      code: 'oversized_message' | 'malformed_envelope' | 'invalid_submission';
      error: string;
      raw: RawKafkaMessage;
    };

export const defaultMaxMessageBytes = 256 * 1024;

export function rawMessageOf(context: KafkaContext): RawKafkaMessage {
  const message = context.getMessage();
  const key = message.key === null || message.key === undefined ? null : message.key.toString();
  const value = message.value === null || message.value === undefined ? null : Buffer.from(message.value);
  return {
    topic: context.getTopic(),
    partition: context.getPartition(),
    offset: message.offset,
    key,
    value,
    headers: (message.headers ?? {}) as Record<string, unknown>,
  };
}

function parseJson(bytes: Buffer): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(bytes.toString('utf8')) };
  } catch (error) {
    return { ok: false, error: `value is not JSON: ${(error as Error).message}` };
  }
}

/**
 * Turns a Kafka message into a typed CloudEvent or a reason why not. Never throws: bad input is
 * expected, and it must end as a rejection or a dead letter, not as a crashed consumer.
 */
export function parseEvent<K extends TopicKey>(
  topic: K,
  raw: RawKafkaMessage,
  maxBytes: number = defaultMaxMessageBytes,
): ParsedEvent<K> {
  if (raw.value === null)
    return { ok: false, code: 'malformed_envelope', error: 'message has no value', raw };
  if (raw.value.length > maxBytes) {
    return {
      ok: false,
      code: 'oversized_message',
      error: `message is ${raw.value.length} bytes, over the ${maxBytes}-byte limit`,
      raw,
    };
  }
  const json = parseJson(raw.value);
  if (!json.ok) return { ok: false, code: 'malformed_envelope', error: json.error, raw };
  const envelope = validateEnvelope(json.value);
  if (!envelope.ok)
    return { ok: false, code: 'malformed_envelope', error: `not a CloudEvent: ${envelope.errors}`, raw };
  const expectedType = topics[topic].eventType;
  if (envelope.value.type !== expectedType) {
    return {
      ok: false,
      code: 'malformed_envelope',
      error: `event type ${envelope.value.type} does not belong on this topic (expected ${expectedType})`,
      raw,
    };
  }
  if (raw.key !== envelope.value.runid) {
    return {
      ok: false,
      code: 'malformed_envelope',
      error: `message key ${String(raw.key)} is not the event's run id ${envelope.value.runid}`,
      raw,
    };
  }
  const payload = validatePayload(topic, envelope.value.data);
  if (!payload.ok)
    return {
      ok: false,
      code: 'invalid_submission',
      error: `payload does not match its schema: ${payload.errors}`,
      raw,
    };
  return { ok: true, envelope: { ...envelope.value, data: payload.value }, raw };
}
