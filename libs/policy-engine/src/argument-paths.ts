/** Strings at `$.a.b` of the arguments: the value itself, or the strings of an array there. */
export function stringsAt(args: Record<string, unknown>, path: string): string[] {
  let value: unknown = args;
  for (const step of path.split('.').slice(1)) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
    value = Object.prototype.hasOwnProperty.call(value, step)
      ? (value as Record<string, unknown>)[step]
      : undefined;
  }
  const values = Array.isArray(value) ? value : [value];
  return values.filter((item): item is string => typeof item === 'string');
}
