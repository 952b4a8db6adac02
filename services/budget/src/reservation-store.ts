import type { Pool, PoolClient } from 'pg';
import {
  decideReservation,
  ledgerKey,
  type Charge,
  type RunUsage,
  type UsageKey,
} from '@airlock/budget-ledger';
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
  // The limits across runs (budgets.json `limits`): one row per limit, subject and window, in the
  // limit's unit (calls, micro-dollars or the meter's unit).
  `CREATE TABLE IF NOT EXISTS limit_usage (
     limit_id     text NOT NULL,
     subject      text NOT NULL,
     window_start timestamptz NOT NULL,
     used         bigint NOT NULL DEFAULT 0,
     PRIMARY KEY (limit_id, subject, window_start)
   )`,
  // What a reservation charged to each limit, so that a release gives back exactly that.
  `ALTER TABLE reservations ADD COLUMN IF NOT EXISTS charges jsonb NOT NULL DEFAULT '[]'`,
];

export type ChargeDecision = { ok: true } | { ok: false; code: string; reason: string };

/** Besides the run's own caps: what the call charges the ledger's rows, and how to judge them. */
export interface ReservationContext {
  /** A reason to refuse known before any cap is looked at: a halt in force, an unreadable meter. */
  refusal?: { code: string; reason: string };
  /** Rows of `limit_usage` the call adds to: limits across runs, stopping rules. */
  charges?: readonly Charge[];
  /** Whether the charges fit, given each charged row's usage so far (keyed by ledgerKey). */
  decide?: (used: ReadonlyMap<string, number>) => ChargeDecision;
}

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
   * `context.refusal` (a halt in force, say) is stored like any refusal, so that a redelivery after
   * a resume gives the same answer. `context.charges` are locked in one order
   * and admitted together with the run's own caps, or not at all.
   */
  async reserve(
    proposalId: string,
    runId: string,
    costUsd: number,
    limits: BudgetLimits['per_run'],
    context: ReservationContext = {},
  ): Promise<ReservationRecord> {
    const { refusal, charges = [] } = context;
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
      const runDecision = refusal
        ? ({ ok: false, ...refusal } as const)
        : decideReservation(usage, limits, costUsd, runId);
      const decision = runDecision.ok
        ? await this.decideCharges(client, charges, context.decide, runDecision)
        : runDecision;
      if (!decision.ok) {
        await client.query(
          `INSERT INTO reservations (proposal_id, run_id, status, cost_micro_usd, refusal_code, refusal_reason)
           VALUES ($1, $2, 'refused', 0, $3, $4)`,
          [proposalId, runId, decision.code, decision.reason],
        );
        return { status: 'refused', cost_micro_usd: 0, code: decision.code, reason: decision.reason };
      }
      await client.query(
        `WITH spent AS (UPDATE run_usage SET calls = $3, spend_micro_usd = $4 WHERE run_id = $2),
              charged AS (UPDATE limit_usage u SET used = u.used + c.amount
                          FROM unnest($6::text[], $7::text[], $8::timestamptz[], $9::bigint[])
                            AS c(limit_id, subject, window_start, amount)
                          WHERE u.limit_id = c.limit_id AND u.subject = c.subject AND u.window_start = c.window_start)
         INSERT INTO reservations (proposal_id, run_id, status, cost_micro_usd, charges)
         VALUES ($1, $2, 'reserved', $5, $10)`,
        [
          proposalId,
          runId,
          decision.usage.calls,
          decision.usage.spend_micro_usd,
          decision.cost_micro_usd,
          ...chargeColumns(charges),
          JSON.stringify(charges),
        ],
      );
      return { status: 'reserved', cost_micro_usd: decision.cost_micro_usd };
    });
  }

  /**
   * Locks the ledger rows the charges fall on (creating them at zero), in the charges' order, and
   * decides whether all of them fit. Two reservations lock shared rows in the same order.
   */
  private async decideCharges<T extends { ok: true }>(
    client: PoolClient,
    charges: readonly Charge[],
    decide: ReservationContext['decide'],
    admitted: T,
  ): Promise<T | { ok: false; code: string; reason: string }> {
    if (charges.length === 0 || decide === undefined) return admitted;
    const [limitIds, subjects, windowStarts] = chargeColumns(charges);
    const locked = await client.query<{
      limit_id: string;
      subject: string;
      window_start: Date;
      used: string;
    }>(
      `INSERT INTO limit_usage (limit_id, subject, window_start)
       SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[])
       ON CONFLICT (limit_id, subject, window_start) DO UPDATE SET used = limit_usage.used
       RETURNING limit_id, subject, window_start, used`,
      [limitIds, subjects, windowStarts],
    );
    const used = new Map(
      locked.rows.map((row) => [
        ledgerKey({ ...row, window_start: row.window_start.toISOString() }),
        Number(row.used),
      ]),
    );
    const decision = decide(used);
    return decision.ok ? admitted : decision;
  }

  /** The run's own usage (reserved and spent), zero for a run that never reserved. */
  async runUsage(runId: string): Promise<RunUsage> {
    const found = await this.pool.query<{ calls: number; spend_micro_usd: string }>(
      'SELECT calls, spend_micro_usd FROM run_usage WHERE run_id = $1',
      [runId],
    );
    const row = found.rows[0];
    return { calls: row?.calls ?? 0, spend_micro_usd: Number(row?.spend_micro_usd ?? 0) };
  }

  /** The usage in these ledger rows, keyed by ledgerKey; rows never charged are absent. */
  async usageOf(keys: readonly UsageKey[]): Promise<Map<string, number>> {
    if (keys.length === 0) return new Map();
    const [limitIds, subjects, windowStarts] = [
      keys.map((key) => key.limit_id),
      keys.map((key) => key.subject),
      keys.map((key) => key.window_start),
    ];
    const found = await this.pool.query<{
      limit_id: string;
      subject: string;
      window_start: Date;
      used: string;
    }>(
      `SELECT u.limit_id, u.subject, u.window_start, u.used
       FROM limit_usage u JOIN unnest($1::text[], $2::text[], $3::timestamptz[]) AS k(limit_id, subject, window_start)
         ON u.limit_id = k.limit_id AND u.subject = k.subject AND u.window_start = k.window_start`,
      [limitIds, subjects, windowStarts],
    );
    return new Map(
      found.rows.map((row) => [
        ledgerKey({ ...row, window_start: row.window_start.toISOString() }),
        Number(row.used),
      ]),
    );
  }

  /** Gives a reservation back when the tool was never called; a second release changes nothing. */
  async release(proposalId: string): Promise<boolean> {
    return inTransaction(this.pool, async (client) => {
      const released = await client.query<{ run_id: string; cost_micro_usd: string; charges: Charge[] }>(
        `UPDATE reservations SET status = 'released' WHERE proposal_id = $1 AND status = 'reserved'
         RETURNING run_id, cost_micro_usd, charges`,
        [proposalId],
      );
      const row = released.rows[0];
      if (!row) return false;
      await client.query(
        `WITH given_back AS (UPDATE limit_usage u SET used = u.used - c.amount
                             FROM unnest($3::text[], $4::text[], $5::timestamptz[], $6::bigint[])
                               AS c(limit_id, subject, window_start, amount)
                             WHERE u.limit_id = c.limit_id AND u.subject = c.subject AND u.window_start = c.window_start)
         UPDATE run_usage SET calls = calls - 1, spend_micro_usd = spend_micro_usd - $2 WHERE run_id = $1`,
        [row.run_id, row.cost_micro_usd, ...chargeColumns(row.charges)],
      );
      return true;
    });
  }
}

/** The charges as the parallel arrays PostgreSQL's unnest reads. */
function chargeColumns(charges: readonly Charge[]): [string[], string[], string[], number[]] {
  return [
    charges.map((charge) => charge.limit_id),
    charges.map((charge) => charge.subject),
    charges.map((charge) => charge.window_start),
    charges.map((charge) => charge.amount),
  ];
}
