import { ClickHouseTestDatabase } from './audit-test-fixtures';
import { migrateAuditDatabase } from './clickhouse-migrations';

jest.setTimeout(60_000);

/** `events` as the first layout created it: sorted by (run_id, event_id), no attestation columns. */
const oldEventsTable = (database: string) => `
  CREATE TABLE ${database}.events (
    event_id String, event_type String, topic String, event_time DateTime('UTC'), run_id String,
    proposal_id String, agent_id String, tool String, decision String, outcome String,
    reason_code String, reasons Array(String), policy_ids Array(String), bundle_hash String,
    cost_usd Float64, trace_id String, payload String, seq UInt64, prev_hash String, hash String,
    inserted_at DateTime DEFAULT now()
  ) ENGINE = ReplacingMergeTree(inserted_at) PARTITION BY toYYYYMM(event_time) ORDER BY (run_id, event_id)`;

describe('migrateAuditDatabase on the real ClickHouse', () => {
  const database = new ClickHouseTestDatabase();
  const { client, name } = database;

  beforeAll(async () => {
    await database.requireServer();
  });

  afterAll(async () => {
    await database.drop();
  });

  const columnsOf = async (table: string) =>
    (
      await client.select<{ name: string }>(
        `SELECT name FROM system.columns WHERE database = '${name}' AND table = '${table}' ORDER BY name`,
      )
    ).map((column) => column.name);

  it('retires an events table of the old layout, rows intact, and creates the current one', async () => {
    await client.execute(`CREATE DATABASE ${name}`);
    await client.execute(oldEventsTable(name));
    await client.execute(
      `CREATE VIEW ${name}.trace_coverage AS SELECT count() AS events FROM ${name}.events`,
    );
    await client.execute(
      `INSERT INTO ${name}.events (event_id, run_id, event_time) VALUES ('e1', 'run-old', '2024-05-01 00:00:00')`,
    );

    const result = await migrateAuditDatabase(client, name, { now: new Date('2024-05-01T12:34:56Z') });

    expect(result).toEqual({ retiredTable: 'events_retired_20240501123456' });
    expect(await columnsOf('events')).toEqual(
      expect.arrayContaining(['attestation', 'attested_by', 'attestation_error']),
    );
    await expect(
      client.select(`SELECT event_id, run_id FROM ${name}.events_retired_20240501123456`),
    ).resolves.toEqual([{ event_id: 'e1', run_id: 'run-old' }]);
    // The views read the current table.
    await expect(client.select(`SELECT events FROM ${name}.trace_coverage`)).resolves.toEqual([]);
    await expect(client.select(`SELECT count() AS n FROM ${name}.quarantine_counts`)).resolves.toEqual([
      { n: 0 },
    ]);
  });

  it('leaves a database of the current layout as it is when run again', async () => {
    await client.execute(
      `INSERT INTO ${name}.events (event_id, run_id, event_time, attestation, inserted_at) VALUES ('e2', 'run-new', '2024-05-01 00:00:00', 'verified', now())`,
    );
    await expect(
      migrateAuditDatabase(client, name, { now: new Date('2024-06-01T00:00:00Z') }),
    ).resolves.toEqual({
      retiredTable: undefined,
    });
    const tables = await client.select<{ name: string }>(
      `SELECT name FROM system.tables WHERE database = '${name}' AND name LIKE 'events%' ORDER BY name`,
    );
    expect(tables.map((table) => table.name)).toEqual(['events', 'events_retired_20240501123456']);
    await expect(client.select(`SELECT event_id FROM ${name}.events`)).resolves.toEqual([{ event_id: 'e2' }]);
  });

  it('adds the team column to an events table of the current layout that lacks it, rows intact', async () => {
    await client.execute(`ALTER TABLE ${name}.events DROP COLUMN team`);
    await client.execute(`DROP TABLE ${name}.spend_by_day`);
    expect(await columnsOf('events')).not.toContain('team');

    await migrateAuditDatabase(client, name);

    expect(await columnsOf('events')).toContain('team');
    await expect(client.select(`SELECT event_id, team FROM ${name}.events`)).resolves.toEqual([
      { event_id: 'e2', team: '' },
    ]);
    await expect(client.select(`SELECT count() AS n FROM ${name}.spend_by_day`)).resolves.toEqual([{ n: 0 }]);
  });
});
