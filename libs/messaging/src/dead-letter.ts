import { buildEnvelope, type Envelope } from '@airlock/contracts';

const maxRawBytes = 64 * 1024;
const runIdPattern = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export interface DeadLetterInput {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
}

function printable(value: Buffer): string {
  const text = value.toString('utf8');
  // Invalid UTF-8 decodes to U+FFFD; keep such bytes exactly by storing them as base64 instead.
  return text.includes('\uFFFD') ? `base64:${value.toString('base64')}` : text;
}

/** A dead letter keeps the original bytes and the reason, so what could not be parsed is never lost. */
export function deadLetterEnvelope(consumer: string, input: DeadLetterInput, error: string): Envelope<'dlq'> {
  const value = input.value ?? Buffer.alloc(0);
  const truncated = value.length > maxRawBytes;
  const runId = input.key !== null && runIdPattern.test(input.key) ? input.key : 'unknown-run';
  return buildEnvelope(
    'dlq',
    `airlock/${consumer}`,
    { runId, dedupKey: `${input.topic}/${input.partition}/${input.offset}/${consumer}` },
    {
      source_topic: input.topic,
      partition: input.partition,
      offset: input.offset,
      key: input.key,
      consumer,
      error,
      raw_value: printable(truncated ? value.subarray(0, maxRawBytes) : value),
      raw_truncated: truncated,
    },
  );
}
