import { TestStoreSchema } from '@airlock/postgres';
import { LocalInfraConfig, loadConfig } from '@airlock/service-runtime';
import { emptyRunHistory, type PolicyVerdict, type RunHistory } from '@airlock/policy-engine';
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

  /** Adds one listed id to the run's facts, as an executed listing would. */
  const listing = (id: string) => (history: RunHistory) => ({
    ...history,
    results: { listed: [...((history.results['listed'] as string[] | undefined) ?? []), id] },
  });
  /** Allows only once the run's history holds a listing. */
  const afterListing = (history: RunHistory) => ({
    verdict: (history.results['listed'] === undefined
      ? { decision: 'approval_required', policy_ids: ['ask'], reasons: [] }
      : { decision: 'allow', policy_ids: ['listed'], reasons: [] }) as PolicyVerdict,
  });

  it("records an executed call's answer once, however often its event is delivered, on either instance", async () => {
    const recorded = await Promise.all([
      stores[0].recordResult('p-list', 'run-results', listing('f-1')),
      stores[1].recordResult('p-list', 'run-results', listing('f-1')),
      stores[0].recordResult('p-list', 'run-results', listing('f-1')),
    ]);
    expect(recorded.filter(Boolean)).toHaveLength(1);
    await stores[1].recordResult('p-list-2', 'run-results', listing('f-2'));
    let seen: RunHistory | undefined;
    await stores[0].judge('p-after', 'run-results', (history) => {
      seen = history;
      return afterListing(history);
    });
    expect(seen?.results).toEqual({ listed: ['f-1', 'f-2'] });
  });

  it('keeps what the calls left beside the facts, and a judged proposal beside a result arriving', async () => {
    const counted = await Promise.all([
      stores[0].judge('p-count', 'run-both', countingJudge(5)),
      stores[1].recordResult('p-listed', 'run-both', listing('f-9')),
    ]);
    expect(counted[0].decision).toBe('allow');
    let seen: RunHistory | undefined;
    await stores[1].judge('p-read', 'run-both', (history) => {
      seen = history;
      return afterListing(history);
    });
    expect(seen).toEqual({ ...emptyRunHistory, calls: { t: 1 }, results: { listed: ['f-9'] } });
  });

  it('reads a history stored before results existed as one without facts', async () => {
    const pool = await schema.open();
    const { results: _dropped, ...older } = emptyRunHistory;
    await pool.query('INSERT INTO run_history (run_id, history) VALUES ($1, $2)', [
      'run-older',
      JSON.stringify({ ...older, calls: { t: 2 } }),
    ]);
    let seen: RunHistory | undefined;
    await stores[0].judge('p-older', 'run-older', (history) => {
      seen = history;
      return afterListing(history);
    });
    expect(seen).toEqual({ ...emptyRunHistory, calls: { t: 2 } });
  });
});
