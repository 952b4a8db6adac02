export const redactedMarker = '[redacted]';

/**
 * A copy of the value in which every object key named in sensitiveFields, at any depth, has its
 * value replaced. Keys match case-insensitively: `Card_Number` leaking because the bundle says
 * `card_number` would be a silent failure, while over-redacting only costs readability.
 */
export function redact(value: unknown, sensitiveFields: readonly string[]): unknown {
  if (sensitiveFields.length === 0) return value;
  const sensitive = new Set(sensitiveFields.map((field) => field.toLowerCase()));
  return redactWith(value, sensitive);
}

function redactWith(value: unknown, sensitive: ReadonlySet<string>): unknown {
  if (Array.isArray(value)) return value.map((item) => redactWith(item, sensitive));
  if (typeof value !== 'object' || value === null) return value;
  // fromEntries defines own properties: a key named "__proto__" (a tool may answer with one) stays a
  // key instead of replacing the copy's prototype and vanishing from the record.
  return Object.fromEntries(
    Object.entries(value).map(([key, member]) => [
      key,
      sensitive.has(key.toLowerCase()) ? redactedMarker : redactWith(member, sensitive),
    ]),
  );
}
