import type { Pool } from 'pg';
import type { OutcomeResolution, ProposalOutcome } from '@airlock/contracts';
import { inTransaction } from '@airlock/postgres';

export const unknownOutcomesMigrations = [
  // Calls whose outcome the executor could not tell (cut off after they were sent), until a human
  // finds out what happened and records it.
  `CREATE TABLE IF NOT EXISTS unknown_outcomes (
     proposal_id  text PRIMARY KEY,
     run_id       text NOT NULL,
     agent_id     text NOT NULL,
     tool         text NOT NULL,
     reason_code  text NOT NULL,
     reason       text NOT NULL,
     reported_at  timestamptz NOT NULL DEFAULT now(),
     happened     text CHECK (happened IN ('succeeded', 'failed')),
     note         text,
     resolved_by  text,
     resolved_at  timestamptz
   )`,
  `CREATE INDEX IF NOT EXISTS unknown_outcomes_open ON unknown_outcomes (reported_at) WHERE happened IS NULL`,
];

/** One call whose outcome was unknown, and what a human found, once they did. */
export interface UnknownOutcome {
  proposal_id: string;
  run_id: string;
  agent_id: string;
  tool: string;
  reason_code: string;
  reason: string;
  reported_at: Date;
  happened: OutcomeResolution['happened'] | null;
  note: string | null;
  resolved_by: string | null;
  resolved_at: Date | null;
}

export type ResolutionRequest = Pick<OutcomeResolution, 'happened' | 'note' | 'resolved_by'>;

/**
 * The queue of unknown outcomes in PostgreSQL. An outcome enters once (a redelivery changes
 * nothing); it is resolved once, by a conditional UPDATE, and its resolution is published inside
 * the same transaction, so a resolution the broker did not take is not recorded either.
 */
export class UnknownOutcomesStore {
  constructor(private readonly pool: Pool) {}

  async record(outcome: ProposalOutcome): Promise<void> {
    await this.pool.query(
      `INSERT INTO unknown_outcomes (proposal_id, run_id, agent_id, tool, reason_code, reason)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (proposal_id) DO NOTHING`,
      [
        outcome.proposal_id,
        outcome.run_id,
        outcome.agent_id ?? '',
        outcome.tool ?? '',
        outcome.reason_code,
        outcome.reason,
      ],
    );
  }

  async list(which: 'open' | 'resolved' | 'all'): Promise<UnknownOutcome[]> {
    const where = { open: 'WHERE happened IS NULL', resolved: 'WHERE happened IS NOT NULL', all: '' }[which];
    const listed = await this.pool.query<UnknownOutcome>(
      `SELECT * FROM unknown_outcomes ${where} ORDER BY reported_at LIMIT 500`,
    );
    return listed.rows;
  }

  /**
   * Resolves an open unknown outcome: undefined when there is none for the proposal, the stored
   * row unchanged when it was resolved already.
   */
  async resolve(
    proposalId: string,
    request: ResolutionRequest,
    publish: (resolution: OutcomeResolution) => Promise<void>,
  ): Promise<{ resolved: OutcomeResolution } | { already: UnknownOutcome } | undefined> {
    return inTransaction(this.pool, async (client) => {
      const updated = await client.query<UnknownOutcome>(
        `UPDATE unknown_outcomes SET happened = $2, note = $3, resolved_by = $4, resolved_at = now()
         WHERE proposal_id = $1 AND happened IS NULL
         RETURNING *`,
        [proposalId, request.happened, request.note, request.resolved_by],
      );
      const row = updated.rows[0];
      if (row === undefined) {
        const current = await client.query<UnknownOutcome>(
          'SELECT * FROM unknown_outcomes WHERE proposal_id = $1',
          [proposalId],
        );
        return current.rows[0] === undefined ? undefined : { already: current.rows[0] };
      }
      const resolution: OutcomeResolution = {
        proposal_id: row.proposal_id,
        run_id: row.run_id,
        agent_id: row.agent_id,
        tool: row.tool,
        happened: request.happened,
        note: request.note,
        resolved_by: request.resolved_by,
        resolved_at: (row.resolved_at ?? new Date()).toISOString(),
        unknown_reason_code: row.reason_code,
      };
      await publish(resolution);
      return { resolved: resolution };
    });
  }
}
