import { TestStoreSchema } from '@airlock/postgres';
import { LocalInfraConfig, loadConfig } from '@airlock/service-runtime';
import { ConsoleSessionsStore, consoleSessionsMigrations } from './console-sessions.store';

// A store test runs against the real PostgreSQL, in a schema of its own that it drops at the end.
const schema = new TestStoreSchema(
  'approval',
  consoleSessionsMigrations,
  loadConfig(LocalInfraConfig).AIRLOCK_POSTGRES_URL,
);

jest.setTimeout(20_000);

afterAll(() => schema.drop());

describe('ConsoleSessionsStore', () => {
  it('finds a session until it expires or is signed out', async () => {
    const store = new ConsoleSessionsStore(await schema.open());
    const session = { accountId: 'bob', role: 'approver' as const, csrf: 'csrf-1' };
    const now = new Date();
    await store.create('key-live', session, new Date(now.getTime() + 60_000));
    await store.create('key-old', session, new Date(now.getTime() - 1));

    expect(await store.find('key-live', now)).toEqual(session);
    expect(await store.find('key-old', now)).toBeUndefined();
    expect(await store.find('key-unknown', now)).toBeUndefined();

    await store.delete('key-live');
    expect(await store.find('key-live', now)).toBeUndefined();
  });
});
