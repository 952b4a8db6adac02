import { Inject, Injectable } from '@nestjs/common';
import { checkApprovalRight, isApprovalExpired, type Approver } from '@airlock/approval-rules';
import { Bundle } from '@airlock/bundle';
import { proposalOutcomeEnvelope, type Envelope, type Proposal } from '@airlock/contracts';
import { describeHalt, HaltBoard, haltTargetOf, runControlEnvelope, type Halt } from '@airlock/halts';
import { emission, gateRoute, type Emission, type GateRoute, type GateRoutes } from '@airlock/messaging';
import { runTeamOf } from '@airlock/proposal-verification';
import { JsonLogger } from '@airlock/service-runtime';
import { currentTraceHeaders, tagActiveSpan } from '@airlock/telemetry';
import { ApprovalDeskError } from './approval-desk.errors';
import {
  ApprovalRequestsStore,
  type ApprovalRequest,
  type ApprovalStatus,
  type HaltClosing,
} from './approval-requests.store';
import { toApprovalView, type ApprovalView } from './approval-view';
import { DecisionAnnouncer } from './decision-announcer';

export type ApproverVerdict = 'approved' | 'denied';

/** How long a decision may take to be announced by the request that made it before the sweeper steps in. */
const announcementGraceMs = 5000;

/** Where policy's approval requests wait for a human, and where humans answer them. */
@Injectable()
export class ApprovalDesk implements GateRoutes {
  constructor(
    @Inject(Bundle) private readonly bundle: Bundle,
    @Inject(ApprovalRequestsStore) private readonly store: ApprovalRequestsStore,
    @Inject(DecisionAnnouncer) private readonly announcer: DecisionAnnouncer,
    @Inject(HaltBoard) private readonly halts: HaltBoard,
    @Inject(JsonLogger) private readonly logger: JsonLogger,
  ) {}

  /** Only a request that policy really sent may reach a human: a forged one could be approved by mistake. */
  routes(): GateRoute[] {
    return [
      gateRoute({
        topic: 'policyDecisions',
        wants: (envelope) => envelope.data.decision === 'approval_required',
        proofStage: 'approval_requested',
        handle: (envelope) => this.openRequest(envelope),
      }),
    ];
  }

  /** Called inside the policy decision's consumer span, whose trace the later answer continues. */
  async openRequest(envelope: Envelope<'policyDecisions'>): Promise<Emission[]> {
    const { proposal } = envelope.data;
    tagActiveSpan({ runId: proposal.run_id, proposalId: proposal.proposal_id, agentId: proposal.agent_id });
    const halt = this.haltOf(proposal);
    if (halt !== undefined) {
      // No human is asked; the outbox announces the halted outcome (the sweeper if this fails).
      const closed = await this.store.openHalted(envelope.data, currentTraceHeaders(), new Date(), halt);
      if (closed !== undefined) await this.announceOrLeaveForSweeper(closed);
      return [];
    }
    const opened = await this.store.open(
      envelope.data,
      currentTraceHeaders(),
      new Date(),
      this.bundle.approvers,
      this.bundle.budgets.stopping_rules?.max_pending_approvals,
    );
    const ids = { run_id: proposal.run_id, proposal_id: proposal.proposal_id, agent_id: proposal.agent_id };
    if (opened === 'opened' || opened === 'already_open') {
      const message = opened === 'opened' ? 'approval requested' : 'approval request already open';
      this.logger.event('info', message, { ...ids, tool: proposal.tool });
      return [];
    }
    const stopped = opened.code === 'too_many_pending_approvals';
    this.logger.event(
      'warn',
      stopped ? 'run halted by a stopping rule' : 'approval request refused: too many waiting',
      {
        ...ids,
        reason: opened.reason,
      },
    );
    const refused = proposalOutcomeEnvelope(proposal, {
      outcome: stopped ? 'halted' : 'denied',
      reason_code: opened.code,
      reason: opened.reason,
      decided_by: 'approval',
      policy_ids: envelope.data.policy_ids,
      bundle_hash: this.bundle.hash,
    });
    if (!stopped) return [emission('outcomes', refused)];
    const runHalt = runControlEnvelope('airlock/approval', proposal.run_id, {
      state: 'halted',
      reason: opened.reason,
      operatorId: 'airlock-approval',
    });
    return [emission('outcomes', refused), emission('control', runHalt)];
  }

  async list(status: ApprovalStatus | 'all'): Promise<ApprovalView[]> {
    const requests = await this.store.list(status);
    return requests.map((request) => toApprovalView(request, this.bundle.approvers));
  }

  async show(proposalId: string): Promise<ApprovalView> {
    return toApprovalView(await this.requireRequest(proposalId), this.bundle.approvers);
  }

  async decide(
    proposalId: string,
    approver: Approver,
    verdict: ApproverVerdict,
    comment: string | undefined,
  ): Promise<{ proposal_id: string; status: ApprovalStatus }> {
    const request = await this.requireRequest(proposalId);
    if (request.status !== 'pending') throw notPending(proposalId, request.status);
    if (isApprovalExpired(request.requested_at, this.bundle.approvers, new Date())) {
      await this.expire(request);
      throw await this.conflictWithCurrentStatus(proposalId);
    }
    this.requireApprovalRight(approver, request);
    const halt = verdict === 'approved' ? this.haltOf(request.decision.proposal) : undefined;
    if (halt !== undefined) {
      await this.closeHalted(request, halt);
      throw new ApprovalDeskError('halted', `cannot approve: ${halt.reason}`, 'halted');
    }
    const closed = await this.store.close(proposalId, verdict, approver.id, comment ?? null);
    if (!closed) throw await this.conflictWithCurrentStatus(proposalId);
    await this.announceOrLeaveForSweeper(closed);
    return { proposal_id: proposalId, status: closed.status };
  }

  /** Expires every pending request past its deadline; returns how many this call expired. */
  async expireOverdue(now: Date): Promise<number> {
    const pending = await this.store.list('pending');
    const overdue = pending.filter((request) =>
      isApprovalExpired(request.requested_at, this.bundle.approvers, now),
    );
    let expired = 0;
    for (const request of overdue) if (await this.expire(request)) expired += 1;
    return expired;
  }

  /** Closes every pending request a halt now covers; returns how many this call closed. */
  async closeHaltedRequests(): Promise<number> {
    let closed = 0;
    for (const request of await this.store.list('pending')) {
      const halt = this.haltOf(request.decision.proposal);
      if (halt !== undefined && (await this.closeHalted(request, halt))) closed += 1;
    }
    return closed;
  }

  /**
   * Sends again what was decided but not published, e.g. after a crash between the two. Fresh
   * decisions are left alone: their own request is still announcing them, and a second signing
   * would put two different approval attestations under one event id.
   */
  async publishUnannounced(now: Date): Promise<void> {
    const decidedBefore = new Date(now.getTime() - announcementGraceMs);
    for (const request of await this.store.listUnpublished(decidedBefore))
      await this.announcer.announce(request);
  }

  /** The halt covering a proposal, as the outcome and the request record will say it. */
  private haltOf(proposal: Proposal): HaltClosing | undefined {
    const team = runTeamOf(proposal, this.bundle.agents.get(proposal.agent_id));
    const halt: Halt | undefined = this.halts.haltOf(haltTargetOf(proposal, team));
    return halt === undefined
      ? undefined
      : { operatorId: halt.operatorId, code: halt.reasonCode, reason: describeHalt(halt) };
  }

  private async closeHalted(request: ApprovalRequest, halt: HaltClosing): Promise<boolean> {
    const closed = await this.store.closeHalted(request.proposal_id, halt);
    if (closed) {
      this.logger.event('warn', 'approval request closed by a halt', {
        run_id: request.run_id,
        proposal_id: request.proposal_id,
        reason_code: halt.code,
      });
      await this.announceOrLeaveForSweeper(closed);
    }
    return closed !== undefined;
  }

  private async expire(request: ApprovalRequest): Promise<boolean> {
    const expired = await this.store.close(request.proposal_id, 'expired', null, null);
    if (expired) await this.announceOrLeaveForSweeper(expired);
    return expired !== undefined;
  }

  /** The decision is already durable; a failed publish is retried by the sweeper, not reported to the approver. */
  private async announceOrLeaveForSweeper(request: ApprovalRequest): Promise<void> {
    try {
      await this.announcer.announce(request);
    } catch (error) {
      this.logger.event('error', 'approval decision not published yet; the sweeper will retry', {
        run_id: request.run_id,
        proposal_id: request.proposal_id,
        error: (error as Error).message ?? String(error),
      });
    }
  }

  private requireApprovalRight(approver: Approver, request: ApprovalRequest): void {
    const agent = this.bundle.agents.get(request.agent_id);
    if (!agent) {
      const message = `agent ${request.agent_id} is not in the active bundle; nobody can decide for it`;
      throw new ApprovalDeskError('forbidden', message);
    }
    const right = checkApprovalRight(approver.id, agent);
    if (!right.ok) throw new ApprovalDeskError('forbidden', right.reason);
  }

  /** Read again after losing a race, so the approver learns what the winner decided. */
  private async conflictWithCurrentStatus(proposalId: string): Promise<ApprovalDeskError> {
    const current = await this.requireRequest(proposalId);
    return notPending(proposalId, current.status);
  }

  private async requireRequest(proposalId: string): Promise<ApprovalRequest> {
    const request = await this.store.find(proposalId);
    if (!request) {
      throw new ApprovalDeskError('not_found', `no approval request for proposal ${proposalId}`);
    }
    return request;
  }
}

function notPending(proposalId: string, status: ApprovalStatus): ApprovalDeskError {
  return new ApprovalDeskError(
    'not_pending',
    `approval request for proposal ${proposalId} is already ${status}`,
    status,
  );
}
