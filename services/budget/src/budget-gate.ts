import { Inject, Injectable } from '@nestjs/common';
import {
  buildEnvelope,
  proposalOutcomeEnvelope,
  type Envelope,
  type Proposal,
  type ProposalOutcome,
  type ToolDefinition,
} from '@airlock/contracts';
import { signAttestation, type SigningKey } from '@airlock/attestation';
import {
  chargesFor,
  decideLimits,
  decideStoppingRules,
  inLockOrder,
  microToUsd,
  stoppingRuleCharges,
  usdToMicro,
  type ChargedCall,
} from '@airlock/budget-ledger';
import { Bundle } from '@airlock/bundle';
import { controlKeyOf, describeHalt, HaltBoard, haltTargetOf, isHaltReasonCode } from '@airlock/halts';
import { emission, gateRoute, type Emission, type GateRoute, type GateRoutes } from '@airlock/messaging';
import { estimateCostUsd } from '@airlock/policy-engine';
import { JsonLogger } from '@airlock/service-runtime';
import { ReservationStore, type ReservationContext, type ReservationRecord } from './reservation-store';

export const BUDGET_SIGNING_KEY = Symbol('BUDGET_SIGNING_KEY');

type Cleared = Envelope<'policyDecisions'> | Envelope<'approvalDecisions'>;

/** Who a run halted by a stopping rule was halted by, as operators and the audit see it. */
const stoppingRuleOperator = 'airlock-budget';

/**
 * Executor outcomes that mean the tool was never called: the reservation was never spent. Only an
 * outcome the executor attested releases it (the route requires that), or a forged
 * `tool_unreachable` would hand a run its budget back for every call.
 */
const neverCalled = (reasonCode: string) =>
  ['destination_not_allowed', 'missing_credential', 'tool_unreachable'].includes(reasonCode) ||
  isHaltReasonCode(reasonCode);

/** Budget's gate: reserve the proposal's cost within the run's caps before anything executes. */
@Injectable()
export class BudgetGate implements GateRoutes {
  constructor(
    @Inject(Bundle) private readonly bundle: Bundle,
    @Inject(BUDGET_SIGNING_KEY) private readonly signingKey: SigningKey,
    @Inject(ReservationStore) private readonly store: ReservationStore,
    @Inject(HaltBoard) private readonly halts: HaltBoard,
    @Inject(JsonLogger) private readonly logger: JsonLogger,
  ) {}

  /** A forged allow or approval must not even consume the run's budget: both need the 'cleared' proof. */
  routes(): GateRoute[] {
    return [
      gateRoute({
        topic: 'policyDecisions',
        wants: (envelope) => envelope.data.decision === 'allow',
        proofStage: 'cleared',
        handle: (envelope) => this.reserve(envelope),
      }),
      gateRoute({
        topic: 'approvalDecisions',
        wants: (envelope) => envelope.data.decision === 'approved',
        proofStage: 'cleared',
        handle: (envelope) => this.reserve(envelope),
      }),
      gateRoute({
        topic: 'outcomes',
        wants: (envelope) =>
          envelope.data.decided_by === 'executor' && neverCalled(envelope.data.reason_code),
        attestedBy: ['executor'],
        handle: (envelope) => this.settle(envelope.data),
      }),
    ];
  }

  async reserve(envelope: Cleared): Promise<Emission[]> {
    const { proposal, proposal_hash } = envelope.data;
    const tool = this.bundle.tools.get(proposal.tool);
    const costUsd = tool ? estimateCostUsd(tool) : 0;
    const record = await this.store.reserve(
      proposal.proposal_id,
      proposal.run_id,
      costUsd,
      this.bundle.budgets.per_run,
      this.reservationContext(proposal, tool, costUsd),
    );
    const identity = { runId: proposal.run_id, proposalId: proposal.proposal_id, agentId: proposal.agent_id };
    if (record.status === 'refused') return this.refuse(proposal, record);
    const reservedCostUsd = microToUsd(record.cost_micro_usd);
    const attestation = await signAttestation(this.signingKey, {
      gate: 'budget',
      verdict: 'reserved',
      reserved_cost_usd: reservedCostUsd,
      proposal_id: proposal.proposal_id,
      proposal_hash,
      bundle_hash: this.bundle.hash,
    });
    this.logger.event('info', 'budget reserved', {
      run_id: proposal.run_id,
      proposal_id: proposal.proposal_id,
      cost_usd: reservedCostUsd,
    });
    const reserved = buildEnvelope(
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
    );
    return [emission('budgetReservations', reserved)];
  }

  /**
   * What the reservation must also respect: a halt in force, every limit across runs that applies,
   * and the stopping rules, all counted in the ledger in the one transaction.
   */
  private reservationContext(
    proposal: Proposal,
    tool: ToolDefinition | undefined,
    costUsd: number,
  ): ReservationContext {
    const team = this.bundle.agents.get(proposal.agent_id)?.team;
    const halt = this.halts.haltOf(haltTargetOf(proposal, team));
    if (halt !== undefined) return { refusal: { code: halt.reasonCode, reason: describeHalt(halt) } };
    const limits = this.bundle.budgets.limits ?? [];
    const rules = this.bundle.budgets.stopping_rules ?? {};
    const call: ChargedCall = {
      runId: proposal.run_id,
      agentId: proposal.agent_id,
      team,
      tool,
      toolName: proposal.tool,
      arguments: proposal.arguments,
      costMicroUsd: usdToMicro(costUsd),
    };
    const charged = chargesFor(limits, call, new Date());
    if (!charged.ok) return { refusal: { code: charged.code, reason: charged.reason } };
    const ruleCharges = stoppingRuleCharges(rules, call);
    return {
      charges: inLockOrder([...charged.charges, ...ruleCharges]),
      decide: (used) => {
        const stopped = decideStoppingRules(rules, ruleCharges, used, call);
        return stopped.ok ? decideLimits(limits, charged.charges, used) : stopped;
      },
    };
  }

  /**
   * A refusal ends the proposal: over budget, or halted (a halt in force, or a stopping rule that
   * fired, which also halts the run for every later proposal, on airlock.control).
   */
  private refuse(proposal: Proposal, record: Extract<ReservationRecord, { status: 'refused' }>): Emission[] {
    const stopped = record.code === 'loop_detected';
    const halted = stopped || isHaltReasonCode(record.code);
    this.logger.event('info', halted ? 'proposal halted' : 'over budget', {
      run_id: proposal.run_id,
      proposal_id: proposal.proposal_id,
      reason: record.reason,
    });
    const outcome = emission(
      'outcomes',
      proposalOutcomeEnvelope(proposal, {
        outcome: halted ? 'halted' : 'over_budget',
        reason_code: record.code,
        reason: record.reason,
        decided_by: 'budget',
        bundle_hash: this.bundle.hash,
      }),
    );
    if (!stopped) return [outcome];
    const scope = { kind: 'run', id: proposal.run_id } as const;
    const halt = buildEnvelope(
      'control',
      'airlock/budget',
      { runId: controlKeyOf(scope) },
      {
        scope,
        state: 'halted',
        reason: record.reason,
        operator_id: stoppingRuleOperator,
        changed_at: new Date().toISOString(),
      },
    );
    return [outcome, emission('control', halt)];
  }

  async settle(outcome: ProposalOutcome): Promise<Emission[]> {
    if (await this.store.release(outcome.proposal_id)) {
      this.logger.event('info', 'reservation released: the tool was never called', {
        run_id: outcome.run_id,
        proposal_id: outcome.proposal_id,
        reason_code: outcome.reason_code,
      });
    }
    return [];
  }
}
