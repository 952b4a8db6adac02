import { Inject, Injectable } from '@nestjs/common';
import {
  approvalDeadline,
  checkApprovalRight,
  checkRequirementFit,
  isApprovalExpired,
  quorumStanding,
  requirementsOf,
  runApprovalKey,
  type Approver,
} from '@airlock/approval-rules';
import { Bundle } from '@airlock/bundle';
import {
  proposalOutcomeEnvelope,
  type Envelope,
  type PolicyDecision,
  type Proposal,
} from '@airlock/contracts';
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
  type RunApproval,
} from './approval-requests.store';
import { ApprovalPreviewsStore } from './approval-previews.store';
import { toApprovalView, type ApprovalView } from './approval-view';
import { DecisionAnnouncer } from './decision-announcer';
import { approvalWaitingNotice } from './notices';
import { UnknownOutcomes } from './unknown-outcomes';
import { WebhookNotifier } from './webhook-notifier';

export type ApproverVerdict = 'approved' | 'denied';

/** An answer's effect: the request's status, and while a quorum is not met, who approved and what is missing. */
export interface DecideResult {
  proposal_id: string;
  status: ApprovalStatus;
  approved_by?: string[];
  missing?: string[];
}

/** How long a decision may take to be announced by the request that made it before the sweeper steps in. */
const announcementGraceMs = 5000;

/** Where policy's approval requests wait for a human, and where humans answer them. */
@Injectable()
export class ApprovalDesk implements GateRoutes {
  constructor(
    @Inject(Bundle) private readonly bundle: Bundle,
    @Inject(ApprovalRequestsStore) private readonly store: ApprovalRequestsStore,
    @Inject(ApprovalPreviewsStore) private readonly previews: ApprovalPreviewsStore,
    @Inject(DecisionAnnouncer) private readonly announcer: DecisionAnnouncer,
    @Inject(HaltBoard) private readonly halts: HaltBoard,
    @Inject(UnknownOutcomes) private readonly unknowns: UnknownOutcomes,
    @Inject(WebhookNotifier) private readonly notifier: WebhookNotifier,
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
      // What the call would change, read by the executor for the console; nothing waits for it.
      gateRoute({
        topic: 'approvalPreviews',
        handle: async (envelope) => {
          await this.previews.record(envelope.data);
          return [];
        },
      }),
      // Humans work here: an outcome the executor could not tell waits for one to find out.
      gateRoute({
        topic: 'outcomes',
        wants: (envelope) => envelope.data.outcome === 'unknown' && envelope.data.decided_by === 'executor',
        attestedBy: () => ['executor'],
        handle: async (envelope) => {
          await this.unknowns.enqueue(envelope.data);
          return [];
        },
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
    if (await this.approveUnderRunApproval(envelope.data)) return [];
    const requestedAt = new Date();
    const opened = await this.store.open(
      envelope.data,
      currentTraceHeaders(),
      requestedAt,
      this.bundle.approvers,
      this.bundle.budgets.stopping_rules?.max_pending_approvals,
    );
    const ids = { run_id: proposal.run_id, proposal_id: proposal.proposal_id, agent_id: proposal.agent_id };
    if (opened === 'opened') {
      // Not awaited: a slow webhook must not hold up the gate.
      void this.notifier.send(
        approvalWaitingNotice(envelope.data, approvalDeadline(requestedAt, this.bundle.approvers)),
      );
    }
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

  /**
   * `forRestOfRun`: the approval also covers later calls of the tool by the agent in the run with
   * the same values at the paths policy named (`approval_for_run`); requests of the run already
   * waiting with those values are approved with it.
   */
  async decide(
    proposalId: string,
    approver: Approver,
    verdict: ApproverVerdict,
    comment: string | undefined,
    forRestOfRun = false,
  ): Promise<DecideResult> {
    const request = await this.requireRequest(proposalId);
    if (request.status !== 'pending') throw notPending(proposalId, request.status);
    if (isApprovalExpired(request.requested_at, this.bundle.approvers, new Date())) {
      await this.expire(request);
      throw await this.conflictWithCurrentStatus(proposalId);
    }
    this.requireApprovalRight(approver, request);
    const requirements = requirementsOf(request.decision.approval_requirements);
    const fit = checkRequirementFit(approver.id, requirements, this.bundle.approvers);
    if (!fit.ok) throw new ApprovalDeskError('forbidden', fit.reason);
    const halt = verdict === 'approved' ? this.haltOf(request.decision.proposal) : undefined;
    if (halt !== undefined) {
      await this.closeHalted(request, halt);
      throw new ApprovalDeskError('halted', `cannot approve: ${halt.reason}`, 'halted');
    }
    const runApproval = forRestOfRun ? this.runApprovalOf(request, verdict, approver) : undefined;
    // One approver's deny ends the request; approvals add up until every requirement is met.
    if (verdict === 'approved') {
      const approved = await this.store.addApproval(proposalId, approver.id, comment ?? null);
      if (approved === 'already_approved') {
        throw new ApprovalDeskError(
          'already_approved',
          `${approver.id} already approved proposal ${proposalId}`,
        );
      }
      if (approved === undefined) throw await this.conflictWithCurrentStatus(proposalId);
      const approverIds = approved.approvals.map((approval) => approval.approver_id);
      const standing = quorumStanding(approverIds, requirements, this.bundle.approvers);
      if (!standing.met) {
        this.logger.event('info', 'approval counted; the quorum is not met yet', {
          run_id: request.run_id,
          proposal_id: proposalId,
          approver_id: approver.id,
          missing: standing.missing,
        });
        return {
          proposal_id: proposalId,
          status: 'pending',
          approved_by: approverIds,
          missing: standing.missing,
        };
      }
    }
    const closed =
      runApproval === undefined
        ? await this.store.close(proposalId, verdict, approver.id, comment ?? null)
        : await this.store.closeApprovedForRun(proposalId, comment ?? null, runApproval);
    if (!closed) throw await this.conflictWithCurrentStatus(proposalId);
    await this.announceOrLeaveForSweeper(closed);
    if (runApproval !== undefined) await this.approveWaitingUnder(runApproval);
    return { proposal_id: proposalId, status: closed.status };
  }

  /** What approving this request for the rest of its run covers; refuses where policy does not allow it. */
  private runApprovalOf(request: ApprovalRequest, verdict: ApproverVerdict, approver: Approver): RunApproval {
    const paths = request.decision.approval_for_run;
    if (verdict !== 'approved') {
      throw new ApprovalDeskError('not_for_run', 'only an approval can cover the rest of the run');
    }
    // One approver's answer must not stand for a quorum's on the calls to come.
    if (
      requirementsOf(request.decision.approval_requirements).some((requirement) => requirement.quorum > 1)
    ) {
      throw new ApprovalDeskError(
        'not_for_run',
        'cannot approve for the rest of the run: this request needs several approvers',
      );
    }
    const key = paths === undefined ? undefined : runApprovalKey(paths, request.decision.proposal.arguments);
    if (paths === undefined || key === undefined) {
      const why =
        paths === undefined
          ? `policy ${request.decision.policy_ids.join(', ')} asks for an answer per call (no @approval_for_run)`
          : `the proposal holds no value at ${paths.join(', ')}`;
      throw new ApprovalDeskError('not_for_run', `cannot approve for the rest of the run: ${why}`);
    }
    return {
      run_id: request.run_id,
      agent_id: request.agent_id,
      tool: request.tool,
      paths: JSON.stringify(paths),
      approval_key: key,
      approved_by: approver.id,
      origin_proposal_id: request.proposal_id,
    };
  }

  /**
   * A proposal that an earlier answer approved for the rest of its run is approved in that
   * approver's name, its own approval event bound to its own hash, unless the approver may no
   * longer decide for the agent. Returns whether it was.
   */
  private async approveUnderRunApproval(decision: PolicyDecision): Promise<boolean> {
    const { proposal } = decision;
    const paths = decision.approval_for_run;
    const key = paths === undefined ? undefined : runApprovalKey(paths, proposal.arguments);
    if (paths === undefined || key === undefined) return false;
    const approval = await this.store.findRunApproval({
      run_id: proposal.run_id,
      agent_id: proposal.agent_id,
      tool: proposal.tool,
      paths: JSON.stringify(paths),
      approval_key: key,
    });
    const agent = this.bundle.agents.get(proposal.agent_id);
    if (approval === undefined || agent === undefined) return false;
    // The approver must still be one who may decide this call alone, as when they answered.
    const requirements = requirementsOf(decision.approval_requirements);
    const stillFits =
      checkApprovalRight(approval.approved_by, agent, this.bundle.approvers).ok &&
      quorumStanding([approval.approved_by], requirements, this.bundle.approvers).met;
    if (!stillFits) return false;
    const approved = await this.store.openApprovedForRun(
      decision,
      currentTraceHeaders(),
      new Date(),
      approval,
      runApprovalComment(approval, paths),
    );
    // A redelivery finds the request recorded already, and announced (or left for the sweeper).
    if (approved !== undefined) {
      this.logger.event('info', 'approved for the rest of the run', {
        run_id: proposal.run_id,
        proposal_id: proposal.proposal_id,
        approver_id: approval.approved_by,
        origin_proposal_id: approval.origin_proposal_id,
      });
      await this.announceOrLeaveForSweeper(approved);
    }
    return true;
  }

  /** Requests of the run already waiting that the new run approval covers. */
  private async approveWaitingUnder(approval: RunApproval): Promise<void> {
    const paths = JSON.parse(approval.paths) as string[];
    for (const waiting of await this.store.list('pending')) {
      const covered =
        waiting.run_id === approval.run_id &&
        waiting.agent_id === approval.agent_id &&
        waiting.tool === approval.tool &&
        JSON.stringify(waiting.decision.approval_for_run) === approval.paths &&
        runApprovalKey(paths, waiting.decision.proposal.arguments) === approval.approval_key;
      if (!covered || this.haltOf(waiting.decision.proposal) !== undefined) continue;
      const closed = await this.store.close(
        waiting.proposal_id,
        'approved',
        approval.approved_by,
        runApprovalComment(approval, paths),
      );
      if (closed) await this.announceOrLeaveForSweeper(closed);
    }
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
    const right = checkApprovalRight(approver.id, agent, this.bundle.approvers);
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

function runApprovalComment(approval: RunApproval, paths: readonly string[]): string {
  return `approved for the rest of the run: ${approval.approved_by} approved proposal ${approval.origin_proposal_id} with the same ${paths.join(', ')}`;
}
