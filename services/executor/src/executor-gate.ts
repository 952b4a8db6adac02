import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  buildEnvelope,
  proposalOutcomeEnvelope,
  type Envelope,
  type PolicyDecision,
  type Proposal,
  type ToolDefinition,
} from '@airlock/contracts';
import { redact } from '@airlock/audit-record';
import { Bundle } from '@airlock/bundle';
import { reportedCostUsd } from '@airlock/budget-ledger';
import { HaltBoard, haltedDecision, haltTargetOf } from '@airlock/halts';
import { emission, gateRoute, type Emission, type GateRoute, type GateRoutes } from '@airlock/messaging';
import { runTeamOf, runTicketOf } from '@airlock/proposal-verification';
import { JsonLogger } from '@airlock/service-runtime';
import { AttemptStore, type AttemptResult } from './attempt-store';
import { callHttpTool, type ToolCallSecrets } from './http-tool-adapter';
import { readToolPreview } from './tool-preview-read';

export const EXECUTOR_SECRETS = Symbol('EXECUTOR_SECRETS');
export const EXECUTOR_TIMEOUT_MS = Symbol('EXECUTOR_TIMEOUT_MS');

/** Derived from the proposal, so every retry of the same proposal presents the same key downstream. */
export function idempotencyKeyOf(proposalId: string, proposalHash: string): string {
  return createHash('sha256').update(`${proposalId}\u0000${proposalHash}`).digest('hex');
}

/** The last gate: proves every earlier gate said yes for this exact content, then acts once. */
@Injectable()
export class ExecutorGate implements GateRoutes {
  constructor(
    @Inject(Bundle) private readonly bundle: Bundle,
    @Inject(EXECUTOR_SECRETS) private readonly secrets: ToolCallSecrets,
    @Inject(EXECUTOR_TIMEOUT_MS) private readonly timeoutMs: number,
    @Inject(AttemptStore) private readonly attempts: AttemptStore,
    @Inject(HaltBoard) private readonly halts: HaltBoard,
    @Inject(JsonLogger) private readonly logger: JsonLogger,
  ) {}

  /**
   * The 'reserved' proof is every gate's yes for this exact content (invariant 1). A forged or
   * tampered event says nothing about the real proposal, so it gets no outcome of its own (that
   * could contradict the real one): the pipeline keeps it, with the reason, in the DLQ.
   */
  routes(): GateRoute[] {
    const executes = gateRoute({
      topic: 'budgetReservations',
      proofStage: 'reserved',
      handle: (envelope) => this.execute(envelope),
      afterPublished: (envelopes) =>
        this.attempts.markPublished(envelopes.map((envelope) => envelope.data.proposal.proposal_id)),
    });
    // Without a tool that declares a preview, the executor reads no policy decision at all.
    const previews = [...this.bundle.tools.values()].some((tool) => tool.preview !== undefined);
    if (!previews) return [executes];
    return [
      executes,
      // The executor alone holds tool credentials, so it reads what an approver should see before
      // deciding; only for a call policy really sent to a human, and only a read.
      gateRoute({
        topic: 'policyDecisions',
        wants: (envelope) =>
          envelope.data.decision === 'approval_required' &&
          this.bundle.tools.get(envelope.data.proposal.tool)?.preview !== undefined,
        proofStage: 'approval_requested',
        handle: (envelope) => this.preview(envelope.data),
      }),
    ];
  }

  /** What the call waiting for approval would change, for the approval page (ADR 0017). */
  async preview(decision: PolicyDecision): Promise<Emission[]> {
    const { proposal } = decision;
    const tool = this.bundle.tools.get(proposal.tool);
    if (tool === undefined) return [];
    const reading = await readToolPreview(proposal, tool, this.secrets, this.timeoutMs);
    this.logger.event(
      reading.status === 'previewed' ? 'info' : 'warn',
      `approval preview ${reading.status}`,
      {
        run_id: proposal.run_id,
        proposal_id: proposal.proposal_id,
        tool: proposal.tool,
        ...(reading.status === 'unavailable' ? { reason: reading.reason } : {}),
      },
    );
    const ids = { runId: proposal.run_id, proposalId: proposal.proposal_id, agentId: proposal.agent_id };
    const data = {
      proposal_id: proposal.proposal_id,
      run_id: proposal.run_id,
      agent_id: proposal.agent_id,
      tool: proposal.tool,
      proposal_hash: decision.proposal_hash,
      previewed_at: new Date().toISOString(),
      ...reading,
    };
    return [
      emission(
        'approvalPreviews',
        buildEnvelope(
          'approvalPreviews',
          'airlock/executor',
          { ...ids, dedupKey: proposal.proposal_id },
          data,
        ),
      ),
    ];
  }

  async execute(envelope: Envelope<'budgetReservations'>): Promise<Emission[]> {
    const { proposal, proposal_hash } = envelope.data;
    const tool = this.bundle.tools.get(proposal.tool);
    const idempotencyKey = idempotencyKeyOf(proposal.proposal_id, proposal_hash);
    const result = tool
      ? await this.attemptOnce(proposal, tool, idempotencyKey)
      : ({
          kind: 'failed',
          reason_code: 'unknown_tool',
          reason: `tool ${proposal.tool} is no longer in the bundle`,
        } as const);
    if (result === 'already_reported') return [];
    return this.report(
      proposal,
      result,
      idempotencyKey,
      this.costOf(result, tool, envelope.data.reserved_cost_usd),
      tool?.sensitive_fields ?? [],
    );
  }

  /**
   * What the call cost: what the tool's answer reports where the tool declares it, else what budget
   * reserved. Budget settles the reservation to it.
   */
  private costOf(result: AttemptResult, tool: ToolDefinition | undefined, reservedUsd: number): number {
    const path = tool?.cost.reported_usd_at;
    if (result.kind !== 'succeeded' || path === undefined) return reservedUsd;
    const reported = reportedCostUsd(result.response, path);
    if (reported === undefined) {
      this.logger.event('warn', 'the tool did not report its cost; the reserved price stands', {
        tool: tool?.name,
        path,
      });
    }
    return reported ?? reservedUsd;
  }

  /**
   * The halt is looked up here, right before acting: a reservation made before a halt does not run.
   * Nor does one whose run ended meanwhile (its ticket expired while a human decided, say).
   */
  private async attemptOnce(
    proposal: Proposal,
    tool: ToolDefinition,
    idempotencyKey: string,
  ): Promise<AttemptResult | 'already_reported'> {
    const halted = this.haltedNow(proposal);
    const state = await this.attempts.begin(proposal.proposal_id, proposal.run_id, idempotencyKey, halted);
    if (state.kind === 'finished') return state.published ? 'already_reported' : state.result;
    if (state.kind === 'interrupted' && (!tool.idempotent || halted !== undefined)) {
      const why = halted === undefined ? 'the tool is not idempotent' : halted.reason;
      const reason = `an earlier attempt of ${tool.name} was interrupted; it is not retried because ${why} — a human must check`;
      const unknown: AttemptResult = {
        kind: 'unknown',
        reason_code: 'result_unknown_after_crash',
        reason: reason.slice(0, 2000),
      };
      await this.attempts.finish(proposal.proposal_id, unknown);
      return unknown;
    }
    const result = await callHttpTool(
      { proposal, tool, idempotencyKey, timeoutMs: this.timeoutMs },
      this.secrets,
    );
    await this.attempts.finish(proposal.proposal_id, result);
    return result;
  }

  private haltedNow(proposal: Proposal): Extract<AttemptResult, { kind: 'halted' }> | undefined {
    const team = runTeamOf(proposal, this.bundle.agents.get(proposal.agent_id));
    const halt = this.halts.haltOf(haltTargetOf(proposal, team));
    if (halt !== undefined) return { ...haltedDecision(halt), kind: 'halted' };
    const expiresAt = runTicketOf(proposal)?.expires_at;
    if (expiresAt === undefined || Date.parse(expiresAt) > Date.now()) return undefined;
    const reason = `run ${proposal.run_id} ended at ${expiresAt}, as its launcher set, before the call could be made`;
    return { kind: 'halted', reason_code: 'run_expired', reason };
  }

  private report(
    proposal: Proposal,
    result: AttemptResult,
    idempotencyKey: string,
    costUsd: number,
    sensitiveFields: readonly string[],
  ): Emission[] {
    const ids = { runId: proposal.run_id, proposalId: proposal.proposal_id, agentId: proposal.agent_id };
    const emissions: Emission[] = [];
    if (result.kind === 'succeeded') {
      const team = runTeamOf(proposal, this.bundle.agents.get(proposal.agent_id));
      emissions.push(
        emission(
          'actionsExecuted',
          buildEnvelope(
            'actionsExecuted',
            'airlock/executor',
            { ...ids, dedupKey: proposal.proposal_id },
            {
              proposal_id: proposal.proposal_id,
              run_id: proposal.run_id,
              agent_id: proposal.agent_id,
              ...(team === undefined ? {} : { team }),
              tool: proposal.tool,
              idempotency_key: idempotencyKey,
              status_code: result.status_code,
              response: redact(result.response, sensitiveFields),
              ...(result.response_truncated ? { response_truncated: true } : {}),
              cost_usd: costUsd,
              bundle_hash: this.bundle.hash,
            },
          ),
        ),
      );
    }
    const executed = result.kind === 'succeeded';
    emissions.push(
      emission(
        'outcomes',
        proposalOutcomeEnvelope(proposal, {
          outcome: executed ? 'executed' : result.kind,
          reason_code: executed ? 'tool_call_succeeded' : result.reason_code,
          reason: executed ? `${proposal.tool} answered HTTP ${result.status_code}` : result.reason,
          decided_by: 'executor',
          bundle_hash: this.bundle.hash,
          ...(executed ? { cost_usd: costUsd } : {}),
        }),
      ),
    );
    this.logger.event('info', `execution ${result.kind}`, {
      run_id: proposal.run_id,
      proposal_id: proposal.proposal_id,
      tool: proposal.tool,
    });
    return emissions;
  }
}
