import { Inject, Injectable } from '@nestjs/common';
import { signAttestation, type SigningKey } from '@airlock/attestation';
import { Bundle } from '@airlock/bundle';
import {
  buildEnvelope,
  outcomeEnvelope,
  type ApprovalDecision,
  type ProposalOutcome,
} from '@airlock/contracts';
import { EventPublisher } from '@airlock/messaging';
import { JsonLogger } from '@airlock/service-runtime';
import { withInternalSpan, withStoredTraceContext } from '@airlock/telemetry';
import { ApprovalRequestsStore, type ApprovalRequest } from './approval-requests.store';

export const APPROVAL_SIGNING_KEY = Symbol('APPROVAL_SIGNING_KEY');

/**
 * Publishes the events of a closed request and only then marks it published, so a crash in between
 * leaves it for the sweeper to send again. Event ids derive from the proposal id, so a second
 * sending is recognised downstream as the same event.
 */
@Injectable()
export class DecisionAnnouncer {
  constructor(
    @Inject(Bundle) private readonly bundle: Bundle,
    @Inject(APPROVAL_SIGNING_KEY) private readonly signingKey: SigningKey,
    @Inject(ApprovalRequestsStore) private readonly store: ApprovalRequestsStore,
    @Inject(EventPublisher) private readonly publisher: EventPublisher,
    @Inject(JsonLogger) private readonly logger: JsonLogger,
  ) {}

  async announce(request: ApprovalRequest): Promise<void> {
    const ids = { runId: request.run_id, proposalId: request.proposal_id, agentId: request.agent_id };
    await withStoredTraceContext(request.trace_headers, () =>
      withInternalSpan(`approval announce ${request.status}`, ids, async () => {
        // A halt ends the proposal without a human decision: there is no approval decision to announce.
        if (request.status !== 'halted') {
          await this.publisher.publish(
            'approvalDecisions',
            buildEnvelope(
              'approvalDecisions',
              'airlock/approval',
              { ...ids, dedupKey: request.proposal_id },
              await this.decisionOf(request),
            ),
          );
        }
        const outcome = this.outcomeOf(request);
        if (outcome) await this.publisher.publish('outcomes', outcomeEnvelope(outcome));
        this.logger.event('info', `approval ${request.status}`, {
          run_id: request.run_id,
          proposal_id: request.proposal_id,
          agent_id: request.agent_id,
          approver_id: request.decided_by ?? undefined,
        });
      }),
    );
    await this.store.markPublished(request.proposal_id);
  }

  private async decisionOf(request: ApprovalRequest): Promise<ApprovalDecision> {
    const { proposal, proposal_hash, attestations } = request.decision;
    const decided = {
      proposal,
      proposal_hash,
      bundle_hash: this.bundle.hash,
      ...(request.decided_by === null ? {} : { approver_id: request.decided_by }),
      ...(request.comment === null ? {} : { comment: request.comment }),
    };
    if (request.status !== 'approved') {
      return { ...decided, attestations, decision: request.status === 'denied' ? 'denied' : 'expired' };
    }
    // Everyone whose approval counted; a request approved under a run approval has none recorded.
    const approverIds = request.approvals.map((approval) => approval.approver_id);
    const approval = await signAttestation(this.signingKey, {
      gate: 'approval',
      verdict: 'approved',
      approver_id: request.decided_by ?? '',
      proposal_id: proposal.proposal_id,
      proposal_hash,
      bundle_hash: this.bundle.hash,
    });
    return {
      ...decided,
      ...(approverIds.length === 0 ? {} : { approver_ids: approverIds }),
      attestations: [...attestations, approval],
      decision: 'approved',
    };
  }

  /** Denied, expired and halted requests end the proposal here; an approved one goes on to budget. */
  private outcomeOf(request: ApprovalRequest): ProposalOutcome | undefined {
    if (request.status === 'pending' || request.status === 'approved') return undefined;
    const common = {
      proposal_id: request.proposal_id,
      run_id: request.run_id,
      agent_id: request.agent_id,
      tool: request.tool,
      decided_by: 'approval' as const,
      policy_ids: request.decision.policy_ids,
      bundle_hash: this.bundle.hash,
    };
    if (request.status === 'halted') {
      const reason = request.comment ?? 'halted by an operator';
      return { ...common, outcome: 'halted', reason_code: request.halt_code ?? 'everything_halted', reason };
    }
    if (request.status === 'expired') {
      const timeout = this.bundle.approvers.approval_timeout_seconds;
      const reason = `no approver decided within ${timeout} s`;
      return { ...common, outcome: 'approval_expired', reason_code: 'approval_timed_out', reason };
    }
    const approverId = request.decided_by ?? 'an approver';
    const reason = request.comment
      ? `${approverId} denied: ${request.comment}`
      : `${approverId} denied the proposal`;
    return {
      ...common,
      outcome: 'approval_denied',
      reason_code: 'approver_denied',
      reason,
      ...(request.decided_by === null ? {} : { approver_id: request.decided_by }),
    };
  }
}
