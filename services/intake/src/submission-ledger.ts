import type { Pool } from 'pg';

export const submissionLedgerMigrations = [
  `CREATE TABLE IF NOT EXISTS accepted_proposals (
     proposal_id   text PRIMARY KEY,
     submission_id text NOT NULL,
     run_id        text NOT NULL,
     accepted_at   timestamptz NOT NULL DEFAULT now()
   )`,
];

export type ClaimResult = 'new' | 'redelivered' | 'replayed';

/**
 * Remembers every proposal id intake accepted, durably, so a replayed id is refused even after a
 * restart. The same submission seen again (Kafka redelivery after a crash) is not a replay: intake
 * repeats its answer and the gates after it recognise the proposal.
 */
export class SubmissionLedger {
  constructor(private readonly pool: Pool) {}

  async claim(proposalId: string, submissionId: string, runId: string): Promise<ClaimResult> {
    const inserted = await this.pool.query(
      `INSERT INTO accepted_proposals (proposal_id, submission_id, run_id) VALUES ($1, $2, $3)
       ON CONFLICT (proposal_id) DO NOTHING`,
      [proposalId, submissionId, runId],
    );
    if (inserted.rowCount === 1) return 'new';
    const existing = await this.pool.query<{ submission_id: string }>(
      'SELECT submission_id FROM accepted_proposals WHERE proposal_id = $1',
      [proposalId],
    );
    return existing.rows[0]?.submission_id === submissionId ? 'redelivered' : 'replayed';
  }
}
