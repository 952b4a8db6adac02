import {
  isAuthorizedPartial,
  policyToText,
  type Context,
  type EntityJson,
  type PolicyJson,
} from '@cedar-policy/cedar-wasm/nodejs';
import type { AgentRecord } from '@airlock/contracts';
import { describeCedarErrors, PolicyLoadError, type PolicyFacts } from './policy-set-loading';

/** One policy's remaining condition on a call, in Cedar, reading `context.*`. */
/** Who a policy asking for approval lets approve: its @approvers (groups, run_user) and @quorum. */
export interface ApprovalAsked {
  approvers?: string[];
  quorum: number;
}

export interface PolicyCondition {
  policy_id: string;
  effect: 'permit' | 'forbid';
  approval_required: boolean;
  /** Set when approval_required. */
  approval?: ApprovalAsked;
  condition: string;
}

export type WhoCanAnswer =
  | {
      decision: 'allow' | 'approval_required' | 'deny';
      policy_ids: string[];
      /** With approval_required: what each policy asking requires, by policy id. */
      approvals?: Record<string, ApprovalAsked>;
    }
  | { decision: 'depends'; conditions: PolicyCondition[] };

function approvalAsked(facts: PolicyFacts): ApprovalAsked {
  return {
    ...(facts.approvers === undefined ? {} : { approvers: facts.approvers }),
    quorum: facts.quorum ?? 1,
  };
}

/** The context as unknowns, so that Cedar evaluates what does not depend on it and leaves the rest. */
const unknownContext: Context = Object.fromEntries(
  ['arguments', 'run', 'history', 'derived', 'workflow', 'user', 'team', 'submitted_by'].map((name) => [
    name,
    { __extn: { fn: 'unknown', arg: name } },
  ]),
);

export function whoCan(
  policies: {
    textById: Record<string, string>;
    factsById: ReadonlyMap<string, PolicyFacts>;
    entities: readonly EntityJson[];
  },
  tool: string,
  agent: AgentRecord,
): WhoCanAnswer {
  const principal = { type: 'Agent', id: agent.id };
  const parents = agent.team === undefined ? [] : [{ type: 'Team', id: agent.team }];
  const answer = isAuthorizedPartial({
    principal,
    action: { type: 'Action', id: tool },
    resource: { type: 'Tool', id: tool },
    context: unknownContext,
    policies: { staticPolicies: policies.textById },
    entities: [{ uid: principal, attrs: {}, parents }, ...policies.entities],
  });
  if (answer.type === 'failure') {
    throw new PolicyLoadError(
      `Cedar could not evaluate ${tool} for ${agent.id}: ${describeCedarErrors(answer.errors)}`,
    );
  }
  const { response } = answer;
  const factsOf = (ids: readonly string[]) => ids.flatMap((id) => policies.factsById.get(id) ?? []);
  if (response.decision !== null && response.nontrivialResiduals.length === 0) {
    const determining = factsOf(response.mustBeDetermining);
    const forbidden = determining.filter((facts) => facts.effect === 'forbid');
    if (response.decision === 'deny') {
      return { decision: 'deny', policy_ids: forbidden.map((facts) => facts.id) };
    }
    const asking = determining.filter((facts) => facts.approvalRequired);
    return {
      decision: asking.length > 0 ? 'approval_required' : 'allow',
      policy_ids: determining.map((facts) => facts.id),
      ...(asking.length === 0
        ? {}
        : { approvals: Object.fromEntries(asking.map((facts) => [facts.id, approvalAsked(facts)])) }),
    };
  }
  // Cedar knows the answer is deny whatever the context when no permit can apply, even while a
  // forbid still depends on it (a refund ceiling for an agent no policy lets refund at all).
  if (response.decision === 'deny') {
    const forbidden = factsOf(response.mustBeDetermining).filter((facts) => facts.effect === 'forbid');
    return { decision: 'deny', policy_ids: forbidden.map((facts) => facts.id) };
  }
  const conditions = factsOf(response.nontrivialResiduals).map((facts) => ({
    policy_id: facts.id,
    effect: facts.effect,
    approval_required: facts.approvalRequired,
    ...(facts.approvalRequired ? { approval: approvalAsked(facts) } : {}),
    condition: conditionText(response.residuals[facts.id]),
  }));
  return { decision: 'depends', conditions };
}

/** A residual's condition as a reader writes it: `context.arguments.x` for Cedar's unknowns. */
function conditionText(residual: PolicyJson | undefined): string {
  if (residual === undefined) return '';
  const text = policyToText(residual);
  const written = text.type === 'success' ? text.text : JSON.stringify(residual.conditions);
  let condition = (/when \{([\s\S]*)\};?\s*$/.exec(written)?.[1] ?? written)
    .replace(/unknown\("([a-z]+)"\)/g, 'context.$1')
    .replace(/true && /g, '')
    .trim();
  // Cedar wraps what it simplified in parentheses; drop the pairs that enclose the whole.
  while (enclosedWhole(condition)) condition = condition.slice(1, -1).trim();
  return condition;
}

/** Whether the text is one parenthesised expression: its first `(` closes at its last character. */
function enclosedWhole(text: string): boolean {
  if (!text.startsWith('(') || !text.endsWith(')')) return false;
  let depth = 0;
  for (let index = 0; index < text.length; index += 1) {
    if (text[index] === '(') depth += 1;
    if (text[index] === ')') depth -= 1;
    if (depth === 0) return index === text.length - 1;
  }
  return false;
}
