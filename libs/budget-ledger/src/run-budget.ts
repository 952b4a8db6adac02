import type { BudgetLimits, RunLimits } from '@airlock/contracts';
import { formatUsd, usdToMicro } from './money';

/** What one run has consumed so far: reserved and settled calls and tool spend, and reported inference. */
export interface RunUsage {
  calls: number;
  spend_micro_usd: number;
  inference_micro_usd: number;
}

export type ReservationDecision =
  | { ok: true; usage: RunUsage; cost_micro_usd: number }
  | {
      ok: false;
      code: 'run_call_cap_reached' | 'run_spend_cap_reached' | 'run_inference_cap_reached';
      reason: string;
    };

const runLimitNames = ['max_tool_calls', 'max_spend_usd', 'max_inference_usd'] as const;

/** A run's own caps: the bundle's, tightened by what its launcher set in the run ticket. */
export function effectiveRunLimits(
  bundle: BudgetLimits['per_run'],
  launcher: RunLimits | undefined,
): BudgetLimits['per_run'] {
  const limits = { ...bundle };
  for (const name of runLimitNames) {
    const set = launcher?.[name];
    const allowed = limits[name];
    if (set !== undefined) limits[name] = allowed === undefined ? set : Math.min(allowed, set);
  }
  return limits;
}

/** Why a launcher may not set these caps (one above the bundle's), or undefined when it may. */
export function runLimitsProblem(bundle: BudgetLimits['per_run'], launcher: RunLimits): string | undefined {
  for (const name of runLimitNames) {
    const set = launcher[name];
    const allowed = bundle[name];
    if (set !== undefined && allowed !== undefined && set > allowed) {
      return `the run ticket sets ${name} to ${set}; the bundle allows a run at most ${allowed}`;
    }
  }
  return undefined;
}

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
  if (limits.max_inference_usd !== undefined) {
    const inferenceCap = usdToMicro(limits.max_inference_usd);
    if (usage.inference_micro_usd >= inferenceCap) {
      const reason = `${run} has reported ${formatUsd(usage.inference_micro_usd)} of inference, its ${formatUsd(inferenceCap)} cap`;
      return { ok: false, code: 'run_inference_cap_reached', reason };
    }
  }
  return {
    ok: true,
    usage: { ...usage, calls: usage.calls + 1, spend_micro_usd: usage.spend_micro_usd + cost },
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
  return { ...usage, calls: usage.calls - 1, spend_micro_usd: usage.spend_micro_usd - cost_micro_usd };
}
