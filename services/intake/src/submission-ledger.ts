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
  // A proposal that arrived under a halt is claimed with the halt's answer, so a redelivery after
  // a resume repeats `halted` instead of accepting it (one outcome per proposal).
  `ALTER TABLE accepted_proposals ADD COLUMN IF NOT EXISTS halted_code text`,
  `ALTER TABLE accepted_proposals ADD COLUMN IF NOT EXISTS halted_reason text`,
];

/** The halt a proposal was claimed under, as its outcome will say. */
export interface ClaimedHalt {
  reason_code: string;
  reason: string;
}

export type ClaimResult = { status: 'new' | 'redelivered'; halted?: ClaimedHalt } | { status: 'replayed' };

/**
 * Remembers every proposal id intake accepted, with the hash of its content, durably, so a
 * replayed id is refused even after a restart. The same submission seen again (Kafka redelivery
 * after a crash) is not a replay: intake repeats its answer and the gates after it recognise the
 * proposal. A submission that reuses both the id and the CloudEvent id with other content is a
 * replay too: one proposal id names one content, forever.
 */
export class SubmissionLedger {
  constructor(private readonly pool: Pool) {}

  /** `halted`: the halt in force now, kept with the claim; a redelivery gets the first claim's. */
  async claim(
    proposalId: string,
    submissionId: string,
    runId: string,
    proposalHash: string,
    halted?: ClaimedHalt,
  ): Promise<ClaimResult> {
    const inserted = await this.pool.query(
      `INSERT INTO accepted_proposals (proposal_id, submission_id, run_id, proposal_hash, halted_code, halted_reason)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (proposal_id) DO NOTHING`,
      [proposalId, submissionId, runId, proposalHash, halted?.reason_code ?? null, halted?.reason ?? null],
    );
    if (inserted.rowCount === 1) return halted === undefined ? { status: 'new' } : { status: 'new', halted };
    const existing = await this.pool.query<{
      submission_id: string;
      proposal_hash: string | null;
      halted_code: string | null;
      halted_reason: string | null;
    }>(
      'SELECT submission_id, proposal_hash, halted_code, halted_reason FROM accepted_proposals WHERE proposal_id = $1',
      [proposalId],
    );
    const earlier = existing.rows[0];
    const sameSubmission = earlier?.submission_id === submissionId && earlier.proposal_hash === proposalHash;
    if (!sameSubmission) return { status: 'replayed' };
    return earlier.halted_code === null
      ? { status: 'redelivered' }
      : {
          status: 'redelivered',
          halted: { reason_code: earlier.halted_code, reason: earlier.halted_reason ?? '' },
        };
  }
}
