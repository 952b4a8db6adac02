import type { Pool, PoolClient } from 'pg';
import {
  decideReservation,
  ledgerKey,
  refundOfSettled,
  settlementOf,
  type Charge,
  type RunUsage,
  type UsageKey,
} from '@airlock/budget-ledger';
import type { BudgetLimits } from '@airlock/contracts';
import { inTransaction, statusCheckMigration } from '@airlock/postgres';

/** reserved → settled (the executor answered) or released (the tool was never called); or refused. */
const reservationStatuses = ['reserved', 'refused', 'released', 'settled'] as const;

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
  statusCheckMigration('reservations', reservationStatuses),
  `ALTER TABLE run_usage ADD COLUMN IF NOT EXISTS inference_micro_usd bigint NOT NULL DEFAULT 0`,
  // The run's own caps as its last reservation applied them (the bundle's, tightened by its launcher).
  `ALTER TABLE run_usage ADD COLUMN IF NOT EXISTS caps jsonb`,
  // Each usage report counted once, whatever redelivers it.
  `CREATE TABLE IF NOT EXISTS usage_reports (
     usage_id       text PRIMARY KEY,
     run_id         text NOT NULL,
     agent_id       text NOT NULL,
     model          text NOT NULL,
     input_tokens   bigint NOT NULL,
     output_tokens  bigint NOT NULL,
     cost_micro_usd bigint NOT NULL,
     charges        jsonb NOT NULL,
     caps_passed    text[] NOT NULL DEFAULT '{}',
     received_at    timestamptz NOT NULL DEFAULT now()
   )`,
  // The stopping rule on consecutive failures: each run's current streak, and the outcomes already
  // counted in it, so that a redelivered outcome does not count twice.
  `CREATE TABLE IF NOT EXISTS run_streaks (
     run_id   text PRIMARY KEY,
     failures integer NOT NULL DEFAULT 0
   )`,
  `CREATE TABLE IF NOT EXISTS streak_outcomes (
     proposal_id text PRIMARY KEY,
     run_id      text NOT NULL
   )`,
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
  | { status: 'reserved' | 'released' | 'settled'; cost_micro_usd: number }
  | { status: 'refused'; cost_micro_usd: number; code: string; reason: string };

/** A usage report as budget counts it: priced, and charged to the inference limits over its run. */
export interface CountedUsage {
  usageId: string;
  runId: string;
  agentId: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  costMicroUsd: number;
  charges: readonly Charge[];
}

/**
 * Which caps a report took past their maximum, given the usage after it: per ledger row (by
 * ledgerKey) and the run's own inference.
 */
export type CapsPassedJudge = (used: ReadonlyMap<string, number>, runInferenceMicroUsd: number) => string[];

interface ReservationRow {
  status: (typeof reservationStatuses)[number];
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
      const locked = await client.query<{
        calls: number;
        spend_micro_usd: string;
        inference_micro_usd: string;
      }>(
        `INSERT INTO run_usage (run_id) VALUES ($1)
         ON CONFLICT (run_id) DO UPDATE SET run_id = EXCLUDED.run_id
         RETURNING calls, spend_micro_usd, inference_micro_usd`,
        [runId],
      );
      // Looked up under the run's lock: two instances handling one proposal's redelivery cannot both
      // find no decision and both reserve.
      const earlier = await client.query<ReservationRow>(
        'SELECT * FROM reservations WHERE proposal_id = $1',
        [proposalId],
      );
      if (earlier.rows[0]) return toRecord(earlier.rows[0]);
      const row = locked.rows[0] ?? { calls: 0, spend_micro_usd: '0', inference_micro_usd: '0' };
      const usage: RunUsage = {
        calls: row.calls,
        spend_micro_usd: Number(row.spend_micro_usd),
        inference_micro_usd: Number(row.inference_micro_usd),
      };
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
        `WITH spent AS (UPDATE run_usage SET calls = $3, spend_micro_usd = $4, caps = $11 WHERE run_id = $2),
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
          JSON.stringify(limits),
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
    const decision = decide(usageByKey(locked.rows));
    return decision.ok ? admitted : decision;
  }

  /**
   * The run's own usage (reserved and spent), zero for a run that never reserved, with the caps its
   * last reservation applied, if it made one.
   */
  async runUsage(runId: string): Promise<RunUsage & { caps?: BudgetLimits['per_run'] }> {
    const found = await this.pool.query<{
      calls: number;
      spend_micro_usd: string;
      inference_micro_usd: string;
      caps: BudgetLimits['per_run'] | null;
    }>('SELECT calls, spend_micro_usd, inference_micro_usd, caps FROM run_usage WHERE run_id = $1', [runId]);
    const row = found.rows[0];
    return {
      calls: row?.calls ?? 0,
      spend_micro_usd: Number(row?.spend_micro_usd ?? 0),
      inference_micro_usd: Number(row?.inference_micro_usd ?? 0),
      ...(row?.caps ? { caps: row.caps } : {}),
    };
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
    return usageByKey(found.rows);
  }

  /**
   * Settles a reservation once the executor answered: the call is no longer in flight, and it costs
   * what the tool reported (`costMicroUsd`), or what was reserved. A second settle changes nothing.
   */
  async settle(proposalId: string, costMicroUsd: number | undefined): Promise<boolean> {
    // Most calls cost what was reserved and were never counted in flight: then settling moves no
    // usage, and one conditional statement does it. Otherwise the transaction below moves it.
    const plain = await this.pool.query(
      `UPDATE reservations SET status = 'settled'
       WHERE proposal_id = $1 AND status = 'reserved' AND ($2::bigint IS NULL OR cost_micro_usd = $2)
         AND NOT charges @> '[{"measure": "in_flight"}]'`,
      [proposalId, costMicroUsd ?? null],
    );
    if (plain.rowCount === 1) return true;
    return inTransaction(this.pool, async (client) => {
      const settled = await client.query<{ run_id: string; reserved: string; charges: Charge[] }>(
        `UPDATE reservations r SET status = 'settled', cost_micro_usd = coalesce($2, r.cost_micro_usd)
         FROM (SELECT proposal_id, cost_micro_usd FROM reservations WHERE proposal_id = $1 FOR UPDATE) AS before
         WHERE r.proposal_id = before.proposal_id AND r.status = 'reserved'
         RETURNING r.run_id, before.cost_micro_usd AS reserved, r.charges`,
        [proposalId, costMicroUsd ?? null],
      );
      const row = settled.rows[0];
      if (!row) return false;
      const reserved = Number(row.reserved);
      const cost = costMicroUsd ?? reserved;
      await client.query(
        `WITH moved AS (UPDATE limit_usage u SET used = u.used + c.amount
                        FROM unnest($3::text[], $4::text[], $5::timestamptz[], $6::bigint[])
                          AS c(limit_id, subject, window_start, amount)
                        WHERE u.limit_id = c.limit_id AND u.subject = c.subject AND u.window_start = c.window_start)
         UPDATE run_usage SET spend_micro_usd = spend_micro_usd + $2 WHERE run_id = $1`,
        [row.run_id, cost - reserved, ...chargeColumns(settlementOf(row.charges, reserved, cost))],
      );
      return true;
    });
  }

  /**
   * Counts a usage report once: adds its cost to the run and to the inference limits it charges,
   * even over a cap (the tokens are spent already), and stores which caps it took past their
   * maximum. A report counted before is not counted again; its stored answer is returned, so a
   * redelivery after a lost publish announces the same thing.
   */
  async countUsage(usage: CountedUsage, judge: CapsPassedJudge): Promise<{ capsPassed: string[] }> {
    return inTransaction(this.pool, async (client) => {
      const inserted = await client.query(
        `INSERT INTO usage_reports (usage_id, run_id, agent_id, model, input_tokens, output_tokens, cost_micro_usd, charges)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (usage_id) DO NOTHING`,
        [
          usage.usageId,
          usage.runId,
          usage.agentId,
          usage.model,
          usage.inputTokens,
          usage.outputTokens,
          usage.costMicroUsd,
          JSON.stringify(usage.charges),
        ],
      );
      if (inserted.rowCount !== 1) {
        const earlier = await client.query<{ caps_passed: string[] }>(
          'SELECT caps_passed FROM usage_reports WHERE usage_id = $1',
          [usage.usageId],
        );
        return { capsPassed: earlier.rows[0]?.caps_passed ?? [] };
      }
      const run = await client.query<{ inference_micro_usd: string }>(
        `INSERT INTO run_usage (run_id, inference_micro_usd) VALUES ($1, $2)
         ON CONFLICT (run_id) DO UPDATE SET inference_micro_usd = run_usage.inference_micro_usd + EXCLUDED.inference_micro_usd
         RETURNING inference_micro_usd`,
        [usage.runId, usage.costMicroUsd],
      );
      const [limitIds, subjects, windowStarts, amounts] = chargeColumns(usage.charges);
      const charged = await client.query<{
        limit_id: string;
        subject: string;
        window_start: Date;
        used: string;
      }>(
        `INSERT INTO limit_usage (limit_id, subject, window_start, used)
         SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::bigint[])
         ON CONFLICT (limit_id, subject, window_start) DO UPDATE SET used = limit_usage.used + EXCLUDED.used
         RETURNING limit_id, subject, window_start, used`,
        [limitIds, subjects, windowStarts, amounts],
      );
      const capsPassed = judge(
        usageByKey(charged.rows),
        Number(run.rows[0]?.inference_micro_usd ?? usage.costMicroUsd),
      );
      if (capsPassed.length > 0) {
        await client.query('UPDATE usage_reports SET caps_passed = $2 WHERE usage_id = $1', [
          usage.usageId,
          capsPassed,
        ]);
      }
      return { capsPassed };
    });
  }

  /**
   * Counts an outcome of the run in its streak of failures: `failure` adds one, `success` ends the
   * streak. Returns the streak after it, or undefined when this outcome was counted before.
   */
  async countOutcome(
    proposalId: string,
    runId: string,
    kind: 'failure' | 'success',
  ): Promise<number | undefined> {
    // One statement, so atomic without a transaction: the streak moves only if this outcome is new.
    const streak = await this.pool.query<{ failures: number }>(
      `WITH first AS (INSERT INTO streak_outcomes (proposal_id, run_id) VALUES ($1, $2)
                      ON CONFLICT (proposal_id) DO NOTHING RETURNING 1)
       INSERT INTO run_streaks (run_id, failures) SELECT $2, $3 FROM first
       ON CONFLICT (run_id) DO UPDATE SET failures = CASE WHEN $3 = 0 THEN 0 ELSE run_streaks.failures + 1 END
       RETURNING failures`,
      [proposalId, runId, kind === 'failure' ? 1 : 0],
    );
    return streak.rows[0]?.failures;
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
      await giveBack(client, row.run_id, Number(row.cost_micro_usd), row.charges);
      return true;
    });
  }

  /**
   * Gives a settled call back when a human found it never happened (an unknown outcome resolved as
   * failed): its call, its spend at the settled cost, its meters. A second refund changes nothing.
   */
  async refundSettled(proposalId: string): Promise<boolean> {
    return inTransaction(this.pool, async (client) => {
      const refunded = await client.query<{ run_id: string; cost_micro_usd: string; charges: Charge[] }>(
        `UPDATE reservations SET status = 'released' WHERE proposal_id = $1 AND status = 'settled'
         RETURNING run_id, cost_micro_usd, charges`,
        [proposalId],
      );
      const row = refunded.rows[0];
      if (!row) return false;
      const cost = Number(row.cost_micro_usd);
      await giveBack(client, row.run_id, cost, refundOfSettled(row.charges, cost));
      return true;
    });
  }
}

/** Takes one call, `spendMicroUsd` and `charges` off the run's usage and the limits' ledger rows. */
async function giveBack(
  client: PoolClient,
  runId: string,
  spendMicroUsd: number,
  charges: readonly Charge[],
): Promise<void> {
  await client.query(
    `WITH given_back AS (UPDATE limit_usage u SET used = u.used - c.amount
                         FROM unnest($3::text[], $4::text[], $5::timestamptz[], $6::bigint[])
                           AS c(limit_id, subject, window_start, amount)
                         WHERE u.limit_id = c.limit_id AND u.subject = c.subject AND u.window_start = c.window_start)
     UPDATE run_usage SET calls = calls - 1, spend_micro_usd = spend_micro_usd - $2 WHERE run_id = $1`,
    [runId, spendMicroUsd, ...chargeColumns(charges)],
  );
}

/** Ledger rows as read back, keyed by ledgerKey. */
function usageByKey(
  rows: readonly { limit_id: string; subject: string; window_start: Date; used: string }[],
): Map<string, number> {
  return new Map(
    rows.map((row) => [
      ledgerKey({ ...row, window_start: row.window_start.toISOString() }),
      Number(row.used),
    ]),
  );
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
