import { createHash } from 'node:crypto';
import { canonicalJson } from '@airlock/attestation';
import type { BudgetLimits } from '@airlock/contracts';
import { ledgerKey, type Charge, type ChargedCall } from './limits';

export type StoppingRules = NonNullable<BudgetLimits['stopping_rules']>;

/** The ledger counts a run's identical calls under this limit id, for the run's whole life. */
export const identicalCallsRule = 'max_identical_calls';
const wholeRun = new Date(0).toISOString();

export type StoppingDecision = { ok: true } | { ok: false; code: 'loop_detected'; reason: string };

/**
 * What the stopping rules count for a call: the same tool with the same arguments (in any key
 * order) in one run is one ledger row, so two budget instances count a loop as exactly as a cap.
 */
export function stoppingRuleCharges(rules: StoppingRules, call: ChargedCall): Charge[] {
  if (rules.max_identical_calls === undefined) return [];
  const args = createHash('sha256').update(canonicalJson(call.arguments)).digest('hex');
  return [
    {
      limit_id: identicalCallsRule,
      subject: `${call.runId}/${call.toolName}/${args}`,
      window_start: wholeRun,
      amount: 1,
      measure: 'rule',
    },
  ];
}

/** Refuses the call that would pass a rule; the gate then halts the run, naming the rule. */
export function decideStoppingRules(
  rules: StoppingRules,
  charges: readonly Charge[],
  used: ReadonlyMap<string, number>,
  call: Pick<ChargedCall, 'runId' | 'toolName'>,
): StoppingDecision {
  const max = rules.max_identical_calls;
  const identical = charges.find((charge) => charge.limit_id === identicalCallsRule);
  if (max === undefined || identical === undefined) return { ok: true };
  const sofar = used.get(ledgerKey(identical)) ?? 0;
  if (sofar + identical.amount <= max) return { ok: true };
  const reason = `stopping rule ${identicalCallsRule} (${max}): run ${call.runId} called ${call.toolName} with the same arguments ${sofar + 1} times`;
  return { ok: false, code: 'loop_detected', reason };
}
