import type { EntityChange } from '@airlock/contracts';
import { TestStoreSchema } from '@airlock/postgres';
import { LocalInfraConfig, loadConfig } from '@airlock/service-runtime';
import {
  EntityChangesStore,
  entityChangesMigrations,
  type EntityChangeRequest,
} from './entity-changes.store';

// A store test runs against the real PostgreSQL, in a schema of its own that it drops at the end.
const schema = new TestStoreSchema(
  'approval',
  entityChangesMigrations,
  loadConfig(LocalInfraConfig).AIRLOCK_POSTGRES_URL,
);

jest.setTimeout(20_000);

const uid = { type: 'User', id: 'u-1' };
const setPayees = (payees: string[]): EntityChangeRequest => ({
  uid,
  state: 'set',
  entity: { uid, attrs: { payees } },
  operator_id: 'olga',
  reason: 'the user saved a payee',
});

afterAll(() => schema.drop());

describe('EntityChangesStore', () => {
  it('numbers changes in the order they are published, two instances at once', async () => {
    const stores = [new EntityChangesStore(await schema.open()), new EntityChangesStore(await schema.open())];
    const published: number[] = [];
    const publish = async (change: EntityChange) => {
      // A slow broker: without the lock, a later number could be published first.
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20));
      published.push(change.version);
    };
    const changes = await Promise.all(
      Array.from({ length: 12 }, (_, i) => stores[i % 2]!.record(setPayees([`P${i}`]), publish)),
    );
    expect(published).toEqual([...published].sort((a, b) => a - b));
    expect(new Set(changes.map((change) => change.version)).size).toBe(12);
    const { version, entities } = await stores[0]!.current();
    expect(version).toBe(Math.max(...published));
    expect(entities).toHaveLength(1);
    expect(entities[0]?.version).toBe(version);
  });

  it('records nothing when the change could not be published', async () => {
    const store = new EntityChangesStore(await schema.open());
    const before = await store.current();
    await expect(
      store.record(setPayees(['LOST']), () => Promise.reject(new Error('broker down'))),
    ).rejects.toThrow('broker down');
    expect(await store.current()).toEqual(before);
  });

  it('lists a removed entity no more, and keeps every change of it with who and why', async () => {
    const store = new EntityChangesStore(await schema.open());
    const publish = () => Promise.resolve();
    await store.record(setPayees(['DE89']), publish);
    const removed = await store.record(
      { uid, state: 'removed', operator_id: 'oscar', reason: 'account closed' },
      publish,
    );
    const { version, entities } = await store.current();
    expect(version).toBe(removed.version);
    expect(entities).toEqual([]);
    const history = await store.history(uid);
    expect(history[0]).toMatchObject({ state: 'removed', operator_id: 'oscar', reason: 'account closed' });
    expect(history[1]).toMatchObject({ state: 'set', entity: { attrs: { payees: ['DE89'] } } });
    expect(history.map((change) => change.version)).toEqual(
      [...history.map((change) => change.version)].sort((a, b) => b - a),
    );
  });
});
