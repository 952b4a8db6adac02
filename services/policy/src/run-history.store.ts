import type { Pool, PoolClient } from 'pg';
import type { PolicyVerdict, RunHistory } from '@airlock/policy-engine';
import { emptyRunHistory } from '@airlock/policy-engine';
import { inTransaction } from '@airlock/postgres';

export const runHistoryStoreMigrations = [
  // What each run did so far, as the policy gate let it through (libs/policy-engine run-history).
  `CREATE TABLE IF NOT EXISTS run_history (
     run_id  text PRIMARY KEY,
     history jsonb NOT NULL
   )`,
  // The verdict per proposal: a redelivered proposal gets the answer it got the first time, not
  // one judged against a history that already holds it.
  `CREATE TABLE IF NOT EXISTS history_verdicts (
     proposal_id text PRIMARY KEY,
     run_id      text NOT NULL,
     verdict     jsonb NOT NULL,
     decided_at  timestamptz NOT NULL DEFAULT now()
   )`,
  // The executed calls whose answers are in their run's history: a redelivered executed event
  // finds its proposal here and changes nothing.
  `CREATE TABLE IF NOT EXISTS history_results (
     proposal_id text PRIMARY KEY,
     run_id      text NOT NULL,
     recorded_at timestamptz NOT NULL DEFAULT now()
   )`,
];

/** A row stored before a field of RunHistory existed reads as that field's empty value. */
const historyOf = (stored: RunHistory | undefined): RunHistory => ({ ...emptyRunHistory, ...stored });

/** A verdict given the history so far, and the history after it when the call was let through. */
export type HistoryJudge<V extends PolicyVerdict> = (history: RunHistory) => {
  verdict: V;
  next?: RunHistory;
};

/**
 * Run histories in PostgreSQL. The run's row is locked while a proposal is judged, so two policy
 * instances (or a restarted one) judge a run's proposals one after the other against the history
 * each left, and a redelivery finds the verdict it had.
 */
export class RunHistoryStore {
  constructor(private readonly pool: Pool) {}

  /** Locks the run's row until the transaction ends, creating it empty, and returns its history. */
  private async lockRun(client: PoolClient, runId: string): Promise<RunHistory> {
    const locked = await client.query<{ history: RunHistory }>(
      `INSERT INTO run_history (run_id, history) VALUES ($1, $2)
       ON CONFLICT (run_id) DO UPDATE SET run_id = EXCLUDED.run_id
       RETURNING history`,
      [runId, JSON.stringify(emptyRunHistory)],
    );
    return historyOf(locked.rows[0]?.history);
  }

  async judge<V extends PolicyVerdict>(
    proposalId: string,
    runId: string,
    judge: HistoryJudge<V>,
  ): Promise<V> {
    return inTransaction(this.pool, async (client) => {
      const history = await this.lockRun(client, runId);
      const earlier = await client.query<{ verdict: V }>(
        'SELECT verdict FROM history_verdicts WHERE proposal_id = $1',
        [proposalId],
      );
      if (earlier.rows[0]) return earlier.rows[0].verdict;
      const { verdict, next } = judge(history);
      await client.query(
        `WITH recorded AS (UPDATE run_history SET history = coalesce($4::jsonb, history) WHERE run_id = $2)
         INSERT INTO history_verdicts (proposal_id, run_id, verdict) VALUES ($1, $2, $3)`,
        [proposalId, runId, JSON.stringify(verdict), next === undefined ? null : JSON.stringify(next)],
      );
      return verdict;
    });
  }

  /**
   * Puts what an executed call's answer says into its run's history (`update`), under the same
   * lock as judging, once per proposal: false when this proposal's answer was recorded already.
   */
  async recordResult(
    proposalId: string,
    runId: string,
    update: (history: RunHistory) => RunHistory,
  ): Promise<boolean> {
    return inTransaction(this.pool, async (client) => {
      const history = await this.lockRun(client, runId);
      const first = await client.query(
        `INSERT INTO history_results (proposal_id, run_id) VALUES ($1, $2)
         ON CONFLICT (proposal_id) DO NOTHING`,
        [proposalId, runId],
      );
      if (first.rowCount === 0) return false;
      await client.query('UPDATE run_history SET history = $2 WHERE run_id = $1', [
        runId,
        JSON.stringify(update(history)),
      ]);
      return true;
    });
  }
}
