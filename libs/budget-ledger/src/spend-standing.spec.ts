import type { Limit } from '@airlock/contracts';
import { spendStandings, type DailySpend } from './spend-standing';

const now = new Date('2026-11-25T15:00:00Z');
const spend = (day: string, fields: Partial<DailySpend>): DailySpend => ({
  day,
  team: 'support',
  agent_id: 'triage',
  tool: 'payments.refund',
  model: '',
  spend_usd: 1,
  ...fields,
});
const rows = [
  spend('2026-11-25', { spend_usd: 2 }),
  spend('2026-11-24', { spend_usd: 3 }),
  spend('2026-11-01', { spend_usd: 4, agent_id: 'billing', team: 'finance' }),
  spend('2026-10-31', { spend_usd: 100 }),
  spend('2026-11-25', { tool: '', model: 'gpt-x', spend_usd: 0.5 }),
];

describe('spendStandings', () => {
  it('sums tool spend per subject over the current day or month, leaving inference apart', () => {
    const limits: Limit[] = [
      { id: 'agents-daily', scope: 'agent', window: 'day', max_spend_usd: 10 },
      { id: 'teams-monthly', scope: 'team', window: 'month', max_spend_usd: 50 },
    ];
    expect(spendStandings(limits, rows, now)).toEqual([
      expect.objectContaining({
        limit_id: 'agents-daily',
        subject: 'triage',
        window_start: '2026-11-25',
        spent_usd: 2,
        max_usd: 10,
      }),
      expect.objectContaining({ limit_id: 'teams-monthly', subject: 'finance', spent_usd: 4 }),
      expect.objectContaining({
        limit_id: 'teams-monthly',
        subject: 'support',
        window_start: '2026-11-01',
        spent_usd: 5,
        max_usd: 50,
      }),
    ]);
  });

  it('counts inference for inference caps, one tool for a tool’s cap, one subject where the limit names it', () => {
    const limits: Limit[] = [
      { id: 'inference', scope: 'global', window: 'day', max_inference_usd: 3 },
      { id: 'lookups', scope: 'agent', window: 'month', tool: 'tickets.lookup', max_spend_usd: 1 },
      { id: 'billing-only', scope: 'agent', applies_to: 'billing', window: 'month', max_spend_usd: 9 },
    ];
    expect(spendStandings(limits, rows, now)).toEqual([
      expect.objectContaining({
        limit_id: 'inference',
        subject: '*',
        measure: 'inference',
        spent_usd: 0.5,
        max_usd: 3,
      }),
      expect.objectContaining({ limit_id: 'billing-only', subject: 'billing', spent_usd: 4 }),
    ]);
  });

  it('leaves out what recorded spend cannot show: per-run caps, short windows, calls, meters, in flight', () => {
    const limits: Limit[] = [
      { id: 'per-run', scope: 'run', window: 'day', max_spend_usd: 1 },
      { id: 'hourly', scope: 'agent', window: 'hour', max_spend_usd: 1 },
      { id: 'calls', scope: 'agent', window: 'day', max_calls: 5 },
      { id: 'money', scope: 'agent', window: 'day', meter: 'money_moved_cents', max: 500 },
      { id: 'in-flight', scope: 'agent', max_in_flight: 2 },
    ];
    expect(spendStandings(limits, rows, now)).toEqual([]);
  });
});
