import {
  auditRowColumns,
  laterAuditRowColumns,
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

/** A quarantined message as verify-run lists it. */
export type QuarantinedMessage = Pick<
  QuarantineRow,
  'topic' | 'kafka_partition' | 'kafka_offset' | 'reason_code' | 'reason'
>;

/** Every column the hash covers, the later ones included: a row read without them fails verification. */
const chainedColumns: readonly (keyof ChainedAuditRow)[] = [
  ...auditRowColumns,
  ...laterAuditRowColumns,
  'seq',
  'prev_hash',
  'hash',
];

/** Keeps each "already stored?" query far below ClickHouse's 256 KiB max_query_size. */
const maxRowsPerLookup = 100;

function sqlList(values: Iterable<string>): string {
  return [...values].map(sqlString).join(', ');
}

/**
 * Every query the audit makes on `events` and `quarantine`, in one place. Reads of the chain use
 * FINAL: a redelivered event may still sit in an unmerged part, and the chain must see each event once.
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

  async loadRun(runId: string): Promise<ChainedAuditRow[]> {
    return this.client.select<ChainedAuditRow>(
      `SELECT ${chainedColumns.join(', ')} FROM ${this.database}.events FINAL WHERE run_id = ${sqlString(runId)} ORDER BY seq`,
    );
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

  /** Messages keyed to this run (its Kafka key) that audit could not record as events. */
  async quarantinedForRun(runId: string): Promise<QuarantinedMessage[]> {
    return this.client.select<QuarantinedMessage>(
      `SELECT topic, kafka_partition, kafka_offset, reason_code, reason FROM ${this.database}.quarantine FINAL ` +
        `WHERE kafka_key = ${sqlString(runId)} ORDER BY received_at, topic, kafka_partition, kafka_offset`,
    );
  }
}
