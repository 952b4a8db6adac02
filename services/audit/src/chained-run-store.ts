import { auditRowColumns, type AuditRow, type ChainedAuditRow } from '@airlock/audit-record';
import { sqlString, type ClickHouseHttp } from '@airlock/clickhouse';

/** The last link of a run's hash chain: what the next row of that run is chained to. */
export interface ChainLink {
  seq: number;
  hash: string;
}

const chainedColumns: readonly (keyof ChainedAuditRow)[] = [...auditRowColumns, 'seq', 'prev_hash', 'hash'];

function sqlList(values: Iterable<string>): string {
  return [...values].map(sqlString).join(', ');
}

/**
 * Every query the audit makes on `events`, in one place. Reads use FINAL: a redelivered event may
 * still sit in an unmerged part, and the chain must see each event once.
 */
export class ChainedRunStore {
  constructor(
    private readonly client: ClickHouseHttp,
    private readonly database: string,
  ) {}

  async lastLink(runId: string): Promise<ChainLink | undefined> {
    const [link] = await this.client.select<ChainLink>(
      `SELECT seq, hash FROM ${this.database}.events FINAL WHERE run_id = ${sqlString(runId)} ORDER BY seq DESC LIMIT 1`,
    );
    return link;
  }

  async loadRun(runId: string): Promise<ChainedAuditRow[]> {
    return this.client.select<ChainedAuditRow>(
      `SELECT ${chainedColumns.join(', ')} FROM ${this.database}.events FINAL WHERE run_id = ${sqlString(runId)} ORDER BY seq`,
    );
  }

  /** Which of these events are stored already; the run ids narrow the scan to the table's key prefix. */
  async storedEventIds(rows: readonly AuditRow[]): Promise<Set<string>> {
    if (rows.length === 0) return new Set();
    const runIds = new Set(rows.map((row) => row.run_id));
    const stored = await this.client.select<{ event_id: string }>(
      `SELECT event_id FROM ${this.database}.events WHERE run_id IN (${sqlList(runIds)}) ` +
        `AND event_id IN (${sqlList(rows.map((row) => row.event_id))})`,
    );
    return new Set(stored.map((row) => row.event_id));
  }

  async insert(rows: readonly ChainedAuditRow[]): Promise<void> {
    await this.client.insert(`${this.database}.events`, rows);
  }
}
