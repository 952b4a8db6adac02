import type { ToolDefinition } from '@airlock/contracts';
import { argumentAt } from './run-approval';

/** What a tool file declares under `preview`: the GET that reads the state, and what the call changes. */
export type ToolPreview = NonNullable<ToolDefinition['preview']>;

export type Previewed<T> = { ok: true; value: T } | { ok: false; reason: string };

/** `{charge_id}` or `{payee.id}` in a preview path: the argument at `$.charge_id`, `$.payee.id`. */
const placeholder = /\{([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\}/g;

/** What a filled-in path may hold: unreserved characters, percent escapes and slashes, nothing else. */
const filledPath = /^\/(?:[A-Za-z0-9_.~!$&'()*+,;=:@-]|%[0-9A-F]{2}|\/)*$/;

/**
 * The preview GET's path with each placeholder replaced by its argument, percent-encoded as one
 * path segment. The agent chooses the arguments, so a value must not move the read elsewhere on
 * the destination: `/`, `?`, `#` and `%` are encoded, and a value that is empty, `.` or `..` (which
 * a URL resolves as a path step even when encoded) gives no preview rather than another path.
 */
export function fillPreviewPath(template: string, args: Record<string, unknown>): Previewed<string> {
  let refusal: string | undefined;
  const path = template.replace(placeholder, (_whole, name: string) => {
    const value = argumentAt(args, `$.${name}`);
    const text = typeof value === 'string' ? value : Number.isSafeInteger(value) ? String(value) : undefined;
    if (text === undefined) {
      refusal ??= `the argument at $.${name} is not a string or an integer`;
      return '';
    }
    if (text === '' || text === '.' || text === '..') {
      refusal ??= `the argument at $.${name} (${JSON.stringify(text)}) is not a path segment`;
      return '';
    }
    // A lone surrogate has no UTF-8 form, so no URL can name it.
    if (/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text)) {
      refusal ??= `the argument at $.${name} is not well-formed Unicode`;
      return '';
    }
    return encodeURIComponent(text);
  });
  if (refusal !== undefined) return { ok: false, reason: refusal };
  if (!filledPath.test(path))
    return { ok: false, reason: `the preview path ${JSON.stringify(template)} is not a plain path` };
  return { ok: true, value: path };
}

/**
 * The state after the call, as the tool file declares it: each field the call changes set to an
 * argument (`"$.plan"`) or, for numbers, increased by one (`{"add": "$.amount_cents"}`). An
 * argument the call leaves out changes nothing.
 */
export function stateAfter(
  before: Record<string, unknown>,
  changes: ToolPreview['after'],
  args: Record<string, unknown>,
): Previewed<Record<string, unknown>> {
  const after: Record<string, unknown> = { ...before };
  for (const [field, change] of Object.entries(changes)) {
    if (typeof change === 'string') {
      const value = argumentAt(args, change);
      if (value !== undefined) defineField(after, field, value);
      continue;
    }
    const added = argumentAt(args, change.add);
    if (added === undefined) continue;
    const current = Object.prototype.hasOwnProperty.call(before, field) ? before[field] : undefined;
    if (typeof current !== 'number' || typeof added !== 'number') {
      return { ok: false, reason: `${field} + ${change.add} is not a sum of two numbers` };
    }
    defineField(after, field, current + added);
  }
  return { ok: true, value: after };
}

/** Defined, not assigned: a field named `__proto__` stays a field. */
function defineField(into: Record<string, unknown>, field: string, value: unknown): void {
  Object.defineProperty(into, field, { value, enumerable: true, writable: true, configurable: true });
}

/** One line of the before/after table an approver reads. */
export interface PreviewRow {
  field: string;
  before: unknown;
  after: unknown;
  changed: boolean;
}

/** Every field of either state, in the order of the state before, fields only after last. */
export function previewRows(before: Record<string, unknown>, after: Record<string, unknown>): PreviewRow[] {
  const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  return fields.map((field) => {
    const was = own(before, field);
    const will = own(after, field);
    return { field, before: was, after: will, changed: JSON.stringify(was) !== JSON.stringify(will) };
  });
}

function own(state: Record<string, unknown>, field: string): unknown {
  return Object.prototype.hasOwnProperty.call(state, field) ? state[field] : undefined;
}
