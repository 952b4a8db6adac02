import type { Limit } from '@airlock/contracts';
import { ledgerKey } from './limits';
import { standingKeys, standingOf } from './standing';

const now = new Date('2026-11-25T13:47:21.000Z');
const limits: Limit[] = [
  { id: 'agent-calls', scope: 'agent', window: 'day', max_calls: 50 },
  {
    id: 'agent-money',
    scope: 'agent',
    tool: 'payments.refund',
    window: 'day',
    meter: 'money_moved_cents',
    max: 5000,
  },
  { id: 'team-spend', scope: 'team', window: 'month', max_spend_usd: 10 },
];

describe('standingOf', () => {
  it("shows each of the scope's limits in its current window, with dollars as dollars", () => {
    const keys = standingKeys(limits, 'agent', 'a', now);
    expect(keys.map((key) => key.window_start)).toEqual([
      '2026-11-25T00:00:00.000Z',
      '2026-11-25T00:00:00.000Z',
    ]);
    const used = new Map([
      [ledgerKey(keys[0]), 12],
      [ledgerKey(keys[1]), 6000],
    ]);
    expect(standingOf(limits, 'agent', 'a', used, now)).toEqual([
      {
        limit_id: 'agent-calls',
        window: 'day',
        window_start: '2026-11-25T00:00:00.000Z',
        unit: 'calls',
        cap: 50,
        used: 12,
        remaining: 38,
      },
      {
        limit_id: 'agent-money',
        tool: 'payments.refund',
        window: 'day',
        window_start: '2026-11-25T00:00:00.000Z',
        unit: 'money_moved_cents',
        cap: 5000,
        used: 6000,
        remaining: 0,
      },
    ]);
    const [team] = standingOf(
      limits,
      'team',
      'support',
      new Map([[ledgerKey(standingKeys(limits, 'team', 'support', now)[0]), 2_500_000]]),
      now,
    );
    expect(team).toMatchObject({
      unit: 'usd',
      cap: 10,
      used: 2.5,
      remaining: 7.5,
      window_start: '2026-11-01T00:00:00.000Z',
    });
  });

  it('shows an untouched limit whole', () => {
    expect(standingOf(limits, 'team', 'ops', new Map(), now)).toEqual([
      expect.objectContaining({ used: 0, remaining: 10 }),
    ]);
  });
});
