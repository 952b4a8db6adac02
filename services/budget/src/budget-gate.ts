import { Inject, Injectable } from '@nestjs/common';
import { buildEnvelope, outcomeEnvelope, type Envelope, type ProposalOutcome } from '@airlock/contracts';
import { checkGateProof, signAttestation, type ServiceKeyring, type SigningKey } from '@airlock/attestation';
import { microToUsd } from '@airlock/budget-ledger';
import type { Bundle } from '@airlock/bundle';
import { EventPublisher } from '@airlock/messaging';
import { estimateCostUsd } from '@airlock/policy-engine';
import { JsonLogger } from '@airlock/service-runtime';
import { ReservationStore } from './reservation-store';

export const BUDGET_BUNDLE = Symbol('BUDGET_BUNDLE');
export const BUDGET_SIGNING_KEY = Symbol('BUDGET_SIGNING_KEY');
export const BUDGET_KEYRING = Symbol('BUDGET_KEYRING');

type Cleared = Envelope<'policyDecisions'> | Envelope<'approvalDecisions'>;

/** Executor failures that happen before the tool is called: the reservation was never spent. */
const releasedByFailure = new Set(['destination_not_allowed', 'missing_credential', 'tool_unreachable']);

/** Budget's gate: reserve the proposal's cost within the run's caps before anything executes. */
@Injectable()
export class BudgetGate {
  constructor(
    @Inject(BUDGET_BUNDLE) private readonly bundle: Bundle,
    @Inject(BUDGET_SIGNING_KEY) private readonly signingKey: SigningKey,
    @Inject(BUDGET_KEYRING) private readonly keyring: ServiceKeyring,
    @Inject(ReservationStore) private readonly store: ReservationStore,
    @Inject(EventPublisher) private readonly publisher: EventPublisher,
    @Inject(JsonLogger) private readonly logger: JsonLogger,
  ) {}

  async reserve(envelope: Cleared, refuse: (reason: string) => Promise<void>): Promise<void> {
    // A forged allow or approval must not even consume the run's budget.
    const proof = await checkGateProof(envelope.data, this.keyring, 'cleared');
    if (!proof.ok) return refuse(`refused to reserve: ${proof.code}: ${proof.reason}`);
    const { proposal, proposal_hash } = envelope.data;
    const tool = this.bundle.tools.get(proposal.tool);
    const costUsd = tool ? estimateCostUsd(tool) : 0;
    const record = await this.store.reserve(
      proposal.proposal_id,
      proposal.run_id,
      costUsd,
      this.bundle.budgets.per_run,
    );
    const identity = { runId: proposal.run_id, proposalId: proposal.proposal_id, agentId: proposal.agent_id };
    if (record.status === 'refused') {
      await this.publisher.publish(
        'outcomes',
        outcomeEnvelope({
          proposal_id: proposal.proposal_id,
          run_id: proposal.run_id,
          agent_id: proposal.agent_id,
          tool: proposal.tool,
          outcome: 'over_budget',
          reason_code: record.code,
          reason: record.reason,
          decided_by: 'budget',
          bundle_hash: this.bundle.hash,
        }),
      );
      this.logger.event('info', 'over budget', {
        run_id: proposal.run_id,
        proposal_id: proposal.proposal_id,
        reason: record.reason,
      });
      return;
    }
    const reservedCostUsd = microToUsd(record.cost_micro_usd);
    const attestation = await signAttestation(this.signingKey, {
      gate: 'budget',
      verdict: 'reserved',
      reserved_cost_usd: reservedCostUsd,
      proposal_id: proposal.proposal_id,
      proposal_hash,
      bundle_hash: this.bundle.hash,
    });
    await this.publisher.publish(
      'budgetReservations',
      buildEnvelope(
        'budgetReservations',
        'airlock/budget',
        { ...identity, dedupKey: proposal.proposal_id },
        {
          proposal,
          proposal_hash,
          attestations: [...envelope.data.attestations, attestation],
          reserved_cost_usd: reservedCostUsd,
          bundle_hash: this.bundle.hash,
        },
      ),
    );
    this.logger.event('info', 'budget reserved', {
      run_id: proposal.run_id,
      proposal_id: proposal.proposal_id,
      cost_usd: reservedCostUsd,
    });
  }

  async settle(outcome: ProposalOutcome): Promise<void> {
    if (outcome.decided_by !== 'executor' || !releasedByFailure.has(outcome.reason_code)) return;
    if (await this.store.release(outcome.proposal_id)) {
      this.logger.event('info', 'reservation released: the tool was never called', {
        run_id: outcome.run_id,
        proposal_id: outcome.proposal_id,
        reason_code: outcome.reason_code,
      });
    }
  }
}
