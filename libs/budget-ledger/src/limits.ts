import type { Limit, ReasonCode, ToolDefinition } from '@airlock/contracts';
import { formatUsd, usdToMicro } from './money';

/** What a proposal is to the limits: who, which tool, what it costs and what it moves. */
export interface ChargedCall {
  runId: string;
  agentId: string;
  /** The run's team (its ticket's, else the agent's in the bundle); team limits need one. */
  team?: string;
  tool: ToolDefinition | undefined;
  toolName: string;
  arguments: Record<string, unknown>;
  costMicroUsd: number;
}

/** The ledger row a limit counts a call in: one per limit, subject and window. */
export interface UsageKey {
  limit_id: string;
  subject: string;
  /** ISO time of the window's start (UTC). */
  window_start: string;
}

/** What a limit counts; stopping rules count in the same ledger under `rule`. */
export type LimitMeasure = 'calls' | 'spend' | 'meter' | 'inference' | 'in_flight';

/**
 * One limit's share of a call: where it is counted, how much it adds, and in what measure, which
 * says what happens at settlement (spend moves to the reported cost; in-flight is given back).
 */
export interface Charge extends UsageKey {
  amount: number;
  measure: LimitMeasure | 'rule';
}

export type LimitRefusalCode = Extract<
  ReasonCode,
  | `${Limit['scope']}_call_cap_reached`
  | `${Limit['scope']}_spend_cap_reached`
  | `${Limit['scope']}_meter_cap_reached`
  | `${Limit['scope']}_inference_cap_reached`
  | `${Limit['scope']}_concurrency_cap_reached`
  | 'meter_unreadable'
>;

export type ChargesResult =
  { ok: true; charges: Charge[] } | { ok: false; code: LimitRefusalCode; reason: string };

export type LimitDecision = { ok: true } | { ok: false; code: LimitRefusalCode; reason: string };

export function measureOf(limit: Limit): LimitMeasure {
  if (limit.max_calls !== undefined) return 'calls';
  if (limit.max_spend_usd !== undefined) return 'spend';
  if (limit.meter !== undefined) return 'meter';
  if (limit.max_inference_usd !== undefined) return 'inference';
  return 'in_flight';
}

/** A measure without a window (in flight) is counted in one row for good, from this time. */
const noWindow = new Date(0);

/** The start of the fixed UTC window that holds `now`. */
export function windowStart(window: Limit['window'], now: Date): Date {
  if (window === undefined) return noWindow;
  const start = new Date(now.getTime());
  start.setUTCMilliseconds(0);
  start.setUTCSeconds(0);
  if (window === 'minute') return start;
  start.setUTCMinutes(0);
  if (window === 'hour') return start;
  start.setUTCHours(0);
  if (window === 'day') return start;
  start.setUTCDate(1);
  return start;
}

/** Reads `$.a.b` from a JSON value: only own members of objects, never array items. */
function valueAt(document: unknown, path: string): unknown {
  let value: unknown = document;
  for (const step of path.split('.').slice(1)) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    value = Object.prototype.hasOwnProperty.call(value, step)
      ? (value as Record<string, unknown>)[step]
      : undefined;
  }
  return value;
}

/** Reads `$.a.b` from the arguments; undefined unless it is a non-negative safe integer. */
export function meterValue(args: Record<string, unknown>, path: string): number | undefined {
  const value = valueAt(args, path);
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

/**
 * What a tool's answer says the call cost, in dollars, at the tool's `cost.reported_usd_at`;
 * undefined unless it is a non-negative amount the ledger can hold exactly.
 */
export function reportedCostUsd(response: unknown, path: string): number | undefined {
  const value = valueAt(response, path);
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) return undefined;
  return Number.isSafeInteger(Math.round(value * 1_000_000)) ? value : undefined;
}

/** Whose usage of the limit the call counts in; undefined when the limit does not cover the call. */
function subjectOf(limit: Limit, call: Pick<ChargedCall, 'runId' | 'agentId' | 'team'>): string | undefined {
  const subject = { run: call.runId, agent: call.agentId, team: call.team, global: '*' }[limit.scope];
  return limit.applies_to === undefined || limit.applies_to === subject ? subject : undefined;
}

function keyOf(limit: Limit, subject: string, now: Date): UsageKey {
  return { limit_id: limit.id, subject, window_start: windowStart(limit.window, now).toISOString() };
}

/**
 * What each limit that applies to the call would add, in the limit's own unit: calls, micro-dollars,
 * the meter's unit, or one call in flight. A meter limit applies to the tools that declare the
 * meter; a call whose meter cannot be read is refused, never counted as zero. An inference limit
 * adds nothing (usage reports add to it) but is looked at: a call under an exhausted one is refused.
 */
export function chargesFor(limits: readonly Limit[], call: ChargedCall, now: Date): ChargesResult {
  const charges: Charge[] = [];
  for (const limit of limits) {
    if (limit.tool !== undefined && limit.tool !== call.toolName) continue;
    const subject = subjectOf(limit, call);
    if (subject === undefined) continue;
    const measure = measureOf(limit);
    let amount: number;
    if (limit.meter !== undefined) {
      const path = call.tool?.meters?.[limit.meter];
      if (path === undefined) continue;
      const value = meterValue(call.arguments, path);
      if (value === undefined) {
        const reason = `${limit.meter} of ${call.toolName} must be a non-negative integer at ${path} (limit ${limit.id})`;
        return { ok: false, code: 'meter_unreadable', reason };
      }
      amount = value;
    } else {
      amount = { calls: 1, spend: call.costMicroUsd, meter: 0, inference: 0, in_flight: 1 }[measure];
    }
    charges.push({ ...keyOf(limit, subject, now), amount, measure });
  }
  return { ok: true, charges: inLockOrder(charges) };
}

/** What an agent's usage report adds to the inference limits that cover its run. */
export function inferenceCharges(
  limits: readonly Limit[],
  who: Pick<ChargedCall, 'runId' | 'agentId' | 'team'>,
  costMicroUsd: number,
  now: Date,
): Charge[] {
  const charges: Charge[] = [];
  for (const limit of limits) {
    if (limit.max_inference_usd === undefined) continue;
    const subject = subjectOf(limit, who);
    if (subject === undefined) continue;
    charges.push({ ...keyOf(limit, subject, now), amount: costMicroUsd, measure: 'inference' });
  }
  return inLockOrder(charges);
}

/** The inference limits a usage report took past their cap, given each row's usage after it. */
export function inferenceCapsPassed(
  limits: readonly Limit[],
  charges: readonly Charge[],
  usedAfter: ReadonlyMap<string, number>,
): Limit[] {
  const byId = new Map(limits.map((limit) => [limit.id, limit]));
  return charges.flatMap((charge) => {
    const limit = byId.get(charge.limit_id);
    const cap = limit?.max_inference_usd;
    if (limit === undefined || cap === undefined) return [];
    const after = usedAfter.get(ledgerKey(charge)) ?? 0;
    return after > usdToMicro(cap) && after - charge.amount <= usdToMicro(cap) ? [limit] : [];
  });
}

/**
 * How settling a call moves its charges, once the executor answered: the call is no longer in
 * flight, and its spend becomes what the tool reported instead of what was reserved.
 */
export function settlementOf(
  charges: readonly Charge[],
  reservedMicroUsd: number,
  costMicroUsd: number,
): Charge[] {
  return charges.flatMap((charge) => {
    if (charge.measure === 'in_flight') return [{ ...charge, amount: -charge.amount }];
    if (charge.measure === 'spend' && costMicroUsd !== reservedMicroUsd) {
      return [{ ...charge, amount: costMicroUsd - reservedMicroUsd }];
    }
    return [];
  });
}

/**
 * What a settled call gives back when a human found it never happened: everything it counts,
 * spend at the cost it settled at, except in-flight (given back at settlement already) and
 * stopping rules (which count attempts, and it was attempted).
 */
export function refundOfSettled(charges: readonly Charge[], settledMicroUsd: number): Charge[] {
  return charges.flatMap((charge) => {
    if (charge.measure === 'in_flight' || charge.measure === 'rule') return [];
    return [charge.measure === 'spend' ? { ...charge, amount: settledMicroUsd } : charge];
  });
}

/** One order for every reservation, so that two of them lock the ledger rows they share in the same order. */
export function inLockOrder(charges: readonly Charge[]): Charge[] {
  return charges
    .map((charge) => ({ charge, key: ledgerKey(charge) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map(({ charge }) => charge);
}

export function ledgerKey(key: UsageKey): string {
  return `${key.limit_id}\u0000${key.subject}\u0000${key.window_start}`;
}

/**
 * Admits the call only if every limit stays within its cap with the charge added: a limit may be
 * reached exactly, never passed. `used` holds each charged row's usage so far.
 */
export function decideLimits(
  limits: readonly Limit[],
  charges: readonly Charge[],
  used: ReadonlyMap<string, number>,
): LimitDecision {
  const byId = new Map(limits.map((limit) => [limit.id, limit]));
  for (const charge of charges) {
    const limit = byId.get(charge.limit_id);
    if (limit === undefined) continue;
    const sofar = used.get(ledgerKey(charge)) ?? 0;
    const who = limit.scope === 'global' ? 'everyone' : `${limit.scope} ${charge.subject}`;
    const scopeOfWindow = `this ${limit.window}${limit.tool === undefined ? '' : ` on ${limit.tool}`}`;
    if (limit.max_calls !== undefined && sofar + charge.amount > limit.max_calls) {
      const reason = `${who} has used ${sofar} of ${limit.max_calls} calls ${scopeOfWindow} (limit ${limit.id})`;
      return { ok: false, code: `${limit.scope}_call_cap_reached`, reason };
    }
    if (limit.max_spend_usd !== undefined) {
      const cap = usdToMicro(limit.max_spend_usd);
      if (sofar + charge.amount > cap) {
        const reason = `${who} has spent or reserved ${formatUsd(sofar)} of ${formatUsd(cap)} ${scopeOfWindow}; this call would cost ${formatUsd(charge.amount)} (limit ${limit.id})`;
        return { ok: false, code: `${limit.scope}_spend_cap_reached`, reason };
      }
    }
    if (limit.meter !== undefined && limit.max !== undefined && sofar + charge.amount > limit.max) {
      const reason = `${who} has moved ${sofar} of ${limit.max} ${limit.meter} ${scopeOfWindow}; this call would move ${charge.amount} (limit ${limit.id})`;
      return { ok: false, code: `${limit.scope}_meter_cap_reached`, reason };
    }
    if (limit.max_inference_usd !== undefined) {
      const cap = usdToMicro(limit.max_inference_usd);
      if (sofar >= cap) {
        const reason = `${who} has reported ${formatUsd(sofar)} of inference, its ${formatUsd(cap)} cap ${scopeOfWindow} (limit ${limit.id})`;
        return { ok: false, code: `${limit.scope}_inference_cap_reached`, reason };
      }
    }
    if (limit.max_in_flight !== undefined && sofar + charge.amount > limit.max_in_flight) {
      const reason = `${who} has ${sofar} calls under way, as many as limit ${limit.id} allows at once`;
      return { ok: false, code: `${limit.scope}_concurrency_cap_reached`, reason };
    }
  }
  return { ok: true };
}
