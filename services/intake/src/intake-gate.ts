import { Inject, Injectable } from '@nestjs/common';
import {
  buildEnvelope,
  isIdentifier,
  outcomeEnvelope,
  type Envelope,
  type Proposal,
} from '@airlock/contracts';
import { proposalHash, signAttestation, type SigningKey } from '@airlock/attestation';
import type { Bundle } from '@airlock/bundle';
import { EventPublisher, type RefusedEvent } from '@airlock/messaging';
import { verifySubmission } from '@airlock/proposal-verification';
import { JsonLogger } from '@airlock/service-runtime';
import { tagActiveSpan } from '@airlock/telemetry';
import { SubmissionLedger } from './submission-ledger';

export const INTAKE_BUNDLE = Symbol('INTAKE_BUNDLE');
export const INTAKE_SIGNING_KEY = Symbol('INTAKE_SIGNING_KEY');

/** Intake's gate: who is asking (signature), what (schema, size), and whether it was asked before (replay). */
@Injectable()
export class IntakeGate {
  constructor(
    @Inject(INTAKE_BUNDLE) private readonly bundle: Bundle,
    @Inject(INTAKE_SIGNING_KEY) private readonly signingKey: SigningKey,
    @Inject(SubmissionLedger) private readonly ledger: SubmissionLedger,
    @Inject(EventPublisher) private readonly publisher: EventPublisher,
    @Inject(JsonLogger) private readonly logger: JsonLogger,
  ) {}

  async admit(envelope: Envelope<'proposals'>): Promise<void> {
    const verdict = await verifySubmission(envelope.data, envelope, this.bundle.agents);
    if (!verdict.ok) {
      await this.reject(
        envelope.runid,
        envelope.id,
        verdict.code,
        verdict.reason,
        verdict.proposal_id,
        verdict.agent_id,
      );
      return;
    }
    const { proposal } = verdict;
    tagActiveSpan({ runId: proposal.run_id, proposalId: proposal.proposal_id, agentId: proposal.agent_id });
    const claim = await this.ledger.claim(proposal.proposal_id, envelope.id, proposal.run_id);
    if (claim === 'replayed') {
      const reason = `proposal id ${proposal.proposal_id} was already submitted; a proposal is accepted once`;
      await this.reject(
        envelope.runid,
        envelope.id,
        'replayed_proposal_id',
        reason,
        proposal.proposal_id,
        proposal.agent_id,
      );
      return;
    }
    await this.accept(proposal, envelope.id);
  }

  /** A message that is not even a readable submission still gets an answer when its key names a run. */
  async rejectUnreadable(refused: RefusedEvent): Promise<void> {
    if (!isIdentifier(refused.raw.key ?? undefined)) return;
    const submissionId = `${refused.raw.topic}/${refused.raw.partition}/${refused.raw.offset}`;
    await this.reject(refused.raw.key as string, submissionId, refused.code, refused.error);
  }

  private async accept(proposal: Proposal, submissionId: string): Promise<void> {
    const hash = proposalHash(proposal);
    const attestation = await signAttestation(this.signingKey, {
      gate: 'intake',
      verdict: 'accepted',
      proposal_id: proposal.proposal_id,
      proposal_hash: hash,
      bundle_hash: this.bundle.hash,
    });
    const accepted = buildEnvelope(
      'accepted',
      'airlock/intake',
      {
        runId: proposal.run_id,
        proposalId: proposal.proposal_id,
        agentId: proposal.agent_id,
        dedupKey: proposal.proposal_id,
      },
      { proposal, proposal_hash: hash, attestations: [attestation], submission_id: submissionId },
    );
    await this.publisher.publish('accepted', accepted);
    this.logger.event('info', 'proposal accepted', {
      run_id: proposal.run_id,
      proposal_id: proposal.proposal_id,
      agent_id: proposal.agent_id,
      tool: proposal.tool,
    });
  }

  private async reject(
    runId: string,
    submissionId: string,
    code: string,
    reason: string,
    proposalId?: string,
    agentId?: string,
  ): Promise<void> {
    await this.publisher.publish(
      'outcomes',
      outcomeEnvelope({
        // Ids read from a refused submission are untrusted; only well-formed ones are echoed back.
        proposal_id: isIdentifier(proposalId) ? proposalId : '',
        run_id: runId,
        ...(isIdentifier(agentId) ? { agent_id: agentId } : {}),
        submission_id: submissionId,
        outcome: 'rejected',
        reason_code: code,
        reason,
        decided_by: 'intake',
        bundle_hash: this.bundle.hash,
      }),
    );
    this.logger.event('warn', 'submission rejected', {
      run_id: runId,
      proposal_id: proposalId,
      reason_code: code,
      reason,
    });
  }
}
