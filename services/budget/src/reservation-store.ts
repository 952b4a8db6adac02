import type { Pool } from 'pg';
import { decideReservation, type RunUsage } from '@airlock/budget-ledger';
import type { BudgetLimits } from '@airlock/contracts';
import { inTransaction } from '@airlock/postgres';

export const reservationStoreMigrations = [
  `CREATE TABLE IF NOT EXISTS run_usage (
     run_id          text PRIMARY KEY,
     calls           integer NOT NULL DEFAULT 0,
     spend_micro_usd bigint  NOT NULL DEFAULT 0
   )`,
  `CREATE TABLE IF NOT EXISTS reservations (
     proposal_id    text PRIMARY KEY,
     run_id         text NOT NULL,
     status         text NOT NULL CHECK (status IN ('reserved', 'refused', 'released')),
     cost_micro_usd bigint NOT NULL,
     refusal_code   text,
     refusal_reason text,
     decided_at     timestamptz NOT NULL DEFAULT now()
   )`,
];

export type ReservationRecord =
  | { status: 'reserved' | 'released'; cost_micro_usd: number }
  | { status: 'refused'; cost_micro_usd: number; code: string; reason: string };

interface ReservationRow {
  status: 'reserved' | 'refused' | 'released';
  cost_micro_usd: string;
  refusal_code: string | null;
  refusal_reason: string | null;
}

function toRecord(row: ReservationRow): ReservationRecord {
  const cost = Number(row.cost_micro_usd);
  return row.status === 'refused'
    ? {
        status: 'refused',
        cost_micro_usd: cost,
        code: row.refusal_code ?? '',
        reason: row.refusal_reason ?? '',
      }
    : { status: row.status, cost_micro_usd: cost };
}

/**
 * The run ledger in PostgreSQL. The run's row is locked while a reservation is decided, so two
 * replicas (or a restarted one) can never both grant the last unit under a cap; the decision per
 * proposal is stored, so a redelivered event gets the same answer instead of a second reservation.
 */
export class ReservationStore {
  constructor(private readonly pool: Pool) {}

  /**
   * `halted`: the halt in force now; the proposal is then refused with it, durably, so that a
   * redelivery after a resume gives the same answer.
   */
  async reserve(
    proposalId: string,
    runId: string,
    costUsd: number,
    limits: BudgetLimits['per_run'],
    halted?: { code: string; reason: string },
  ): Promise<ReservationRecord> {
    return inTransaction(this.pool, async (client) => {
      // Creates the run's row or locks the existing one, and reads it, in one round trip: DO UPDATE
      // takes the same row lock as SELECT ... FOR UPDATE, which is what makes the cap exact.
      const locked = await client.query<{ calls: number; spend_micro_usd: string }>(
        `INSERT INTO run_usage (run_id) VALUES ($1)
         ON CONFLICT (run_id) DO UPDATE SET run_id = EXCLUDED.run_id
         RETURNING calls, spend_micro_usd`,
        [runId],
      );
      // Looked up under the run's lock: two instances handling one proposal's redelivery cannot both
      // find no decision and both reserve.
      const earlier = await client.query<ReservationRow>(
        'SELECT * FROM reservations WHERE proposal_id = $1',
        [proposalId],
      );
      if (earlier.rows[0]) return toRecord(earlier.rows[0]);
      const row = locked.rows[0] ?? { calls: 0, spend_micro_usd: '0' };
      const usage: RunUsage = { calls: row.calls, spend_micro_usd: Number(row.spend_micro_usd) };
      const decision = halted
        ? ({ ok: false, ...halted } as const)
        : decideReservation(usage, limits, costUsd, runId);
      if (!decision.ok) {
        await client.query(
          `INSERT INTO reservations (proposal_id, run_id, status, cost_micro_usd, refusal_code, refusal_reason)
           VALUES ($1, $2, 'refused', 0, $3, $4)`,
          [proposalId, runId, decision.code, decision.reason],
        );
        return { status: 'refused', cost_micro_usd: 0, code: decision.code, reason: decision.reason };
      }
      await client.query(
        `WITH spent AS (UPDATE run_usage SET calls = $3, spend_micro_usd = $4 WHERE run_id = $2)
         INSERT INTO reservations (proposal_id, run_id, status, cost_micro_usd) VALUES ($1, $2, 'reserved', $5)`,
        [proposalId, runId, decision.usage.calls, decision.usage.spend_micro_usd, decision.cost_micro_usd],
      );
      return { status: 'reserved', cost_micro_usd: decision.cost_micro_usd };
    });
  }

  /** Gives a reservation back when the tool was never called; a second release changes nothing. */
  async release(proposalId: string): Promise<boolean> {
    return inTransaction(this.pool, async (client) => {
      const released = await client.query<{ run_id: string; cost_micro_usd: string }>(
        `UPDATE reservations SET status = 'released' WHERE proposal_id = $1 AND status = 'reserved'
         RETURNING run_id, cost_micro_usd`,
        [proposalId],
      );
      const row = released.rows[0];
      if (!row) return false;
      await client.query(
        'UPDATE run_usage SET calls = calls - 1, spend_micro_usd = spend_micro_usd - $2 WHERE run_id = $1',
        [row.run_id, row.cost_micro_usd],
      );
      return true;
    });
  }
}
