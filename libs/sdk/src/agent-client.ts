import { randomUUID } from 'node:crypto';
import {
  validatePayload,
  type Envelope,
  type PolicyDecision,
  type Proposal,
  type TopicKey,
  type UsageAccounted,
} from '@airlock/contracts';
import { canonicalJson, type SigningKey } from '@airlock/attestation';
import { defaultFreshnessWindow } from '@airlock/proposal-verification';
import { newTraceparent, proposalEnvelope, submissionValue, usageEnvelope } from './agent-submissions';
import { AirlockClientError } from './client-errors';
import { KafkaChannel, type KafkaTarget, type Received } from './kafka-channel';
import { OutcomeBook } from './outcome-book';
import type { ProposalResult } from './proposal-results';
import { signingKeyFrom, type KeySource } from './signing-key-source';

export interface AgentClientOptions extends KafkaTarget {
  agentId: string;
  /**
   * The agent's Ed25519 private JWK with its kid, or the path of its key file; with `submittedBy`,
   * that submitter's key instead.
   */
  key: KeySource;
  /**
   * A submitter of the bundle (submitters/<id>.json) signing for this agent, as the MCP gateway
   * does (ADR 0015): every proposal names it in submitted_by and is signed with its key. Usage
   * reports are not: intake checks those against the agent's own keys.
   */
  submittedBy?: string;
  /**
   * Also read airlock.policy.decisions, so that `onDecision` learns what policy said before the
   * outcome (e.g. that a human must approve). An internal topic: the client needs read access to it.
   */
  watchPolicyDecisions?: boolean;
  /**
   * Intake's AIRLOCK_PROPOSAL_MAX_AGE_SECONDS (300 by default). A proposal older than this is not
   * sent again: intake would refuse the copy as stale, and that refusal would say nothing about
   * the proposal it accepted before.
   */
  maxProposalAgeSeconds?: number;
}

export interface ProposeOptions {
  runId: string;
  /** The run ticket from the launcher; remembered for the run's later proposals and usage reports. */
  ticket?: string;
  /** How long to wait for the outcome (30 s by default); then a ProposalTimeoutError. */
  timeoutMs?: number;
  /** Yours to choose when you may need to send the proposal again (e.g. after a timeout). */
  proposalId?: string;
  workflow?: string;
  /**
   * Called with policy's decision on this proposal (clients connected with watchPolicyDecisions).
   * Progress only, never an outcome: the decision's attestation is not checked here.
   */
  onDecision?: (decision: PolicyDecision) => void;
}

export interface UsageToReport {
  runId: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  ticket?: string;
  /** Unique per report; a report sent again with the same id is counted once. */
  usageId?: string;
}

/** A proposal as it goes on the wire, kept so that proposing it again sends it unchanged. */
interface Prepared {
  envelope: Envelope<'proposals'>;
  value: string;
  traceparent: string;
}

interface Sent {
  /** What the caller asked for, to tell a safe re-submission from a reused id. */
  content: string;
  prepared: Promise<Prepared>;
}

const defaultTimeoutMs = 30_000;

/**
 * An agent's connection to Airlock: it signs proposals with the agent's key, sends them to
 * agent.proposals, and reads every answer with one consumer (outcomes, executed actions, priced
 * usage), whatever the number of calls in flight.
 */
export class AirlockAgent {
  private readonly book = new OutcomeBook();
  private readonly sent = new Map<string, Sent>();
  private readonly tickets = new Map<string, string>();
  private readonly decisionListeners = new Map<string, (decision: PolicyDecision) => void>();
  private closed = false;

  private constructor(
    readonly agentId: string,
    private readonly key: SigningKey,
    private readonly channel: KafkaChannel,
    private readonly maxAgeMs: number,
    private readonly submittedBy: string | undefined,
  ) {}

  /** Connects, and starts reading answers from now on: call it before proposing. */
  static async connect(options: AgentClientOptions): Promise<AirlockAgent> {
    const agent = new AirlockAgent(
      options.agentId,
      signingKeyFrom(options.key),
      new KafkaChannel(options, `agent-${options.agentId}`),
      (options.maxProposalAgeSeconds ?? defaultFreshnessWindow.maxAgeSeconds) * 1000,
      options.submittedBy,
    );
    const topics: TopicKey[] = ['outcomes', 'actionsExecuted', 'usageAccounted'];
    if (options.watchPolicyDecisions === true) topics.push('policyDecisions');
    await agent.channel.read(topics, (event) => agent.receive(event));
    return agent;
  }

  /**
   * Proposes a tool call and resolves to how it ended. Proposing again with the same proposal id
   * and the same content sends the identical signed message again (safe after a timeout: intake
   * treats it as a redelivery, so nothing executes twice) and resolves to the proposal's one
   * outcome. The same id with other content throws: one proposal id names one content, for good.
   */
  async propose(
    tool: string,
    args: Record<string, unknown>,
    options: ProposeOptions,
  ): Promise<ProposalResult> {
    if (this.closed) throw new AirlockClientError('client_closed', 'this agent client is closed', false);
    const ticket = this.ticketOf(options.runId, options.ticket);
    const content = canonicalJson({ tool, args, run: options.runId, ticket, workflow: options.workflow });
    const proposalId = options.proposalId ?? `p-${randomUUID()}`;
    const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
    let entry = this.sent.get(proposalId);
    if (entry !== undefined && entry.content !== content) {
      throw new AirlockClientError(
        'proposal_id_reused',
        `proposal id ${proposalId} was already proposed with other content; a proposal id names one content, for good`,
        false,
      );
    }
    const known = this.book.resultOf(proposalId);
    if (known !== undefined) return known;
    if (entry === undefined) {
      // Kept before signing, so that two calls racing with one new id sign and send one message.
      entry = {
        content,
        prepared: this.prepare({
          proposal_id: proposalId,
          run_id: options.runId,
          agent_id: this.agentId,
          tool,
          arguments: args,
          issued_at: new Date().toISOString(),
          ...(options.workflow === undefined ? {} : { workflow: options.workflow }),
          ...(ticket === undefined ? {} : { run_ticket: ticket }),
          ...(this.submittedBy === undefined ? {} : { submitted_by: this.submittedBy }),
        }),
      };
      this.sent.set(proposalId, entry);
    }
    const sending = await entry.prepared.catch((error: unknown) => {
      this.sent.delete(proposalId);
      throw error;
    });
    this.book.track(proposalId, sending.envelope.id);
    if (options.onDecision !== undefined) this.decisionListeners.set(proposalId, options.onDecision);
    const fresh = Date.now() - Date.parse(sending.envelope.time) < this.maxAgeMs;
    if (fresh) {
      await this.channel.send('proposals', options.runId, sending.value, {
        traceparent: sending.traceparent,
      });
    }
    const result = await this.book
      .waitForResult(
        proposalId,
        timeoutMs,
        fresh
          ? undefined
          : `it was not sent again: its issued_at is older than intake accepts, so a copy would be refused without saying how the first one ended`,
      )
      .finally(() => this.decisionListeners.delete(proposalId));
    // A rejected proposal's id is not used up: proposing it again signs it afresh (docs/protocol.md).
    if (result.outcome === 'rejected') {
      this.sent.delete(proposalId);
      this.book.forget(proposalId);
    }
    return result;
  }

  /** Reports a model call's tokens on agent.usage, signed like a proposal (ADR 0012). */
  async reportUsage(usage: UsageToReport): Promise<{ usageId: string }> {
    const ticket = this.ticketOf(usage.runId, usage.ticket);
    const usageId = usage.usageId ?? `u-${randomUUID()}`;
    const envelope = usageEnvelope(
      {
        usage_id: usageId,
        run_id: usage.runId,
        agent_id: this.agentId,
        model: usage.model,
        input_tokens: usage.inputTokens,
        output_tokens: usage.outputTokens,
        reported_at: new Date().toISOString(),
        ...(ticket === undefined ? {} : { run_ticket: ticket }),
      },
      this.key,
    );
    this.book.trackUsage(usageId);
    await this.channel.send('usage', usage.runId, JSON.stringify(envelope));
    return { usageId };
  }

  /** Waits until budget priced and counted a report this client sent (airlock.usage.accounted). */
  async usageAccounted(usageId: string, timeoutMs = defaultTimeoutMs): Promise<UsageAccounted> {
    return this.book.waitForUsage(usageId, timeoutMs);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.book.failAll(
      new AirlockClientError('client_closed', 'the agent client was closed while waiting', false),
    );
    await this.channel.close();
  }

  private ticketOf(runId: string, given: string | undefined): string | undefined {
    if (given !== undefined) this.tickets.set(runId, given);
    return this.tickets.get(runId);
  }

  private async prepare(proposal: Proposal): Promise<Prepared> {
    const envelope = await proposalEnvelope(proposal, this.key);
    return { envelope, value: submissionValue(envelope), traceparent: newTraceparent() };
  }

  private receive({ topic, data }: Received): void {
    if (topic === 'outcomes') {
      const checked = validatePayload('outcomes', data);
      if (checked.ok) this.book.receiveOutcome(checked.value);
    } else if (topic === 'actionsExecuted') {
      const checked = validatePayload('actionsExecuted', data);
      if (checked.ok) this.book.receiveAction(checked.value);
    } else if (topic === 'policyDecisions') {
      const checked = validatePayload('policyDecisions', data);
      if (checked.ok) this.decisionListeners.get(checked.value.proposal.proposal_id)?.(checked.value);
    } else if (topic === 'usageAccounted') {
      const checked = validatePayload('usageAccounted', data);
      if (checked.ok) this.book.receiveUsageAccounted(checked.value);
    }
  }
}
