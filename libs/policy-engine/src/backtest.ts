import type { AgentRecord, Proposal, RunFacts } from '@airlock/contracts';
import type { PolicyEngine, PolicyVerdict } from './policy-engine';

/** A proposal as the audit stored it, with the decision the active bundle made then. */
export interface RecordedDecision {
  proposal: Proposal;
  run?: RunFacts;
  decision: PolicyVerdict['decision'];
  policy_ids: readonly string[];
  /** Sensitive arguments were stored redacted: the candidate judged the redacted values. */
  redacted: boolean;
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
 * (decision or deciding policies). The run's history is not replayed: a candidate policy that reads
 * context.history judges each proposal as a run's first.
 */
export function backtest(
  engine: PolicyEngine,
  agents: ReadonlyMap<string, AgentRecord>,
  records: readonly RecordedDecision[],
): BacktestChange[] {
  return records.flatMap((record) => {
    const { proposal } = record;
    const agent = agents.get(proposal.agent_id);
    const candidate: PolicyVerdict = agent
      ? engine.decide(proposal, agent, record.run)
      : {
          decision: 'deny',
          policy_ids: [],
          reason_code: 'unknown_agent',
          reasons: [`agent ${proposal.agent_id} is not in the candidate bundle`],
        };
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
