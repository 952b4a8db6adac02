import type { ToolDefinition } from '@airlock/contracts';

/** What a policy may name: the context Airlock builds (docs/policies.md) and the bundle's tools. */
const contextAttributes = new Set([
  'tool',
  'arguments',
  'run',
  'history',
  'derived',
  'workflow',
  'user',
  'team',
  'submitted_by',
]);
const runFacts = new Set(['opened_by', 'launcher_id', 'user_id', 'team', 'labels', 'named', 'tools']);
const historyAttributes = new Set([
  'calls',
  'meters',
  'recipients',
  'tainted',
  'last_tools',
  'last_tool',
  'results',
]);

type Json = Record<string, unknown>;

/**
 * Names in a policy that nothing in the bundle defines, each as a sentence: an action that is no
 * tool, a context attribute Airlock never sets, an argument no scoped tool declares, a history
 * counter or derived fact of nothing. Cedar would evaluate such a policy as an error or never as
 * true; here the bundle fails at load instead, naming the typo. (Cedar's own validator needs a
 * type for every context attribute, which tools with open argument schemas cannot give.)
 */
export function vocabularyProblems(policy: Json, tools: ReadonlyMap<string, ToolDefinition>): string[] {
  const problems: string[] = [];
  const actions = scopedActions(policy['action'] as Json | undefined);
  for (const action of [...(actions ?? []), ...actionsNamedIn(policy['conditions'])]) {
    if (!tools.has(action)) problems.push(`Action::"${action}" is not a tool of the bundle`);
  }
  const scoped = (actions ?? [...tools.keys()]).flatMap((name) => tools.get(name) ?? []);
  for (const path of contextPaths(policy['conditions'])) {
    const problem = pathProblem(path, scoped, tools);
    if (problem !== undefined) problems.push(problem);
  }
  return [...new Set(problems)];
}

/** The actions the scope names, or undefined when it covers every action. */
function scopedActions(scope: Json | undefined): string[] | undefined {
  if (scope === undefined) return undefined;
  const entity = scope['entity'] as Json | undefined;
  if (scope['op'] === '==' && entity !== undefined) return [String(entity['id'])];
  if (scope['op'] === 'in' && Array.isArray(scope['entities'])) {
    return (scope['entities'] as Json[]).map((each) => String(each['id']));
  }
  if (scope['op'] === 'in' && entity !== undefined) return [String(entity['id'])];
  return undefined;
}

/** `Action::"…"` literals in the conditions. */
function actionsNamedIn(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(actionsNamedIn);
  if (typeof node !== 'object' || node === null) return [];
  const entity = (node as Json)['__entity'] as Json | undefined;
  if (entity !== undefined && entity['type'] === 'Action') return [String(entity['id'])];
  return Object.values(node).flatMap(actionsNamedIn);
}

/** Every attribute path read or tested from `context`, e.g. ['arguments', 'amount_cents']. */
function contextPaths(node: unknown): string[][] {
  if (Array.isArray(node)) return node.flatMap(contextPaths);
  if (typeof node !== 'object' || node === null) return [];
  const paths: string[][] = [];
  for (const operator of ['.', 'has']) {
    const access = (node as Json)[operator] as Json | undefined;
    if (access === undefined) continue;
    const base = pathOf(access['left']);
    if (base !== undefined) paths.push([...base, String(access['attr'])]);
  }
  return [...paths, ...Object.values(node).flatMap(contextPaths)];
}

function pathOf(node: unknown): string[] | undefined {
  if (typeof node !== 'object' || node === null) return undefined;
  if ((node as Json)['Var'] === 'context') return [];
  const access = (node as Json)['.'] as Json | undefined;
  if (access === undefined) return undefined;
  const base = pathOf(access['left']);
  return base === undefined ? undefined : [...base, String(access['attr'])];
}

function pathProblem(
  path: string[],
  scoped: readonly ToolDefinition[],
  tools: ReadonlyMap<string, ToolDefinition>,
): string | undefined {
  const [root, attribute, key] = path;
  const written = `context.${path.join('.')}`;
  if (!contextAttributes.has(root)) return `context.${root}: Airlock sets no context.${root}`;
  if (attribute === undefined) return undefined;
  if (root === 'run' && !runFacts.has(attribute)) return `${written}: a run has no fact ${attribute}`;
  if (root === 'history') {
    if (!historyAttributes.has(attribute)) return `${written}: the run history has no ${attribute}`;
    if (attribute === 'calls' && key !== undefined && !tools.has(key))
      return `${written}: ${key} is not a tool`;
    const meters = new Set([...tools.values()].flatMap((tool) => Object.keys(tool.meters ?? {})));
    if (attribute === 'meters' && key !== undefined && !meters.has(key)) {
      return `${written}: no tool declares the meter ${key}`;
    }
    // Any tool's answer may carry a fact into the history, not only the tools the policy applies to.
    if (attribute === 'results' && key !== undefined) {
      const facts = new Set([...tools.values()].flatMap((tool) => Object.keys(tool.result_facts ?? {})));
      if (!facts.has(key)) return `${written}: no tool declares the result fact ${key}`;
    }
  }
  if (root === 'derived' && !scoped.some((tool) => tool.derived?.[attribute] !== undefined)) {
    return `${written}: no tool this policy applies to derives ${attribute}`;
  }
  if (root === 'arguments') {
    const declared = scoped.map((tool) => declaredArguments(tool));
    // A tool whose schema leaves its arguments open may take any name.
    if (declared.every((names) => names !== undefined) && !declared.some((names) => names?.has(attribute))) {
      return `${written}: no tool this policy applies to declares the argument ${attribute}`;
    }
  }
  return undefined;
}

/** The argument names a closed schema (additionalProperties: false) declares; undefined when open. */
function declaredArguments(tool: ToolDefinition): Set<string> | undefined {
  const schema = tool.arguments_schema as Json;
  const properties = schema['properties'];
  const closed =
    schema['additionalProperties'] === false && typeof properties === 'object' && properties !== null;
  return closed ? new Set(Object.keys(properties)) : undefined;
}
