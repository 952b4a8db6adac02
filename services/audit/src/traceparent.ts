const traceparentPattern = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;
const invalidTraceId = '0'.repeat(32);

/**
 * The trace id of a W3C traceparent Kafka header, or '' when there is none or it is malformed: a
 * missing trace must show as lower trace coverage, never stop an event from being recorded.
 */
export function traceIdOf(headers: Record<string, unknown>): string {
  const header = headers['traceparent'];
  const value = Buffer.isBuffer(header) ? header.toString('utf8') : header;
  if (typeof value !== 'string') return '';
  const match = traceparentPattern.exec(value.trim());
  if (!match || match[1] === 'ff' || match[2] === invalidTraceId) return '';
  return match[2];
}
