import type { CedarValueJson } from '@cedar-policy/cedar-wasm/nodejs';

/**
 * Cedar's decimal holds four places after the point, in a signed 64-bit count of ten-thousandths:
 * at most 922,337,203,685,477.5807 either way.
 */
const maxDecimalPlaces = 4;
const maxDecimalMagnitude = 922_337_203_685_477;

export type CedarArguments =
  { ok: true; value: Record<string, CedarValueJson> } | { ok: false; problems: string[] };

type JsonSchema = Record<string, unknown>;

/**
 * How a proposal's arguments (already valid against their tool's schema) become Cedar values, so
 * that no well-formed argument makes evaluation fail (docs/policies.md):
 *
 * - `null` is absent: a record member is left out and an array item dropped; `has` tells.
 * - A number the schema types `"number"` (alone or with null, also through anyOf/oneOf) is always
 *   a `decimal`, integral or not, so a policy compares one type whatever the agent sent; one typed
 *   `"integer"` is a `Long`. Untyped, an integer is a `Long` and a fraction a `decimal`.
 * - A decimal needs at most four places and fits Cedar's range; a number that does not (or an
 *   integer beyond what JSON carries exactly) is refused here, by name, rather than rounded into a
 *   value a policy would judge wrongly.
 * - Strings and booleans stay; arrays become sets, objects records.
 */
export function toCedarArguments(args: Record<string, unknown>, schema: unknown): CedarArguments {
  const problems: string[] = [];
  const value = convertRecord(args, asSchema(schema), 'arguments', problems);
  return problems.length === 0 ? { ok: true, value } : { ok: false, problems };
}

function convert(
  value: unknown,
  schema: JsonSchema | undefined,
  path: string,
  problems: string[],
): CedarValueJson | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'number') return convertNumber(value, schema, path, problems);
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) {
    const items = asSchema(schema?.['items']);
    return value.flatMap((item, index) => {
      const converted = convert(item, items, `${path}/${index}`, problems);
      return converted === undefined ? [] : [converted];
    });
  }
  if (typeof value === 'object')
    return convertRecord(value as Record<string, unknown>, schema, path, problems);
  problems.push(`${path} is not a JSON value`);
  return undefined;
}

function convertRecord(
  record: Record<string, unknown>,
  schema: JsonSchema | undefined,
  path: string,
  problems: string[],
): Record<string, CedarValueJson> {
  const properties = asSchema(schema?.['properties']);
  const converted: Record<string, CedarValueJson> = {};
  for (const [key, child] of Object.entries(record)) {
    const value = convert(child, asSchema(properties?.[key]), `${path}/${key}`, problems);
    if (value !== undefined) converted[key] = value;
  }
  return converted;
}

function convertNumber(
  value: number,
  schema: JsonSchema | undefined,
  path: string,
  problems: string[],
): CedarValueJson | undefined {
  const alwaysDecimal = typedAsNumber(schema);
  if (Number.isInteger(value) && !alwaysDecimal) {
    if (Number.isSafeInteger(value)) return value;
    problems.push(`${path} is an integer beyond ±2^53, which JSON does not carry exactly`);
    return undefined;
  }
  const text = decimalText(value);
  if (text === undefined) {
    problems.push(
      `${path} (${value}) needs more than ${maxDecimalPlaces} decimal places or is beyond ±${maxDecimalMagnitude}, which policies cannot compare exactly`,
    );
    return undefined;
  }
  return { __extn: { fn: 'decimal', arg: text } };
}

/**
 * Whether the schema types the value as a non-integer number: `"number"`, or a union of it with
 * other types but not `"integer"` (`["number", "null"]`, or `anyOf` / `oneOf` branches), so that an
 * optional amount is a decimal whether the agent sent 1200 or 12.5.
 */
function typedAsNumber(schema: JsonSchema | undefined): boolean {
  const types = new Set<unknown>();
  const collect = (node: JsonSchema | undefined) => {
    const type = node?.['type'];
    for (const each of Array.isArray(type) ? type : [type]) types.add(each);
    for (const union of ['anyOf', 'oneOf'] as const) {
      const branches = node?.[union];
      if (Array.isArray(branches)) for (const branch of branches) collect(asSchema(branch));
    }
  };
  collect(schema);
  return types.has('number') && !types.has('integer');
}

/** The number as Cedar decimal text ("12.5", "3.0"), or undefined when Cedar's decimal cannot hold it. */
function decimalText(value: number): string | undefined {
  if (!Number.isFinite(value) || Math.abs(value) > maxDecimalMagnitude) return undefined;
  // String() writes the shortest text that reads back as the same double; below 1e-6 it uses an
  // exponent, which has more than four places anyway.
  const text = String(Object.is(value, -0) ? 0 : value);
  const match = /^(-?\d+)(?:\.(\d+))?$/.exec(text);
  if (match === null) return undefined;
  const places = match[2] ?? '';
  if (places.length > maxDecimalPlaces) return undefined;
  return `${match[1]}.${places === '' ? '0' : places}`;
}

function asSchema(value: unknown): JsonSchema | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as JsonSchema)
    : undefined;
}
