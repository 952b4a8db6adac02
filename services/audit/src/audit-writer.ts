import {
  chainRow,
  storedEventKey,
  toQuarantineRow,
  type AuditRow,
  type ChainedAuditRow,
  type QuarantineRow,
  type QuarantineSource,
} from '@airlock/audit-record';
import { AirlockError, InfrastructureError } from '@airlock/contracts';
import type { AuditStore, ChainLink } from './audit.store';

/** What one consumed message becomes: an event row, or a quarantine row saying why not. */
export type AuditEntry =
  { kind: 'event'; row: AuditRow; source: QuarantineSource } | { kind: 'quarantine'; row: QuarantineRow };

type EventEntry = Extract<AuditEntry, { kind: 'event' }>;

/** What became of the entries of one `record` call, besides being stored. */
export interface WriteReport {
  /** Event rows ClickHouse refused, now in quarantine instead. */
  refused: QuarantineRow[];
}

export interface AuditWriterOptions {
  maxBatchRows: number;
  maxDelayMs: number;
  now: () => Date;
}

/**
 * Every insert costs ClickHouse a new part, whatever its size: rows wait up to 100 ms to share one
 * (hundreds under load; the consumer hands over every partition of a fetch at once), which keeps
 * the audit lag well under its 2 s goal.
 */
const defaultOptions: AuditWriterOptions = { maxBatchRows: 1000, maxDelayMs: 100, now: () => new Date() };

/** The queries the writer makes; AuditStore in production. */
export type AuditWriterStore = Pick<
  AuditStore,
  'lastLinks' | 'storedEventKeys' | 'insertEvents' | 'insertQuarantine'
>;

interface PendingCall {
  entries: readonly AuditEntry[];
  resolve: (report: WriteReport) => void;
  reject: (error: InfrastructureError) => void;
}

/**
 * Writes audit rows in batches, the entries of concurrent calls in one insert. `record` resolves
 * only once every entry is in ClickHouse (as an event or in quarantine), so the Kafka offset is
 * committed after the insert and a crash loses nothing; redelivered events are recognised by
 * storedEventKey and neither stored nor chained twice. Flushes run one at a time because each
 * extends the hash chains the previous one left.
 *
 * One bad row never stops the audit: when ClickHouse refuses a batch for what it holds, the rows go
 * in one by one, a refused row goes to quarantine and is left out of its run's chain, and the next
 * row of that run links to the last one stored. `record` rejects only with an InfrastructureError,
 * when ClickHouse is away; the consumer then retries the whole batch, which dedup makes safe.
 */
export class AuditWriter {
  private pending: PendingCall[] = [];
  private pendingEntries = 0;
  private timer: NodeJS.Timeout | undefined;
  private flushes: Promise<void> = Promise.resolve();
  private readonly chainHeads = new Map<string, ChainLink>();
  private readonly options: AuditWriterOptions;

  constructor(
    private readonly store: AuditWriterStore,
    options: Partial<AuditWriterOptions> = {},
  ) {
    this.options = { ...defaultOptions, ...options };
  }

  record(entries: readonly AuditEntry[]): Promise<WriteReport> {
    if (entries.length === 0) return Promise.resolve({ refused: [] });
    return new Promise((resolve, reject) => {
      this.pending.push({ entries, resolve, reject });
      this.pendingEntries += entries.length;
      if (this.pendingEntries >= this.options.maxBatchRows) this.startFlush();
      else if (this.timer === undefined)
        this.timer = setTimeout(() => this.startFlush(), this.options.maxDelayMs);
    });
  }

  private startFlush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const calls = this.pending;
    this.pending = [];
    this.pendingEntries = 0;
    if (calls.length === 0) return;
    this.flushes = this.flushes.then(() => this.flush(calls));
  }

  private async flush(calls: readonly PendingCall[]): Promise<void> {
    const entries = calls.flatMap((call) => call.entries);
    try {
      const refused = await this.write(entries);
      for (const call of calls) {
        call.resolve({ refused: call.entries.flatMap((entry) => refused.get(entry) ?? []) });
      }
    } catch (error) {
      // An insert may have landed before the error: reload these runs' heads from ClickHouse next time.
      for (const entry of entries) if (entry.kind === 'event') this.chainHeads.delete(entry.row.run_id);
      const failure = asRetriable(error);
      for (const call of calls) call.reject(failure);
    }
  }

  /** Stores the events, then the quarantine (including refused events); returns the refused ones. */
  private async write(entries: readonly AuditEntry[]): Promise<Map<AuditEntry, QuarantineRow>> {
    const events = entries.filter((entry): entry is EventEntry => entry.kind === 'event');
    const refused = await this.storeEvents(events);
    const quarantine = entries.flatMap((entry) =>
      entry.kind === 'quarantine' ? [entry.row] : (refused.get(entry) ?? []),
    );
    // The quarantine is the last resort: if it refuses too, the store itself is broken and the
    // batch must wait (as an InfrastructureError) rather than be committed with a message lost.
    if (quarantine.length > 0) await this.store.insertQuarantine(quarantine);
    return refused;
  }

  private async storeEvents(entries: readonly EventEntry[]): Promise<Map<AuditEntry, QuarantineRow>> {
    const fresh = await this.freshEvents(entries);
    if (fresh.length === 0) return new Map();
    try {
      await this.insertChained(fresh);
      return new Map();
    } catch (error) {
      if (isRetriable(error)) throw error;
      // ClickHouse refused the batch for what a row holds; an insert fails whole, so none landed.
      return this.storeOneByOne(fresh);
    }
  }

  /** One event per id within the batch, and none that is stored already. */
  private async freshEvents(entries: readonly EventEntry[]): Promise<EventEntry[]> {
    const unique = new Map<string, EventEntry>();
    for (const entry of entries) {
      const key = storedEventKey(entry.row);
      if (!unique.has(key)) unique.set(key, entry);
    }
    const stored = await this.store.storedEventKeys([...unique.values()].map((entry) => entry.row));
    return [...unique.entries()].filter(([key]) => !stored.has(key)).map(([, entry]) => entry);
  }

  private async storeOneByOne(entries: readonly EventEntry[]): Promise<Map<AuditEntry, QuarantineRow>> {
    const refused = new Map<AuditEntry, QuarantineRow>();
    for (const entry of entries) {
      try {
        await this.insertChained([entry]);
      } catch (error) {
        if (isRetriable(error)) throw error;
        // Not chained: the run's head stays at its last stored row, so the chain has no gap.
        const reason = `ClickHouse refused the row: ${(error as Error).message}`;
        refused.set(
          entry,
          toQuarantineRow(entry.source, 'refused_by_clickhouse', reason, this.options.now()),
        );
      }
    }
    return refused;
  }

  /** Chains the rows onto their runs and inserts them; the cached heads move only once they are in. */
  private async insertChained(entries: readonly EventEntry[]): Promise<void> {
    const heads = await this.headsOf(entries.map(({ row }) => row.run_id));
    const chained: ChainedAuditRow[] = [];
    for (const { row } of entries) {
      const linked = chainRow(heads.get(row.run_id), row);
      heads.set(row.run_id, { seq: linked.seq, hash: linked.hash });
      chained.push(linked);
    }
    await this.store.insertEvents(chained, this.options.now());
    for (const [runId, head] of heads) this.chainHeads.set(runId, head);
  }

  /** Each run's current head: cached when this writer extended it last, else read, all in one query. */
  private async headsOf(runIds: readonly string[]): Promise<Map<string, ChainLink>> {
    const heads = new Map<string, ChainLink>();
    const uncached: string[] = [];
    for (const runId of new Set(runIds)) {
      const cached = this.chainHeads.get(runId);
      if (cached === undefined) uncached.push(runId);
      else heads.set(runId, cached);
    }
    if (uncached.length > 0)
      for (const [runId, link] of await this.store.lastLinks(uncached)) heads.set(runId, link);
    return heads;
  }
}

function isRetriable(error: unknown): boolean {
  return error instanceof AirlockError && error.retriable;
}

/** The consumer retries the batch on any failure here; say so in the error's type (ADR 0006). */
function asRetriable(error: unknown): InfrastructureError {
  if (error instanceof InfrastructureError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new InfrastructureError('audit_store_failed', `audit could not store a batch: ${message}`, {
    cause: error,
  });
}
