import fc from 'fast-check';
import { decideReservation, type RunUsage } from './run-budget';
import { usdToMicro } from './money';

describe('decideReservation on arbitrary sequences of calls', () => {
  it('never lets a run pass either cap, however the calls are priced', () => {
    const runs = Number(process.env['AIRLOCK_PROPERTY_RUNS'] ?? 300);
    fc.assert(
      fc.property(
        fc.record({
          max_tool_calls: fc.integer({ min: 1, max: 50 }),
          max_spend_usd: fc.double({ min: 0, max: 100, noNaN: true }),
        }),
        fc.array(fc.double({ min: 0, max: 20, noNaN: true }), { maxLength: 80 }),
        (limits, costs) => {
          let usage: RunUsage = { calls: 0, spend_micro_usd: 0, inference_micro_usd: 0 };
          for (const cost of costs) {
            const decision = decideReservation(usage, limits, cost);
            if (decision.ok) usage = decision.usage;
            else expect(['run_call_cap_reached', 'run_spend_cap_reached']).toContain(decision.code);
            expect(usage.calls).toBeLessThanOrEqual(limits.max_tool_calls);
            expect(usage.spend_micro_usd).toBeLessThanOrEqual(usdToMicro(limits.max_spend_usd));
          }
        },
      ),
      { numRuns: runs },
    );
  });
});
