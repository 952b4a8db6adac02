import fc from 'fast-check';
import type { Limit, ToolDefinition } from '@airlock/contracts';
import { chargesFor, decideLimits, ledgerKey, meterValue, windowStart, type ChargedCall } from './limits';

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
        },
        {
          limit_id: 'refund-money',
          subject: 'support-triage',
          window_start: '2026-11-25T00:00:00.000Z',
          amount: 2500,
        },
        {
          limit_id: 'team-spend',
          subject: 'support',
          window_start: '2026-11-01T00:00:00.000Z',
          amount: 50_000,
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
      'ticket-calls',
    ]);
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
