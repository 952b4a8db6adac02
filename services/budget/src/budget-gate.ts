import { Inject, Injectable } from '@nestjs/common';
import {
  buildEnvelope,
  PoisonMessageError,
  proposalOutcomeEnvelope,
  type Envelope,
  type Proposal,
  type OutcomeResolution,
  type ProposalOutcome,
  type ToolDefinition,
} from '@airlock/contracts';
import { signAttestation, type SigningKey } from '@airlock/attestation';
import {
  chargesFor,
  decideLimits,
  decideStoppingRules,
  effectiveRunLimits,
  formatUsd,
  inferenceCapsPassed,
  inferenceCharges,
  inLockOrder,
  microToUsd,
  priceUsage,
  stoppingRuleCharges,
  usdToMicro,
  type ChargedCall,
} from '@airlock/budget-ledger';
import { Bundle } from '@airlock/bundle';
import { describeHalt, HaltBoard, haltTargetOf, isHaltReasonCode, runControlEnvelope } from '@airlock/halts';
import { emission, gateRoute, type Emission, type GateRoute, type GateRoutes } from '@airlock/messaging';
import { estimateCostUsd } from '@airlock/policy-engine';
import { runTeamOf, runTicketOf, verifyRunClose, verifyUsageReport } from '@airlock/proposal-verification';
import { JsonLogger } from '@airlock/service-runtime';
import { ReservationStore, type ReservationContext, type ReservationRecord } from './reservation-store';

export const BUDGET_SIGNING_KEY = Symbol('BUDGET_SIGNING_KEY');

type Cleared = Envelope<'policyDecisions'> | Envelope<'approvalDecisions'>;

/** Who a run halted by a stopping rule was halted by, as operators and the audit see it. */
const stoppingRuleOperator = 'airlock-budget';
const source = 'airlock/budget';

/** Outcomes that lengthen a run's streak of failures, and the one that ends it. */
const streakOf: Partial<Record<ProposalOutcome['outcome'], 'failure' | 'success'>> = {
  denied: 'failure',
  approval_denied: 'failure',
  failed: 'failure',
  executed: 'success',
};

/**
 * Executor outcomes that mean the tool was never called: the reservation was never spent. Only an
 * outcome the executor attested releases it (the route requires that), or a forged
 * `tool_unreachable` would hand a run its budget back for every call.
 */
const neverCalled = (reasonCode: string) =>
  ['destination_not_allowed', 'missing_credential', 'tool_unreachable', 'run_expired'].includes(reasonCode) ||
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
          envelope.data.proposal_id !== '' &&
          (envelope.data.decided_by === 'executor' || this.countsInStreak(envelope.data)),
        // An outcome counts only from the gate it says decided it: a compromised policy key must not
        // release reservations in the executor's name.
        attestedBy: (envelope) => [envelope.data.decided_by],
        handle: (envelope) => this.afterOutcome(envelope.data),
      }),
      gateRoute({ topic: 'usage', handle: (envelope) => this.countUsage(envelope) }),
      gateRoute({ topic: 'runs', handle: async (envelope) => this.closeRun(envelope) }),
      gateRoute({ topic: 'resolutions', handle: (envelope) => this.afterResolution(envelope.data) }),
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
      effectiveRunLimits(this.bundle.budgets.per_run, runTicketOf(proposal)?.limits),
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
      source,
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
    const team = runTeamOf(proposal, this.bundle.agents.get(proposal.agent_id));
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
    return [outcome, this.haltRun(proposal.run_id, record.reason)];
  }

  private haltRun(runId: string, reason: string): Emission {
    return emission(
      'control',
      runControlEnvelope(source, runId, { state: 'halted', reason, operatorId: stoppingRuleOperator }),
    );
  }

  private countsInStreak(outcome: ProposalOutcome): boolean {
    return (
      this.bundle.budgets.stopping_rules?.max_consecutive_failures !== undefined &&
      streakOf[outcome.outcome] !== undefined
    );
  }

  /**
   * The executor answered: a reservation whose tool was never called is given back, any other is
   * settled at the cost the tool reported. Then the run's streak of failures, if a rule counts it.
   */
  async afterOutcome(outcome: ProposalOutcome): Promise<Emission[]> {
    const ids = { run_id: outcome.run_id, proposal_id: outcome.proposal_id };
    if (outcome.decided_by === 'executor' && neverCalled(outcome.reason_code)) {
      if (await this.store.release(outcome.proposal_id)) {
        this.logger.event('info', 'reservation released: the tool was never called', {
          ...ids,
          reason_code: outcome.reason_code,
        });
      }
    } else if (outcome.decided_by === 'executor') {
      const reported = outcome.outcome === 'executed' ? outcome.cost_usd : undefined;
      await this.store.settle(outcome.proposal_id, reported === undefined ? undefined : usdToMicro(reported));
    }
    return this.countStreak(outcome);
  }

  /**
   * An unknown outcome was settled at its reserved cost, the safe side; a human who found that the
   * call never happened gives it back. One who found it succeeded leaves it as it is.
   */
  async afterResolution(resolution: OutcomeResolution): Promise<Emission[]> {
    if (resolution.happened === 'failed' && (await this.store.refundSettled(resolution.proposal_id))) {
      this.logger.event('info', 'charges given back: a human found the call never happened', {
        run_id: resolution.run_id,
        proposal_id: resolution.proposal_id,
        resolved_by: resolution.resolved_by,
      });
    }
    return [];
  }

  private async countStreak(outcome: ProposalOutcome): Promise<Emission[]> {
    const max = this.bundle.budgets.stopping_rules?.max_consecutive_failures;
    const kind = streakOf[outcome.outcome];
    if (max === undefined || kind === undefined) return [];
    const streak = await this.store.countOutcome(outcome.proposal_id, outcome.run_id, kind);
    // Exactly when the streak reaches the rule: the run is halted once, not at every later failure.
    if (streak !== max) return [];
    const reason = `stopping rule max_consecutive_failures (${max}): the last ${max} proposals of run ${outcome.run_id} ended denied or failed`;
    this.logger.event('warn', 'run halted by a stopping rule', { run_id: outcome.run_id, reason });
    return [this.haltRun(outcome.run_id, reason)];
  }

  /**
   * Prices an agent's usage report and counts it against the inference caps over its run, even past
   * a cap (the tokens are spent); the report that takes a cap past its maximum halts the run. A
   * report Airlock cannot trust or price is dead-lettered with the reason.
   */
  async countUsage(envelope: Envelope<'usage'>): Promise<Emission[]> {
    const verdict = verifyUsageReport(envelope.data.jws, this.bundle.agents, this.bundle.launchers);
    if (!verdict.ok) throw new PoisonMessageError(verdict.code, verdict.reason);
    const { report, agent, run } = verdict;
    if (report.run_id !== envelope.runid) {
      throw new PoisonMessageError(
        'run_mismatch',
        `the usage report is for run ${report.run_id} but was sent on run ${envelope.runid}`,
      );
    }
    const priced = priceUsage(this.bundle.prices, report);
    if (!priced.ok) throw new PoisonMessageError('model_not_priced', priced.reason);
    const team = run.team ?? agent.team;
    const limits = this.bundle.budgets.limits ?? [];
    const who = { runId: report.run_id, agentId: report.agent_id, team };
    const charges = inferenceCharges(limits, who, priced.costMicroUsd, new Date());
    const runCap = effectiveRunLimits(this.bundle.budgets.per_run, run.limits).max_inference_usd;
    const counted = await this.store.countUsage(
      {
        usageId: report.usage_id,
        runId: report.run_id,
        agentId: report.agent_id,
        model: report.model,
        inputTokens: report.input_tokens,
        outputTokens: report.output_tokens,
        costMicroUsd: priced.costMicroUsd,
        charges,
      },
      (used, runInference) => {
        const passed = inferenceCapsPassed(limits, charges, used).map((limit) => limit.id);
        const runCapMicro = runCap === undefined ? undefined : usdToMicro(runCap);
        const runPassed =
          runCapMicro !== undefined &&
          runInference > runCapMicro &&
          runInference - priced.costMicroUsd <= runCapMicro;
        return runPassed ? ['per_run.max_inference_usd', ...passed] : passed;
      },
    );
    const accounted = emission(
      'usageAccounted',
      buildEnvelope(
        'usageAccounted',
        source,
        { runId: report.run_id, agentId: report.agent_id, dedupKey: report.usage_id },
        {
          usage_id: report.usage_id,
          run_id: report.run_id,
          agent_id: report.agent_id,
          ...(team === undefined ? {} : { team }),
          model: report.model,
          input_tokens: report.input_tokens,
          output_tokens: report.output_tokens,
          cost_usd: microToUsd(priced.costMicroUsd),
          ...(counted.capsPassed.length === 0 ? {} : { caps_passed: counted.capsPassed }),
          bundle_hash: this.bundle.hash,
        },
      ),
    );
    if (counted.capsPassed.length === 0) return [accounted];
    const reason = `inference cap passed (${counted.capsPassed.join(', ')}): usage report ${report.usage_id} of run ${report.run_id} cost ${formatUsd(priced.costMicroUsd)}`;
    this.logger.event('warn', 'run halted: inference cap passed', { run_id: report.run_id, reason });
    return [accounted, this.haltRun(report.run_id, reason)];
  }

  /** A launcher closed a run it opened: from now on nothing of it executes (ADR 0012). */
  closeRun(envelope: Envelope<'runs'>): Emission[] {
    const verdict = verifyRunClose(envelope.data.jws, this.bundle.launchers);
    if (!verdict.ok) throw new PoisonMessageError(verdict.code, verdict.reason);
    const { close, launcher } = verdict;
    this.logger.event('info', 'run closed by its launcher', {
      run_id: close.run_id,
      launcher_id: launcher.id,
    });
    const closing = runControlEnvelope(source, close.run_id, {
      state: 'closed',
      reason: close.reason,
      operatorId: `launcher:${launcher.id}`,
    });
    return [emission('control', closing)];
  }
}
