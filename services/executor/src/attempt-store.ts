import type { Pool } from 'pg';
import { statusCheckMigration } from '@airlock/postgres';
import type { HaltReasonCode } from '@airlock/halts';
import type { ToolCallResult } from './http-tool-adapter';

/**
 * How an attempt ended: the tool's answer, or a halt (ADR 0009) or the run's end that stopped it
 * before any call.
 */
export type AttemptResult =
  ToolCallResult | { kind: 'halted'; reason_code: HaltReasonCode | 'run_expired'; reason: string };

/** Every status an attempt may have: started before the call, then how it ended. */
const attemptStatuses = ['started', 'succeeded', 'failed', 'unknown', 'halted'] as const;

export const attemptStoreMigrations = [
  `CREATE TABLE IF NOT EXISTS attempts (
     proposal_id     text PRIMARY KEY,
     run_id          text NOT NULL,
     idempotency_key text NOT NULL,
     status          text NOT NULL,
     result          text,
     published       boolean NOT NULL DEFAULT false,
     started_at      timestamptz NOT NULL DEFAULT now(),
     finished_at     timestamptz
   )`,
  // result holds JSON as text, not jsonb: jsonb refuses a tool's "\u0000" or lone-surrogate escape,
  // and a result the store cannot write would leave the attempt looking interrupted forever.
  // Guarded so that re-running it at every start-up does not even lock the table.
  `DO $$
   BEGIN
     IF EXISTS (SELECT 1 FROM information_schema.columns
                WHERE table_schema = current_schema() AND table_name = 'attempts'
                  AND column_name = 'result' AND data_type = 'jsonb') THEN
       ALTER TABLE attempts ALTER COLUMN result TYPE text USING result::text;
     END IF;
   END $$`,
  // 'halted' joined the statuses with the kill switch.
  statusCheckMigration('attempts', attemptStatuses),
];

export type AttemptState =
  | { kind: 'first' }
  | { kind: 'interrupted' }
  | { kind: 'finished'; result: AttemptResult; published: boolean };

/**
 * The durable record that makes execution at-most-once: an attempt is written before the tool is
 * called, so after a crash we know a call may have happened, and a redelivered reservation finds
 * the finished result instead of calling again.
 */
export class AttemptStore {
  constructor(private readonly pool: Pool) {}

  /**
   * `halted`: a halt in force now. A first attempt is then recorded as finished by it, never
   * started, so a redelivery after a resume does not call the tool either.
   */
  async begin(
    proposalId: string,
    runId: string,
    idempotencyKey: string,
    halted?: Extract<AttemptResult, { kind: 'halted' }>,
  ): Promise<AttemptState> {
    const inserted = await this.pool.query(
      `INSERT INTO attempts (proposal_id, run_id, idempotency_key, status, result, finished_at)
       VALUES ($1, $2, $3, $4, $5, CASE WHEN $4 = 'started' THEN NULL ELSE now() END)
       ON CONFLICT (proposal_id) DO NOTHING`,
      [proposalId, runId, idempotencyKey, halted?.kind ?? 'started', halted ? JSON.stringify(halted) : null],
    );
    if (inserted.rowCount === 1) {
      return halted ? { kind: 'finished', result: halted, published: false } : { kind: 'first' };
    }
    const existing = await this.pool.query<{
      status: string;
      result: string | null;
      published: boolean;
    }>('SELECT status, result, published FROM attempts WHERE proposal_id = $1', [proposalId]);
    const row = existing.rows[0];
    if (!row || row.status === 'started' || row.result === null) return { kind: 'interrupted' };
    return { kind: 'finished', result: JSON.parse(row.result) as AttemptResult, published: row.published };
  }

  /**
   * Set once the results are on Kafka: a later redelivery then publishes nothing a second time. A
   * window's attempts in one statement: this runs while the partition waits for its next window.
   */
  async markPublished(proposalIds: readonly string[]): Promise<void> {
    await this.pool.query('UPDATE attempts SET published = true WHERE proposal_id = ANY($1::text[])', [
      proposalIds,
    ]);
  }

  /** JSON.stringify writes NUL and lone surrogates as ASCII escapes, so any result fits the text column. */
  async finish(proposalId: string, result: AttemptResult): Promise<void> {
    await this.pool.query(
      `UPDATE attempts SET status = $2, result = $3, finished_at = now() WHERE proposal_id = $1`,
      [proposalId, result.kind, JSON.stringify(result)],
    );
  }
}
