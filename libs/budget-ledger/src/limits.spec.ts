import fc from 'fast-check';
import type { Limit, ToolDefinition } from '@airlock/contracts';
import {
  chargesFor,
  decideLimits,
  inferenceCapsPassed,
  inferenceCharges,
  ledgerKey,
  meterValue,
  reportedCostUsd,
  settlementOf,
  windowStart,
  type Charge,
  type ChargedCall,
} from './limits';

const refund = {
  name: 'payments.refund',
  meters: { money_moved_cents: '$.amount_cents' },
} as unknown as ToolDefinition;
const now = new Date('2026-11-25T13:47:21.123Z');

function call(overrides: Partial<ChargedCall> = {}): ChargedCall {
  return {
    runId: 'run-1',
    agentId: 'support-triage',
    team: 'support',
    tool: refund,
    toolName: 'payments.refund',
    arguments: { amount_cents: 2500 },
    costMicroUsd: 50_000,
    ...overrides,
  };
}

describe('windowStart', () => {
  it('starts fixed UTC windows at the minute, hour, midnight and first of the month', () => {
    expect(windowStart('minute', now).toISOString()).toBe('2026-11-25T13:47:00.000Z');
    expect(windowStart('hour', now).toISOString()).toBe('2026-11-25T13:00:00.000Z');
    expect(windowStart('day', now).toISOString()).toBe('2026-11-25T00:00:00.000Z');
    expect(windowStart('month', now).toISOString()).toBe('2026-11-01T00:00:00.000Z');
    // No window (calls in flight): one row for good.
    expect(windowStart(undefined, now).toISOString()).toBe('1970-01-01T00:00:00.000Z');
  });
});

describe('meterValue', () => {
  it('reads a non-negative integer at a path, and nothing else', () => {
    expect(meterValue({ a: { b: 7 } }, '$.a.b')).toBe(7);
    expect(meterValue({ a: 1.5 }, '$.a')).toBeUndefined();
    expect(meterValue({ a: -1 }, '$.a')).toBeUndefined();
    expect(meterValue({ a: '7' }, '$.a')).toBeUndefined();
    expect(meterValue({}, '$.a')).toBeUndefined();
    expect(meterValue({ a: [3] }, '$.a.0')).toBeUndefined();
    expect(meterValue({}, '$.constructor')).toBeUndefined();
  });
});

describe('reportedCostUsd', () => {
  it('reads a non-negative dollar amount from the answer, and nothing else', () => {
    expect(reportedCostUsd({ usage: { cost_usd: 0.0125 } }, '$.usage.cost_usd')).toBe(0.0125);
    expect(reportedCostUsd({ usage: { cost_usd: 0 } }, '$.usage.cost_usd')).toBe(0);
    expect(reportedCostUsd({ usage: { cost_usd: -1 } }, '$.usage.cost_usd')).toBeUndefined();
    expect(reportedCostUsd({ usage: { cost_usd: '0.01' } }, '$.usage.cost_usd')).toBeUndefined();
    expect(reportedCostUsd({ usage: { cost_usd: 1e300 } }, '$.usage.cost_usd')).toBeUndefined();
    expect(reportedCostUsd('not json', '$.usage.cost_usd')).toBeUndefined();
  });
});

describe('chargesFor', () => {
  const limits: Limit[] = [
    { id: 'agent-calls', scope: 'agent', window: 'day', max_calls: 50 },
    { id: 'team-spend', scope: 'team', window: 'month', max_spend_usd: 10 },
    {
      id: 'refund-money',
      scope: 'agent',
      tool: 'payments.refund',
      window: 'day',
      meter: 'money_moved_cents',
      max: 500_000,
    },
    { id: 'ticket-calls', scope: 'global', tool: 'tickets.create', window: 'minute', max_calls: 600 },
    { id: 'run-in-flight', scope: 'run', max_in_flight: 2 },
    { id: 'agent-inference', scope: 'agent', window: 'day', max_inference_usd: 5 },
  ];

  it('charges every limit that applies, in its own unit and window', () => {
    const result = chargesFor(limits, call(), now);
    expect(result).toEqual({
      ok: true,
      charges: [
        {
          limit_id: 'agent-calls',
          subject: 'support-triage',
          window_start: '2026-11-25T00:00:00.000Z',
          amount: 1,
          measure: 'calls',
        },
        // Inference is looked at, not charged: usage reports charge it.
        {
          limit_id: 'agent-inference',
          subject: 'support-triage',
          window_start: '2026-11-25T00:00:00.000Z',
          amount: 0,
          measure: 'inference',
        },
        {
          limit_id: 'refund-money',
          subject: 'support-triage',
          window_start: '2026-11-25T00:00:00.000Z',
          amount: 2500,
          measure: 'meter',
        },
        {
          limit_id: 'run-in-flight',
          subject: 'run-1',
          window_start: '1970-01-01T00:00:00.000Z',
          amount: 1,
          measure: 'in_flight',
        },
        {
          limit_id: 'team-spend',
          subject: 'support',
          window_start: '2026-11-01T00:00:00.000Z',
          amount: 50_000,
          measure: 'spend',
        },
      ],
    });
  });

  it('skips team limits for an agent without a team, and meters a tool does not declare', () => {
    const ticket = call({
      team: undefined,
      tool: { name: 'tickets.create' } as ToolDefinition,
      toolName: 'tickets.create',
    });
    const result = chargesFor(limits, ticket, now);
    expect(result.ok && result.charges.map((charge) => charge.limit_id)).toEqual([
      'agent-calls',
      'agent-inference',
      'run-in-flight',
      'ticket-calls',
    ]);
  });

  it('charges a limit that applies to one team only for that team', () => {
    const billing: Limit[] = [
      { id: 'billing-calls', scope: 'team', applies_to: 'billing', window: 'day', max_calls: 2 },
    ];
    expect(chargesFor(billing, call({ team: 'billing' }), now)).toMatchObject({
      ok: true,
      charges: [{ subject: 'billing' }],
    });
    expect(chargesFor(billing, call({ team: 'support' }), now)).toEqual({ ok: true, charges: [] });
  });

  it('refuses a call whose declared meter cannot be read, rather than counting it as zero', () => {
    expect(chargesFor(limits, call({ arguments: { amount_cents: 12.5 } }), now)).toMatchObject({
      ok: false,
      code: 'meter_unreadable',
    });
  });
});

describe('decideLimits', () => {
  const limits: Limit[] = [
    { id: 'agent-calls', scope: 'agent', window: 'day', max_calls: 2 },
    { id: 'refund-money', scope: 'agent', window: 'day', meter: 'money_moved_cents', max: 5000 },
  ];

  it('lets a limit be reached exactly and never passed, naming the limit', () => {
    const { charges } = chargesFor(limits, call(), now) as Extract<
      ReturnType<typeof chargesFor>,
      { ok: true }
    >;
    const used = (calls: number, cents: number) =>
      new Map([
        [
          ledgerKey({
            limit_id: 'agent-calls',
            subject: 'support-triage',
            window_start: '2026-11-25T00:00:00.000Z',
          }),
          calls,
        ],
        [
          ledgerKey({
            limit_id: 'refund-money',
            subject: 'support-triage',
            window_start: '2026-11-25T00:00:00.000Z',
          }),
          cents,
        ],
      ]);
    expect(decideLimits(limits, charges, used(1, 2500))).toEqual({ ok: true });
    expect(decideLimits(limits, charges, used(2, 0))).toMatchObject({
      ok: false,
      code: 'agent_call_cap_reached',
    });
    const moved = decideLimits(limits, charges, used(0, 2501));
    expect(moved).toMatchObject({ ok: false, code: 'agent_meter_cap_reached' });
    expect((moved as { reason: string }).reason).toContain('limit refund-money');
  });

  it('never admits more than a cap over any sequence of calls, and admits every call that fits', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 20_000 }),
        fc.array(fc.nat({ max: 3000 }), { maxLength: 40 }),
        (cap, amounts) => {
          const capped: Limit[] = [
            { id: 'money', scope: 'global', window: 'month', meter: 'money_moved_cents', max: cap },
          ];
          const used = new Map<string, number>();
          let admitted = 0;
          for (const amount of amounts) {
            const result = chargesFor(capped, call({ arguments: { amount_cents: amount } }), now);
            if (!result.ok) throw new Error(result.reason);
            const [charge] = result.charges;
            const decision = decideLimits(capped, result.charges, used);
            expect(decision.ok).toBe(admitted + amount <= cap);
            if (decision.ok) {
              admitted += amount;
              used.set(ledgerKey(charge), admitted);
            }
          }
          expect(admitted).toBeLessThanOrEqual(cap);
        },
      ),
      { numRuns: Number(process.env['AIRLOCK_PROPERTY_RUNS'] ?? 300) },
    );
  });
});

describe('decideLimits on inference and calls in flight', () => {
  const limits: Limit[] = [
    { id: 'agent-inference', scope: 'agent', window: 'day', max_inference_usd: 1 },
    { id: 'run-in-flight', scope: 'run', max_in_flight: 2 },
  ];
  const { charges } = chargesFor(limits, call(), now) as Extract<ReturnType<typeof chargesFor>, { ok: true }>;
  const used = (inferenceMicroUsd: number, inFlight: number) =>
    new Map(
      charges.map((charge) => [
        ledgerKey(charge),
        charge.measure === 'inference' ? inferenceMicroUsd : inFlight,
      ]),
    );

  it('refuses a call once the inference cap is used up, and admits it just before', () => {
    expect(decideLimits(limits, charges, used(999_999, 0))).toEqual({ ok: true });
    expect(decideLimits(limits, charges, used(1_000_000, 0))).toMatchObject({
      ok: false,
      code: 'agent_inference_cap_reached',
    });
  });

  it('admits calls in flight up to the limit and refuses one more', () => {
    expect(decideLimits(limits, charges, used(0, 1))).toEqual({ ok: true });
    const refused = decideLimits(limits, charges, used(0, 2));
    expect(refused).toMatchObject({ ok: false, code: 'run_concurrency_cap_reached' });
    expect((refused as { reason: string }).reason).toBe(
      'run run-1 has 2 calls under way, as many as limit run-in-flight allows at once',
    );
  });
});

describe('inference charges', () => {
  const limits: Limit[] = [
    { id: 'agent-inference', scope: 'agent', window: 'day', max_inference_usd: 1 },
    { id: 'team-inference', scope: 'team', window: 'month', max_inference_usd: 10 },
    { id: 'agent-calls', scope: 'agent', window: 'day', max_calls: 5 },
  ];
  const who = { runId: 'run-1', agentId: 'support-triage', team: 'support' };

  it('charges a report to every inference limit over its run, and nothing else', () => {
    expect(
      inferenceCharges(limits, who, 300_000, now).map((charge) => [charge.limit_id, charge.amount]),
    ).toEqual([
      ['agent-inference', 300_000],
      ['team-inference', 300_000],
    ]);
    expect(inferenceCharges(limits, { ...who, team: undefined }, 1, now)).toHaveLength(1);
  });

  it('names a cap only for the report that takes it past its maximum', () => {
    const charges = inferenceCharges(limits, who, 300_000, now);
    const after = (agentMicroUsd: number) =>
      new Map(
        charges.map((charge) => [
          ledgerKey(charge),
          charge.limit_id === 'agent-inference' ? agentMicroUsd : 1,
        ]),
      );
    expect(inferenceCapsPassed(limits, charges, after(1_000_000))).toEqual([]);
    expect(inferenceCapsPassed(limits, charges, after(1_000_001)).map((limit) => limit.id)).toEqual([
      'agent-inference',
    ]);
    // Already past before this report: the run was halted then, not again now.
    expect(inferenceCapsPassed(limits, charges, after(1_300_001))).toEqual([]);
  });
});

describe('settlementOf', () => {
  const charge = (measure: Charge['measure'], amount: number): Charge => ({
    limit_id: measure,
    subject: 's',
    window_start: '2026-11-25T00:00:00.000Z',
    amount,
    measure,
  });
  const charges = [
    charge('calls', 1),
    charge('spend', 50_000),
    charge('in_flight', 1),
    charge('meter', 2500),
  ];

  it('gives back the call in flight and moves spend to the reported cost', () => {
    expect(settlementOf(charges, 50_000, 12_500).map((moved) => [moved.measure, moved.amount])).toEqual([
      ['spend', -37_500],
      ['in_flight', -1],
    ]);
  });

  it('only ends the call in flight when the call cost what was reserved', () => {
    expect(settlementOf(charges, 50_000, 50_000).map((moved) => [moved.measure, moved.amount])).toEqual([
      ['in_flight', -1],
    ]);
  });
});
