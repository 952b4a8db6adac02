import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ClickHouseHttp } from '@airlock/clickhouse';

/** Each stack (demo, every e2e run) keeps its audit rows apart, as it does its topics. */
export function auditDatabaseName(namespace: string): string {
  return namespace ? `airlock_${namespace}` : 'airlock';
}

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

/** Applies every schemas/clickhouse/*.sql file in name order; each statement is idempotent. */
export async function migrateAuditDatabase(
  client: ClickHouseHttp,
  database: string,
  schemaDir: string = findClickHouseSchemaDir(),
): Promise<void> {
  const files = readdirSync(schemaDir)
    .filter((name) => name.endsWith('.sql'))
    .sort();
  for (const file of files) {
    for (const statement of schemaStatements(readFileSync(join(schemaDir, file), 'utf8'), database)) {
      await client.execute(statement);
    }
  }
}
