import { canonicalJson } from '@airlock/attestation';

/**
 * What an approval for the rest of a run covers: later calls of the same tool by the same agent in
 * the run whose arguments hold equal values at every path policy named (`@approval_for_run`).
 * The key is those values in canonical JSON, so `{"a":1,"b":2}` and `{"b":2,"a":1}` match; it is
 * undefined when a path holds nothing, since "the same absent payee" covers nothing.
 */
export function runApprovalKey(paths: readonly string[], args: Record<string, unknown>): string | undefined {
  const values: unknown[] = [];
  for (const path of paths) {
    const value = argumentAt(args, path);
    if (value === undefined || value === null) return undefined;
    values.push(value);
  }
  return canonicalJson(values);
}

/** The value at an argument path such as `$.payee.iban`, reading only the arguments' own fields. */
export function argumentAt(args: Record<string, unknown>, path: string): unknown {
  let value: unknown = args;
  for (const step of path.split('.').slice(1)) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    if (!Object.prototype.hasOwnProperty.call(value, step)) return undefined;
    value = (value as Record<string, unknown>)[step];
  }
  return value;
}
