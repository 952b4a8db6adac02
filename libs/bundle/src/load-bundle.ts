import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type {
  AgentRecord,
  ApproverRegistry,
  BudgetLimits,
  LauncherRecord,
  PolicyEntity,
  PolicyTestCase,
  PriceTable,
  SubmitterRecord,
  ToolDefinition,
} from '@airlock/contracts';
import { BundleError } from './bundle-error';
import { hashBundleFiles, listBundleFiles, type BundleFile } from './bundle-content-hash';
import { checkArgumentsSchema, parseBundleJson } from './bundle-schemas';

/**
 * A validated bundle directory: what every gate decides by, versioned by its content hash. A class
 * rather than an interface so that services inject it by this type, under one name.
 */
export class Bundle {
  constructor(
    /** SHA-256 (hex) over every file of the directory; stamped on every decision. */
    readonly hash: string,
    readonly dir: string,
    readonly agents: ReadonlyMap<string, AgentRecord>,
    readonly tools: ReadonlyMap<string, ToolDefinition>,
    /** Cedar policy text keyed by file name, e.g. `support.cedar`. */
    readonly policies: Record<string, string>,
    readonly budgets: BudgetLimits,
    readonly approvers: ApproverRegistry,
    /** The applications that open runs for agents (ADR 0011); none is required. */
    readonly launchers: ReadonlyMap<string, LauncherRecord>,
    /** What inference costs per model (prices.json); empty when the bundle prices none. */
    readonly prices: PriceTable,
    /** Data policies read from outside their text (entities/*.json), as Cedar entities. */
    readonly entities: readonly PolicyEntity[],
    /** Front doors that sign proposals for the agents they list (ADR 0015); none is required. */
    readonly submitters: ReadonlyMap<string, SubmitterRecord>,
  ) {}
}

/** The approver groups approvers.json defines, which policies may name in @approvers. */
export function approverGroupsOf(bundle: Bundle): ReadonlySet<string> {
  return new Set(bundle.approvers.approvers.flatMap((approver) => approver.groups ?? []));
}

/** Reads and validates a bundle directory; throws BundleError naming the first bad file. */
export function loadBundle(dir: string): Bundle {
  const absoluteDir = resolve(dir);
  if (!existsSync(absoluteDir) || !statSync(absoluteDir).isDirectory()) {
    throw new BundleError(`${absoluteDir}: the bundle directory does not exist`);
  }
  const files = listBundleFiles(absoluteDir);
  const approvers = readApprovers(files);
  const agents = readAgents(files, approvers);
  const tools = readTools(files);
  const prices = readPrices(files);
  const keyOwners = new KeyOwners(agents);
  return new Bundle(
    hashBundleFiles(files),
    absoluteDir,
    agents,
    tools,
    readPolicies(files),
    readBudgets(files, tools, prices),
    approvers,
    readLaunchers(files, agents, keyOwners),
    prices,
    readEntities(files),
    readSubmitters(files, agents, keyOwners),
  );
}

/**
 * Policy entities from entities/*.json. Agents are principals built from agents/, so an Agent here
 * would shadow one; a uid listed twice would leave which one Cedar reads to chance.
 */
function readEntities(files: readonly BundleFile[]): PolicyEntity[] {
  const entities = filesIn(files, 'entities', '.json').flatMap((file) =>
    parseBundleJson(file.relativePath, file.content, 'entities').entities.map((entity) => {
      if (entity.uid.type === 'Agent') {
        throw new BundleError(
          `${file.relativePath}: Agent::"${entity.uid.id}" belongs in agents/, not entities/`,
        );
      }
      return entity;
    }),
  );
  rejectDuplicates(
    'entities/',
    'entity',
    entities.map((entity) => `${entity.uid.type}::${entity.uid.id}`),
  );
  return entities;
}

/**
 * The bundle's policy cases (tests/*.json), validated; none is required. Services do not load them:
 * `npm run airlock -- policy test` and npm test do.
 */
export function loadPolicyTests(dir: string): { file: string; cases: PolicyTestCase[] }[] {
  return filesIn(listBundleFiles(resolve(dir)), 'tests', '.json').map((file) => ({
    file: file.relativePath,
    cases: parseBundleJson(file.relativePath, file.content, 'policyTests').cases,
  }));
}

/**
 * Intake finds a verifying key by its kid alone, so a kid must name one key of one signer across
 * agents, launchers and submitters.
 */
class KeyOwners {
  private readonly owners = new Map<string, string>();

  constructor(agents: ReadonlyMap<string, AgentRecord>) {
    for (const agent of agents.values())
      for (const key of agent.public_keys) this.owners.set(key.kid, `agent "${agent.id}"`);
  }

  claim(relativePath: string, owner: string, keys: readonly { kid: string }[]): void {
    for (const key of keys) {
      const existing = this.owners.get(key.kid);
      if (existing !== undefined) {
        throw new BundleError(`${relativePath}: key id "${key.kid}" is already used by ${existing}`);
      }
      this.owners.set(key.kid, owner);
    }
  }
}

function expectAgents(
  relativePath: string,
  agentIds: readonly string[],
  agents: ReadonlyMap<string, AgentRecord>,
): void {
  for (const agentId of agentIds) {
    if (!agents.has(agentId)) {
      throw new BundleError(`${relativePath}: agent "${agentId}" is not in agents/`);
    }
  }
}

/** A launcher must name registered agents, and its key ids must name one key of one signer. */
function readLaunchers(
  files: readonly BundleFile[],
  agents: ReadonlyMap<string, AgentRecord>,
  keyOwners: KeyOwners,
): Map<string, LauncherRecord> {
  const launchers = new Map<string, LauncherRecord>();
  for (const file of filesIn(files, 'launchers', '.json')) {
    const launcher = parseBundleJson(file.relativePath, file.content, 'launcher');
    expectFileName(file.relativePath, 'launchers', launcher.id, 'id');
    expectAgents(file.relativePath, launcher.agents, agents);
    keyOwners.claim(file.relativePath, `launcher "${launcher.id}"`, launcher.public_keys);
    launchers.set(launcher.id, launcher);
  }
  return launchers;
}

/**
 * Like launchers; besides, each agent is listed once and no two agents share a token hash: the
 * token is how the submitter tells which agent is calling, so a shared one would let either act
 * as the other.
 */
function readSubmitters(
  files: readonly BundleFile[],
  agents: ReadonlyMap<string, AgentRecord>,
  keyOwners: KeyOwners,
): Map<string, SubmitterRecord> {
  const submitters = new Map<string, SubmitterRecord>();
  for (const file of filesIn(files, 'submitters', '.json')) {
    const submitter = parseBundleJson(file.relativePath, file.content, 'submitter');
    expectFileName(file.relativePath, 'submitters', submitter.id, 'id');
    expectAgents(
      file.relativePath,
      submitter.agents.map((agent) => agent.id),
      agents,
    );
    rejectDuplicates(
      file.relativePath,
      'agent',
      submitter.agents.map((agent) => agent.id),
    );
    rejectDuplicates(
      file.relativePath,
      'token_sha256',
      submitter.agents.flatMap((agent) => (agent.token_sha256 === '' ? [] : [agent.token_sha256])),
    );
    keyOwners.claim(file.relativePath, `submitter "${submitter.id}"`, submitter.public_keys);
    submitters.set(submitter.id, submitter);
  }
  return submitters;
}

function readPrices(files: readonly BundleFile[]): PriceTable {
  const file = files.find((candidate) => candidate.relativePath === 'prices.json');
  return file === undefined ? { models: {} } : parseBundleJson('prices.json', file.content, 'prices');
}

/**
 * A limit naming a tool or meter nobody declares, or capping inference no price turns into money,
 * is a typo that would cap nothing: the bundle fails.
 */
function readBudgets(
  files: readonly BundleFile[],
  tools: ReadonlyMap<string, ToolDefinition>,
  prices: PriceTable,
): BudgetLimits {
  const budgets = parseBundleJson('budgets.json', requireFile(files, 'budgets.json'), 'budgets');
  const limits = budgets.limits ?? [];
  const capsInference =
    budgets.per_run.max_inference_usd !== undefined ||
    limits.some((limit) => limit.max_inference_usd !== undefined);
  if (capsInference && Object.keys(prices.models).length === 0) {
    throw new BundleError('budgets.json caps inference spend, but prices.json prices no model');
  }
  rejectDuplicates(
    'budgets.json',
    'limit id',
    limits.map((limit) => limit.id),
  );
  for (const limit of limits) {
    if (limit.tool !== undefined && !tools.has(limit.tool)) {
      throw new BundleError(
        `budgets.json: limit ${limit.id} names tool ${limit.tool}, which is not in tools/`,
      );
    }
    const meter = limit.meter;
    if (meter === undefined) continue;
    const metered = [...tools.values()].filter((tool) => tool.meters?.[meter] !== undefined);
    const covers =
      limit.tool === undefined ? metered.length > 0 : metered.some((tool) => tool.name === limit.tool);
    if (!covers) {
      const who = limit.tool === undefined ? 'no tool declares' : `tool ${limit.tool} does not declare`;
      throw new BundleError(
        `budgets.json: limit ${limit.id} caps meter ${meter}, which ${who} under "meters"`,
      );
    }
  }
  return budgets;
}

function requireFile(files: readonly BundleFile[], relativePath: string): Buffer {
  const file = files.find((candidate) => candidate.relativePath === relativePath);
  if (!file) {
    throw new BundleError(`${relativePath}: is missing from the bundle`);
  }
  return file.content;
}

/** Files directly inside `folder/` with the given extension; nested folders are not part of the format. */
function filesIn(files: readonly BundleFile[], folder: string, extension: string): BundleFile[] {
  return files.filter((file) => {
    const rest = file.relativePath.slice(folder.length + 1);
    return file.relativePath.startsWith(`${folder}/`) && !rest.includes('/') && rest.endsWith(extension);
  });
}

function readApprovers(files: readonly BundleFile[]): ApproverRegistry {
  const registry = parseBundleJson('approvers.json', requireFile(files, 'approvers.json'), 'approvers');
  rejectDuplicates(
    'approvers.json',
    'approver id',
    registry.approvers.map((approver) => approver.id),
  );
  rejectDuplicates(
    'approvers.json',
    'operator id',
    (registry.operators ?? []).map((operator) => operator.id),
  );
  return registry;
}

function readAgents(files: readonly BundleFile[], approvers: ApproverRegistry): Map<string, AgentRecord> {
  const agents = new Map<string, AgentRecord>();
  const approverIds = new Set(approvers.approvers.map((approver) => approver.id));
  const keyOwners = new Map<string, string>();
  for (const file of filesIn(files, 'agents', '.json')) {
    const agent = parseBundleJson(file.relativePath, file.content, 'agent');
    expectFileName(file.relativePath, 'agents', agent.id, 'id');
    if (agents.has(agent.id)) {
      throw new BundleError(`${file.relativePath}: agent id "${agent.id}" is defined twice`);
    }
    if (!approverIds.has(agent.owner)) {
      throw new BundleError(
        `${file.relativePath}: owner "${agent.owner}" is not an approver in approvers.json`,
      );
    }
    // Intake finds the verifying key by kid, so a kid must name exactly one key of one agent.
    for (const key of agent.public_keys) {
      const owner = keyOwners.get(key.kid);
      if (owner !== undefined) {
        throw new BundleError(
          `${file.relativePath}: key id "${key.kid}" is already used by agent "${owner}"`,
        );
      }
      keyOwners.set(key.kid, agent.id);
    }
    agents.set(agent.id, agent);
  }
  return agents;
}

function readTools(files: readonly BundleFile[]): Map<string, ToolDefinition> {
  const tools = new Map<string, ToolDefinition>();
  for (const file of filesIn(files, 'tools', '.json')) {
    const tool = parseBundleJson(file.relativePath, file.content, 'tool');
    expectFileName(file.relativePath, 'tools', tool.name, 'name');
    checkArgumentsSchema(file.relativePath, tool.arguments_schema);
    checkResultFacts(file.relativePath, tool);
    checkPreview(file.relativePath, tool);
    tools.set(tool.name, tool);
  }
  rejectMixedResultFacts(tools);
  return tools;
}

/**
 * A result fact is read from the answer the executor reports, after it redacted the tool's
 * sensitive fields: a fact over one would only ever hold the redaction marker.
 */
function checkResultFacts(relativePath: string, tool: ToolDefinition): void {
  const sensitive = new Set(tool.sensitive_fields.map((field) => field.toLowerCase()));
  for (const [name, rule] of Object.entries(tool.result_facts ?? {})) {
    const members = [rule.from, rule.take, rule.max_by, rule.min_by].flatMap(
      (path) => path?.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? [],
    );
    const redacted = members.find((member) => sensitive.has(member.toLowerCase()));
    if (redacted !== undefined) {
      throw new BundleError(
        `${relativePath}: result fact ${name} reads ${redacted}, which the tool lists in sensitive_fields: the executor redacts it before anyone reads the answer`,
      );
    }
  }
}

/**
 * A preview names arguments in its path and its `after`: one the arguments schema cannot hold
 * would give "no preview" on every call, so it fails the bundle instead.
 */
function checkPreview(relativePath: string, tool: ToolDefinition): void {
  if (tool.preview === undefined) return;
  const inPath = [...tool.preview.path.matchAll(/\{([^}]+)\}/g)].map((match) => `$.${match[1] ?? ''}`);
  const inAfter = Object.values(tool.preview.after).map((change) =>
    typeof change === 'string' ? change : change.add,
  );
  const undeclared = [...inPath, ...inAfter].find((path) => !argumentMayHold(tool.arguments_schema, path));
  if (undeclared !== undefined) {
    throw new BundleError(
      `${relativePath}: preview reads the argument at ${undeclared}, which arguments_schema does not allow`,
    );
  }
}

/**
 * Whether arguments valid under `schema` may have a member at `$.a.b`: each step is a declared
 * property, or an object there admits properties it does not declare. Schemas built with
 * anyOf/oneOf are not followed: they are taken to allow it.
 */
function argumentMayHold(schema: unknown, path: string): boolean {
  let at: unknown = schema;
  for (const step of path.split('.').slice(1)) {
    if (typeof at !== 'object' || at === null) return true;
    const { type, properties, additionalProperties } = at as {
      type?: unknown;
      properties?: Record<string, unknown>;
      additionalProperties?: unknown;
    };
    // A string, a number or an array has no members to read.
    const types = type === undefined ? ['object'] : Array.isArray(type) ? type : [type];
    if (!types.includes('object')) return false;
    if (properties !== undefined && Object.prototype.hasOwnProperty.call(properties, step)) {
      at = properties[step];
      continue;
    }
    return additionalProperties !== false;
  }
  return true;
}

/**
 * Several tools may set one fact (the latest answer wins), but as one kind: a fact that is a set
 * after one tool and a single value after another would make a policy over it fail to evaluate.
 */
function rejectMixedResultFacts(tools: ReadonlyMap<string, ToolDefinition>): void {
  const kinds = new Map<string, { single: boolean; tool: string }>();
  for (const tool of tools.values()) {
    for (const [name, rule] of Object.entries(tool.result_facts ?? {})) {
      const single = rule.max_by !== undefined || rule.min_by !== undefined;
      const earlier = kinds.get(name);
      if (earlier !== undefined && earlier.single !== single) {
        throw new BundleError(
          `tools/${tool.name}.json: result fact ${name} is ${single ? 'one value' : 'a set'} here but ${earlier.single ? 'one value' : 'a set'} in tools/${earlier.tool}.json`,
        );
      }
      kinds.set(name, { single, tool: tool.name });
    }
  }
}

function readPolicies(files: readonly BundleFile[]): Record<string, string> {
  const policyFiles = filesIn(files, 'policies', '.cedar');
  if (policyFiles.length === 0) {
    throw new BundleError('policies/: the bundle has no *.cedar file, so nothing would ever be permitted');
  }
  return Object.fromEntries(
    policyFiles.map((file) => [file.relativePath.slice('policies/'.length), file.content.toString('utf8')]),
  );
}

/** A file named after something else is a review trap: the diff shows one name, the system uses another. */
function expectFileName(relativePath: string, folder: string, value: string, field: string): void {
  const expected = `${folder}/${value}.json`;
  if (relativePath !== expected) {
    throw new BundleError(`${relativePath}: ${field} is "${value}", so the file must be named ${expected}`);
  }
}

function rejectDuplicates(relativePath: string, what: string, values: readonly string[]): void {
  const seen = new Set<string>();
  for (const value of values) {
    if (seen.has(value)) {
      throw new BundleError(`${relativePath}: ${what} "${value}" appears twice`);
    }
    seen.add(value);
  }
}
