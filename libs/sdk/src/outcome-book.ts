import type { ActionExecuted, ProposalOutcome, UsageAccounted } from '@airlock/contracts';
import { ProposalTimeoutError, AirlockClientError, type PendingPart } from './client-errors';
import {
  endedResult,
  executedResult,
  rejectedResult,
  type OutcomeKind,
  type ProposalResult,
} from './proposal-results';

interface Tracked {
  proposalId: string;
  submissionId: string;
  /** The proposal's one terminal outcome, matched by proposal id. */
  outcome?: ProposalOutcome;
  action?: ActionExecuted;
  /** Intake's answer to the submission, matched by CloudEvent id: it names no proposal. */
  rejection?: ProposalOutcome;
}

/**
 * What a client's one consumer has heard about the proposals and usage reports it sent. Only what
 * was tracked before sending is kept: the topics carry every agent's answers, and an answer cannot
 * arrive before the message it answers was sent.
 */
export class OutcomeBook {
  private readonly byProposal = new Map<string, Tracked>();
  private readonly bySubmission = new Map<string, Tracked>();
  private readonly usage = new Map<string, UsageAccounted | undefined>();
  private readonly listeners = new Set<() => void>();
  private failure: Error | undefined;

  track(proposalId: string, submissionId: string): void {
    if (this.byProposal.get(proposalId)?.submissionId === submissionId) return;
    this.forget(proposalId);
    const tracked = { proposalId, submissionId };
    this.byProposal.set(proposalId, tracked);
    this.bySubmission.set(submissionId, tracked);
  }

  forget(proposalId: string): void {
    const tracked = this.byProposal.get(proposalId);
    if (tracked === undefined) return;
    this.byProposal.delete(proposalId);
    this.bySubmission.delete(tracked.submissionId);
  }

  trackUsage(usageId: string): void {
    if (!this.usage.has(usageId)) this.usage.set(usageId, undefined);
  }

  /** A gate re-emitting after a crash repeats the same outcome: the first one is kept. */
  receiveOutcome(outcome: ProposalOutcome): void {
    if (outcome.outcome === 'rejected') {
      const tracked = this.bySubmission.get(outcome.submission_id ?? '');
      if (tracked !== undefined && tracked.rejection === undefined) tracked.rejection = outcome;
    } else {
      const tracked = this.byProposal.get(outcome.proposal_id);
      if (tracked !== undefined && tracked.outcome === undefined) tracked.outcome = outcome;
    }
    this.notify();
  }

  receiveAction(action: ActionExecuted): void {
    const tracked = this.byProposal.get(action.proposal_id);
    if (tracked !== undefined && tracked.action === undefined) tracked.action = action;
    this.notify();
  }

  receiveUsageAccounted(accounted: UsageAccounted): void {
    if (this.usage.has(accounted.usage_id) && this.usage.get(accounted.usage_id) === undefined) {
      this.usage.set(accounted.usage_id, accounted);
      this.notify();
    }
  }

  /**
   * The proposal's result once known. An outcome for the proposal id wins over a rejection of its
   * submission: a proposal intake accepted has exactly one outcome of its own, whatever a later
   * copy of its submission was answered. An executed proposal's result also needs its action.
   */
  resultOf(proposalId: string): ProposalResult | undefined {
    const tracked = this.byProposal.get(proposalId);
    if (tracked?.outcome !== undefined) {
      const outcome = tracked.outcome;
      if (outcome.outcome !== 'executed') {
        return endedResult(
          outcome as ProposalOutcome & { outcome: Exclude<OutcomeKind, 'executed' | 'rejected'> },
        );
      }
      return tracked.action === undefined ? undefined : executedResult(outcome, tracked.action);
    }
    return tracked?.rejection === undefined ? undefined : rejectedResult(tracked.rejection, proposalId);
  }

  /** `note` adds to the timeout's message what the caller knows of why nothing came. */
  async waitForResult(proposalId: string, timeoutMs: number, note?: string): Promise<ProposalResult> {
    return this.waitFor(
      () => this.resultOf(proposalId),
      timeoutMs,
      () => this.timeoutOf(proposalId, timeoutMs, note),
    );
  }

  async waitForUsage(usageId: string, timeoutMs: number): Promise<UsageAccounted> {
    return this.waitFor(
      () => this.usage.get(usageId),
      timeoutMs,
      () =>
        new AirlockClientError(
          'usage_timeout',
          `usage report ${usageId} was not accounted within ${timeoutMs} ms: budget prices a report it can verify; one it cannot (bad signature, a model prices.json does not list) is dead-lettered on airlock.dlq`,
          true,
        ),
    );
  }

  /** Wakes every waiter with an error, e.g. when the client closes. */
  failAll(error: Error): void {
    this.failure = error;
    this.notify();
  }

  private timeoutOf(proposalId: string, timeoutMs: number, note: string | undefined): ProposalTimeoutError {
    const tracked = this.byProposal.get(proposalId);
    const submissionId = tracked?.submissionId ?? '';
    const pending: PendingPart = tracked?.outcome?.outcome === 'executed' ? 'executed_action' : 'outcome';
    const detail =
      pending === 'executed_action'
        ? `proposal ${proposalId} executed, but its airlock.actions.executed event (the tool's result) did not arrive within ${timeoutMs} ms`
        : `proposal ${proposalId} (submission ${submissionId}) has no outcome after ${timeoutMs} ms: it may wait for a human approval, or not have reached Airlock; proposing it again with the same proposal id is safe`;
    return new ProposalTimeoutError(proposalId, submissionId, pending, note ? `${detail}; ${note}` : detail);
  }

  private waitFor<T>(check: () => T | undefined, timeoutMs: number, onTimeout: () => Error): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const settle = (): void => {
        if (this.failure !== undefined) return finish(() => reject(this.failure));
        const value = check();
        if (value !== undefined) finish(() => resolve(value));
      };
      const timer = setTimeout(() => finish(() => reject(onTimeout())), timeoutMs);
      const finish = (then: () => void): void => {
        clearTimeout(timer);
        this.listeners.delete(settle);
        then();
      };
      this.listeners.add(settle);
      settle();
    });
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
