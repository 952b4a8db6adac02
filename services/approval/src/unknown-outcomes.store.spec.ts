import type { OutcomeResolution, ProposalOutcome } from '@airlock/contracts';
import { TestStoreSchema } from '@airlock/postgres';
import { LocalInfraConfig, loadConfig } from '@airlock/service-runtime';
import { UnknownOutcomesStore, unknownOutcomesMigrations } from './unknown-outcomes.store';

// A store test runs against the real PostgreSQL, in a schema of its own that it drops at the end.
const schema = new TestStoreSchema(
  'approval',
  unknownOutcomesMigrations,
  loadConfig(LocalInfraConfig).AIRLOCK_POSTGRES_URL,
);

jest.setTimeout(20_000);

afterAll(() => schema.drop());

const unknown = (proposalId: string): ProposalOutcome => ({
  proposal_id: proposalId,
  run_id: 'run-1',
  agent_id: 'support-triage',
  tool: 'payments.refund',
  outcome: 'unknown',
  reason_code: 'tool_call_interrupted',
  reason: 'payments.refund call did not complete; the request may have been acted on',
  decided_by: 'executor',
});

describe('UnknownOutcomesStore', () => {
  it('queues an unknown outcome once, and resolves it once, publishing what was found', async () => {
    const store = new UnknownOutcomesStore(await schema.open());
    await store.record(unknown('p-1'));
    await store.record(unknown('p-1'));
    expect((await store.list('open')).map((row) => row.proposal_id)).toEqual(['p-1']);

    const published: OutcomeResolution[] = [];
    const publish = (resolution: OutcomeResolution) => {
      published.push(resolution);
      return Promise.resolve();
    };
    const answer = {
      happened: 'failed' as const,
      note: 'no refund in the payments ledger',
      resolved_by: 'olivia',
    };
    expect(await store.resolve('p-1', answer, publish)).toMatchObject({
      resolved: { proposal_id: 'p-1', happened: 'failed', unknown_reason_code: 'tool_call_interrupted' },
    });
    expect(
      await store.resolve('p-1', { ...answer, happened: 'succeeded', resolved_by: 'oscar' }, publish),
    ).toMatchObject({
      already: { happened: 'failed', resolved_by: 'olivia' },
    });
    expect(published).toHaveLength(1);
    expect(await store.list('open')).toEqual([]);
    expect(await store.resolve('p-none', answer, publish)).toBeUndefined();
  });

  it('keeps an outcome open when its resolution could not be published', async () => {
    const store = new UnknownOutcomesStore(await schema.open());
    await store.record(unknown('p-2'));
    const answer = { happened: 'succeeded' as const, note: 'refund seen', resolved_by: 'olivia' };
    await expect(
      store.resolve('p-2', answer, () => Promise.reject(new Error('broker down'))),
    ).rejects.toThrow('broker down');
    expect((await store.list('open')).map((row) => row.proposal_id)).toContain('p-2');
  });
});
