import type { PolicyDecision } from '@airlock/contracts';
import type { CallLedger } from './call-ledger';

/** Sends one notifications/progress for the call's progressToken. */
export type ProgressSender = (progress: number, message: string) => Promise<void>;

/**
 * While a human decides, a call reports progress every interval, so the client (and the person
 * watching it) knows the call is waiting for an approver rather than stuck. It starts when policy's
 * decision says approval_required, or at once for a call resuming a proposal already in that state.
 * MCP asks that progress increase with each notification: it counts the notifications.
 */
export class ApprovalProgress {
  private timer: NodeJS.Timeout | undefined;
  private sent = 0;
  private stopped = false;

  constructor(
    private readonly proposalId: string,
    private readonly ledger: CallLedger,
    private readonly send: ProgressSender | undefined,
    private readonly intervalMs: number,
  ) {
    const askedBy = ledger.approvalAskedBy(proposalId);
    if (askedBy !== undefined) this.start(askedBy);
  }

  decided(decision: PolicyDecision): void {
    if (decision.decision !== 'approval_required') return;
    this.ledger.noteAwaitingApproval(this.proposalId, decision.policy_ids);
    this.start(decision.policy_ids);
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  private start(policyIds: readonly string[]): void {
    if (this.send === undefined || this.timer !== undefined || this.stopped) return;
    const send = this.send;
    const message = `waiting for a human to approve proposal ${this.proposalId} (asked for by ${policyIds.join(', ') || 'policy'})`;
    const tick = () => {
      this.sent += 1;
      // A client that went away cannot be told; the proposal goes on regardless.
      send(this.sent, message).catch(() => undefined);
    };
    tick();
    this.timer = setInterval(tick, this.intervalMs);
  }
}
