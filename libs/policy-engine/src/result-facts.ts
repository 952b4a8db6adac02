import type { ToolDefinition } from '@airlock/contracts';

/** A fact read from a tool's answer: one string, or a set of strings. */
export type ResultFact = string | string[];

/** How one fact is read, as a tool file declares it under `result_facts`. */
type ResultFactRule = NonNullable<ToolDefinition['result_facts']>[string];

/**
 * Items a `from` path may reach in one answer; an answer with more gives no fact, since a fact
 * from part of it (the largest of the first thousands) could be wrong.
 */
const maxItems = 10_000;
/** The most strings one set fact holds; more gives no fact, for the same reason. */
const maxValues = 1_000;
/** The longest string a fact holds: ids and names, not documents. */
const maxValueLength = 512;

/**
 * The facts a tool declares under `result_facts`, read from its answer as the executor reported it
 * (`response`, redacted). A fact the answer does not support (not JSON, truncated, a path that is
 * not there, a value of the wrong type, a tie for the greatest) is left out: policies test facts
 * with `has`, so a missing one makes a rule not match, never a wrong one match. Never throws: the
 * answer comes from outside Airlock.
 */
export function resultFacts(
  tool: ToolDefinition,
  response: unknown,
  truncated = false,
): Record<string, ResultFact> {
  const facts: Record<string, ResultFact> = {};
  if (truncated) return facts;
  for (const [name, rule] of Object.entries(tool.result_facts ?? {})) {
    const fact = readFact(rule, response);
    if (fact !== undefined) facts[name] = fact;
  }
  return facts;
}

function readFact(rule: ResultFactRule, response: unknown): ResultFact | undefined {
  const items = itemsAt(response, rule.from);
  if (items === undefined) return undefined;
  const by = rule.max_by ?? rule.min_by;
  if (by !== undefined) {
    // The schema requires take beside max_by and min_by; without it there is nothing to name.
    return rule.take === undefined
      ? undefined
      : extreme(items, by, rule.take, rule.max_by !== undefined ? 1 : -1);
  }
  const values = new Set<string>();
  for (const item of items) {
    const value = factValue(rule.take === undefined ? item : memberAt(item, rule.take));
    if (value !== undefined) values.add(value);
  }
  return values.size > maxValues ? undefined : [...values].sort();
}

/**
 * The take value of the item whose number at `by` is greatest (sign 1) or least (sign -1). Every
 * item must have that number: an item without one might be the largest, so no item can be said to
 * be. A tie has no single answer either.
 */
function extreme(items: readonly unknown[], by: string, take: string, sign: 1 | -1): string | undefined {
  let best: { score: number; item: unknown } | undefined;
  let tied = false;
  for (const item of items) {
    const number = memberAt(item, by);
    if (typeof number !== 'number' || !Number.isFinite(number)) return undefined;
    const score = sign * number;
    if (best === undefined || score > best.score) {
      best = { score, item };
      tied = false;
    } else if (score === best.score) {
      tied = true;
    }
  }
  return best === undefined || tied ? undefined : factValue(memberAt(best.item, take));
}

/**
 * The nodes a `from` path reaches: `$` the answer, `.name` a member of an object, `[*]` every item
 * of an array. Up to the first `[*]` the answer must have the shape the path names, or there is no
 * fact (an error page is not an empty listing); past it, an item without the member is skipped, as
 * JSONPath does. Undefined as well when the path reaches too many nodes.
 */
function itemsAt(response: unknown, path: string): unknown[] | undefined {
  const steps = path.slice(1).match(/\.[A-Za-z_][A-Za-z0-9_]*|\[\*\]/g) ?? [];
  let nodes: unknown[] = [response];
  let spread = false;
  for (const step of steps) {
    const next: unknown[] = [];
    for (const node of nodes) {
      const reached =
        step === '[*]' ? (Array.isArray(node) ? node : undefined) : memberOf(node, step.slice(1));
      if (reached === undefined) {
        if (spread) continue;
        return undefined;
      }
      if (step !== '[*]') next.push(reached);
      else if (next.length + (reached as unknown[]).length > maxItems) return undefined;
      else next.push(...(reached as unknown[]));
    }
    spread ||= step === '[*]';
    nodes = next;
  }
  return nodes;
}

/** The value at a dotted member path of an item (`id`, `owner.email`), or undefined. */
function memberAt(item: unknown, path: string): unknown {
  let value = item;
  for (const name of path.split('.')) {
    value = memberOf(value, name);
    if (value === undefined) return undefined;
  }
  return value;
}

/** An own member of a plain object: never one inherited, so `constructor` or `__proto__` read nothing. */
function memberOf(node: unknown, name: string): unknown {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
  return Object.prototype.hasOwnProperty.call(node, name)
    ? (node as Record<string, unknown>)[name]
    : undefined;
}

/** A string, or an integer written in decimal; anything else is no value. */
function factValue(value: unknown): string | undefined {
  if (typeof value === 'string') return value.length <= maxValueLength ? value : undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return undefined;
}
