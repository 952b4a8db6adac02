import type { EntityChange, PolicyEntity } from '@airlock/contracts';
import { entityKeyOf } from '@airlock/policy-engine';
import { CliError } from '../cli-error';
import type { Command, CommandInput, OptionSpec } from '../command';

const group =
  'Operators (an operator token: --as <operator> from operator-tokens.json, or AIRLOCK_OPERATOR_TOKEN)';
const as: OptionSpec = {
  type: 'string',
  value: 'operator',
  help: 'act as this local operator (default: the first)',
};
const reason: OptionSpec = {
  type: 'string',
  value: 'why',
  help: 'why: every change is recorded with it',
  required: true,
};
const scope = [
  { name: 'kind', shown: 'global|team|agent|tool|run' },
  { name: 'id', optional: true },
];

interface HaltView {
  scope: { kind: string; id?: string };
  reason_code: string;
  operator_id: string;
  changed_at: string;
  reason: string;
}

const text = (input: CommandInput, name: string) => input.options[name] as string | undefined;

function controlChange(state: 'halt' | 'resume'): Command {
  return {
    words: [state],
    operands: scope,
    options: { reason, as },
    group,
    summary:
      state === 'halt'
        ? 'stop every proposal the scope covers that has not executed (ADR 0009)'
        : 'lift a halt of the scope',
    async run(input, context) {
      const { operands } = input;
      const change = await context
        .operatorApi(text(input, 'as'))
        .call<{ state: string; key: string; operator_id: string }>(
          'POST',
          state === 'halt' ? '/operator/halts' : '/operator/resumes',
          {
            kind: operands['kind'],
            ...(operands['id'] === undefined ? {} : { id: operands['id'] }),
            reason: text(input, 'reason'),
          },
        );
      return {
        data: change,
        lines: [
          `${change.state}: ${change.key} (by ${change.operator_id}); every gate obeys it as soon as it reads airlock.control`,
        ],
      };
    },
  };
}

function parsedJson(input: CommandInput, flag: 'attrs' | 'parents'): unknown {
  const value = text(input, flag);
  if (value === undefined) return undefined;
  try {
    return JSON.parse(value);
  } catch {
    throw new CliError(`--${flag} must be JSON, e.g. --attrs '{"payees": ["GB29NWBK60161331926819"]}'`);
  }
}

const entityPath = (input: CommandInput) =>
  `/operator/entities/${encodeURIComponent(input.operands['type'] ?? '')}/${encodeURIComponent(input.operands['id'] ?? '')}`;

function entityChanged(change: EntityChange) {
  return {
    data: change,
    lines: [
      `${change.state} ${entityKeyOf(change.uid)} as version ${change.version} (by ${change.operator_id}); the policy gate uses it as soon as it reads airlock.entities`,
    ],
  };
}

interface BudgetStanding {
  per_run?: {
    max_tool_calls: number;
    calls: number;
    max_spend_usd: number;
    spend_usd: number;
    max_inference_usd?: number;
    inference_usd: number;
  };
  limits: { limit_id: string; window?: string; unit: string; cap: number; used: number; remaining: number }[];
}

export const operatorCommands: readonly Command[] = [
  controlChange('halt'),
  controlChange('resume'),
  {
    words: ['halts'],
    options: { as },
    group,
    summary: 'what is halted now',
    async run(input, context) {
      const answer = await context
        .operatorApi(text(input, 'as'))
        .call<{ halts: HaltView[] }>('GET', '/operator/halts');
      return {
        data: answer,
        lines:
          answer.halts.length === 0
            ? ['nothing is halted']
            : answer.halts.map(
                (halt) =>
                  `${halt.scope.kind} ${halt.scope.id ?? ''}  ${halt.reason_code}  by ${halt.operator_id} at ${halt.changed_at}: ${halt.reason}`,
              ),
      };
    },
  },
  {
    words: ['budget'],
    operands: [
      { name: 'scope', shown: 'run|agent|team|global' },
      { name: 'id', optional: true },
    ],
    options: { as },
    group,
    summary: 'what is left of each budget of a run, agent, team or everyone',
    async run(input, context) {
      const { scope: kind, id } = input.operands;
      if (
        !['run', 'agent', 'team', 'global'].includes(kind ?? '') ||
        (kind !== 'global') !== (id !== undefined)
      ) {
        throw new CliError('name the scope: budget run|agent|team <id>, or budget global');
      }
      const path = kind === 'global' ? 'global' : `${kind}s/${encodeURIComponent(id ?? '')}`;
      const standing = await context
        .budgetApi(text(input, 'as'))
        .call<BudgetStanding>('GET', `/budget/${path}`);
      const run = standing.per_run;
      const lines: string[] = [];
      if (run) {
        const inference =
          run.max_inference_usd === undefined
            ? ''
            : `, inference $${run.inference_usd} of $${run.max_inference_usd}`;
        lines.push(
          `run caps  calls ${run.calls} of ${run.max_tool_calls}, spend $${run.spend_usd} of $${run.max_spend_usd}${inference}`,
        );
      }
      if (standing.limits.length === 0 && !run)
        lines.push(`no limit in budgets.json applies to ${kind} ${id ?? ''}`);
      for (const limit of standing.limits) {
        lines.push(
          `${limit.limit_id}  ${limit.window === undefined ? 'now' : `this ${limit.window}`}: ${limit.used} of ${limit.cap} ${limit.unit} used, ${limit.remaining} left`,
        );
      }
      return { data: standing, lines };
    },
  },
  {
    words: ['entities'],
    options: { as },
    group,
    summary: "the policy entities operators set over the bundle's",
    async run(input, context) {
      const answer = await context.operatorApi(text(input, 'as')).call<{
        version: number;
        entities: { entity: PolicyEntity; version: number; operator_id: string; reason: string }[];
      }>('GET', '/operator/entities');
      return {
        data: answer,
        lines: [
          `version ${answer.version}: ${answer.entities.length} entities set over the bundle's`,
          ...answer.entities.flatMap(({ entity, version, operator_id, reason: why }) => [
            `  ${entityKeyOf(entity.uid)}  v${version} by ${operator_id}: ${why}`,
            `    attrs ${JSON.stringify(entity.attrs ?? {})}  parents ${JSON.stringify(entity.parents ?? [])}`,
          ]),
        ],
      };
    },
  },
  {
    words: ['entity', 'set'],
    operands: [{ name: 'type', shown: 'Type' }, { name: 'id' }],
    options: {
      attrs: { type: 'string', value: 'json', help: `its attributes, e.g. '{"payees": ["..."]}'` },
      parents: {
        type: 'string',
        value: 'json',
        help: `its parents, e.g. '[{"type": "Team", "id": "support"}]'`,
      },
      reason,
      as,
    },
    group,
    summary: "set one entity (replacing the bundle's of the same uid), without a restart",
    async run(input, context) {
      const body = {
        attrs: parsedJson(input, 'attrs'),
        parents: parsedJson(input, 'parents'),
        reason: text(input, 'reason'),
      };
      return entityChanged(
        await context.operatorApi(text(input, 'as')).call<EntityChange>('PUT', entityPath(input), body),
      );
    },
  },
  {
    words: ['entity', 'remove'],
    operands: [{ name: 'type', shown: 'Type' }, { name: 'id' }],
    options: { reason, as },
    group,
    summary: "remove one entity (the bundle's of the same uid too)",
    async run(input, context) {
      const body = { reason: text(input, 'reason') };
      return entityChanged(
        await context.operatorApi(text(input, 'as')).call<EntityChange>('DELETE', entityPath(input), body),
      );
    },
  },
  {
    words: ['entity', 'history'],
    operands: [{ name: 'type', shown: 'Type' }, { name: 'id' }],
    options: { as },
    group,
    summary: 'every change of one entity, newest first',
    async run(input, context) {
      const answer = await context
        .operatorApi(text(input, 'as'))
        .call<{ changes: EntityChange[] }>('GET', entityPath(input));
      return {
        data: answer,
        lines:
          answer.changes.length === 0
            ? ['no operator ever changed it']
            : answer.changes.map((change) => {
                const entity =
                  change.entity === undefined ? '' : ` ${JSON.stringify(change.entity.attrs ?? {})}`;
                return `v${change.version} ${change.changed_at} ${change.state} by ${change.operator_id}: ${change.reason}${entity}`;
              }),
      };
    },
  },
];
