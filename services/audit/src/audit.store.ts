import {
  storedEventKey,
  toClickHouseDateTime,
  type AuditRow,
  type ChainedAuditRow,
  type QuarantineRow,
} from '@airlock/audit-record';
import { sqlString, type ClickHouseHttp } from '@airlock/clickhouse';

/** The last link of a run's hash chain: what the next row of that run is chained to. */
export interface ChainLink {
  seq: number;
  hash: string;
}

/** Keeps each "already stored?" query far below ClickHouse's 256 KiB max_query_size. */
const maxRowsPerLookup = 100;

function sqlList(values: Iterable<string>): string {
  return [...values].map(sqlString).join(', ');
}

/**
 * Every query the audit service makes on `events` and `quarantine` as it records them, in one
 * place; what others read of them is AuditReader's (@airlock/audit-reading).
 */
export class AuditStore {
  constructor(
    private readonly client: ClickHouseHttp,
    readonly database: string,
  ) {}

  /**
   * The last link of each of these runs' chains (runs with no rows are absent), in one query per
   * hundred runs rather than one per run: a batch of fresh runs must not cost a query each.
   */
  async lastLinks(runIds: readonly string[]): Promise<Map<string, ChainLink>> {
    const links = new Map<string, ChainLink>();
    for (let start = 0; start < runIds.length; start += maxRowsPerLookup) {
      const chunk = runIds.slice(start, start + maxRowsPerLookup);
      // Aliases differ from the columns: ClickHouse would read `seq` inside argMax as the alias.
      const found = await this.client.select<{ run_id: string; head_seq: number; head_hash: string }>(
        `SELECT run_id, max(seq) AS head_seq, argMax(hash, seq) AS head_hash FROM ${this.database}.events FINAL ` +
          `WHERE run_id IN (${sqlList(chunk)}) GROUP BY run_id`,
      );
      for (const { run_id, head_seq, head_hash } of found)
        links.set(run_id, { seq: Number(head_seq), hash: head_hash });
    }
    return links;
  }

  /**
   * The storedEventKey of each of these rows that is stored already. The run ids narrow the scan
   * to the table's key prefix; the key itself is compared here, not in SQL, so it is defined once.
   */
  async storedEventKeys(rows: readonly AuditRow[]): Promise<Set<string>> {
    const stored = new Set<string>();
    for (let start = 0; start < rows.length; start += maxRowsPerLookup) {
      const chunk = rows.slice(start, start + maxRowsPerLookup);
      const found = await this.client.select<Pick<AuditRow, 'run_id' | 'topic' | 'event_id' | 'attestation'>>(
        `SELECT run_id, topic, event_id, attestation FROM ${this.database}.events ` +
          `WHERE run_id IN (${sqlList(new Set(chunk.map((row) => row.run_id)))}) ` +
          `AND event_id IN (${sqlList(new Set(chunk.map((row) => row.event_id)))})`,
      );
      for (const row of found) stored.add(storedEventKey(row));
    }
    return stored;
  }

  /** inserted_at is written here because 18.16 leaves a column omitted from JSONEachRow at zero. */
  async insertEvents(rows: readonly ChainedAuditRow[], insertedAt: Date = new Date()): Promise<void> {
    const inserted_at = toClickHouseDateTime(insertedAt);
    await this.client.insert(
      `${this.database}.events`,
      rows.map((row) => ({ ...row, inserted_at })),
    );
  }

  async insertQuarantine(rows: readonly QuarantineRow[]): Promise<void> {
    await this.client.insert(`${this.database}.quarantine`, rows);
  }
}
