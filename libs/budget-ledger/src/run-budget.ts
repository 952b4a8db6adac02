import type { BudgetLimits } from '@airlock/contracts';
import { formatUsd, usdToMicro } from './money';

/** What one run has consumed so far: reserved and settled calls and spend. */
export interface RunUsage {
  calls: number;
  spend_micro_usd: number;
}

export type ReservationDecision =
  | { ok: true; usage: RunUsage; cost_micro_usd: number }
  | { ok: false; code: 'run_call_cap_reached' | 'run_spend_cap_reached'; reason: string };

/**
 * Reserve before execution (invariant 4): the call is admitted only if it fits entirely under both
 * caps, so a run may reach a cap exactly but never pass it.
 */
export function decideReservation(
  usage: RunUsage,
  limits: BudgetLimits['per_run'],
  costUsd: number,
  runId?: string,
): ReservationDecision {
  const cost = usdToMicro(costUsd);
  if (cost < 0) throw new RangeError(`a call cannot cost a negative amount (${costUsd} USD)`);
  const run = runId === undefined ? 'the run' : `run ${runId}`;
  if (usage.calls + 1 > limits.max_tool_calls) {
    const reason = `${run} has used ${usage.calls} of ${limits.max_tool_calls} tool calls`;
    return { ok: false, code: 'run_call_cap_reached', reason };
  }
  const cap = usdToMicro(limits.max_spend_usd);
  if (usage.spend_micro_usd + cost > cap) {
    const reason =
      `${run} has spent or reserved ${formatUsd(usage.spend_micro_usd)} of its ${formatUsd(cap)} cap; ` +
      `this call would cost ${formatUsd(cost)}`;
    return { ok: false, code: 'run_spend_cap_reached', reason };
  }
  return {
    ok: true,
    usage: { calls: usage.calls + 1, spend_micro_usd: usage.spend_micro_usd + cost },
    cost_micro_usd: cost,
  };
}

/** Gives back a reservation whose tool was never called (denied, halted, or failed before the call). */
export function releaseReservation(usage: RunUsage, cost_micro_usd: number): RunUsage {
  if (!Number.isSafeInteger(cost_micro_usd) || cost_micro_usd < 0) {
    throw new RangeError(`${cost_micro_usd} is not a reserved amount in micro-dollars`);
  }
  // Releasing more than was reserved means a reservation was released twice; going below zero
  // would hand the run budget it never had, so this is refused rather than clamped.
  if (usage.calls < 1 || usage.spend_micro_usd < cost_micro_usd) {
    throw new RangeError(
      `cannot release a ${formatUsd(cost_micro_usd)} call from usage of ${usage.calls} calls and ${formatUsd(usage.spend_micro_usd)}`,
    );
  }
  return { calls: usage.calls - 1, spend_micro_usd: usage.spend_micro_usd - cost_micro_usd };
}
