/**
 * Canonical JSON in the spirit of RFC 8785 (JCS): object keys sorted by UTF-16 code units,
 * no whitespace, numbers in ECMAScript shortest form. Hashes and signatures are computed over
 * this text, so two services holding the same value must produce the same bytes; anything that
 * JSON cannot carry faithfully is refused rather than silently dropped or coerced.
 */
export function canonicalJson(value: unknown): string {
  return serialize(value, '$', new Set<object>());
}

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function serialize(value: unknown, path: string, ancestors: Set<object>): string {
  if (value === null || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'number') return serializeNumber(value, path);
  if (typeof value === 'string') return serializeString(value, path);
  if (Array.isArray(value))
    return withCycleGuard(value, path, ancestors, () => serializeArray(value, path, ancestors));
  if (isPlainObject(value)) {
    return withCycleGuard(value, path, ancestors, () => serializeObject(value, path, ancestors));
  }
  throw new TypeError(`canonicalJson: ${path} is ${describe(value)}, which JSON cannot represent`);
}

function serializeNumber(value: number, path: string): string {
  if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${path} is ${value}, not a finite number`);
  // JSON.stringify prints finite numbers exactly as ECMAScript's Number.prototype.toString, which JCS mandates (and -0 as 0).
  return JSON.stringify(value);
}

function serializeString(value: string, path: string): string {
  // A lone surrogate would be encoded differently by different UTF-8 encoders, so the hash would not be stable.
  if (loneSurrogate.test(value))
    throw new TypeError(`canonicalJson: ${path} contains a lone UTF-16 surrogate`);
  return JSON.stringify(value);
}

function serializeArray(value: unknown[], path: string, ancestors: Set<object>): string {
  const items = value.map((item, index) => {
    // JSON.stringify would turn undefined into null, changing the content without telling anyone.
    if (item === undefined) throw new TypeError(`canonicalJson: ${path}[${index}] is undefined`);
    return serialize(item, `${path}[${index}]`, ancestors);
  });
  return `[${items.join(',')}]`;
}

function serializeObject(value: Record<string, unknown>, path: string, ancestors: Set<object>): string {
  // An optional property set to undefined is the same document as one without it (as after a JSON round trip).
  const keys = Object.keys(value)
    .filter((key) => value[key] !== undefined)
    .sort();
  const members = keys.map(
    (key) => `${serializeString(key, path)}:${serialize(value[key], `${path}.${key}`, ancestors)}`,
  );
  return `{${members.join(',')}}`;
}

function withCycleGuard(value: object, path: string, ancestors: Set<object>, render: () => string): string {
  if (ancestors.has(value)) throw new TypeError(`canonicalJson: ${path} refers back to one of its ancestors`);
  ancestors.add(value);
  try {
    return render();
  } finally {
    ancestors.delete(value);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  // Dates, Maps, class instances and the like have no single JSON form, so they are refused.
  return prototype === Object.prototype || prototype === null;
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'object') return `an instance of ${value?.constructor?.name ?? 'an unknown class'}`;
  return `a ${typeof value}`;
}
