import { performance } from 'node:perf_hooks';
import { sqlString, type ClickHouseHttp } from '@airlock/clickhouse';
import { summarize, round, type LatencySummary } from './latency-stats';
import { sleep } from './open-loop';

/** An allowed proposal's run holds six events: submission, accepted, decision, reservation, executed, outcome. */
export const eventsPerAllowedRun = 6;
const pollMs = 250;
/** Run ids per query: keeps the query text well below ClickHouse's default 256 KiB limit. */
const runsPerQuery = 300;

export interface AuditLagSummary {
  sampled: number;
  /** Lags of the runs found complete; resolution is the poll interval (250 ms) plus the query's own time. */
  lag?: LatencySummary;
  /** Runs still incomplete when measuring stopped, and how long the oldest of them had waited. */
  incomplete: number;
  incompleteWaitedMs?: number;
}

interface TrackedRun {
  group: string;
  outcomeAt: number;
  completeAt?: number;
}

/**
 * Audit lag: from the moment a proposal's outcome reached the client to the moment all events of
 * its run can be queried in ClickHouse (with FINAL, as an analyst would read them). Polls in the
 * background while the load runs; only sampled runs are tracked, to keep the polling cheap.
 */
export class AuditLagProbe {
  private readonly runs = new Map<string, TrackedRun>();
  private running = false;
  private loop: Promise<void> | undefined;
  /** Queries sent, so their ClickHouse CPU can be told apart from Airlock's (see calibration). */
  queries = 0;
  queryErrors = 0;

  constructor(
    private readonly clickhouse: ClickHouseHttp,
    private readonly database: string,
  ) {}

  track(group: string, runId: string, outcomeAt: number): void {
    this.runs.set(runId, { group, outcomeAt });
  }

  start(): void {
    this.running = true;
    this.loop = this.pollUntilStopped();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** Stops tracking a group, e.g. the made-up runs of a calibration. */
  forget(group: string): void {
    for (const [runId, run] of this.runs) if (run.group === group) this.runs.delete(runId);
  }

  /** Waits until every tracked run of the group is complete, or the time is up. */
  async settle(group: string, timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline && this.pending(group).length > 0) await sleep(pollMs);
  }

  summary(group: string): AuditLagSummary {
    const runs = [...this.runs.values()].filter((run) => run.group === group);
    const complete = runs.filter((run) => run.completeAt !== undefined);
    const incomplete = runs.filter((run) => run.completeAt === undefined);
    const lag = summarize(complete.map((run) => (run.completeAt as number) - run.outcomeAt));
    const oldest = incomplete.reduce((min, run) => Math.min(min, run.outcomeAt), Infinity);
    return {
      sampled: runs.length,
      ...(lag === undefined ? {} : { lag }),
      incomplete: incomplete.length,
      ...(incomplete.length === 0 ? {} : { incompleteWaitedMs: round(performance.now() - oldest, 0) }),
    };
  }

  private pending(group?: string): string[] {
    return [...this.runs.entries()]
      .filter(([, run]) => run.completeAt === undefined && (group === undefined || run.group === group))
      .map(([runId]) => runId);
  }

  private async pollUntilStopped(): Promise<void> {
    while (this.running) {
      const pending = this.pending();
      for (let from = 0; from < pending.length; from += runsPerQuery) {
        await this.poll(pending.slice(from, from + runsPerQuery));
      }
      await sleep(pollMs);
    }
  }

  private async poll(runIds: string[]): Promise<void> {
    this.queries += 1;
    try {
      const rows = await this.clickhouse.select<{ run_id: string; events: number }>(
        `SELECT run_id, count() AS events FROM ${this.database}.events FINAL
         WHERE run_id IN (${runIds.map(sqlString).join(', ')}) GROUP BY run_id`,
      );
      const now = performance.now();
      for (const row of rows) {
        const run = this.runs.get(row.run_id);
        if (run && run.completeAt === undefined && Number(row.events) >= eventsPerAllowedRun)
          run.completeAt = now;
      }
    } catch {
      // The audit creates its database at start-up; until then, and on a slow answer, poll again.
      this.queryErrors += 1;
    }
  }
}
