import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  buildEnvelope,
  outcomeEnvelope,
  type Envelope,
  type Proposal,
  type ToolDefinition,
} from '@airlock/contracts';
import { checkExecutionProof, type ServiceKeyring } from '@airlock/attestation';
import { redact } from '@airlock/audit-record';
import type { Bundle } from '@airlock/bundle';
import { EventPublisher } from '@airlock/messaging';
import { JsonLogger } from '@airlock/service-runtime';
import { AttemptStore } from './attempt-store';
import { callHttpTool, type ToolCallResult, type ToolCallSecrets } from './http-tool-adapter';

export const EXECUTOR_BUNDLE = Symbol('EXECUTOR_BUNDLE');
export const EXECUTOR_KEYRING = Symbol('EXECUTOR_KEYRING');
export const EXECUTOR_SECRETS = Symbol('EXECUTOR_SECRETS');
export const EXECUTOR_TIMEOUT_MS = Symbol('EXECUTOR_TIMEOUT_MS');

/** Derived from the proposal, so every retry of the same proposal presents the same key downstream. */
export function idempotencyKeyOf(proposalId: string, proposalHash: string): string {
  return createHash('sha256').update(`${proposalId}\u0000${proposalHash}`).digest('hex');
}

/** The last gate: proves every earlier gate said yes for this exact content, then acts once. */
@Injectable()
export class ExecutorGate {
  constructor(
    @Inject(EXECUTOR_BUNDLE) private readonly bundle: Bundle,
    @Inject(EXECUTOR_KEYRING) private readonly keyring: ServiceKeyring,
    @Inject(EXECUTOR_SECRETS) private readonly secrets: ToolCallSecrets,
    @Inject(EXECUTOR_TIMEOUT_MS) private readonly timeoutMs: number,
    @Inject(AttemptStore) private readonly attempts: AttemptStore,
    @Inject(EventPublisher) private readonly publisher: EventPublisher,
    @Inject(JsonLogger) private readonly logger: JsonLogger,
  ) {}

  async execute(
    envelope: Envelope<'budgetReservations'>,
    refuse: (reason: string) => Promise<void>,
  ): Promise<void> {
    const { proposal, proposal_hash } = envelope.data;
    // A forged or tampered event says nothing about the real proposal, so it gets no outcome of
    // its own (that could contradict the real one); it is kept, with the reason, in the DLQ.
    const proof = await checkExecutionProof(envelope.data, this.keyring);
    if (!proof.ok) return refuse(`refused to execute: ${proof.code}: ${proof.reason}`);
    const tool = this.bundle.tools.get(proposal.tool);
    const idempotencyKey = idempotencyKeyOf(proposal.proposal_id, proposal_hash);
    const result = tool
      ? await this.attemptOnce(proposal, tool, idempotencyKey)
      : ({
          kind: 'failed',
          reason_code: 'unknown_tool',
          reason: `tool ${proposal.tool} is no longer in the bundle`,
        } as const);
    if (result === 'already_reported') return;
    await this.report(
      proposal,
      result,
      idempotencyKey,
      envelope.data.reserved_cost_usd,
      tool?.sensitive_fields ?? [],
    );
    await this.attempts.markPublished(proposal.proposal_id);
  }

  private async attemptOnce(
    proposal: Proposal,
    tool: ToolDefinition,
    idempotencyKey: string,
  ): Promise<ToolCallResult | 'already_reported'> {
    const state = await this.attempts.begin(proposal.proposal_id, proposal.run_id, idempotencyKey);
    if (state.kind === 'finished') return state.published ? 'already_reported' : state.result;
    if (state.kind === 'interrupted' && !tool.idempotent) {
      const unknown: ToolCallResult = {
        kind: 'unknown',
        reason_code: 'result_unknown_after_crash',
        reason: `an earlier attempt of ${tool.name} was interrupted; it is not retried because the tool is not idempotent — a human must check`,
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

  private async report(
    proposal: Proposal,
    result: ToolCallResult,
    idempotencyKey: string,
    costUsd: number,
    sensitiveFields: readonly string[],
  ): Promise<void> {
    const ids = { runId: proposal.run_id, proposalId: proposal.proposal_id, agentId: proposal.agent_id };
    if (result.kind === 'succeeded') {
      await this.publisher.publish(
        'actionsExecuted',
        buildEnvelope(
          'actionsExecuted',
          'airlock/executor',
          { ...ids, dedupKey: proposal.proposal_id },
          {
            proposal_id: proposal.proposal_id,
            run_id: proposal.run_id,
            agent_id: proposal.agent_id,
            tool: proposal.tool,
            idempotency_key: idempotencyKey,
            status_code: result.status_code,
            response: redact(result.response, sensitiveFields),
            cost_usd: costUsd,
            bundle_hash: this.bundle.hash,
          },
        ),
      );
    }
    const executed = result.kind === 'succeeded';
    await this.publisher.publish(
      'outcomes',
      outcomeEnvelope({
        proposal_id: proposal.proposal_id,
        run_id: proposal.run_id,
        agent_id: proposal.agent_id,
        tool: proposal.tool,
        outcome: executed ? 'executed' : result.kind === 'unknown' ? 'unknown' : 'failed',
        reason_code: executed ? 'tool_call_succeeded' : result.reason_code,
        reason: executed ? `${proposal.tool} answered HTTP ${result.status_code}` : result.reason,
        decided_by: 'executor',
        bundle_hash: this.bundle.hash,
        ...(executed ? { cost_usd: costUsd } : {}),
      }),
    );
    this.logger.event('info', `execution ${result.kind}`, {
      run_id: proposal.run_id,
      proposal_id: proposal.proposal_id,
      tool: proposal.tool,
    });
  }
}
