import { Pool } from 'pg';
import { openServiceStore, storeSchemaName } from '@airlock/postgres';
import { AttemptStore, attemptStoreMigrations } from './attempt-store';
import type { ToolCallResult } from './http-tool-adapter';

// A store test runs against the real PostgreSQL, in a schema of its own that it drops at the end.
const postgresUrl = process.env['AIRLOCK_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/airlock';
const namespace = `attempt_store_test_${process.pid}_${Date.now()}`;
const schema = storeSchemaName('executor', namespace);

jest.setTimeout(20_000);

let admin: Pool;
let pool: Pool;
let store: AttemptStore;

/** The attempts table as it was created before result became text. */
async function createJsonbAttemptsTable(): Promise<void> {
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.query(`CREATE TABLE ${schema}.attempts (
     proposal_id     text PRIMARY KEY,
     run_id          text NOT NULL,
     idempotency_key text NOT NULL,
     status          text NOT NULL CHECK (status IN ('started', 'succeeded', 'failed', 'unknown')),
     result          jsonb,
     published       boolean NOT NULL DEFAULT false,
     started_at      timestamptz NOT NULL DEFAULT now(),
     finished_at     timestamptz
   )`);
  await admin.query(
    `INSERT INTO ${schema}.attempts (proposal_id, run_id, idempotency_key, status, result, published)
     VALUES ('before-migration', 'run-0', 'key-0', 'succeeded', $1, true)`,
    [JSON.stringify({ kind: 'succeeded', status_code: 200, response: { ticket_id: 'T-0' } })],
  );
}

async function resultColumnType(): Promise<string> {
  const column = await admin.query<{ data_type: string }>(
    `SELECT data_type FROM information_schema.columns
     WHERE table_schema = $1 AND table_name = 'attempts' AND column_name = 'result'`,
    [schema],
  );
  return column.rows[0]!.data_type;
}

beforeAll(async () => {
  admin = new Pool({ connectionString: postgresUrl, max: 1 });
  await createJsonbAttemptsTable();
  pool = await openServiceStore({
    url: postgresUrl,
    service: 'executor',
    namespace,
    migrations: attemptStoreMigrations,
  });
  store = new AttemptStore(pool);
});

afterAll(async () => {
  await pool?.end();
  await admin?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin?.end();
});

describe('AttemptStore', () => {
  it('migrates an existing jsonb result column to text and still reads the rows it held', async () => {
    expect(await resultColumnType()).toBe('text');
    await expect(store.begin('before-migration', 'run-0', 'key-0')).resolves.toEqual({
      kind: 'finished',
      result: { kind: 'succeeded', status_code: 200, response: { ticket_id: 'T-0' } },
      published: true,
    });
  });

  it('runs its migrations again at the next start-up without error or change', async () => {
    for (const statement of attemptStoreMigrations) await pool.query(statement);

    expect(await resultColumnType()).toBe('text');
    await expect(store.begin('before-migration', 'run-0', 'key-0')).resolves.toMatchObject({
      kind: 'finished',
    });
  });

  it('records an attempt a halt stopped as finished before any call, also on a table made before halts', async () => {
    const halted = {
      kind: 'halted',
      reason_code: 'agent_halted',
      reason: 'agent a was halted by olivia',
    } as const;
    await expect(store.begin('halted-1', 'run-h', 'key-h', halted)).resolves.toEqual({
      kind: 'finished',
      result: halted,
      published: false,
    });
    // Redelivered after the resume: still the halt's answer, never a first attempt.
    await expect(store.begin('halted-1', 'run-h', 'key-h')).resolves.toEqual({
      kind: 'finished',
      result: halted,
      published: false,
    });
    // A halt arriving after an attempt started changes nothing the store says: the gate decides.
    await store.begin('started-1', 'run-h', 'key-s');
    await expect(store.begin('started-1', 'run-h', 'key-s', halted)).resolves.toEqual({
      kind: 'interrupted',
    });
  });

  it('reports an attempt as first, then interrupted until it finishes, then finished until published', async () => {
    const result: ToolCallResult = { kind: 'succeeded', status_code: 201, response: { ticket_id: 'T-1' } };

    await expect(store.begin('proposal-1', 'run-1', 'key-1')).resolves.toEqual({ kind: 'first' });
    await expect(store.begin('proposal-1', 'run-1', 'key-1')).resolves.toEqual({ kind: 'interrupted' });
    await store.finish('proposal-1', result);
    await expect(store.begin('proposal-1', 'run-1', 'key-1')).resolves.toEqual({
      kind: 'finished',
      result,
      published: false,
    });
    await store.markPublished(['proposal-1']);
    await expect(store.begin('proposal-1', 'run-1', 'key-1')).resolves.toEqual({
      kind: 'finished',
      result,
      published: true,
    });
  });

  it('stores a result holding NUL and a lone surrogate, which jsonb refuses, and reads back the same characters', async () => {
    const result: ToolCallResult = {
      kind: 'failed',
      reason_code: 'tool_call_failed',
      reason: 'create_ticket answered HTTP 500',
      status_code: 500,
      response: { 'na\u0000me': 'a\u0000b', half: 'x\uD800y' },
    };
    // The column type is what is under test: the old jsonb column could not hold this result.
    await expect(admin.query('SELECT $1::jsonb', [JSON.stringify(result)])).rejects.toThrow();

    await store.begin('proposal-2', 'run-2', 'key-2');
    await store.finish('proposal-2', result);

    await expect(store.begin('proposal-2', 'run-2', 'key-2')).resolves.toEqual({
      kind: 'finished',
      result,
      published: false,
    });
  });
});
