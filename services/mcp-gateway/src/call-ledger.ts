import { createHash } from 'node:crypto';
import { canonicalJson } from '@airlock/attestation';

/** One tools/call as the gateway proposes it: which agent, in which run, calls what. */
export interface ToolCall {
  agentId: string;
  runId: string;
  tool: string;
  args: Record<string, unknown>;
}

/** How many distinct calls the ledger remembers before it forgets the oldest. */
const defaultCapacity = 10_000;

/**
 * Gives each tools/call a deterministic proposal id, so that a client calling again after a call
 * timed out resumes waiting for the same proposal instead of proposing the action a second time.
 *
 * The id is a hash of the agent, the run, the tool, the canonical arguments and an occurrence
 * number: how many identical calls in this run already got their answer. So an identical call made
 * while the first is still unanswered (a retry after "still pending") maps to the same proposal,
 * and an identical call made after the answer was returned is a new proposal (opening two tickets
 * with the same title is legitimate). Keyed by the run rather than the MCP session: a client that
 * reconnects gets a new session but keeps its run ticket, and should still resume.
 *
 * The counts live in memory. After a gateway restart an identical call may get an id already used;
 * intake then refuses it (replayed_proposal_id) rather than executing twice (ADR 0015).
 */
export class CallLedger {
  private readonly answered = new Map<string, number>();
  /** Unanswered proposals policy sent to a human, with the policies that asked: a resumed call reports them. */
  private readonly awaitingApproval = new Map<string, readonly string[]>();

  constructor(private readonly capacity = defaultCapacity) {}

  proposalIdFor(call: ToolCall): string {
    const key = keyOf(call);
    const occurrence = this.answered.get(key) ?? 0;
    const digest = createHash('sha256').update(`${key}\n${occurrence}`, 'utf8').digest('hex');
    return `mcp-${digest}`;
  }

  noteAwaitingApproval(proposalId: string, policyIds: readonly string[]): void {
    this.awaitingApproval.set(proposalId, policyIds);
  }

  /** The policies that sent this unanswered proposal to a human, or undefined if none did (yet). */
  approvalAskedBy(proposalId: string): readonly string[] | undefined {
    return this.awaitingApproval.get(proposalId);
  }

  /** The call got its terminal answer: an identical call from now on is a new proposal. */
  markAnswered(call: ToolCall, proposalId: string): void {
    this.awaitingApproval.delete(proposalId);
    const key = keyOf(call);
    const count = (this.answered.get(key) ?? 0) + 1;
    this.answered.delete(key);
    this.answered.set(key, count);
    if (this.answered.size > this.capacity) {
      const oldest = this.answered.keys().next().value;
      if (oldest !== undefined) this.answered.delete(oldest);
    }
  }
}

function keyOf(call: ToolCall): string {
  return canonicalJson({ agent: call.agentId, run: call.runId, tool: call.tool, args: call.args });
}
