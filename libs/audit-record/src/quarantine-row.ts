import { createHash } from 'node:crypto';
import { storableText, toClickHouseDateTime } from './storable-text';

/**
 * One row of ClickHouse's `quarantine` table: a message that could not become an audit row, kept
 * raw with the reason, so that nothing audit consumes is invisible. Its raw value may hold any
 * secret, unredacted: like every raw payload it belongs in a table with its own access.
 */
export interface QuarantineRow {
  received_at: string /* ClickHouse DateTime text, UTC */;
  /** The topic's name without the namespace prefix, as in `events`. */
  topic: string;
  kafka_partition: number;
  kafka_offset: string;
  kafka_key: string;
  reason_code: string;
  reason: string;
  raw_value_base64: string;
  raw_value_sha256: string;
}

/** Where a message came from: a Kafka message, whatever its bytes. */
export interface QuarantineSource {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
}

const maxReasonLength = 2000;
const maxKeyLength = 1000;
const maxCodeLength = 100;

/**
 * The quarantine row of a message. Never throws, and every text it writes is storable: the
 * quarantine is the last place a message can go, so it must take whatever it is given.
 */
export function toQuarantineRow(
  source: QuarantineSource,
  reasonCode: string,
  reason: string,
  receivedAt: Date,
): QuarantineRow {
  const raw = Buffer.isBuffer(source.value) ? source.value : Buffer.alloc(0);
  return {
    received_at: toClickHouseDateTime(receivedAt) ?? '1970-01-01 00:00:01',
    topic: storableText(textOrEmpty(source.topic), maxKeyLength),
    kafka_partition:
      Number.isInteger(source.partition) && Math.abs(source.partition) < 2 ** 31 ? source.partition : -1,
    kafka_offset: /^\d{1,20}$/.test(textOrEmpty(source.offset)) ? source.offset : '',
    kafka_key: storableText(textOrEmpty(source.key), maxKeyLength),
    reason_code: storableText(textOrEmpty(reasonCode), maxCodeLength),
    reason: storableText(textOrEmpty(reason), maxReasonLength),
    raw_value_base64: raw.toString('base64'),
    raw_value_sha256: createHash('sha256').update(raw).digest('hex'),
  };
}

function textOrEmpty(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
