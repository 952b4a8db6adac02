import type { Limit } from '@airlock/contracts';
import { ledgerKey, measureOf, windowStart, type UsageKey } from './limits';
import { microToUsd, usdToMicro } from './money';

/** One limit as it stands for one subject now: its cap, what is used (reserved or spent), what is left. */
export interface LimitStanding {
  limit_id: string;
  tool?: string;
  /** Absent for a concurrency limit, which counts calls under way now. */
  window?: Limit['window'];
  window_start: string;
  /** `calls`, `usd` (tool spend), `inference_usd`, `in_flight` or the meter's name. */
  unit: string;
  cap: number;
  used: number;
  remaining: number;
}

/** The ledger rows that hold the subject's usage of each limit of that scope, in the current windows. */
export function standingKeys(
  limits: readonly Limit[],
  scope: Limit['scope'],
  subject: string,
  now: Date,
): UsageKey[] {
  return limits
    .filter((limit) => limit.scope === scope && (limit.applies_to ?? subject) === subject)
    .map((limit) => ({
      limit_id: limit.id,
      subject,
      window_start: windowStart(limit.window, now).toISOString(),
    }));
}

/** What is left of each limit of the scope, given the ledger's usage (by ledgerKey); dollars as dollars. */
export function standingOf(
  limits: readonly Limit[],
  scope: Limit['scope'],
  subject: string,
  used: ReadonlyMap<string, number>,
  now: Date,
): LimitStanding[] {
  return limits
    .filter((limit) => limit.scope === scope && (limit.applies_to ?? subject) === subject)
    .map((limit) => {
      const key = { limit_id: limit.id, subject, window_start: windowStart(limit.window, now).toISOString() };
      const usage = used.get(ledgerKey(key)) ?? 0;
      const [unit, cap, toUnit] = unitOf(limit);
      return {
        limit_id: limit.id,
        ...(limit.tool === undefined ? {} : { tool: limit.tool }),
        ...(limit.window === undefined ? {} : { window: limit.window }),
        window_start: key.window_start,
        unit,
        cap: toUnit(cap),
        used: toUnit(usage),
        remaining: toUnit(Math.max(0, cap - usage)),
      };
    });
}

const asIs = (value: number) => value;

/** A limit's unit, its cap in the ledger's unit, and how to show a ledger amount in that unit. */
function unitOf(limit: Limit): [string, number, (value: number) => number] {
  switch (measureOf(limit)) {
    case 'calls':
      return ['calls', limit.max_calls ?? 0, asIs];
    case 'spend':
      return ['usd', usdToMicro(limit.max_spend_usd ?? 0), microToUsd];
    case 'inference':
      return ['inference_usd', usdToMicro(limit.max_inference_usd ?? 0), microToUsd];
    case 'in_flight':
      return ['in_flight', limit.max_in_flight ?? 0, asIs];
    case 'meter':
      return [limit.meter ?? 'meter', limit.max ?? 0, asIs];
  }
}
