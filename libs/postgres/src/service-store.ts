import { Client, Pool, type PoolClient } from 'pg';

export interface ServiceStoreOptions {
  url: string;
  service: string;
  namespace: string;
  /** Idempotent DDL (CREATE ... IF NOT EXISTS) run at start-up, in order. */
  migrations: readonly string[];
  /**
   * A statement that waits longer than this (a lock held elsewhere, an overloaded server) fails
   * with SQLSTATE 57014, which the gate pipeline retries with backoff: a consumer never hangs on
   * PostgreSQL without saying so.
   */
  statementTimeoutMs?: number;
}

export const defaultStatementTimeoutMs = 15000;

/** Each service owns one schema; a namespace keeps test stacks and the demo apart in one database. */
export function storeSchemaName(service: string, namespace: string): string {
  return namespace ? `${namespace}_${service}` : `airlock_${service}`;
}

const databaseCreationRaceCodes = new Set(['42P04', '23505']);

async function ensureDatabaseExists(url: string): Promise<void> {
  const target = new URL(url);
  const database = decodeURIComponent(target.pathname.replace(/^\//, ''));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
  } catch (error) {
    // Two services starting together race to create the database; losing that race is fine. The
    // loser sees 42P04 (duplicate_database) or, when both passed the check at once, 23505 from the
    // catalog's unique index.
    if (!databaseCreationRaceCodes.has((error as { code?: string }).code ?? '')) throw error;
  } finally {
    await client.end();
  }
}

/**
 * Opens the service's durable store: creates the database and the service's schema when missing
 * and runs its migrations, under an advisory lock so replicas starting together do not collide.
 */
export async function openServiceStore(options: ServiceStoreOptions): Promise<Pool> {
  await ensureDatabaseExists(options.url);
  const schema = storeSchemaName(options.service, options.namespace);
  const pool = new Pool({
    connectionString: options.url,
    max: 5,
    options: `-c search_path=${schema}`,
    statement_timeout: options.statementTimeoutMs ?? defaultStatementTimeoutMs,
    connectionTimeoutMillis: 10000,
  });
  // An idle connection that the server drops (restart, failover) is reported here; without a
  // listener Node would end the process. The next query fails instead, and is retried (ADR 0006).
  pool.on('error', () => undefined);
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [schema]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    for (const statement of options.migrations) await client.query(statement);
    await client.query('SELECT pg_advisory_unlock(hashtext($1))', [schema]);
  } finally {
    client.release();
  }
  return pool;
}

/** Runs `work` in one transaction; any error rolls it back. */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}
