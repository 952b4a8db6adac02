import type { AgentRecord, PolicyTestCase, Proposal, ToolDefinition } from '@airlock/contracts';
import type { PolicyEngine, PolicyVerdict } from './policy-engine';
import { emptyRunHistory, recordCall, recordResult } from './run-history';

/** One file of the bundle's tests/. */
export interface PolicyTestSuite {
  file: string;
  cases: readonly PolicyTestCase[];
}

export interface PolicyTestResult {
  file: string;
  name: string;
  /** Why the case failed; undefined when it passed. */
  failure?: string;
}

/**
 * Runs the bundle's policy cases against its engine, each in process as the policy gate would
 * decide it: the case's run facts as context.run, its earlier calls (and the facts of their
 * results) as context.history.
 */
export function runPolicyTests(
  engine: PolicyEngine,
  bundle: { agents: ReadonlyMap<string, AgentRecord>; tools: ReadonlyMap<string, ToolDefinition> },
  suites: readonly PolicyTestSuite[],
): PolicyTestResult[] {
  return suites.flatMap((suite) =>
    suite.cases.map((testCase) => ({
      file: suite.file,
      name: testCase.name,
      failure: failureOf(engine, bundle, testCase),
    })),
  );
}

function failureOf(
  engine: PolicyEngine,
  bundle: { agents: ReadonlyMap<string, AgentRecord>; tools: ReadonlyMap<string, ToolDefinition> },
  testCase: PolicyTestCase,
): string | undefined {
  const agent = bundle.agents.get(testCase.agent);
  if (agent === undefined) return `agent ${testCase.agent} is not in the bundle`;
  let history = emptyRunHistory;
  for (const call of testCase.before ?? []) {
    const tool = bundle.tools.get(call.tool);
    if (tool === undefined) return `an earlier call names tool ${call.tool}, which is not in the bundle`;
    history = recordCall(history, proposalOf(testCase.agent, call.tool, call.arguments), tool);
    if (call.result !== undefined) history = recordResult(history, tool, call.result);
  }
  const proposal = proposalOf(testCase.agent, testCase.tool, testCase.arguments);
  return mismatch(testCase.expect, engine.decide(proposal, agent, testCase.run, history));
}

function proposalOf(agentId: string, tool: string, args: Record<string, unknown>): Proposal {
  return {
    proposal_id: 'policy-test',
    run_id: 'policy-test',
    agent_id: agentId,
    tool,
    arguments: args,
    issued_at: new Date().toISOString(),
  };
}

function mismatch(expected: PolicyTestCase['expect'], actual: PolicyVerdict): string | undefined {
  const got = `${actual.decision}${actual.reason_code ? ` (${actual.reason_code})` : ''} by [${actual.policy_ids.join(', ')}]: ${actual.reasons.join('; ')}`;
  if (actual.decision !== expected.decision) return `expected ${expected.decision}, got ${got}`;
  if (expected.reason_code !== undefined && actual.reason_code !== expected.reason_code) {
    return `expected reason ${expected.reason_code}, got ${got}`;
  }
  const sorted = (ids: readonly string[]) => [...ids].sort().join(', ');
  if (expected.policy_ids !== undefined && sorted(expected.policy_ids) !== sorted(actual.policy_ids)) {
    return `expected policies [${sorted(expected.policy_ids)}], got ${got}`;
  }
  return undefined;
}
