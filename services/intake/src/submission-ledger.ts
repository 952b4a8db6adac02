import type { Pool } from 'pg';

export const submissionLedgerMigrations = [
  `CREATE TABLE IF NOT EXISTS accepted_proposals (
     proposal_id   text PRIMARY KEY,
     submission_id text NOT NULL,
     run_id        text NOT NULL,
     accepted_at   timestamptz NOT NULL DEFAULT now()
   )`,
  // Ids are kept for good, which is longer than any freshness window (docs/limits.md): a proposal
  // that is still fresh can never be replayed past the ledger.
  `ALTER TABLE accepted_proposals ADD COLUMN IF NOT EXISTS proposal_hash text`,
];

export type ClaimResult = 'new' | 'redelivered' | 'replayed';

/**
 * Remembers every proposal id intake accepted, with the hash of its content, durably, so a
 * replayed id is refused even after a restart. The same submission seen again (Kafka redelivery
 * after a crash) is not a replay: intake repeats its answer and the gates after it recognise the
 * proposal. A submission that reuses both the id and the CloudEvent id with other content is a
 * replay too: one proposal id names one content, forever.
 */
export class SubmissionLedger {
  constructor(private readonly pool: Pool) {}

  async claim(
    proposalId: string,
    submissionId: string,
    runId: string,
    proposalHash: string,
  ): Promise<ClaimResult> {
    const inserted = await this.pool.query(
      `INSERT INTO accepted_proposals (proposal_id, submission_id, run_id, proposal_hash) VALUES ($1, $2, $3, $4)
       ON CONFLICT (proposal_id) DO NOTHING`,
      [proposalId, submissionId, runId, proposalHash],
    );
    if (inserted.rowCount === 1) return 'new';
    const existing = await this.pool.query<{ submission_id: string; proposal_hash: string | null }>(
      'SELECT submission_id, proposal_hash FROM accepted_proposals WHERE proposal_id = $1',
      [proposalId],
    );
    const earlier = existing.rows[0];
    const sameSubmission = earlier?.submission_id === submissionId && earlier.proposal_hash === proposalHash;
    return sameSubmission ? 'redelivered' : 'replayed';
  }
}
