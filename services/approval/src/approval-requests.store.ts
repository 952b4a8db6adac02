import type { Pool } from 'pg';
import { checkPendingCapacity, type PendingCapacity } from '@airlock/approval-rules';
import type { ApproverRegistry, PolicyDecision } from '@airlock/contracts';
import { inTransaction, statusCheckMigration } from '@airlock/postgres';
import type { TraceHeaders } from '@airlock/telemetry';

/** Every status a request may have; a halt closes requests too (ADR 0009). */
export const approvalStatuses = ['pending', 'approved', 'denied', 'expired', 'halted'] as const;

export const approvalRequestsMigrations = [
  `CREATE TABLE IF NOT EXISTS approval_requests (
     proposal_id   text PRIMARY KEY,
     run_id        text NOT NULL,
     agent_id      text NOT NULL,
     tool          text NOT NULL,
     decision      jsonb NOT NULL,
     trace_headers jsonb NOT NULL,
     requested_at  timestamptz NOT NULL,
     status        text NOT NULL DEFAULT 'pending',
     decided_by    text,
     decided_at    timestamptz,
     comment       text,
     published     boolean NOT NULL DEFAULT false
   )`,
  `CREATE INDEX IF NOT EXISTS approval_requests_pending ON approval_requests (requested_at) WHERE status = 'pending'`,
  `CREATE INDEX IF NOT EXISTS approval_requests_pending_by_agent ON approval_requests (agent_id, run_id)
     WHERE status = 'pending'`,
  `CREATE INDEX IF NOT EXISTS approval_requests_unpublished ON approval_requests (decided_at)
     WHERE status <> 'pending' AND NOT published`,
  // The code of the halt that closed a request goes into its outcome.
  `ALTER TABLE approval_requests ADD COLUMN IF NOT EXISTS halt_code text`,
  statusCheckMigration('approval_requests', approvalStatuses),
  // Each approval so far of a request that needs several (@quorum), with who, when and why.
  `ALTER TABLE approval_requests ADD COLUMN IF NOT EXISTS approvals jsonb NOT NULL DEFAULT '[]'`,
  // Approvals for the rest of a run (@approval_for_run): what they cover, and whose answer it was.
  `CREATE TABLE IF NOT EXISTS run_approvals (
     run_id             text NOT NULL,
     agent_id           text NOT NULL,
     tool               text NOT NULL,
     paths              text NOT NULL,
     approval_key       text NOT NULL,
     approved_by        text NOT NULL,
     origin_proposal_id text NOT NULL,
     approved_at        timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (run_id, agent_id, tool, paths, approval_key)
   )`,
];

/**
 * An approver's answer that covers later calls of a tool by an agent in a run: `paths` (the
 * argument paths, as JSON) must hold the values whose canonical JSON is `approval_key`.
 */
export interface RunApproval {
  run_id: string;
  agent_id: string;
  tool: string;
  paths: string;
  approval_key: string;
  approved_by: string;
  origin_proposal_id: string;
}

export type ApprovalStatus = (typeof approvalStatuses)[number];
export type ClosedStatus = Exclude<ApprovalStatus, 'pending'>;

/** One request for a human decision, as stored. */
export interface ApprovalRequest {
  proposal_id: string;
  run_id: string;
  agent_id: string;
  tool: string;
  /** The policy decision that asked for approval: proposal, hash, attestations, policy ids. */
  decision: PolicyDecision;
  /** Trace context of the policy decision, so the human's answer continues the proposal's trace. */
  trace_headers: TraceHeaders;
  requested_at: Date;
  status: ApprovalStatus;
  decided_by: string | null;
  decided_at: Date | null;
  comment: string | null;
  published: boolean;
  /** Set on a request a halt closed: the halt's reason code (its sentence is the comment). */
  halt_code: string | null;
  /** The approvals given so far, in order; the request closes approved once they meet its quorum. */
  approvals: RecordedApproval[];
}

export interface RecordedApproval {
  approver_id: string;
  comment: string | null;
  approved_at: string;
}

/** How a halt closes a request: who halted, the reason code, and the sentence for the outcome. */
export interface HaltClosing {
  operatorId: string;
  code: string;
  reason: string;
}

/**
 * Approval requests in PostgreSQL. Every change of status is a conditional UPDATE on a pending row,
 * so of two approvers (or an approver and the sweeper) racing on one request exactly one wins.
 * `published` is the outbox flag: a decided row stays unpublished until its events are out.
 */
export class ApprovalRequestsStore {
  constructor(private readonly pool: Pool) {}

  /**
   * Opens a request unless one is open for this proposal already (a redelivered policy decision)
   * or the agent or run has as many waiting as the bundle allows. The agent's requests are counted
   * under a transaction lock on the agent, so two instances cannot both admit the last one.
   */
  async open(
    decision: PolicyDecision,
    traceHeaders: TraceHeaders,
    requestedAt: Date,
    registry: ApproverRegistry,
    maxPendingApprovals?: number,
  ): Promise<'opened' | 'already_open' | Extract<PendingCapacity, { ok: false }>> {
    const { proposal } = decision;
    return inTransaction(this.pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
        `approval-agent/${proposal.agent_id}`,
      ]);
      const existing = await client.query('SELECT 1 FROM approval_requests WHERE proposal_id = $1', [
        proposal.proposal_id,
      ]);
      if (existing.rowCount === 1) return 'already_open';
      const counted = await client.query<{ agent: string; run: string }>(
        `SELECT count(*) AS agent, count(*) FILTER (WHERE run_id = $2) AS run
         FROM approval_requests WHERE agent_id = $1 AND status = 'pending'`,
        [proposal.agent_id, proposal.run_id],
      );
      const pending = { agent: Number(counted.rows[0]?.agent ?? 0), run: Number(counted.rows[0]?.run ?? 0) };
      const capacity = checkPendingCapacity(
        pending,
        registry,
        { agentId: proposal.agent_id, runId: proposal.run_id },
        maxPendingApprovals,
      );
      if (!capacity.ok) return capacity;
      await client.query(
        `INSERT INTO approval_requests (proposal_id, run_id, agent_id, tool, decision, trace_headers, requested_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        requestValues(decision, traceHeaders, requestedAt),
      );
      return 'opened';
    });
  }

  /**
   * Records a request that a halt closed before any human saw it, so that a redelivered policy
   * decision finds it and asks nobody; undefined when the proposal has a request already.
   */
  async openHalted(
    decision: PolicyDecision,
    traceHeaders: TraceHeaders,
    requestedAt: Date,
    halt: HaltClosing,
  ): Promise<ApprovalRequest | undefined> {
    return this.openDecided(decision, traceHeaders, requestedAt, {
      status: 'halted',
      decidedBy: halt.operatorId,
      comment: halt.reason,
      haltCode: halt.code,
    });
  }

  /** Closes a pending request because of a halt; undefined when it was no longer pending. */
  async closeHalted(proposalId: string, halt: HaltClosing): Promise<ApprovalRequest | undefined> {
    const closed = await this.pool.query<ApprovalRequest>(
      `UPDATE approval_requests SET status = 'halted', decided_by = $2, comment = $3, halt_code = $4, decided_at = now()
       WHERE proposal_id = $1 AND status = 'pending'
       RETURNING *`,
      [proposalId, halt.operatorId, halt.reason, halt.code],
    );
    return closed.rows[0];
  }

  async find(proposalId: string): Promise<ApprovalRequest | undefined> {
    const found = await this.pool.query<ApprovalRequest>(
      'SELECT * FROM approval_requests WHERE proposal_id = $1',
      [proposalId],
    );
    return found.rows[0];
  }

  async list(status: ApprovalStatus | 'all'): Promise<ApprovalRequest[]> {
    const listed =
      status === 'all'
        ? await this.pool.query<ApprovalRequest>('SELECT * FROM approval_requests ORDER BY requested_at')
        : await this.pool.query<ApprovalRequest>(
            'SELECT * FROM approval_requests WHERE status = $1 ORDER BY requested_at',
            [status],
          );
    return listed.rows;
  }

  /** Closes a pending request; undefined when it was no longer pending (someone else decided first). */
  async close(
    proposalId: string,
    status: Exclude<ClosedStatus, 'halted'>,
    decidedBy: string | null,
    comment: string | null,
  ): Promise<ApprovalRequest | undefined> {
    const closed = await this.pool.query<ApprovalRequest>(
      `UPDATE approval_requests SET status = $2, decided_by = $3, comment = $4, decided_at = now()
       WHERE proposal_id = $1 AND status = 'pending'
       RETURNING *`,
      [proposalId, status, decidedBy, comment],
    );
    return closed.rows[0];
  }

  /**
   * Approves a pending request and records that the answer covers the rest of the run, in one
   * transaction: a request someone else decided first grants nothing.
   */
  async closeApprovedForRun(
    proposalId: string,
    comment: string | null,
    approval: RunApproval,
  ): Promise<ApprovalRequest | undefined> {
    return inTransaction(this.pool, async (client) => {
      const closed = await client.query<ApprovalRequest>(
        `UPDATE approval_requests SET status = 'approved', decided_by = $2, comment = $3, decided_at = now()
         WHERE proposal_id = $1 AND status = 'pending'
         RETURNING *`,
        [proposalId, approval.approved_by, comment],
      );
      if (closed.rows[0] === undefined) return undefined;
      await client.query(
        `INSERT INTO run_approvals (run_id, agent_id, tool, paths, approval_key, approved_by, origin_proposal_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
        [
          approval.run_id,
          approval.agent_id,
          approval.tool,
          approval.paths,
          approval.approval_key,
          approval.approved_by,
          approval.origin_proposal_id,
        ],
      );
      return closed.rows[0];
    });
  }

  /** The run approval covering these values, if an approver gave one. */
  async findRunApproval(
    covered: Pick<RunApproval, 'run_id' | 'agent_id' | 'tool' | 'paths' | 'approval_key'>,
  ): Promise<RunApproval | undefined> {
    const found = await this.pool.query<RunApproval>(
      `SELECT * FROM run_approvals
       WHERE run_id = $1 AND agent_id = $2 AND tool = $3 AND paths = $4 AND approval_key = $5`,
      [covered.run_id, covered.agent_id, covered.tool, covered.paths, covered.approval_key],
    );
    return found.rows[0];
  }

  /**
   * Records a request that a run approval answered before any human saw it, approved in the name
   * of who gave it; undefined when the proposal has a request already (a redelivery).
   */
  async openApprovedForRun(
    decision: PolicyDecision,
    traceHeaders: TraceHeaders,
    requestedAt: Date,
    approval: RunApproval,
    comment: string,
  ): Promise<ApprovalRequest | undefined> {
    return this.openDecided(decision, traceHeaders, requestedAt, {
      status: 'approved',
      decidedBy: approval.approved_by,
      comment,
    });
  }

  /** A request decided as it opens; undefined when the proposal has one already (a redelivery). */
  private async openDecided(
    decision: PolicyDecision,
    traceHeaders: TraceHeaders,
    requestedAt: Date,
    closing: { status: 'halted' | 'approved'; decidedBy: string; comment: string; haltCode?: string },
  ): Promise<ApprovalRequest | undefined> {
    const inserted = await this.pool.query<ApprovalRequest>(
      `INSERT INTO approval_requests (proposal_id, run_id, agent_id, tool, decision, trace_headers, requested_at,
                                      status, decided_by, decided_at, comment, halt_code)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now(), $10, $11)
       ON CONFLICT (proposal_id) DO NOTHING
       RETURNING *`,
      [
        ...requestValues(decision, traceHeaders, requestedAt),
        closing.status,
        closing.decidedBy,
        closing.comment,
        closing.haltCode ?? null,
      ],
    );
    return inserted.rows[0];
  }

  /**
   * Adds one approver's approval to a pending request, once per approver: 'already_approved' when
   * they approved it before, undefined when it is no longer pending.
   */
  async addApproval(
    proposalId: string,
    approverId: string,
    comment: string | null,
  ): Promise<ApprovalRequest | 'already_approved' | undefined> {
    const approval: RecordedApproval = {
      approver_id: approverId,
      comment,
      approved_at: new Date().toISOString(),
    };
    const added = await this.pool.query<ApprovalRequest>(
      `UPDATE approval_requests SET approvals = approvals || $2::jsonb
       WHERE proposal_id = $1 AND status = 'pending' AND NOT approvals @> $3::jsonb
       RETURNING *`,
      [proposalId, JSON.stringify([approval]), JSON.stringify([{ approver_id: approverId }])],
    );
    if (added.rows[0] !== undefined) return added.rows[0];
    const current = await this.find(proposalId);
    return current?.status === 'pending' ? 'already_approved' : undefined;
  }

  async markPublished(proposalId: string): Promise<void> {
    await this.pool.query('UPDATE approval_requests SET published = true WHERE proposal_id = $1', [
      proposalId,
    ]);
  }

  /** Closed before `decidedBefore` and still not published: their announcement was lost. */
  async listUnpublished(decidedBefore: Date): Promise<ApprovalRequest[]> {
    const unpublished = await this.pool.query<ApprovalRequest>(
      `SELECT * FROM approval_requests WHERE status <> 'pending' AND NOT published AND decided_at < $1
       ORDER BY decided_at LIMIT 100`,
      [decidedBefore],
    );
    return unpublished.rows;
  }
}

/** The first seven columns of a request, in the order both INSERTs list them. */
function requestValues(decision: PolicyDecision, traceHeaders: TraceHeaders, requestedAt: Date): unknown[] {
  const { proposal } = decision;
  return [
    proposal.proposal_id,
    proposal.run_id,
    proposal.agent_id,
    proposal.tool,
    decision,
    traceHeaders,
    requestedAt,
  ];
}
