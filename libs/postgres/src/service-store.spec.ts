import { Client } from 'pg';
import { LocalInfraConfig, loadConfig } from '@airlock/service-runtime';
import { openServiceStore } from './service-store';

const serverUrl = loadConfig(LocalInfraConfig).AIRLOCK_POSTGRES_URL;

jest.setTimeout(30_000);

/** The same server, another database: one that does not exist yet, as on a fresh machine. */
function urlOfDatabase(database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function dropDatabase(database: string): Promise<void> {
  const admin = new Client({ connectionString: urlOfDatabase('postgres') });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

describe('openServiceStore', () => {
  it('lets six services starting together on a fresh server all create the one database', async () => {
    // Repeated, because the race (both see no database, both create it) needs the timing to line up.
    for (let round = 0; round < 5; round += 1) {
      const database = `store_test_fresh_${process.pid}_${round}`;
      try {
        const services = ['intake', 'policy', 'approval', 'budget', 'executor', 'audit'];
        const pools = await Promise.all(
          services.map((service) =>
            openServiceStore({
              url: urlOfDatabase(database),
              service,
              namespace: 'fresh',
              migrations: ['CREATE TABLE IF NOT EXISTS opened (id integer)'],
            }),
          ),
        );
        const tables = await Promise.all(
          pools.map((pool) => pool.query("SELECT to_regclass('opened') IS NOT NULL AS found")),
        );
        expect(tables.map((result) => result.rows[0].found)).toEqual(services.map(() => true));
        await Promise.all(pools.map((pool) => pool.end()));
      } finally {
        await dropDatabase(database);
      }
    }
  });
});
