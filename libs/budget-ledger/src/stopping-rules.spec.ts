import type { ToolDefinition } from '@airlock/contracts';
import { ledgerKey, type ChargedCall } from './limits';
import { decideStoppingRules, stoppingRuleCharges } from './stopping-rules';

function call(args: Record<string, unknown>, runId = 'run-1', toolName = 'tickets.create'): ChargedCall {
  return {
    runId,
    agentId: 'a',
    tool: { name: toolName } as ToolDefinition,
    toolName,
    arguments: args,
    costMicroUsd: 0,
  };
}

describe('stopping rules', () => {
  const rules = { max_identical_calls: 2 };

  it('counts the same tool with the same arguments, in any key order, in one run as one loop', () => {
    const [first] = stoppingRuleCharges(rules, call({ title: 'x', priority: 'low' }));
    const [reordered] = stoppingRuleCharges(rules, call({ priority: 'low', title: 'x' }));
    expect(ledgerKey(reordered)).toBe(ledgerKey(first));
    const others = [
      stoppingRuleCharges(rules, call({ title: 'y', priority: 'low' }))[0],
      stoppingRuleCharges(rules, call({ title: 'x', priority: 'low' }, 'run-2'))[0],
      stoppingRuleCharges(rules, call({ title: 'x', priority: 'low' }, 'run-1', 'email.send'))[0],
    ];
    for (const other of others) expect(ledgerKey(other)).not.toBe(ledgerKey(first));
  });

  it('lets a run repeat a call up to the maximum and stops the next one', () => {
    const charges = stoppingRuleCharges(rules, call({ title: 'x' }));
    const used = (times: number) => new Map([[ledgerKey(charges[0]), times]]);
    expect(decideStoppingRules(rules, charges, used(1), call({}))).toEqual({ ok: true });
    expect(decideStoppingRules(rules, charges, used(2), call({}))).toMatchObject({
      ok: false,
      code: 'loop_detected',
      reason: expect.stringContaining('the same arguments 3 times'),
    });
  });

  it('charges nothing when no rule is set', () => {
    expect(stoppingRuleCharges({}, call({ title: 'x' }))).toEqual([]);
  });
});
