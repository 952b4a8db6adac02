import type { Limit, ReasonCode, ToolDefinition } from '@airlock/contracts';
import { formatUsd, usdToMicro } from './money';

/** What a proposal is to the limits: who, which tool, what it costs and what it moves. */
export interface ChargedCall {
  runId: string;
  agentId: string;
  /** The agent's team in the bundle; team limits do not apply to an agent without one. */
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

/** One limit's share of a call: where it is counted and how much it adds. */
export interface Charge extends UsageKey {
  amount: number;
}

export type LimitRefusalCode = Extract<
  ReasonCode,
  | `${Limit['scope']}_call_cap_reached`
  | `${Limit['scope']}_spend_cap_reached`
  | `${Limit['scope']}_meter_cap_reached`
  | 'meter_unreadable'
>;

export type ChargesResult =
  { ok: true; charges: Charge[] } | { ok: false; code: LimitRefusalCode; reason: string };

export type LimitDecision = { ok: true } | { ok: false; code: LimitRefusalCode; reason: string };

/** The start of the fixed UTC window that holds `now`. */
export function windowStart(window: Limit['window'], now: Date): Date {
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

/** Reads `$.a.b` from the arguments; undefined unless it is a non-negative safe integer. */
export function meterValue(args: Record<string, unknown>, path: string): number | undefined {
  let value: unknown = args;
  for (const step of path.split('.').slice(1)) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    value = Object.prototype.hasOwnProperty.call(value, step)
      ? (value as Record<string, unknown>)[step]
      : undefined;
  }
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

function subjectOf(limit: Limit, call: ChargedCall): string | undefined {
  switch (limit.scope) {
    case 'run':
      return call.runId;
    case 'agent':
      return call.agentId;
    case 'team':
      return call.team;
    case 'global':
      return '*';
  }
}

/**
 * What each limit that applies to the call would add, in the limit's own unit: calls, micro-dollars
 * or the meter's unit. A meter limit applies to the tools that declare the meter; a call whose
 * meter cannot be read is refused, never counted as zero.
 */
export function chargesFor(limits: readonly Limit[], call: ChargedCall, now: Date): ChargesResult {
  const charges: Charge[] = [];
  for (const limit of limits) {
    if (limit.tool !== undefined && limit.tool !== call.toolName) continue;
    const subject = subjectOf(limit, call);
    if (subject === undefined) continue;
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
      amount = limit.max_calls !== undefined ? 1 : call.costMicroUsd;
    }
    const key = { limit_id: limit.id, subject, window_start: windowStart(limit.window, now).toISOString() };
    charges.push({ ...key, amount });
  }
  return { ok: true, charges: inLockOrder(charges) };
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
  }
  return { ok: true };
}
