import type { ReasonCode } from './outcome-reasons';

/**
 * Bounds on a parsed JSON value. Every later stage (schema validation, canonical JSON and its
 * hash, Cedar, redaction, PostgreSQL, ClickHouse) walks or stores what passes, so these are the
 * limits of the cheapest stage, applied once at the edge. Why each value was chosen:
 * docs/limits.md.
 */
export interface JsonLimits {
  /** Containers nested in one another: `1` and `"x"` are 0 deep, `{}` is 1, `{"a":[]}` is 2. */
  readonly maxDepth: number;
  /** UTF-16 code units in one string or object key. */
  readonly maxStringLength: number;
  readonly maxArrayLength: number;
  readonly maxKeysPerObject: number;
  /** Every value counted once: containers, their members and the scalars in them. */
  readonly maxValues: number;
}

export type JsonHygieneCode = Extract<
  ReasonCode,
  | 'lone_surrogate'
  | 'nul_character'
  | 'nesting_too_deep'
  | 'number_not_finite'
  | 'string_too_long'
  | 'array_too_long'
  | 'too_many_keys'
  | 'too_many_values'
>;

export type JsonHygieneVerdict = { ok: true } | { ok: false; code: JsonHygieneCode; reason: string };

/** What an agent may put in one proposal (the decoded payload of its JWS); intake refuses the rest. */
export const proposalJsonLimits: JsonLimits = {
  // Real tool arguments nest a handful of levels. Canonical JSON, Ajv and Cedar recurse, so a
  // proposal 2,000 deep would throw in them after intake had claimed its id.
  maxDepth: 32,
  // Half of intake's 64 KiB message limit: one long text (an email body) fits, and no single
  // field can make redaction or a ClickHouse column carry the whole message.
  maxStringLength: 32_768,
  // A bulk call of 1,000 items is already a batch job; more is a way to make policy and budget
  // walk a list that no human approver could read.
  maxArrayLength: 1_000,
  // Tool argument objects have tens of fields; 256 bounds Ajv's additionalProperties work and
  // hash-flooding of the objects a gate builds from the keys.
  maxKeysPerObject: 256,
  // Bounds the total work of every later walk whatever the shape; a 64 KiB message of ordinary
  // JSON holds a few thousand values.
  maxValues: 10_000,
};

/**
 * What any event on any topic may hold, checked when a message is decoded. Looser than the
 * proposal limits because internal envelopes carry a whole proposal plus attestations, a tool's
 * response (the executor keeps at most 64 KiB of it) or a dead letter's raw bytes; a defence in
 * depth against a forged or buggy producer, not a second policy.
 */
export const envelopeJsonLimits: JsonLimits = {
  // Envelope and data add two levels above a proposal's 32; a tool's response, the deepest
  // content Airlock relays, gets the rest. Canonical JSON of an event recurses this deep.
  maxDepth: 64,
  // The longest strings on any topic: a dead letter's raw value (64 KiB, base64 when not UTF-8:
  // under 88,000 characters), a tool's response text, the agent's JWS (at most maxSubmissionBytes).
  // 262,144 holds each with room to spare, and no single string can carry a 16 MiB message.
  maxStringLength: 262_144,
  // Any array a 64 KiB tool response can hold (at most 32,768 items), so that a legitimate
  // response is never the reason an executed action is refused; the work bound is maxValues.
  maxArrayLength: 65_536,
  // Likewise any object a 64 KiB response can hold with distinct keys (fewer than 10,000).
  maxKeysPerObject: 16_384,
  // More than twice the largest legitimate envelope (a proposal's 10,000 values plus a 64 KiB
  // response's at most 32,768), and far below what a 16 MiB message could make a consumer walk.
  maxValues: 100_000,
};

/** Longest JSON path a reason names; deeper paths keep their root and their last steps. */
const maxPathChars = 200;
/** Longest rendering of one object key inside a path. */
const maxKeyChars = 40;

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const plainKey = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Where a value sits, as a chain to its parent, so a path is only rendered when it is reported. */
interface PathStep {
  readonly parent: PathStep | undefined;
  readonly step: string | number;
}

interface PendingValue {
  readonly value: unknown;
  /** Containers enclosing this value. */
  readonly depth: number;
  readonly path: PathStep | undefined;
}

type Refusal = Extract<JsonHygieneVerdict, { ok: false }>;

/**
 * Checks a value produced by JSON.parse against limits, stopping at the first problem. Iterative,
 * never recursive: it must answer for a value nested 100,000 deep without exhausting the stack,
 * and it stops descending at maxDepth + 1, so hostile depth costs nothing more.
 */
export function checkJsonHygiene(value: unknown, limits: JsonLimits): JsonHygieneVerdict {
  const pending: PendingValue[] = [{ value, depth: 0, path: undefined }];
  let visited = 0;
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    visited += 1;
    if (visited > limits.maxValues) {
      return refuse('too_many_values', next.path, `holds more than ${limits.maxValues} values in total`);
    }
    const problem = checkValue(next, limits, pending);
    if (problem !== undefined) return problem;
  }
  return { ok: true };
}

/** Checks one value and queues its members, last first, so they are checked in document order. */
function checkValue(current: PendingValue, limits: JsonLimits, pending: PendingValue[]): Refusal | undefined {
  const { value, depth, path } = current;
  if (typeof value === 'string') return checkString(value, path, limits, 'string');
  if (typeof value === 'number') {
    // JSON.parse reads 1e400 as Infinity, which canonical JSON cannot write back and a hash cannot cover.
    return Number.isFinite(value)
      ? undefined
      : refuse('number_not_finite', path, `is ${value}, not a finite number`);
  }
  if (typeof value !== 'object' || value === null) return undefined;
  if (depth + 1 > limits.maxDepth) {
    return refuse('nesting_too_deep', path, `is nested deeper than ${limits.maxDepth} levels`);
  }
  if (Array.isArray(value)) return queueArray(value, current, limits, pending);
  return queueObject(value as Record<string, unknown>, current, limits, pending);
}

function queueArray(
  items: unknown[],
  { depth, path }: PendingValue,
  limits: JsonLimits,
  pending: PendingValue[],
): Refusal | undefined {
  if (items.length > limits.maxArrayLength) {
    return refuse(
      'array_too_long',
      path,
      `is an array of ${items.length} items, over the ${limits.maxArrayLength}-item limit`,
    );
  }
  for (let index = items.length - 1; index >= 0; index -= 1) {
    pending.push({ value: items[index], depth: depth + 1, path: { parent: path, step: index } });
  }
  return undefined;
}

function queueObject(
  object: Record<string, unknown>,
  { depth, path }: PendingValue,
  limits: JsonLimits,
  pending: PendingValue[],
): Refusal | undefined {
  const keys = Object.keys(object);
  if (keys.length > limits.maxKeysPerObject) {
    return refuse(
      'too_many_keys',
      path,
      `is an object of ${keys.length} keys, over the ${limits.maxKeysPerObject}-key limit`,
    );
  }
  for (const key of keys) {
    const problem = checkString(key, { parent: path, step: key }, limits, 'key');
    if (problem !== undefined) return problem;
  }
  for (let index = keys.length - 1; index >= 0; index -= 1) {
    const key = keys[index];
    pending.push({ value: object[key], depth: depth + 1, path: { parent: path, step: key } });
  }
  return undefined;
}

function checkString(
  text: string,
  path: PathStep | undefined,
  limits: JsonLimits,
  kind: 'string' | 'key',
): Refusal | undefined {
  if (text.length > limits.maxStringLength) {
    return refuse(
      'string_too_long',
      path,
      `is a ${kind} of ${text.length} characters, over the ${limits.maxStringLength}-character limit`,
    );
  }
  // A lone surrogate has no UTF-8 form: encoders replace it differently, so no hash over it is stable.
  if (loneSurrogate.test(text))
    return refuse('lone_surrogate', path, `is a ${kind} holding a lone UTF-16 surrogate`);
  // PostgreSQL text and jsonb cannot store U+0000, and C-based tools read it as the end of the text.
  if (text.includes('\u0000')) return refuse('nul_character', path, `is a ${kind} holding U+0000`);
  return undefined;
}

function refuse(code: JsonHygieneCode, path: PathStep | undefined, problem: string): Refusal {
  return { ok: false, code, reason: `${renderPath(path)} ${problem}` };
}

/**
 * `$.arguments.body`, `$.items[3]`, `$["odd key"]`. Keys are written with JSON escapes, so the
 * reason itself never carries the lone surrogate or U+0000 it reports; a path longer than
 * maxPathChars keeps `$`, an ellipsis and as many of its last steps as fit.
 */
function renderPath(path: PathStep | undefined): string {
  let rendered = '';
  for (let step = path; step !== undefined; step = step.parent) {
    const piece = renderStep(step.step);
    if (rendered.length + piece.length > maxPathChars - 2) return `$…${rendered}`;
    rendered = piece + rendered;
  }
  return `$${rendered}`;
}

function renderStep(step: string | number): string {
  if (typeof step === 'number') return `[${step}]`;
  if (plainKey.test(step) && step.length <= maxKeyChars) return `.${step}`;
  const quoted = JSON.stringify(step);
  return quoted.length <= maxKeyChars ? `[${quoted}]` : `[${cutBeforeCodePoint(quoted, maxKeyChars - 2)}…"]`;
}

/** Cuts text to at most maxUnits code units without splitting a surrogate pair into a lone half. */
function cutBeforeCodePoint(text: string, maxUnits: number): string {
  const lastKept = text.charCodeAt(maxUnits - 1);
  const splitsPair = lastKept >= 0xd800 && lastKept <= 0xdbff;
  return text.slice(0, splitsPair ? maxUnits - 1 : maxUnits);
}
