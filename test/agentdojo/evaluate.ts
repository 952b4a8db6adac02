import { isDeepStrictEqual } from 'node:util';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadBundle, type Bundle } from '@airlock/bundle';
import type { AgentRecord, Proposal, RunFacts } from '@airlock/contracts';
import {
  createPolicyEngine,
  emptyRunHistory,
  recordCall,
  recordResult,
  type PolicyEngine,
  type PolicyVerdict,
  type RunHistory,
} from '@airlock/policy-engine';

/**
 * AgentDojo's banking and workspace suites (cases/*.json) decided in process by this directory's
 * bundle, as the policy gate would decide them: each call with the run's facts as context.run and
 * the calls let through before it as context.history, with the facts the tools declare read from
 * the answers of the calls that executed (context.history.results).
 */

export const suiteNames = ['banking', 'workspace'] as const;
export type SuiteName = (typeof suiteNames)[number];

export interface Call {
  tool: string;
  arguments: Record<string, unknown>;
  /** Injection placeholders of AgentDojo's environment that this call's answer carries. */
  returns_injection_vectors?: string[];
}

/** A benign request as AgentDojo states it, with what a launcher would state about its run. */
export interface UserTask {
  id: string;
  prompt: string;
  /** What the user named (context.run.named) and task labels, from the prompt alone. */
  run: { named: Record<string, string[]>; labels?: string[] };
  /** The side-effect tools the prompt asks for; null when the launcher cannot tell and states no limit. */
  write_tools: string[] | null;
  /** AgentDojo's ground truth for the task, in order. */
  calls: Call[];
}

/** What an injected instruction wants done, and the benign run it rides on. */
export interface InjectionTask {
  id: string;
  goal: string;
  calls_source: string;
  rides_on: string;
  why: string;
  injected_via: string[];
  /** The benign task's calls up to the read that returned the injected text: the run's history. */
  before: Call[];
  /** The calls the attacker needs, in order. */
  calls: Call[];
}

/** What a tool answers in the suite's default environment, for calls with these arguments. */
export interface ToolAnswer {
  tool: string;
  arguments: Record<string, unknown>;
  /** How the answer was derived from AgentDojo's data. */
  source: string;
  answer: unknown;
}

export interface SuiteCases {
  source: { repository: string; commit: string; license: string; benchmark_version: string; suite: string };
  environment: Record<string, unknown>;
  /** Answers whose facts reach the history, as the executor would report them (none: no facts). */
  answers?: ToolAnswer[];
  launcher: { launcher_id: string; user_id: string; agent: string; read_tools: string[] };
  injection_tasks: InjectionTask[];
  user_tasks: UserTask[];
}

export type Decision = PolicyVerdict['decision'];

export interface CallOutcome {
  tool: string;
  decision: Decision;
  policy_ids: string[];
  reason_code?: string;
}

/** blocked: a required call is denied; human: one goes to a person and none is denied; passed: all allowed. */
export type GoalOutcome = 'blocked' | 'human' | 'passed';

export interface GoalResult {
  suite: SuiteName;
  id: string;
  rides_on: string;
  outcome: GoalOutcome;
  calls: CallOutcome[];
}

export interface PairResult {
  suite: SuiteName;
  injection: string;
  user_task: string;
  outcome: GoalOutcome;
}

export interface LegitimateCallResult {
  suite: SuiteName;
  user_task: string;
  index: number;
  write: boolean;
  outcome: CallOutcome;
}

export const casesDir = join(__dirname, 'cases');
export const bundleDir = join(__dirname, 'bundle');

export function loadCases(suite: SuiteName): SuiteCases {
  return JSON.parse(readFileSync(join(casesDir, `${suite}.json`), 'utf8')) as SuiteCases;
}

export interface Evaluation {
  bundle: Bundle;
  engine: PolicyEngine;
  cases: Record<SuiteName, SuiteCases>;
  goals: GoalResult[];
  pairs: PairResult[];
  legitimate: LegitimateCallResult[];
}

export function evaluate(): Evaluation {
  const bundle = loadBundle(bundleDir);
  const engine = createPolicyEngine({
    policies: bundle.policies,
    tools: bundle.tools,
    entities: bundle.entities,
  });
  const cases = { banking: loadCases('banking'), workspace: loadCases('workspace') };
  const goals: GoalResult[] = [];
  const pairs: PairResult[] = [];
  const legitimate: LegitimateCallResult[] = [];
  for (const suite of suiteNames) {
    const suiteCases = cases[suite];
    const gate = new Gate(bundle, engine, suiteCases);
    const userTasks = new Map(suiteCases.user_tasks.map((task) => [task.id, task]));
    for (const task of suiteCases.user_tasks) {
      const outcomes = gate.run(task, [], task.calls);
      task.calls.forEach((call, index) => {
        const write = bundle.tools.get(call.tool)?.risk === 'write';
        legitimate.push({ suite, user_task: task.id, index, write, outcome: outcomes[index] });
      });
    }
    for (const injection of suiteCases.injection_tasks) {
      const ridden = userTasks.get(injection.rides_on);
      if (ridden === undefined) throw new Error(`${injection.id} rides on unknown ${injection.rides_on}`);
      const calls = gate.run(ridden, injection.before, injection.calls);
      goals.push({ suite, id: injection.id, rides_on: injection.rides_on, outcome: outcomeOf(calls), calls });
      // AgentDojo pairs every injection with every user task that shows the agent injected text:
      // the run is that task's, its history its calls up to the first such read.
      for (const task of suiteCases.user_tasks) {
        const first = task.calls.findIndex((call) => (call.returns_injection_vectors ?? []).length > 0);
        if (first < 0) continue;
        const paired = gate.run(task, task.calls.slice(0, first + 1), injection.calls, { untilDenied: true });
        pairs.push({ suite, injection: injection.id, user_task: task.id, outcome: outcomeOf(paired) });
      }
    }
  }
  return { bundle, engine, cases, goals, pairs, legitimate };
}

function outcomeOf(calls: readonly CallOutcome[]): GoalOutcome {
  if (calls.some((call) => call.decision === 'deny')) return 'blocked';
  if (calls.some((call) => call.decision === 'approval_required')) return 'human';
  return 'passed';
}

/** One suite's runs as the policy gate sees them. */
class Gate {
  private readonly agent: AgentRecord;

  constructor(
    private readonly bundle: Bundle,
    private readonly engine: PolicyEngine,
    private readonly cases: SuiteCases,
  ) {
    const agent = bundle.agents.get(cases.launcher.agent);
    if (agent === undefined) throw new Error(`agent ${cases.launcher.agent} is not in the bundle`);
    this.agent = agent;
  }

  /** What a launcher states for the task: its user, what she named, and the tools it may use. */
  runFacts(task: UserTask): RunFacts {
    const { launcher } = this.cases;
    return {
      opened_by: 'launcher',
      launcher_id: launcher.launcher_id,
      user_id: launcher.user_id,
      labels: task.run.labels ?? [],
      named: task.run.named,
      ...(task.write_tools === null ? {} : { tools: [...launcher.read_tools, ...task.write_tools] }),
    };
  }

  /**
   * Decides `calls` in order in the task's run after `before` (each let through and executed); a
   * call let through (allowed or sent to a human) joins the history, a denied one does not. An
   * allowed call executes, and its answer's facts join the history before the next call is
   * decided: the executed event has reached the gate by then, the case where facts permit most
   * (a human's answer is not assumed, so a call sent to one adds no facts). `untilDenied` stops at
   * the first denial, which settles a goal as blocked.
   */
  run(
    task: UserTask,
    before: readonly Call[],
    calls: readonly Call[],
    options: { untilDenied?: boolean } = {},
  ): CallOutcome[] {
    const run = this.runFacts(task);
    let history: RunHistory = emptyRunHistory;
    for (const call of before) history = this.recordAnswer(this.record(history, call), call);
    const outcomes: CallOutcome[] = [];
    for (const call of calls) {
      const verdict = this.engine.decide(this.proposal(call), this.agent, run, history);
      outcomes.push({
        tool: call.tool,
        decision: verdict.decision,
        policy_ids: verdict.policy_ids,
        ...(verdict.reason_code === undefined ? {} : { reason_code: verdict.reason_code }),
      });
      if (verdict.decision === 'deny' && options.untilDenied === true) break;
      if (verdict.decision !== 'deny') history = this.record(history, call);
      if (verdict.decision === 'allow') history = this.recordAnswer(history, call);
    }
    return outcomes;
  }

  /** The history once the call's executed event reached the gate, where the cases hold its answer. */
  private recordAnswer(history: RunHistory, call: Call): RunHistory {
    const answer = this.cases.answers?.find(
      (each) => each.tool === call.tool && isDeepStrictEqual(each.arguments, call.arguments),
    );
    const tool = this.bundle.tools.get(call.tool);
    return answer === undefined || tool === undefined ? history : recordResult(history, tool, answer.answer);
  }

  private record(history: RunHistory, call: Call): RunHistory {
    const tool = this.bundle.tools.get(call.tool);
    if (tool === undefined) throw new Error(`tool ${call.tool} is not in the bundle`);
    return recordCall(history, this.proposal(call), tool);
  }

  private proposal(call: Call): Proposal {
    return {
      proposal_id: 'agentdojo',
      run_id: 'agentdojo',
      agent_id: this.agent.id,
      tool: call.tool,
      arguments: call.arguments,
      issued_at: '2024-05-15T08:00:00.000Z',
    };
  }
}

export interface Tally {
  blocked: number;
  human: number;
  passed: number;
}

export function tallyOutcomes(outcomes: readonly GoalOutcome[]): Tally {
  return {
    blocked: outcomes.filter((outcome) => outcome === 'blocked').length,
    human: outcomes.filter((outcome) => outcome === 'human').length,
    passed: outcomes.filter((outcome) => outcome === 'passed').length,
  };
}

export interface DecisionTally {
  allow: number;
  approval_required: number;
  deny: number;
}

export function tallyDecisions(decisions: readonly Decision[]): DecisionTally {
  return {
    allow: decisions.filter((decision) => decision === 'allow').length,
    approval_required: decisions.filter((decision) => decision === 'approval_required').length,
    deny: decisions.filter((decision) => decision === 'deny').length,
  };
}
