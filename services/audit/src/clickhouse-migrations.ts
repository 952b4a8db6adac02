import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { sqlString, type ClickHouseHttp } from '@airlock/clickhouse';

/**
 * The DDL lives in the repo's schemas/ rather than in code; it is found by walking up because this
 * file runs both from services/audit/src (ts-jest, ts-node) and from dist/services/audit/src.
 */
export function findClickHouseSchemaDir(start: string = __dirname): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, 'schemas', 'clickhouse');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) throw new Error(`no schemas/clickhouse directory above ${start}`);
  }
}

/** Splits a DDL file on ';' at the end of a line; whole-line `--` comments are dropped. */
export function splitStatements(sql: string): string[] {
  const withoutComments = sql
    .split('\n')
    .filter((line) => !line.trim().startsWith('--'))
    .join('\n');
  return withoutComments
    .split(/;[ \t]*\r?(?:\n|$)/)
    .map((statement) => statement.trim())
    .filter((statement) => statement !== '');
}

export function schemaStatements(sql: string, database: string): string[] {
  return splitStatements(sql.replace(/\{database\}/g, database));
}

/**
 * A column the current `events` layout has and the one before ADR 0007 lacked. Its absence marks a
 * table sorted by (run_id, event_id), on which a gate's row collapses with any event that reuses
 * its id, whatever the topic.
 */
export const currentLayoutMarkerColumn = 'attestation';

/** 'events_retired_20240501123456': when the old table was set aside, in UTC. */
export function retiredEventsTableName(now: Date): string {
  return `events_retired_${now.toISOString().slice(0, 19).replace(/\D/g, '')}`;
}

/**
 * Sets an `events` table of the old layout aside under a dated name, rows intact, so that the
 * schema files create the current one. ClickHouse cannot change a sorting key's columns in place,
 * and the old key is what let an agent blind audit. Views name `events` and follow the new table.
 * Returns the retired table's name, if one was retired.
 *
 * Meant for the single audit instance of a local stack: two instances starting on an old database
 * at the same moment could both rename. No released version ever had the old layout.
 */
export async function retireOldEventsTable(
  client: ClickHouseHttp,
  database: string,
  now: Date = new Date(),
): Promise<string | undefined> {
  const columns = await client.select<{ name: string }>(
    `SELECT name FROM system.columns WHERE database = ${sqlString(database)} AND table = 'events'`,
  );
  if (columns.length === 0 || columns.some((column) => column.name === currentLayoutMarkerColumn)) {
    return undefined;
  }
  const retired = retiredEventsTableName(now);
  await client.execute(`RENAME TABLE ${database}.events TO ${database}.${retired}`);
  return retired;
}

/**
 * Columns `events` gained after its current layout: 001_events.sql creates them in a new table, and
 * an existing table gets them here, in place (18.16 has no ADD COLUMN IF NOT EXISTS). Rows written
 * before read the default, and the hash chain leaves an empty later column out (ADR 0007 addendum).
 */
export const laterEventColumns = [{ name: 'team', type: 'String', after: 'tool' }] as const;

async function addLaterEventColumns(client: ClickHouseHttp, database: string): Promise<void> {
  const existing = async () =>
    new Set(
      (
        await client.select<{ name: string }>(
          `SELECT name FROM system.columns WHERE database = ${sqlString(database)} AND table = 'events'`,
        )
      ).map((column) => column.name),
    );
  const columns = await existing();
  if (columns.size === 0) return;
  for (const column of laterEventColumns) {
    if (columns.has(column.name)) continue;
    try {
      await client.execute(
        `ALTER TABLE ${database}.events ADD COLUMN ${column.name} ${column.type} AFTER ${column.after}`,
      );
    } catch (error) {
      // Another audit instance starting at the same moment may have added it first.
      if (!(await existing()).has(column.name)) throw error;
    }
  }
}

/**
 * Retires an old-layout `events` table and adds later columns to a current one, then applies every
 * schemas/clickhouse/*.sql file in name order; each statement is idempotent. Returns the name of
 * the retired table, if any.
 */
export async function migrateAuditDatabase(
  client: ClickHouseHttp,
  database: string,
  options: { schemaDir?: string; now?: Date } = {},
): Promise<{ retiredTable: string | undefined }> {
  const schemaDir = options.schemaDir ?? findClickHouseSchemaDir();
  const retiredTable = await retireOldEventsTable(client, database, options.now);
  await addLaterEventColumns(client, database);
  const files = readdirSync(schemaDir)
    .filter((name) => name.endsWith('.sql'))
    .sort();
  for (const file of files) {
    for (const statement of schemaStatements(readFileSync(join(schemaDir, file), 'utf8'), database)) {
      await client.execute(statement);
    }
  }
  return { retiredTable };
}
