/**
 * Readers for the loosely typed `data` of an envelope: the audit consumes every topic, including
 * events it does not know, so an absent or mistyped field becomes the column's empty value
 * instead of an exception.
 */
export type EventData = Readonly<Record<string, unknown>>;

export function objectField(data: EventData, key: string): EventData | undefined {
  const value = data[key];
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as EventData)
    : undefined;
}

export function stringField(data: EventData | undefined, key: string): string {
  const value = data?.[key];
  return typeof value === 'string' ? value : '';
}

export function numberField(data: EventData | undefined, key: string): number {
  const value = data?.[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

export function stringListField(data: EventData | undefined, key: string): string[] {
  const value = data?.[key];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}
