import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadBundle } from '@airlock/bundle';
import type { AgentRecord, Proposal } from '@airlock/contracts';
import { createPolicyEngine } from '@airlock/policy-engine';
import { repoRoot } from '@airlock/testing';
import { round } from './latency-stats';

export interface CedarThroughput {
  decisions: number;
  decisionsPerSecond: number;
  microsPerDecision: number;
}

/**
 * The policy gate's own decision, in process: tool argument schema and Cedar evaluation for an
 * allowed tickets.create, on the example bundle. Shows whether policy evaluation could be the limit.
 */
export function measureCedar(durationMs: number): CedarThroughput {
  const bundle = loadBundle(join(repoRoot, 'deploy', 'bundle'));
  const engine = createPolicyEngine({
    policies: bundle.policies,
    tools: bundle.tools,
    entities: bundle.entities,
  });
  const agent: AgentRecord = bundle.agents.get('support-triage') ?? {
    id: 'support-triage',
    owner: 'alice',
    team: 'support',
    public_keys: [],
  };
  const proposal: Proposal = {
    proposal_id: 'p-bench',
    run_id: 'run-bench',
    agent_id: agent.id,
    tool: 'tickets.create',
    arguments: { title: 'Printer on fire', priority: 'high' },
    issued_at: new Date().toISOString(),
  };
  const verdict = engine.decide(proposal, agent);
  if (verdict.decision !== 'allow')
    throw new Error(`the example bundle does not allow tickets.create: ${verdict.reasons.join('; ')}`);
  for (let warm = 0; warm < 500; warm += 1) engine.decide(proposal, agent);
  let decisions = 0;
  const start = performance.now();
  let elapsed = 0;
  // Checking the clock every 100 decisions keeps its cost out of the figure.
  while (elapsed < durationMs) {
    for (let batch = 0; batch < 100; batch += 1) engine.decide(proposal, agent);
    decisions += 100;
    elapsed = performance.now() - start;
  }
  return {
    decisions,
    decisionsPerSecond: round((decisions * 1000) / elapsed, 0),
    microsPerDecision: round((elapsed * 1000) / decisions, 1),
  };
}
