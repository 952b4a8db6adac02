import { buildEnvelope, type Envelope } from '@airlock/contracts';

/** Bounds that keep a dead letter far below the broker's message limit, whatever it records. */
const maxRawBytes = 64 * 1024;
const maxErrorChars = 4096;
const runIdPattern = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export interface DeadLetterInput {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
}

const loneSurrogates = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Reasons may quote hostile input; a dead letter must itself be attestable and storable. */
function storableText(text: string, maxChars: number): string {
  const bounded = text.length > maxChars ? `${text.slice(0, maxChars - 1)}…` : text;
  return bounded.replace(loneSurrogates, '\uFFFD').replaceAll('\u0000', '\uFFFD');
}

function printable(value: Buffer): string {
  const text = value.toString('utf8');
  // Invalid UTF-8 decodes to U+FFFD, and U+0000 is refused by every later decode step: keep such
  // bytes exactly by storing them as base64 instead.
  return text.includes('\uFFFD') || text.includes('\u0000') ? `base64:${value.toString('base64')}` : text;
}

/** A dead letter keeps the original bytes and the reason, so what could not be parsed is never lost. */
export function deadLetterEnvelope(
  consumer: string,
  input: DeadLetterInput,
  reasonCode: string,
  error: string,
): Envelope<'dlq'> {
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
      key: input.key === null ? null : storableText(input.key, 256),
      consumer,
      reason_code: reasonCode,
      error: storableText(error, maxErrorChars),
      raw_value: printable(truncated ? value.subarray(0, maxRawBytes) : value),
      raw_truncated: truncated,
    },
  );
}
