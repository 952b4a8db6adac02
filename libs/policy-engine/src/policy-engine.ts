import { randomUUID } from 'node:crypto';
import {
  checkParseEntities,
  policyToJson,
  preparsePolicySet,
  statefulIsAuthorized,
  type AuthorizationAnswer,
  type Context,
  type EntityJson,
  type Response,
} from '@cedar-policy/cedar-wasm/nodejs';
import type {
  AgentRecord,
  ApprovalRequirement,
  PolicyEntity,
  Proposal,
  ReasonCode,
  RunFacts,
  ToolDefinition,
} from '@airlock/contracts';
import { compileArgumentValidators, type ArgumentValidator } from './argument-validation';
import { toCedarArguments } from './cedar-values';
import { derivedFacts } from './derived-facts';
import { toEntityJson, type EntityOverlay } from './entity-overlay';
import { vocabularyProblems } from './policy-vocabulary';
import { whoCan, type WhoCanAnswer } from './who-can';
import { emptyRunHistory, historyContext, type RunHistory } from './run-history';
import {
  describeCedarErrors,
  loadPolicySet,
  PolicyLoadError,
  type PolicyFacts,
  type PolicySources,
} from './policy-set-loading';

/** What policy says about one proposal. `reason_code` is set exactly when the decision is deny. */
export type PolicyVerdict =
  | {
      decision: 'deny';
      /** Ids (`@id`) of the policies that decided; empty when nothing permitted or input was refused. */
      policy_ids: string[];
      reason_code: ReasonCode;
      reasons: string[];
    }
  | {
      decision: 'allow' | 'approval_required';
      policy_ids: string[];
      reason_code?: undefined;
      reasons: string[];
      /**
       * Argument paths an approver may approve for the rest of the run: set when every policy that
       * asks for approval declares `@approval_for_run`, to all their paths together.
       */
      approval_for_run?: string[];
      /** With approval_required: who must approve, per policy asking (docs/policies.md). */
      approval_requirements?: ApprovalRequirement[];
    };

export interface PolicyEngine {
  /**
   * `run`: what intake verified about the proposal's run (ADR 0011), `context.run`; `history`: what
   * the run did before, as the gate recorded it, `context.history` (empty when not given);
   * `entities`: what operators changed over the bundle's entities (none when not given).
   */
  decide(
    proposal: Proposal,
    agent: AgentRecord,
    run?: RunFacts,
    history?: RunHistory,
    entities?: EntityOverlay,
  ): PolicyVerdict;
  /** Whether any policy reads `context.history`: only then must the gate keep each run's history. */
  readonly readsHistory: boolean;
  /**
   * What the policies say about `agent` calling `tool` before any call is known: a decision when
   * the arguments, run and history cannot change it, otherwise the conditions each policy still
   * puts on them (Cedar's partial evaluation, with the context unknown).
   */
  whoCan(tool: string, agent: AgentRecord): WhoCanAnswer;
}

export interface PolicyEngineInput {
  policies: PolicySources;
  tools: ReadonlyMap<string, ToolDefinition>;
  /** The bundle's entities (entities/*.json): data policies read, e.g. a user's saved payees. */
  entities?: readonly PolicyEntity[];
  /**
   * The approver groups approvers.json defines: given, a policy naming another in @approvers fails
   * the bundle (a typo would leave its requests without anyone who may approve them).
   */
  approverGroups?: ReadonlySet<string>;
}

/**
 * Parses the policies and compiles the tool schemas once; `decide` is then a pure function of
 * (proposal, agent, run, history, entities). Throws PolicyLoadError for anything that would make decisions unreliable.
 */
export function createPolicyEngine(input: PolicyEngineInput): PolicyEngine {
  const { textById, factsById } = loadPolicySet(input.policies);
  const validators = compileArgumentValidators(input.tools);
  rejectUnknownNames(textById, factsById, input.tools);
  if (input.approverGroups !== undefined) rejectUnknownGroups(factsById, input.approverGroups);
  // Cedar caches preparsed sets per thread under this id; a fresh id per engine keeps a reloaded
  // bundle from ever being evaluated against the previous one's policies.
  const policySetId = `airlock-policies-${randomUUID()}`;
  const preparsed = preparsePolicySet(policySetId, { staticPolicies: textById });
  if (preparsed.type === 'failure') {
    throw new PolicyLoadError(`the policy set does not load: ${describeCedarErrors(preparsed.errors)}`);
  }
  const entities = (input.entities ?? []).map(toEntityJson);
  const parsedEntities = checkParseEntities({ entities });
  if (parsedEntities.type === 'failure') {
    throw new PolicyLoadError(`entities/: ${describeCedarErrors(parsedEntities.errors)}`);
  }
  const state = { policySetId, factsById, validators, tools: input.tools, entities };
  return {
    decide: (proposal, agent, run, history = emptyRunHistory, overlay) =>
      decide(state, proposal, agent, run, history, overlay?.over(entities) ?? entities),
    readsHistory: Object.values(textById).some((text) => /\bcontext\s*\.\s*history\b/.test(text)),
    whoCan: (tool, agent) => whoCan({ textById, factsById, entities }, tool, agent),
  };
}

function rejectUnknownGroups(
  factsById: ReadonlyMap<string, PolicyFacts>,
  groups: ReadonlySet<string>,
): void {
  for (const facts of factsById.values()) {
    const unknown = (facts.approvers ?? []).find((name) => name !== runUser && !groups.has(name));
    if (unknown !== undefined) {
      throw new PolicyLoadError(
        `${facts.fileName}: policy ${facts.id}: @approvers names "${unknown}", which no approver in approvers.json belongs to`,
      );
    }
  }
}

/** In @approvers, the user on whose behalf the run acts, rather than a group. */
const runUser = 'run_user';

/** A policy naming what the bundle does not define fails the bundle, never a request. */
function rejectUnknownNames(
  textById: Record<string, string>,
  factsById: ReadonlyMap<string, PolicyFacts>,
  tools: ReadonlyMap<string, ToolDefinition>,
): void {
  for (const [id, text] of Object.entries(textById)) {
    const parsed = policyToJson(text);
    if (parsed.type === 'failure') continue;
    const problems = vocabularyProblems(parsed.json as unknown as Record<string, unknown>, tools);
    if (problems.length > 0) {
      throw new PolicyLoadError(
        `${factsById.get(id)?.fileName ?? 'policies'}: policy ${id}: ${problems.join('; ')}`,
      );
    }
  }
}

interface EngineState {
  policySetId: string;
  factsById: ReadonlyMap<string, PolicyFacts>;
  validators: ReadonlyMap<string, ArgumentValidator>;
  tools: ReadonlyMap<string, ToolDefinition>;
}

function decide(
  state: EngineState,
  proposal: Proposal,
  agent: AgentRecord,
  run: RunFacts | undefined,
  history: RunHistory,
  entities: readonly EntityJson[],
): PolicyVerdict {
  const validateArguments = state.validators.get(proposal.tool);
  const tool = state.tools.get(proposal.tool);
  if (!validateArguments || !tool) {
    return deny('unknown_tool', [`tool ${proposal.tool} is not in the bundle`]);
  }
  const argumentProblems = validateArguments(proposal.arguments);
  if (argumentProblems.length > 0) {
    return deny('invalid_arguments', argumentProblems);
  }
  const args = toCedarArguments(proposal.arguments, tool.arguments_schema);
  if (!args.ok) {
    return deny('invalid_arguments', args.problems);
  }
  const context: Context = {
    tool: proposal.tool,
    arguments: args.value,
    run: runContext(run),
    ...entityReferences(run),
    history: historyContext(history),
    derived: derivedFacts(tool, proposal.arguments),
  };
  if (proposal.workflow !== undefined) {
    context['workflow'] = proposal.workflow;
  }
  // Intake verified the submitter's signature and that it may act for this agent (ADR 0015).
  if (proposal.submitted_by !== undefined) {
    context['submitted_by'] = proposal.submitted_by;
  }
  const answer = authorize(state, proposal, agent, context, entities);
  if (answer.type === 'failure') {
    return deny('policy_evaluation_error', [
      `Cedar could not evaluate the request: ${describeCedarErrors(answer.errors)}`,
    ]);
  }
  return interpretResponse(state.factsById, proposal.tool, answer.response, run);
}

/**
 * The run's trusted facts as policies read them (`context.run`): who opened it, for which user and
 * team, with which task labels, the identifiers the user named for the task (`named`, a record of
 * sets by kind) and the tools the task may use (`tools`). A fact the launcher did not state is
 * absent; a policy checks `context.run has team` before reading it. `labels` and `named` are always
 * there (empty), so a rule over them needs no `has`.
 */
function runContext(run: RunFacts | undefined): Context {
  if (run === undefined) return { labels: [], named: {} };
  return {
    opened_by: run.opened_by,
    ...(run.launcher_id === undefined ? {} : { launcher_id: run.launcher_id }),
    ...(run.user_id === undefined ? {} : { user_id: run.user_id }),
    ...(run.team === undefined ? {} : { team: run.team }),
    labels: run.labels ?? [],
    named: run.named ?? {},
    ...(run.tools === undefined ? {} : { tools: run.tools }),
  };
}

/**
 * The run's user and team as entities, `context.user` and `context.team`, so that a policy reads
 * the data the bundle keeps about them: `context has user && context.user has payees`. An entity
 * the bundle does not list has no attributes (`has` is false).
 */
function entityReferences(run: RunFacts | undefined): Context {
  return {
    ...(run?.user_id === undefined ? {} : { user: { __entity: { type: 'User', id: run.user_id } } }),
    ...(run?.team === undefined ? {} : { team: { __entity: { type: 'Team', id: run.team } } }),
  };
}

function authorize(
  state: EngineState,
  proposal: Proposal,
  agent: AgentRecord,
  context: Context,
  known: readonly EntityJson[],
): AuthorizationAnswer {
  const principal = { type: 'Agent', id: agent.id };
  const parents = agent.team === undefined ? [] : [{ type: 'Team', id: agent.team }];
  const entities: EntityJson[] = [{ uid: principal, attrs: {}, parents }, ...known];
  // No Cedar schema: each tool's context has its own shape, already checked by the tool's JSON
  // Schema above. A Cedar schema would have to restate every tool's arguments a second time.
  try {
    return statefulIsAuthorized({
      principal,
      action: { type: 'Action', id: proposal.tool },
      resource: { type: 'Tool', id: proposal.tool },
      context,
      entities,
      preparsedPolicySetId: state.policySetId,
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      type: 'failure',
      errors: [{ message, help: null, code: null, url: null, severity: null }],
      warnings: [],
    };
  }
}

function interpretResponse(
  factsById: ReadonlyMap<string, PolicyFacts>,
  tool: string,
  response: Response,
  run: RunFacts | undefined,
): PolicyVerdict {
  const determining = response.diagnostics.reason
    .map((id) => factsById.get(id))
    .filter((facts): facts is PolicyFacts => facts !== undefined);
  const forbids = determining.filter((facts) => facts.effect === 'forbid');
  if (response.decision === 'deny' && forbids.length > 0) {
    return deny(
      'policy_denied',
      forbids.map((facts) => `policy ${facts.id} forbids ${tool}`),
      forbids.map((facts) => facts.id),
    );
  }
  // Fail closed: Cedar skips a policy that errors, so an erroring forbid would otherwise let an
  // allow through. Any evaluation error therefore denies, even when Cedar answered allow.
  if (response.diagnostics.errors.length > 0) {
    const { errors } = response.diagnostics;
    return deny(
      'policy_evaluation_error',
      errors.map((e) => `policy ${e.policyId} could not be evaluated: ${e.error.message}`),
      [...new Set(errors.map((e) => e.policyId))],
    );
  }
  if (response.decision === 'deny') {
    return deny('no_policy_permits', [`no policy permits this agent to call ${tool}`]);
  }
  return permit(determining, tool, run);
}

function permit(permits: PolicyFacts[], tool: string, run: RunFacts | undefined): PolicyVerdict {
  const policy_ids = permits.map((facts) => facts.id);
  const needingApproval = permits.filter((facts) => facts.approvalRequired);
  if (needingApproval.length > 0) {
    // An answer may cover later calls only as far as every policy asking for it allows: each
    // policy's values must match, so the paths add up.
    const forRun = needingApproval.every((facts) => facts.approvalForRun !== undefined)
      ? [...new Set(needingApproval.flatMap((facts) => facts.approvalForRun ?? []))].sort()
      : undefined;
    return {
      decision: 'approval_required',
      policy_ids,
      reasons: needingApproval.map(
        (facts) => `policy ${facts.id} permits ${tool} only with a human's approval`,
      ),
      ...(forRun === undefined ? {} : { approval_for_run: forRun }),
      // In policy id order: Cedar's order of determining policies is not part of its contract.
      approval_requirements: needingApproval
        .map((facts) => approvalRequirementOf(facts, run))
        .sort((a, b) => a.policy_id.localeCompare(b.policy_id)),
    };
  }
  return { decision: 'allow', policy_ids, reasons: policy_ids.map((id) => `policy ${id} permits ${tool}`) };
}

function deny(reason_code: ReasonCode, reasons: string[], policy_ids: string[] = []): PolicyVerdict {
  return { decision: 'deny', policy_ids, reason_code, reasons };
}

/**
 * Who must approve for one policy: `quorum` distinct approvers of its groups, or the run's user
 * where it names run_user (a run without a user has none, so only the groups count, and a policy
 * naming run_user alone cannot be met: its requests expire).
 */
function approvalRequirementOf(facts: PolicyFacts, run: RunFacts | undefined): ApprovalRequirement {
  const groups = (facts.approvers ?? []).filter((name) => name !== runUser);
  const namesRunUser = facts.approvers?.includes(runUser) === true;
  return {
    policy_id: facts.id,
    quorum: facts.quorum ?? 1,
    // Present whenever the policy names approvers, so "only the run's user" never widens to anyone.
    ...(facts.approvers === undefined ? {} : { groups }),
    ...(namesRunUser && run?.user_id !== undefined ? { run_user: run.user_id } : {}),
  };
}
