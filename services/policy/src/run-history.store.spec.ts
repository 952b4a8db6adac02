import { TestStoreSchema } from '@airlock/postgres';
import { LocalInfraConfig, loadConfig } from '@airlock/service-runtime';
import type { PolicyVerdict, RunHistory } from '@airlock/policy-engine';
import { RunHistoryStore, runHistoryStoreMigrations } from './run-history.store';

// Against the real PostgreSQL, in a schema of its own that the test drops at the end.
const schema = new TestStoreSchema(
  'policy',
  runHistoryStoreMigrations,
  loadConfig(LocalInfraConfig).AIRLOCK_POSTGRES_URL,
);

jest.setTimeout(30_000);

let stores: RunHistoryStore[] = [];

beforeAll(async () => {
  stores = [new RunHistoryStore(await schema.open()), new RunHistoryStore(await schema.open())];
});

afterAll(() => schema.drop());

/** Allows while the run has made fewer than `cap` calls, and counts each allowed call. */
const countingJudge = (cap: number) => (history: RunHistory) => {
  const made = history.calls['t'] ?? 0;
  const verdict: PolicyVerdict =
    made < cap
      ? { decision: 'allow', policy_ids: ['p'], reasons: [] }
      : { decision: 'deny', policy_ids: ['cap'], reason_code: 'policy_denied', reasons: [`${made} calls`] };
  return verdict.decision === 'allow'
    ? { verdict, next: { ...history, calls: { t: made + 1 } } }
    : { verdict };
};

describe('RunHistoryStore', () => {
  it("judges a run's proposals one after another across two instances, against the history each left", async () => {
    const verdicts = await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        stores[index % 2].judge(`p-${index}`, 'run-race', countingJudge(3)),
      ),
    );
    expect(verdicts.filter((verdict) => verdict.decision === 'allow')).toHaveLength(3);
    expect(verdicts.filter((verdict) => verdict.decision === 'deny')).toHaveLength(7);
  });

  it('answers a redelivered proposal with its first verdict, not one judged again', async () => {
    const first = await stores[0].judge('p-again', 'run-again', countingJudge(1));
    const again = await stores[1].judge('p-again', 'run-again', countingJudge(1));
    expect(first.decision).toBe('allow');
    expect(again).toEqual(first);
    expect((await stores[0].judge('p-next', 'run-again', countingJudge(1))).decision).toBe('deny');
  });
});
