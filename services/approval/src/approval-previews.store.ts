import type { Pool } from 'pg';
import type { ApprovalPreview } from '@airlock/contracts';

/**
 * Previews live beside the requests, not in a column of theirs: the executor reads one from the
 * same policy decision that opens the request, so a preview may arrive before its request row
 * exists (ADR 0017). `json`, not `jsonb`: it keeps the fields in the order the downstream API
 * answered them, the order an approver reads them in.
 */
export const approvalPreviewsMigrations = [
  `CREATE TABLE IF NOT EXISTS approval_previews (
     proposal_id   text PRIMARY KEY,
     proposal_hash text NOT NULL,
     preview       json NOT NULL,
     received_at   timestamptz NOT NULL DEFAULT now()
   )`,
];

export class ApprovalPreviewsStore {
  constructor(private readonly pool: Pool) {}

  /** The first preview of a proposal is kept; a redelivered one changes nothing. */
  async record(preview: ApprovalPreview): Promise<void> {
    await this.pool.query(
      `INSERT INTO approval_previews (proposal_id, proposal_hash, preview) VALUES ($1, $2, $3)
       ON CONFLICT (proposal_id) DO NOTHING`,
      [preview.proposal_id, preview.proposal_hash, preview],
    );
  }

  /** The preview read for exactly the content the request holds, if the executor sent one. */
  async find(proposalId: string): Promise<ApprovalPreview | undefined> {
    const found = await this.pool.query<{ preview: ApprovalPreview }>(
      `SELECT p.preview FROM approval_previews p
       JOIN approval_requests r
         ON r.proposal_id = p.proposal_id AND r.decision->>'proposal_hash' = p.proposal_hash
       WHERE p.proposal_id = $1`,
      [proposalId],
    );
    return found.rows[0]?.preview;
  }
}
