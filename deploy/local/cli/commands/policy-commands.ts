import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { checkApprovalRight } from '@airlock/approval-rules';
import { auditDatabaseName } from '@airlock/audit-reading';
import { redactedMarker } from '@airlock/audit-record';
import {
  approverGroupsOf,
  Bundle,
  BundleError,
  loadBundle,
  loadPolicyTests,
  readStringMap,
  secretsLayout,
} from '@airlock/bundle';
import type { Proposal, RunFacts } from '@airlock/contracts';
import {
  backtest,
  createPolicyEngine,
  PolicyLoadError,
  runPolicyTests,
  type PolicyEngine,
  type ApprovalAsked,
  type PolicyVerdict,
} from '@airlock/policy-engine';
import { ClickHouseHttp } from '@airlock/clickhouse';
import { CliError } from '../cli-error';
import type { CliContext, Command, CommandInput, OptionSpec } from '../command';

const group = 'Policy (in process, on a bundle directory; backtest reads ClickHouse)';
const bundle: OptionSpec = {
  type: 'string',
  value: 'dir',
  help: "the bundle (default: this checkout's deploy/bundle)",
};

const bundleDirOf = (input: CommandInput, context: CliContext) =>
  resolve((input.options['bundle'] as string | undefined) ?? context.checkoutBundleDir);

/** The bundle and its policy engine, or a failure that says what in the bundle is wrong. */
function loadPolicies(bundleDir: string): { bundle: Bundle; engine: PolicyEngine } {
  try {
    const loaded = loadBundle(bundleDir);
    const engine = createPolicyEngine({
      policies: loaded.policies,
      tools: loaded.tools,
      entities: loaded.entities,
      approverGroups: approverGroupsOf(loaded),
    });
    return { bundle: loaded, engine };
  } catch (error) {
    if (error instanceof BundleError || error instanceof PolicyLoadError) {
      throw new CliError(`the bundle does not load: ${error.message}`);
    }
    throw error;
  }
}

/** `2026-11-25T10:00:00Z` as ClickHouse DateTime text, or a failure that says what to write. */
function clickHouseTime(iso: string, option: string): string {
  const time = new Date(iso);
  if (Number.isNaN(time.getTime()))
    throw new CliError(`--${option} must be a time such as 2026-11-25T10:00:00Z`);
  return time.toISOString().slice(0, 19).replace('T', ' ');
}

export const policyCommands: readonly Command[] = [
  {
    words: ['policy', 'test'],
    options: { bundle },
    group,
    summary: "run the bundle's policy cases (tests/*.json); exit 1 when one fails",
    async run(input, context) {
      const bundleDir = bundleDirOf(input, context);
      const { bundle: loaded, engine } = loadPolicies(bundleDir);
      const results = runPolicyTests(engine, loaded, loadPolicyTests(bundleDir));
      if (results.length === 0) {
        throw new CliError(
          `${bundleDir} has no policy cases: add tests/<name>.json (schemas/bundle/policy-tests.schema.json)`,
        );
      }
      const failed = results.filter((result) => result.failure !== undefined).length;
      return {
        data: { bundle: bundleDir, passed: results.length - failed, failed, results },
        lines: [
          ...results.flatMap((result) => [
            `${result.failure === undefined ? 'pass' : 'FAIL'}  ${result.file}: ${result.name}`,
            ...(result.failure === undefined ? [] : [`      ${result.failure}`]),
          ]),
          `${results.length - failed} of ${results.length} cases pass`,
        ],
        exitCode: failed > 0 ? 1 : 0,
      };
    },
  },
  {
    words: ['policy', 'whocan'],
    operands: [{ name: 'tool' }],
    options: { bundle },
    group,
    summary:
      'which agents may call a tool, on what conditions, who approves where a human must, and which hold its credential',
    async run(input, context) {
      const { bundle: loaded, engine } = loadPolicies(bundleDirOf(input, context));
      const tool = loaded.tools.get(input.operands['tool'] ?? '');
      if (tool === undefined)
        throw new CliError(`name a tool of the bundle: ${[...loaded.tools.keys()].join(', ')}`);
      const credentialsFile = secretsLayout(context.config.AIRLOCK_SECRETS_DIR).toolCredentialsFile;
      const provisioned = provisionedCredentials(credentialsFile);
      const agents = [...loaded.agents.values()].map((agent) => ({
        agent_id: agent.id,
        team: agent.team ?? null,
        credential: credentialOf(provisioned, agent.id, tool.name),
        approvers: loaded.approvers.approvers
          .filter((approver) => checkApprovalRight(approver.id, agent, loaded.approvers).ok)
          .map((approver) => approver.id),
        answer: engine.whoCan(tool.name, agent),
      }));
      /** Who may approve for one policy, in words: "2 of bob, carol", "bob or the run's user". */
      const whoApproves = (mayDecide: readonly string[], asked: ApprovalAsked | undefined) => {
        const groups = asked?.approvers?.filter((name) => name !== 'run_user');
        const eligible = mayDecide.filter(
          (id) =>
            groups === undefined ||
            groups.some((group) =>
              loaded.approvers.approvers.find((a) => a.id === id)?.groups?.includes(group),
            ),
        );
        const named = [
          ...(asked?.approvers !== undefined && groups?.length === 0 ? [] : eligible),
          ...(asked?.approvers?.includes('run_user') === true ? ["the run's user"] : []),
        ];
        const quorum = asked?.quorum ?? 1;
        return `${quorum === 1 ? '' : `${quorum} of `}${named.join(', ') || 'nobody'}`;
      };
      const lines = [
        `${tool.name}: ${tool.risk}, acts on ${tool.adapter.destination} (${tool.allowed_hosts.join(', ')}) with the executor's credential for the agent and this tool`,
        provisioned === undefined
          ? `  (no ${credentialsFile}: which agents hold a credential is unknown here)`
          : `  credentials as provisioned in ${credentialsFile}`,
      ];
      const holds = {
        provisioned: ' [credential held]',
        missing: ' [NO credential, its calls fail]',
        unknown: '',
      };
      for (const { agent_id, team, credential, approvers, answer } of agents) {
        const who = `${agent_id}${team === null ? '' : ` (team ${team})`}${holds[credential]}`;
        if (answer.decision !== 'depends') {
          const asks =
            answer.decision === 'approval_required'
              ? `; approvers: ${Object.entries(answer.approvals ?? {})
                  .map(([policy, asked]) => `${whoApproves(approvers, asked)} [${policy}]`)
                  .join('; ')}`
              : '';
          lines.push(`  ${who}: ${answer.decision} by [${answer.policy_ids.join(', ')}]${asks}`);
          continue;
        }
        lines.push(`  ${who}: depends on the call`);
        for (const condition of answer.conditions) {
          const effect =
            condition.effect === 'forbid'
              ? 'denied'
              : condition.approval_required
                ? `a human approves (${whoApproves(approvers, condition.approval)})`
                : 'allowed';
          lines.push(`    ${effect} when ${condition.condition}   [${condition.policy_id}]`);
        }
      }
      return { data: { tool: tool.name, agents }, lines };
    },
  },
  {
    words: ['policy', 'backtest'],
    options: {
      bundle: { ...bundle, help: 'the candidate bundle', required: true },
      since: { type: 'string', value: 'time', help: 'from, e.g. 2026-11-25T00:00:00Z (default: a day ago)' },
      until: { type: 'string', value: 'time', help: 'until (default: now)' },
      database: {
        type: 'string',
        value: 'name',
        help: "ClickHouse database (default: the namespace's, airlock)",
      },
    },
    group,
    summary: 'judge what audit recorded by a candidate bundle; print each proposal it would decide otherwise',
    async run(input, context) {
      const { bundle: loaded, engine } = loadPolicies(bundleDirOf(input, context));
      const option = (name: string) => input.options[name] as string | undefined;
      const database = option('database') ?? auditDatabaseName(context.config.AIRLOCK_NAMESPACE);
      if (!/^[A-Za-z0-9_]+$/.test(database))
        throw new CliError('--database must be a ClickHouse database name');
      const since = clickHouseTime(
        option('since') ?? new Date(Date.now() - 86_400_000).toISOString(),
        'since',
      );
      const until = clickHouseTime(option('until') ?? new Date().toISOString(), 'until');
      const url = context.config.AIRLOCK_CLICKHOUSE_URL;
      // The audit keeps sensitive arguments redacted; a proposal judged on redacted values says so.
      // Each run with a proposal in the range is read from its first proposal, in the run's order,
      // so that its history is replayed under the candidate.
      const accepted = `topic = 'airlock.proposals.accepted' AND attestation = 'verified'`;
      const rows = await new ClickHouseHttp(url)
        .select<{ accepted: string; in_range: number; decision: string; policy_ids: string[] }>(
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
        .catch((error: unknown) => {
          throw new CliError(`cannot read ${database} at ${url} (${String(error)}); is ClickHouse running?`);
        });
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
      const changes = backtest(engine, loaded.agents, loaded.tools, records);
      const decided = records.filter((record) => record.before_range !== true).length;
      return {
        data: { candidate_bundle_hash: loaded.hash, since, until, decided, changes },
        lines: [
          `${decided} proposals decided from ${since} to ${until} UTC (their runs replayed from the first); the candidate ${loaded.hash.slice(0, 12)} decides ${changes.length} otherwise`,
          ...changes.map(
            (change) =>
              `  ${change.proposal_id}  ${change.agent_id} ${change.tool}: ${change.recorded.decision} [${change.recorded.policy_ids.join(', ')}] -> ${change.candidate.decision} [${change.candidate.policy_ids.join(', ')}]${change.redacted ? '  (judged on redacted arguments)' : ''}`,
          ),
        ],
      };
    },
  },
];

type CredentialStanding = 'provisioned' | 'missing' | 'unknown';

function credentialOf(
  provisioned: Set<string> | undefined,
  agentId: string,
  toolName: string,
): CredentialStanding {
  if (provisioned === undefined) return 'unknown';
  return provisioned.has(`${agentId}/${toolName}`) ? 'provisioned' : 'missing';
}

/**
 * The agent/tool pairs the executor holds a credential for (the file's keys; values are never
 * read out), or undefined when this machine has no such file.
 */
function provisionedCredentials(file: string): Set<string> | undefined {
  if (!existsSync(file)) return undefined;
  return new Set(Object.keys(readStringMap(file, 'tool credentials')));
}
