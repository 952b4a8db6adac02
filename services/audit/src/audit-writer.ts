import { chainRow, type AuditRow, type ChainedAuditRow } from '@airlock/audit-record';
import type { ChainedRunStore, ChainLink } from './chained-run-store';

export interface AuditWriterOptions {
  maxBatchRows: number;
  maxDelayMs: number;
}

const defaultOptions: AuditWriterOptions = { maxBatchRows: 200, maxDelayMs: 25 };

interface PendingRow {
  row: AuditRow;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Writes audit rows in batches. `record` resolves only once the row's batch is in ClickHouse, so the
 * Kafka offset is committed after the insert and a crash loses nothing; redelivered events are
 * recognised by event id and neither stored nor chained twice. Flushes run one at a time because
 * each one extends the hash chains the previous one left.
 */
export class AuditWriter {
  private pending: PendingRow[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushes: Promise<void> = Promise.resolve();
  private readonly chainHeads = new Map<string, ChainLink>();
  private readonly options: AuditWriterOptions;

  constructor(
    private readonly store: ChainedRunStore,
    options: Partial<AuditWriterOptions> = {},
  ) {
    this.options = { ...defaultOptions, ...options };
  }

  record(row: AuditRow): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ row, resolve, reject });
      if (this.pending.length >= this.options.maxBatchRows) this.startFlush();
      else if (this.timer === undefined)
        this.timer = setTimeout(() => this.startFlush(), this.options.maxDelayMs);
    });
  }

  private startFlush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    this.flushes = this.flushes.then(() => this.flush(batch));
  }

  private async flush(batch: readonly PendingRow[]): Promise<void> {
    try {
      await this.write(batch.map((pending) => pending.row));
      for (const pending of batch) pending.resolve();
    } catch (error) {
      // The insert may have landed before the error: reload these runs' heads from ClickHouse next time.
      for (const pending of batch) this.chainHeads.delete(pending.row.run_id);
      for (const pending of batch) pending.reject(error);
    }
  }

  private async write(rows: readonly AuditRow[]): Promise<void> {
    const unique = [...new Map(rows.map((row) => [row.event_id, row])).values()];
    const stored = await this.store.storedEventIds(unique);
    const fresh = unique.filter((row) => !stored.has(row.event_id));
    if (fresh.length === 0) return;
    const { chained, heads } = await this.chain(fresh);
    await this.store.insert(chained);
    for (const [runId, head] of heads) this.chainHeads.set(runId, head);
  }

  /** Chains the rows onto their runs without touching the cached heads, which change only after the insert. */
  private async chain(
    rows: readonly AuditRow[],
  ): Promise<{ chained: ChainedAuditRow[]; heads: Map<string, ChainLink> }> {
    const heads = new Map<string, ChainLink>();
    const chained: ChainedAuditRow[] = [];
    for (const row of rows) {
      const previous = heads.get(row.run_id) ?? (await this.storedHead(row.run_id));
      const linked = chainRow(previous, row);
      heads.set(row.run_id, { seq: linked.seq, hash: linked.hash });
      chained.push(linked);
    }
    return { chained, heads };
  }

  private async storedHead(runId: string): Promise<ChainLink | undefined> {
    return this.chainHeads.get(runId) ?? (await this.store.lastLink(runId));
  }
}
