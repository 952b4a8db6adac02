import type { AgentRecord, Proposal, RunFacts, ToolDefinition } from '@airlock/contracts';
import type { PolicyEngine, PolicyVerdict } from './policy-engine';
import { emptyRunHistory, recordCall, type RunHistory } from './run-history';

/** A proposal as the audit stored it, with the decision the active bundle made then. */
export interface RecordedDecision {
  proposal: Proposal;
  run?: RunFacts;
  decision: PolicyVerdict['decision'];
  policy_ids: readonly string[];
  /** Sensitive arguments were stored redacted: the candidate judged the redacted values. */
  redacted: boolean;
  /**
   * Before the time range: judged only to build its run's history up to the range, not reported.
   */
  before_range?: boolean;
}

export interface BacktestChange {
  proposal_id: string;
  agent_id: string;
  tool: string;
  recorded: { decision: PolicyVerdict['decision']; policy_ids: readonly string[] };
  candidate: PolicyVerdict;
  redacted: boolean;
}

/**
 * Judges recorded proposals by a candidate bundle and returns every one it would decide otherwise
 * (decision or deciding policies). `records` are in each run's order; each run's history is
 * replayed as the gate would have kept it under the candidate: a call enters it when the candidate
 * lets it through, so a candidate that denies more also sees less history. Records before the
 * range only build that history.
 */
export function backtest(
  engine: PolicyEngine,
  agents: ReadonlyMap<string, AgentRecord>,
  tools: ReadonlyMap<string, ToolDefinition>,
  records: readonly RecordedDecision[],
): BacktestChange[] {
  const histories = new Map<string, RunHistory>();
  return records.flatMap((record) => {
    const { proposal } = record;
    const agent = agents.get(proposal.agent_id);
    const history = histories.get(proposal.run_id) ?? emptyRunHistory;
    const candidate: PolicyVerdict = agent
      ? engine.decide(proposal, agent, record.run, history)
      : {
          decision: 'deny',
          policy_ids: [],
          reason_code: 'unknown_agent',
          reasons: [`agent ${proposal.agent_id} is not in the candidate bundle`],
        };
    const tool = tools.get(proposal.tool);
    if (candidate.decision !== 'deny' && tool !== undefined) {
      histories.set(proposal.run_id, recordCall(history, proposal, tool));
    }
    if (record.before_range === true) return [];
    const same =
      candidate.decision === record.decision &&
      [...candidate.policy_ids].sort().join('\u0000') === [...record.policy_ids].sort().join('\u0000');
    if (same) return [];
    return [
      {
        proposal_id: proposal.proposal_id,
        agent_id: proposal.agent_id,
        tool: proposal.tool,
        recorded: { decision: record.decision, policy_ids: record.policy_ids },
        candidate,
        redacted: record.redacted,
      },
    ];
  });
}
