import { Inject, Injectable } from '@nestjs/common';
import {
  buildEnvelope,
  isIdentifier,
  outcomeEnvelope,
  proposalOutcomeEnvelope,
  type Envelope,
  type Proposal,
  type RunFacts,
} from '@airlock/contracts';
import { HaltBoard, haltedDecision, haltTargetOf } from '@airlock/halts';
import { proposalHash, signAttestation, type SigningKey } from '@airlock/attestation';
import { Bundle } from '@airlock/bundle';
import { runLimitsProblem } from '@airlock/budget-ledger';
import {
  emission,
  gateRoute,
  type Emission,
  type GateRoute,
  type GateRoutes,
  type RawKafkaMessage,
  type RefusedEvent,
} from '@airlock/messaging';
import { verifyRun, verifySubmission, type FreshnessWindow } from '@airlock/proposal-verification';
import { JsonLogger } from '@airlock/service-runtime';
import { tagActiveSpan } from '@airlock/telemetry';
import { SubmissionLedger } from './submission-ledger';

export const INTAKE_SIGNING_KEY = Symbol('INTAKE_SIGNING_KEY');
export const INTAKE_FRESHNESS = Symbol('INTAKE_FRESHNESS');

interface Rejection {
  runId: string;
  /** The CloudEvent id of the submission, or its Kafka coordinates when it has none we can read. */
  submissionId: string;
  /** Set only once the agent's signature verified: an unverified submission speaks for no one. */
  agentId?: string;
  code: string;
  reason: string;
  message: RawKafkaMessage;
}

/** Intake's gate: who is asking (signature), what (hygiene, schema, size), when (freshness), and whether it was asked before (replay). */
@Injectable()
export class IntakeGate implements GateRoutes {
  constructor(
    @Inject(Bundle) private readonly bundle: Bundle,
    @Inject(INTAKE_SIGNING_KEY) private readonly signingKey: SigningKey,
    @Inject(INTAKE_FRESHNESS) private readonly freshness: FreshnessWindow,
    @Inject(SubmissionLedger) private readonly ledger: SubmissionLedger,
    @Inject(HaltBoard) private readonly halts: HaltBoard,
    @Inject(JsonLogger) private readonly logger: JsonLogger,
  ) {}

  routes(): GateRoute[] {
    return [
      gateRoute({
        topic: 'proposals',
        handle: (envelope, message) => this.admit(envelope, message),
        answerUndecodable: (refused) => this.answerUndecodable(refused),
      }),
    ];
  }

  async admit(envelope: Envelope<'proposals'>, message: RawKafkaMessage): Promise<Emission[]> {
    const rejection = { runId: envelope.runid, submissionId: envelope.id, message };
    const now = new Date();
    const verdict = await verifySubmission(envelope.data, envelope, this.bundle.agents, {
      now,
      freshness: this.freshness,
      submitters: this.bundle.submitters,
    });
    if (!verdict.ok) {
      return [
        this.reject({ ...rejection, agentId: verdict.agent_id, code: verdict.code, reason: verdict.reason }),
      ];
    }
    const { proposal } = verdict;
    tagActiveSpan({ runId: proposal.run_id, proposalId: proposal.proposal_id, agentId: proposal.agent_id });
    const run = verifyRun(proposal, verdict.agent, this.bundle.launchers, now);
    if (!run.ok) {
      return [this.reject({ ...rejection, agentId: proposal.agent_id, code: run.code, reason: run.reason })];
    }
    const tooMuch = run.facts.limits && runLimitsProblem(this.bundle.budgets.per_run, run.facts.limits);
    if (tooMuch) {
      return [
        this.reject({
          ...rejection,
          agentId: proposal.agent_id,
          code: 'run_limits_above_bundle',
          reason: tooMuch,
        }),
      ];
    }
    const hash = proposalHash(proposal);
    const halt = this.halts.haltOf(haltTargetOf(proposal, run.facts.team ?? verdict.agent.team));
    const claim = await this.ledger.claim(
      proposal.proposal_id,
      envelope.id,
      proposal.run_id,
      hash,
      halt === undefined ? undefined : haltedDecision(halt),
    );
    if (claim.status === 'replayed') {
      const reason = `proposal id ${proposal.proposal_id} was already submitted; a proposal id is accepted once, with one content`;
      return [
        this.reject({ ...rejection, agentId: proposal.agent_id, code: 'replayed_proposal_id', reason }),
      ];
    }
    if (claim.halted !== undefined) {
      this.logger.event('warn', 'proposal halted', {
        run_id: proposal.run_id,
        proposal_id: proposal.proposal_id,
        reason_code: claim.halted.reason_code,
      });
      const decision = {
        outcome: 'halted',
        ...claim.halted,
        decided_by: 'intake',
        bundle_hash: this.bundle.hash,
      } as const;
      return [emission('outcomes', proposalOutcomeEnvelope(proposal, decision))];
    }
    return [await this.accept(proposal, hash, envelope.id, run.facts)];
  }

  /** A message that is not even a readable submission still gets an answer when its key names a run. */
  answerUndecodable(refused: RefusedEvent): Emission[] {
    const runId = refused.raw.key ?? undefined;
    if (!isIdentifier(runId)) return [];
    const { topic, partition, offset } = refused.raw;
    const submissionId = `${topic}/${partition}/${offset}`;
    return [
      this.reject({ runId, submissionId, code: refused.code, reason: refused.error, message: refused.raw }),
    ];
  }

  private async accept(
    proposal: Proposal,
    hash: string,
    submissionId: string,
    run: RunFacts,
  ): Promise<Emission> {
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
      { proposal, proposal_hash: hash, attestations: [attestation], submission_id: submissionId, run },
    );
    this.logger.event('info', 'proposal accepted', {
      run_id: proposal.run_id,
      proposal_id: proposal.proposal_id,
      agent_id: proposal.agent_id,
      tool: proposal.tool,
    });
    return emission('accepted', accepted);
  }

  /**
   * A rejection answers the submission, never a proposal: it carries no proposal id, so nobody can
   * put a `rejected` outcome on someone else's proposal, and a proposal that was accepted still
   * has exactly one outcome of its own. Its event id derives from the message's place in Kafka,
   * so two submissions reusing one CloudEvent id each get their own answer in the audit.
   */
  private reject({ runId, submissionId, agentId, code, reason, message }: Rejection): Emission {
    const outcome = outcomeEnvelope(
      {
        proposal_id: '',
        run_id: runId,
        ...(isIdentifier(agentId) ? { agent_id: agentId } : {}),
        submission_id: submissionId.slice(0, 200),
        outcome: 'rejected',
        reason_code: code,
        reason: reason.slice(0, 2000),
        decided_by: 'intake',
        bundle_hash: this.bundle.hash,
      },
      new Date(),
      `rejected/${message.topic}/${message.partition}/${message.offset}`,
    );
    this.logger.event('warn', 'submission rejected', {
      run_id: runId,
      submission_id: submissionId,
      reason_code: code,
      reason: reason.slice(0, 500),
    });
    return emission('outcomes', outcome);
  }
}
