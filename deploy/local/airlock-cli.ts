// `npm run airlock -- <command>`: the operator's command line for a running local Airlock.
//   halt <global|team|agent|tool|run> [id] --reason "..."   stop what the scope covers (ADR 0009)
//   resume <global|team|agent|tool|run> [id] --reason "..."
//   halts                                                 what is halted now
//   entities                                              the policy entities operators set over the bundle's
//   entity set <Type> <id> --attrs '{...}' [--parents '[...]'] --reason "..."   set one, no restart
//   entity remove <Type> <id> --reason "..."              remove one (the bundle's too)
//   entity history <Type> <id>                            every change of one, newest first
//   budget <run|agent|team|global> [id]                   what is left of each budget
//   policy test [--bundle dir]                            run the bundle's policy cases (tests/)
//   policy whocan <tool> [--bundle dir]                   which agents may call it, on what conditions
//   policy backtest --bundle dir [--since t] [--until t]  what a candidate bundle would have decided otherwise
// It calls the operator API with the token of a local operator (--as <id>, default the first in
// operator-tokens.json) or AIRLOCK_OPERATOR_TOKEN; AIRLOCK_APPROVAL_URL says where the API is.
import 'reflect-metadata';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { IsOptional, IsString, IsUrl } from 'class-validator';
import {
  approverGroupsOf,
  Bundle,
  BundleError,
  loadBundle,
  loadPolicyTests,
  readStringMap,
  secretsLayout,
} from '@airlock/bundle';
import { checkApprovalRight } from '@airlock/approval-rules';
import { redactedMarker } from '@airlock/audit-record';
import { ClickHouseHttp } from '@airlock/clickhouse';
import type { EntityChange, PolicyEntity, Proposal, RunFacts } from '@airlock/contracts';
import {
  backtest,
  createPolicyEngine,
  entityKeyOf,
  PolicyLoadError,
  runPolicyTests,
  type PolicyEngine,
  type PolicyVerdict,
} from '@airlock/policy-engine';
import { loadConfig } from '@airlock/service-runtime';

const localUrl = { require_protocol: true, require_tld: false, protocols: ['http', 'https'] };

/** Where the operator APIs are, and the token to use instead of a local operator's. */
class CliConfig {
  @IsOptional()
  @IsUrl(localUrl, {
    message: 'AIRLOCK_APPROVAL_URL must be the approval service URL, e.g. http://127.0.0.1:7300',
  })
  AIRLOCK_APPROVAL_URL: string = 'http://127.0.0.1:7300';

  @IsOptional()
  @IsUrl(localUrl, {
    message: 'AIRLOCK_BUDGET_URL must be the budget service URL, e.g. http://127.0.0.1:7301',
  })
  AIRLOCK_BUDGET_URL: string = 'http://127.0.0.1:7301';

  @IsOptional()
  @IsString()
  AIRLOCK_OPERATOR_TOKEN?: string;

  @IsOptional()
  @IsUrl(localUrl, {
    message: 'AIRLOCK_CLICKHOUSE_URL must be the ClickHouse HTTP URL, e.g. http://127.0.0.1:18123',
  })
  AIRLOCK_CLICKHOUSE_URL: string = 'http://127.0.0.1:18123';
}

const usage = `usage: npm run airlock -- halt|resume <global|team|agent|tool|run> [id] --reason "why" [--as operator]
       npm run airlock -- halts
       npm run airlock -- entities
       npm run airlock -- entity set <Type> <id> --attrs '{"payees": ["..."]}' [--parents '[{"type": "Team", "id": "..."}]'] --reason "why"
       npm run airlock -- entity remove <Type> <id> --reason "why"
       npm run airlock -- entity history <Type> <id>
       npm run airlock -- budget <run|agent|team|global> [id]
       npm run airlock -- policy test [--bundle deploy/bundle]
       npm run airlock -- policy whocan <tool> [--bundle deploy/bundle]
       npm run airlock -- policy backtest --bundle <candidate dir> [--since 2026-11-01T00:00:00Z] [--until ...] [--database airlock]`;

const say = (text: string): void => void process.stdout.write(`${text}\n`);

function fail(message: string): never {
  process.stderr.write(`airlock: ${message}\n`);
  process.exit(2);
}

function operatorToken(as: string | undefined, fromEnvironment: string | undefined): string {
  if (fromEnvironment && as === undefined) return fromEnvironment;
  const secretsDir = join(resolve(process.cwd()), 'deploy', 'local', '.generated', 'secrets');
  const { operatorTokensFile } = secretsLayout(secretsDir);
  let tokens: Record<string, string>;
  try {
    tokens = readStringMap(operatorTokensFile, 'operator tokens');
  } catch {
    fail(`no operator tokens in ${operatorTokensFile}; run npm start once, or set AIRLOCK_OPERATOR_TOKEN`);
  }
  const id = as ?? Object.keys(tokens)[0];
  const token = id === undefined ? undefined : tokens[id];
  if (token === undefined) fail(`no local operator ${as ?? ''} in ${operatorTokensFile}`);
  return token;
}

/** The bundle and its policy engine, or a failure that says what in the bundle is wrong. */
function loadPolicies(bundleDir: string): { bundle: Bundle; engine: PolicyEngine } {
  try {
    const bundle = loadBundle(bundleDir);
    const engine = createPolicyEngine({
      policies: bundle.policies,
      tools: bundle.tools,
      entities: bundle.entities,
      approverGroups: approverGroupsOf(bundle),
    });
    return { bundle, engine };
  } catch (error) {
    if (error instanceof BundleError || error instanceof PolicyLoadError)
      fail(`the bundle does not load: ${error.message}`);
    throw error;
  }
}

/** Runs the bundle's policy cases in process; no running Airlock needed. Exits 1 when one fails. */
function testPolicies(bundleDir: string): void {
  const { bundle, engine } = loadPolicies(bundleDir);
  const results = runPolicyTests(engine, bundle, loadPolicyTests(bundleDir));
  if (results.length === 0)
    fail(`${bundleDir} has no policy cases: add tests/<name>.json (schemas/bundle/policy-tests.schema.json)`);
  for (const result of results) {
    say(`${result.failure === undefined ? 'pass' : 'FAIL'}  ${result.file}: ${result.name}`);
    if (result.failure !== undefined) say(`      ${result.failure}`);
  }
  const failed = results.filter((result) => result.failure !== undefined).length;
  say(`${results.length - failed} of ${results.length} cases pass`);
  if (failed > 0) process.exit(1);
}

/**
 * For one tool: each agent's standing under the policies before any argument is known, the
 * conditions that remain, who may approve where a human must, and where the executor acts.
 */
function whoCan(bundleDir: string, toolName: string | undefined): void {
  const { bundle, engine } = loadPolicies(bundleDir);
  const tool = toolName === undefined ? undefined : bundle.tools.get(toolName);
  if (tool === undefined) fail(`name a tool of the bundle: ${[...bundle.tools.keys()].join(', ')}`);
  say(
    `${tool.name}: ${tool.risk}, acts on ${tool.adapter.destination} (${tool.allowed_hosts.join(', ')}) with the executor's credential for each agent`,
  );
  for (const agent of bundle.agents.values()) {
    const answer = engine.whoCan(tool.name, agent);
    const who = `${agent.id}${agent.team === undefined ? '' : ` (team ${agent.team})`}`;
    const approvers = bundle.approvers.approvers
      .filter((approver) => checkApprovalRight(approver.id, agent, bundle.approvers).ok)
      .map((approver) => approver.id)
      .join(', ');
    if (answer.decision !== 'depends') {
      const asks = answer.decision === 'approval_required' ? `; approvers: ${approvers}` : '';
      say(`  ${who}: ${answer.decision} by [${answer.policy_ids.join(', ')}]${asks}`);
      continue;
    }
    say(`  ${who}: depends on the call`);
    for (const condition of answer.conditions) {
      const effect =
        condition.effect === 'forbid'
          ? 'denied'
          : condition.approval_required
            ? `a human approves (${approvers})`
            : 'allowed';
      say(`    ${effect} when ${condition.condition}   [${condition.policy_id}]`);
    }
  }
}

/** `2026-11-25T10:00:00Z` as ClickHouse DateTime text, or a failure that says what to write. */
function clickHouseTime(iso: string, option: string): string {
  const time = new Date(iso);
  if (Number.isNaN(time.getTime())) fail(`--${option} must be a time such as 2026-11-25T10:00:00Z`);
  return time.toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * Judges the proposals audit recorded between two times by a candidate bundle, and prints every one
 * it would have decided otherwise than the active bundle did then. Each run's history is replayed
 * from its first proposal, also those before the range. The audit keeps sensitive arguments
 * redacted; a proposal judged on redacted values says so.
 */
async function backtestPolicies(
  bundleDir: string,
  clickhouseUrl: string,
  options: { since?: string; until?: string; database?: string },
): Promise<void> {
  const { bundle, engine } = loadPolicies(bundleDir);
  const database = options.database ?? 'airlock';
  if (!/^[A-Za-z0-9_]+$/.test(database)) fail('--database must be a ClickHouse database name');
  const since = clickHouseTime(options.since ?? new Date(Date.now() - 86_400_000).toISOString(), 'since');
  const until = clickHouseTime(options.until ?? new Date().toISOString(), 'until');
  const client = new ClickHouseHttp(clickhouseUrl);
  const accepted = `topic = 'airlock.proposals.accepted' AND attestation = 'verified'`;
  const rows = await client
    .select<{ accepted: string; in_range: number; decision: string; policy_ids: string[] }>(
      // The runs with a proposal in the range, each from its first proposal, in the run's order.
      `SELECT run_id, seq, accepted, in_range, decision, policy_ids
       FROM (SELECT proposal_id, run_id, seq, payload AS accepted,
                    event_time >= toDateTime('${since}', 'UTC') AS in_range
             FROM ${database}.events FINAL
             WHERE ${accepted} AND event_time < toDateTime('${until}', 'UTC')
               AND run_id IN (SELECT run_id FROM ${database}.events
                              WHERE ${accepted} AND event_time >= toDateTime('${since}', 'UTC')
                                AND event_time < toDateTime('${until}', 'UTC'))) AS a
       ANY INNER JOIN (SELECT proposal_id, decision, policy_ids FROM ${database}.events FINAL
             WHERE topic = 'airlock.policy.decisions' AND attestation = 'verified') AS d
       USING proposal_id
       ORDER BY run_id, seq`,
    )
    .catch((error: unknown) =>
      fail(`cannot read ${database} at ${clickhouseUrl} (${String(error)}); is ClickHouse running?`),
    );
  const records = rows.map((row) => {
    const data = JSON.parse(row.accepted) as { proposal: Proposal; run?: RunFacts };
    return {
      proposal: data.proposal,
      run: data.run,
      decision: row.decision as PolicyVerdict['decision'],
      policy_ids: row.policy_ids,
      redacted: JSON.stringify(data.proposal.arguments).includes(JSON.stringify(redactedMarker)),
      ...(Number(row.in_range) === 1 ? {} : { before_range: true }),
    };
  });
  const changes = backtest(engine, bundle.agents, bundle.tools, records);
  const judged = records.filter((record) => record.before_range !== true).length;
  say(
    `${judged} proposals decided from ${since} to ${until} UTC (their runs replayed from the first); the candidate ${bundle.hash.slice(0, 12)} decides ${changes.length} otherwise`,
  );
  for (const change of changes) {
    const redacted = change.redacted ? '  (judged on redacted arguments)' : '';
    say(
      `  ${change.proposal_id}  ${change.agent_id} ${change.tool}: ${change.recorded.decision} [${change.recorded.policy_ids.join(', ')}] -> ${change.candidate.decision} [${change.candidate.policy_ids.join(', ')}]${redacted}`,
    );
  }
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      reason: { type: 'string' },
      as: { type: 'string' },
      bundle: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      database: { type: 'string' },
      attrs: { type: 'string' },
      parents: { type: 'string' },
    },
  });
  const [command, kind, id] = positionals;
  if (command === 'policy' && kind === 'test') return testPolicies(resolve(values.bundle ?? 'deploy/bundle'));
  if (command === 'policy' && kind === 'whocan') return whoCan(resolve(values.bundle ?? 'deploy/bundle'), id);
  if (command === 'policy' && kind === 'backtest') {
    if (values.bundle === undefined) fail('name the candidate bundle with --bundle <dir>');
    return backtestPolicies(resolve(values.bundle), loadConfig(CliConfig).AIRLOCK_CLICKHOUSE_URL, values);
  }
  const config = loadConfig(CliConfig);
  const { AIRLOCK_APPROVAL_URL: approvalUrl, AIRLOCK_BUDGET_URL: budgetUrl } = config;
  const token = operatorToken(values.as, config.AIRLOCK_OPERATOR_TOKEN);
  const call = async (path: string, body?: unknown, baseUrl = approvalUrl, method = 'POST') => {
    const response = await fetch(`${baseUrl}${path}`, {
      method: body === undefined ? 'GET' : method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }).catch((error: unknown) =>
      fail(`cannot reach the operator API at ${baseUrl} (${String(error)}); is Airlock running (npm start)?`),
    );
    const answer: unknown = await response.json().catch(() => undefined);
    if (!response.ok) fail(`${response.status}: ${JSON.stringify(answer)}`);
    return answer;
  };

  if (command === 'halts') {
    const { halts } = (await call('/operator/halts')) as {
      halts: {
        scope: { kind: string; id?: string };
        reason_code: string;
        operator_id: string;
        changed_at: string;
        reason: string;
      }[];
    };
    if (halts.length === 0) say('nothing is halted');
    for (const halt of halts) {
      say(
        `${halt.scope.kind} ${halt.scope.id ?? ''}  ${halt.reason_code}  by ${halt.operator_id} at ${halt.changed_at}: ${halt.reason}`,
      );
    }
    return;
  }
  if (command === 'entities') {
    const { version, entities } = (await call('/operator/entities')) as {
      version: number;
      entities: { entity: PolicyEntity; version: number; operator_id: string; reason: string }[];
    };
    say(`version ${version}: ${entities.length} entities set over the bundle's`);
    for (const { entity, version: set, operator_id: by, reason } of entities) {
      say(`  ${entityKeyOf(entity.uid)}  v${set} by ${by}: ${reason}`);
      say(`    attrs ${JSON.stringify(entity.attrs ?? {})}  parents ${JSON.stringify(entity.parents ?? [])}`);
    }
    return;
  }
  if (command === 'entity' && id !== undefined && positionals[3] !== undefined) {
    const path = `/operator/entities/${encodeURIComponent(id)}/${encodeURIComponent(positionals[3])}`;
    if (kind === 'history') {
      const { changes } = (await call(path)) as { changes: EntityChange[] };
      if (changes.length === 0) say('no operator ever changed it');
      for (const change of changes) {
        const entity = change.entity === undefined ? '' : ` ${JSON.stringify(change.entity.attrs ?? {})}`;
        say(
          `v${change.version} ${change.changed_at} ${change.state} by ${change.operator_id}: ${change.reason}${entity}`,
        );
      }
      return;
    }
    if (kind !== 'set' && kind !== 'remove') fail(usage);
    if (values.reason === undefined) fail(`say why with --reason "..."\n${usage}`);
    const parsed = (flag: 'attrs' | 'parents'): unknown => {
      const text = values[flag];
      if (text === undefined) return undefined;
      try {
        return JSON.parse(text);
      } catch {
        return fail(`--${flag} must be JSON, e.g. --attrs '{"payees": ["GB29NWBK60161331926819"]}'`);
      }
    };
    const body =
      kind === 'set'
        ? { attrs: parsed('attrs'), parents: parsed('parents'), reason: values.reason }
        : { reason: values.reason };
    const change = (await call(path, body, approvalUrl, kind === 'set' ? 'PUT' : 'DELETE')) as EntityChange;
    say(
      `${change.state} ${entityKeyOf(change.uid)} as version ${change.version} (by ${change.operator_id}); the policy gate uses it as soon as it reads airlock.entities`,
    );
    return;
  }
  if (command === 'budget' && kind !== undefined) {
    const path = kind === 'global' ? 'global' : `${kind}s/${encodeURIComponent(id ?? '')}`;
    const standing = (await call(`/budget/${path}`, undefined, budgetUrl)) as {
      per_run?: {
        max_tool_calls: number;
        calls: number;
        max_spend_usd: number;
        spend_usd: number;
        max_inference_usd?: number;
        inference_usd: number;
      };
      limits: {
        limit_id: string;
        window?: string;
        unit: string;
        cap: number;
        used: number;
        remaining: number;
      }[];
    };
    const { per_run: run } = standing;
    if (run) {
      const inference =
        run.max_inference_usd === undefined
          ? ''
          : `, inference $${run.inference_usd} of $${run.max_inference_usd}`;
      say(
        `run caps  calls ${run.calls} of ${run.max_tool_calls}, spend $${run.spend_usd} of $${run.max_spend_usd}${inference}`,
      );
    }
    if (standing.limits.length === 0 && !run) say(`no limit in budgets.json applies to ${kind} ${id ?? ''}`);
    for (const limit of standing.limits) {
      say(
        `${limit.limit_id}  ${limit.window === undefined ? 'now' : `this ${limit.window}`}: ${limit.used} of ${limit.cap} ${limit.unit} used, ${limit.remaining} left`,
      );
    }
    return;
  }
  if ((command !== 'halt' && command !== 'resume') || kind === undefined) fail(usage);
  if (values.reason === undefined) fail(`say why with --reason "..."\n${usage}`);
  const change = (await call(command === 'halt' ? '/operator/halts' : '/operator/resumes', {
    kind,
    ...(id === undefined ? {} : { id }),
    reason: values.reason,
  })) as { state: string; key: string; operator_id: string };
  say(
    `${change.state}: ${change.key} (by ${change.operator_id}); every gate obeys it as soon as it reads airlock.control`,
  );
}

main().catch((error: unknown) => fail(String(error)));
