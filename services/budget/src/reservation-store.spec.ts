import { TestStoreSchema } from '@airlock/postgres';
import { LocalInfraConfig, loadConfig } from '@airlock/service-runtime';
import { chargesFor, decideLimits } from '@airlock/budget-ledger';
import type { Limit, ToolDefinition } from '@airlock/contracts';
import { ReservationStore, reservationStoreMigrations } from './reservation-store';

// A store test runs against the real PostgreSQL, in a schema of its own that it drops at the end.
const schema = new TestStoreSchema(
  'budget',
  reservationStoreMigrations,
  loadConfig(LocalInfraConfig).AIRLOCK_POSTGRES_URL,
);
const limits = { max_tool_calls: 5, max_spend_usd: 1 };

jest.setTimeout(30_000);

/** Two stores on two pools: two budget instances sharing one database. */
let stores: ReservationStore[] = [];

beforeAll(async () => {
  stores = [new ReservationStore(await schema.open()), new ReservationStore(await schema.open())];
});

afterAll(() => schema.drop());

describe('ReservationStore', () => {
  it('grants exactly the cap when two instances race for one run', async () => {
    const attempts = Array.from({ length: 20 }, (_, index) =>
      stores[index % 2].reserve(`p-race-${index}`, 'run-race', 0.01, limits),
    );
    const records = await Promise.all(attempts);
    expect(records.filter((record) => record.status === 'reserved')).toHaveLength(5);
    expect(records.filter((record) => record.status === 'refused')).toHaveLength(15);
  });

  it('answers a redelivered proposal with its first decision, from either instance', async () => {
    const first = await stores[0].reserve('p-again', 'run-again', 0.25, limits);
    const again = await stores[1].reserve('p-again', 'run-again', 0.25, limits);
    expect(again).toEqual(first);
    expect(first).toEqual({ status: 'reserved', cost_micro_usd: 250_000 });
  });

  it('refuses a proposal under a halt durably, without spending the run budget', async () => {
    const halted = { code: 'tool_halted', reason: 'tool t was halted by olivia' };
    const refused = await stores[0].reserve('p-halted', 'run-halted', 0.25, limits, { refusal: halted });
    expect(refused).toEqual({ status: 'refused', cost_micro_usd: 0, ...halted });
    // Redelivered to the other instance after the resume: the same answer.
    expect(await stores[1].reserve('p-halted', 'run-halted', 0.25, limits)).toEqual(refused);
    for (const index of [1, 2, 3, 4, 5]) {
      expect((await stores[0].reserve(`p-after-${index}`, 'run-halted', 0.01, limits)).status).toBe(
        'reserved',
      );
    }
  });

  it('holds an agent cap exactly across fresh runs and two instances, and gives a release back', async () => {
    const agentCap: Limit[] = [{ id: 'agent-calls', scope: 'agent', window: 'day', max_calls: 5 }];
    const now = new Date();
    const charge = (runId: string) => {
      const call = {
        runId,
        agentId: 'agent-a',
        tool: { name: 'tickets.create' } as ToolDefinition,
        toolName: 'tickets.create',
        arguments: {},
        costMicroUsd: 10_000,
      };
      const result = chargesFor(agentCap, call, now);
      if (!result.ok) throw new Error(result.reason);
      const { charges } = result;
      return {
        charges,
        decide: (used: ReadonlyMap<string, number>) => decideLimits(agentCap, charges, used),
      };
    };
    // A fresh run per call: the run caps never bind, the agent's does.
    const records = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        stores[index % 2].reserve(
          `p-agent-${index}`,
          `run-agent-${index}`,
          0.01,
          limits,
          charge(`run-agent-${index}`),
        ),
      ),
    );
    expect(records.filter((record) => record.status === 'reserved')).toHaveLength(5);
    const refused = records.filter((record) => record.status === 'refused');
    expect(refused).toHaveLength(15);
    expect(refused[0]).toMatchObject({ code: 'agent_call_cap_reached' });

    const granted = records.findIndex((record) => record.status === 'reserved');
    expect(await stores[1].release(`p-agent-${granted}`)).toBe(true);
    const again = await stores[0].reserve(
      'p-agent-again',
      'run-agent-again',
      0.01,
      limits,
      charge('run-agent-again'),
    );
    expect(again.status).toBe('reserved');
    const last = await stores[0].reserve(
      'p-agent-last',
      'run-agent-last',
      0.01,
      limits,
      charge('run-agent-last'),
    );
    expect(last.status).toBe('refused');
  });

  it('gives back a released reservation once, so the run can spend it again', async () => {
    for (const index of [1, 2, 3, 4]) await stores[0].reserve(`p-spend-${index}`, 'run-spend', 0.25, limits);
    expect((await stores[0].reserve('p-spend-5', 'run-spend', 0.25, limits)).status).toBe('refused');
    expect(await stores[1].release('p-spend-4')).toBe(true);
    expect(await stores[0].release('p-spend-4')).toBe(false);
    expect((await stores[0].reserve('p-spend-6', 'run-spend', 0.25, limits)).status).toBe('reserved');
  });

  it('ends a call in flight when it settles, and moves spend to the reported cost, once', async () => {
    const capped: Limit[] = [
      { id: 'run-in-flight', scope: 'run', max_in_flight: 1 },
      { id: 'agent-spend', scope: 'agent', window: 'day', max_spend_usd: 1 },
    ];
    const context = (proposalId: string) => {
      const call = {
        runId: 'run-settle',
        agentId: 'agent-settle',
        tool: { name: 'search' } as ToolDefinition,
        toolName: 'search',
        arguments: { q: proposalId },
        costMicroUsd: 500_000,
      };
      const result = chargesFor(capped, call, new Date());
      if (!result.ok) throw new Error(result.reason);
      const { charges } = result;
      return { charges, decide: (used: ReadonlyMap<string, number>) => decideLimits(capped, charges, used) };
    };
    const wide = { max_tool_calls: 10, max_spend_usd: 10 };
    expect(
      (await stores[0].reserve('p-settle-1', 'run-settle', 0.5, wide, context('p-settle-1'))).status,
    ).toBe('reserved');
    const busy = await stores[1].reserve('p-settle-2', 'run-settle', 0.5, wide, context('p-settle-2'));
    expect(busy).toMatchObject({ status: 'refused', code: 'run_concurrency_cap_reached' });
    // The tool reported $0.10 instead of the $0.50 reserved: $0.90 of the agent's dollar is left.
    expect(await stores[1].settle('p-settle-1', 100_000)).toBe(true);
    expect(await stores[0].settle('p-settle-1', 100_000)).toBe(false);
    expect(await stores[0].release('p-settle-1')).toBe(false);
    expect((await stores[0].runUsage('run-settle')).spend_micro_usd).toBe(100_000);
    expect(
      (await stores[0].reserve('p-settle-3', 'run-settle', 0.5, wide, context('p-settle-3'))).status,
    ).toBe('reserved');
    await stores[0].settle('p-settle-3', undefined);
    const full = await stores[0].reserve('p-settle-4', 'run-settle', 0.5, wide, context('p-settle-4'));
    expect(full).toMatchObject({ status: 'refused', code: 'agent_spend_cap_reached' });
  });

  it('settles a call that cost what was reserved once, and then neither settles nor releases it again', async () => {
    await stores[0].reserve('p-plain', 'run-plain', 0.25, limits);
    expect(await stores[1].settle('p-plain', 250_000)).toBe(true);
    expect(await stores[0].settle('p-plain', 250_000)).toBe(false);
    expect(await stores[0].release('p-plain')).toBe(false);
    expect(await stores[0].runUsage('run-plain')).toMatchObject({ calls: 1, spend_micro_usd: 250_000 });
  });

  it('gives back a settled call a human found never happened, once, in flight and rules excepted', async () => {
    const capped: Limit[] = [
      // Limits are checked in the order of their ids: a refusal names in-flight when it binds.
      { id: 'a-agent-in-flight', scope: 'agent', max_in_flight: 1 },
      { id: 'b-agent-calls', scope: 'agent', window: 'day', max_calls: 1 },
    ];
    const context = (proposalId: string) => {
      const call = {
        runId: 'run-refund',
        agentId: 'agent-refund',
        tool: { name: 'payments.transfer' } as ToolDefinition,
        toolName: 'payments.transfer',
        arguments: { q: proposalId },
        costMicroUsd: 250_000,
      };
      const result = chargesFor(capped, call, new Date());
      if (!result.ok) throw new Error(result.reason);
      const { charges } = result;
      return { charges, decide: (used: ReadonlyMap<string, number>) => decideLimits(capped, charges, used) };
    };
    await stores[0].reserve('p-unknown', 'run-refund', 0.25, limits, context('p-unknown'));
    // Not settled yet: nothing to give back.
    expect(await stores[0].refundSettled('p-unknown')).toBe(false);
    await stores[0].settle('p-unknown', undefined);
    const capReached = await stores[0].reserve('p-blocked', 'run-refund', 0.25, limits, context('p-blocked'));
    expect(capReached).toMatchObject({ status: 'refused', code: 'agent_call_cap_reached' });

    expect(await stores[1].refundSettled('p-unknown')).toBe(true);
    expect(await stores[0].refundSettled('p-unknown')).toBe(false);
    expect(await stores[0].runUsage('run-refund')).toMatchObject({ calls: 0, spend_micro_usd: 0 });
    // The day's call is back, and the in-flight count (given back at settlement) did not go below zero.
    expect((await stores[0].reserve('p-after', 'run-refund', 0.25, limits, context('p-after'))).status).toBe(
      'reserved',
    );
    const busy = await stores[0].reserve('p-busy', 'run-refund-2', 0.25, limits, context('p-busy'));
    expect(busy).toMatchObject({ status: 'refused', code: 'agent_concurrency_cap_reached' });
  });

  it('counts a usage report once, and remembers which caps it passed', async () => {
    const usage = (usageId: string, costMicroUsd: number) => ({
      usageId,
      runId: 'run-usage',
      agentId: 'agent-usage',
      model: 'gpt-small',
      inputTokens: 100,
      outputTokens: 10,
      costMicroUsd,
      charges: [
        {
          limit_id: 'agent-inference',
          subject: 'agent-usage',
          window_start: '2026-11-25T00:00:00.000Z',
          amount: costMicroUsd,
          measure: 'inference' as const,
        },
      ],
    });
    const seen: number[] = [];
    const judge = (used: ReadonlyMap<string, number>, run: number) => {
      seen.push(run);
      return [...used.values()].some((value) => value > 1_000_000) ? ['agent-inference'] : [];
    };
    expect(await stores[0].countUsage(usage('u-1', 600_000), judge)).toEqual({ capsPassed: [] });
    expect(await stores[1].countUsage(usage('u-2', 600_000), judge)).toEqual({
      capsPassed: ['agent-inference'],
    });
    // Redelivered: not counted again, and the same answer.
    expect(await stores[0].countUsage(usage('u-2', 600_000), judge)).toEqual({
      capsPassed: ['agent-inference'],
    });
    expect(seen).toEqual([600_000, 1_200_000]);
    expect((await stores[0].runUsage('run-usage')).inference_micro_usd).toBe(1_200_000);
  });

  it("counts a run's streak of failures once per outcome, and an executed call ends it", async () => {
    expect(await stores[0].countOutcome('p-streak-1', 'run-streak', 'failure')).toBe(1);
    expect(await stores[1].countOutcome('p-streak-2', 'run-streak', 'failure')).toBe(2);
    expect(await stores[0].countOutcome('p-streak-2', 'run-streak', 'failure')).toBeUndefined();
    expect(await stores[0].countOutcome('p-streak-3', 'run-streak', 'success')).toBe(0);
    expect(await stores[0].countOutcome('p-streak-4', 'run-streak', 'failure')).toBe(1);
  });
});
