import {
  checkJsonHygiene,
  envelopeJsonLimits,
  topics,
  validateEnvelope,
  validatePayload,
  type Envelope,
  type TopicKey,
} from '@airlock/contracts';

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

/**
 * Strict UTF-8, because lenient decoding would silently turn invalid bytes into U+FFFD: the event
 * acted on would differ from the bytes that were signed and audited. A byte-order mark is kept,
 * so JSON.parse refuses it as it always has.
 */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function parseJson(bytes: Buffer): { ok: true; value: unknown } | { ok: false; error: string } {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { ok: false, error: 'value is not valid UTF-8' };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    // A RangeError (nesting beyond what the engine can parse) is refused like any other bad JSON.
    return { ok: false, error: `value is not JSON: ${escapeUnsafeText((error as Error).message)}` };
  }
}

/**
 * Escapes control characters and surrogates in text taken from the message (JSON.parse quotes the
 * input around the error, possibly half of a surrogate pair or U+0000): the reason travels on in a
 * dead letter, which must itself pass this hygiene check and canonical JSON.
 */
function escapeUnsafeText(text: string): string {
  return text.replace(
    // eslint-disable-next-line no-control-regex -- finding control characters is the point
    /[\u0000-\u001f\ud800-\udfff]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
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
  // Defence in depth: even from a forged or buggy producer, nothing reaches schema validation,
  // canonical JSON or a store that they could not walk, hash or keep.
  const hygiene = checkJsonHygiene(json.value, envelopeJsonLimits);
  if (!hygiene.ok) {
    return {
      ok: false,
      code: 'malformed_envelope',
      error: `envelope fails ${hygiene.code}: ${hygiene.reason}`,
      raw,
    };
  }
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
      error: `message key ${escapeUnsafeText(String(raw.key))} is not the event's run id ${envelope.value.runid}`,
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
