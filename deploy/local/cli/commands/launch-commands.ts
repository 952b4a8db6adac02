import { existsSync } from 'node:fs';
import { BundleError, loadBundle, secretsLayout, type Bundle } from '@airlock/bundle';
import { AirlockAgent, AirlockLauncher, ProposalTimeoutError, type ProposalResult } from '@airlock/sdk';
import { CliError } from '../cli-error';
import type { CliContext, Command, CommandInput } from '../command';
import { compactJson } from '../text-layout';

const group =
  'Runs and proposals, as a launcher and an agent do (Kafka: AIRLOCK_KAFKA_BROKERS; keys in AIRLOCK_SECRETS_DIR)';

const text = (input: CommandInput, name: string) => input.options[name] as string | undefined;

function checkoutBundle(context: CliContext): Bundle {
  try {
    return loadBundle(context.checkoutBundleDir);
  } catch (error) {
    if (error instanceof BundleError) throw new CliError(`the bundle does not load: ${error.message}`);
    throw error;
  }
}

/** A local private key file that `npm start` generated, or a failure that says how to get one. */
function keyFile(path: string, whose: string): string {
  if (!existsSync(path)) {
    throw new CliError(
      `no private key for ${whose} at ${path}; run npm start once, or set AIRLOCK_SECRETS_DIR`,
    );
  }
  return path;
}

/** The launcher named, or the first of the bundle that may open runs for the agent. */
function launcherFor(bundle: Bundle, agentId: string, named: string | undefined): string {
  const launcher =
    named === undefined
      ? [...bundle.launchers.values()].find((candidate) => candidate.agents.includes(agentId))
      : bundle.launchers.get(named);
  if (launcher === undefined) {
    throw new CliError(
      named === undefined
        ? `no launcher of the bundle may open runs for ${agentId}; name one with --launcher`
        : `the bundle has no launcher ${named}`,
    );
  }
  return launcher.id;
}

function openRun(context: CliContext, input: CommandInput, runId: string, agentId: string): string {
  const bundle = checkoutBundle(context);
  const launcherId = launcherFor(bundle, agentId, text(input, 'launcher'));
  const layout = secretsLayout(context.config.AIRLOCK_SECRETS_DIR);
  const launcher = new AirlockLauncher({
    brokers: context.config.AIRLOCK_KAFKA_BROKERS,
    namespace: context.config.AIRLOCK_NAMESPACE,
    launcherId,
    key: keyFile(layout.launcherKeyFile(launcherId), `launcher ${launcherId}`),
  });
  const labels = text(input, 'labels');
  const ttl = text(input, 'ttl');
  if (ttl !== undefined && !/^[1-9][0-9]*$/.test(ttl))
    throw new CliError('--ttl must be a number of seconds');
  return launcher.openRun({
    runId,
    agentId,
    userId: text(input, 'user') ?? 'u-1',
    ...(text(input, 'team') === undefined ? {} : { team: text(input, 'team') }),
    ...(labels === undefined ? {} : { labels: labels.split(',').map((label) => label.trim()) }),
    ...(ttl === undefined ? {} : { ttlSeconds: Number(ttl) }),
  });
}

const runOptions = {
  agent: { type: 'string', value: 'agent', help: 'the agent the run is for', required: true },
  user: { type: 'string', value: 'user', help: 'on whose behalf it acts (default u-1)' },
  team: { type: 'string', value: 'team', help: 'the tenant' },
  labels: { type: 'string', value: 'a,b', help: 'task labels policies read as context.run.labels' },
  ttl: { type: 'string', value: 'seconds', help: 'how long the run may last (default 3600)' },
  launcher: {
    type: 'string',
    value: 'launcher',
    help: 'which launcher signs (default: one that may, for the agent)',
  },
} as const;

/** One line for people about how a proposal ended. */
function describeResult(result: ProposalResult): string[] {
  const head = `${result.proposalId} ${result.outcome}/${result.reasonCode} (decided by ${result.decidedBy}): ${result.reason}`;
  return result.outcome === 'executed' ? [head, `  result ${compactJson(result.result, 400)}`] : [head];
}

export const launchCommands: readonly Command[] = [
  {
    words: ['run', 'open'],
    operands: [{ name: 'run_id' }],
    options: runOptions,
    group,
    summary: 'open a run as its launcher: prints the signed ticket the agent carries (no message is sent)',
    async run(input, context) {
      const runId = input.operands['run_id'] ?? '';
      const ticket = openRun(context, input, runId, text(input, 'agent') ?? '');
      return { data: { run_id: runId, ticket }, lines: [ticket] };
    },
  },
  {
    words: ['run', 'close'],
    operands: [{ name: 'run_id' }],
    options: {
      ticket: { type: 'string', value: 'jws', help: 'the ticket that opened the run', required: true },
      reason: { type: 'string', value: 'text', help: 'why the task is over', required: true },
      launcher: {
        type: 'string',
        value: 'launcher',
        help: 'its launcher (default: the one that signed the ticket)',
      },
    },
    group,
    summary: 'close a run as its launcher: nothing of it executes from then on, and nothing reopens it',
    async run(input, context) {
      const runId = input.operands['run_id'] ?? '';
      const ticket = text(input, 'ticket') ?? '';
      const signer = text(input, 'launcher') ?? ticketLauncher(ticket);
      const layout = secretsLayout(context.config.AIRLOCK_SECRETS_DIR);
      const launcher = new AirlockLauncher({
        brokers: context.config.AIRLOCK_KAFKA_BROKERS,
        namespace: context.config.AIRLOCK_NAMESPACE,
        launcherId: signer,
        key: keyFile(layout.launcherKeyFile(signer), `launcher ${signer}`),
      });
      try {
        await launcher.closeRun(runId, text(input, 'reason') ?? '', ticket);
      } finally {
        await launcher.close();
      }
      return {
        data: { run_id: runId, closed_by: signer },
        lines: [
          `closed run ${runId} (launcher ${signer}); every gate refuses its proposals as soon as it reads the close`,
        ],
      };
    },
  },
  {
    words: ['propose'],
    operands: [{ name: 'tool' }],
    options: {
      run: { type: 'string', value: 'run_id', help: 'the run it belongs to', required: true },
      args: { type: 'string', value: 'json', help: "the tool's arguments as JSON (default {})" },
      agent: {
        type: 'string',
        value: 'agent',
        help: "who proposes, signing with its local key (default: the bundle's first)",
      },
      ticket: {
        type: 'string',
        value: 'jws',
        help: "the run's ticket (default: open the run now, as its launcher)",
      },
      'proposal-id': { type: 'string', value: 'id', help: 'to re-send a proposal safely (after a timeout)' },
      timeout: { type: 'string', value: 'seconds', help: 'how long to wait for the outcome (default 30)' },
      user: runOptions.user,
      team: runOptions.team,
      labels: runOptions.labels,
      launcher: runOptions.launcher,
    },
    group,
    summary: 'propose a tool call as an agent and wait for its outcome: exit 0 executed, 1 any other end',
    async run(input, context) {
      const bundle = checkoutBundle(context);
      const agentId = text(input, 'agent') ?? [...bundle.agents.keys()][0] ?? '';
      if (!bundle.agents.has(agentId)) throw new CliError(`the bundle has no agent ${agentId}`);
      let args: Record<string, unknown>;
      try {
        args = JSON.parse(text(input, 'args') ?? '{}') as Record<string, unknown>;
      } catch {
        throw new CliError(
          `--args must be JSON, e.g. --args '{"title": "Printer on fire", "priority": "high"}'`,
        );
      }
      const timeout = text(input, 'timeout');
      if (timeout !== undefined && !/^[1-9][0-9]*$/.test(timeout))
        throw new CliError('--timeout must be a number of seconds');
      const runId = text(input, 'run') ?? '';
      const ticket = text(input, 'ticket') ?? openRun(context, input, runId, agentId);
      const agent = await AirlockAgent.connect({
        brokers: context.config.AIRLOCK_KAFKA_BROKERS,
        namespace: context.config.AIRLOCK_NAMESPACE,
        agentId,
        key: keyFile(
          secretsLayout(context.config.AIRLOCK_SECRETS_DIR).agentKeyFile(agentId),
          `agent ${agentId}`,
        ),
      });
      try {
        const result = await agent.propose(input.operands['tool'] ?? '', args, {
          runId,
          ticket,
          timeoutMs: Number(timeout ?? 30) * 1000,
          ...(text(input, 'proposal-id') === undefined ? {} : { proposalId: text(input, 'proposal-id') }),
        });
        return {
          data: result,
          lines: describeResult(result),
          exitCode: result.outcome === 'executed' ? 0 : 1,
        };
      } catch (error) {
        if (!(error instanceof ProposalTimeoutError)) throw error;
        throw new CliError(
          `${error.message}; propose again with --proposal-id ${error.proposalId} (and the same arguments and --ticket) to keep waiting: it is not sent twice`,
        );
      } finally {
        await agent.close();
      }
    },
  },
];

/** The launcher id a run ticket names in its signed claims, to find the key that closes it. */
function ticketLauncher(ticket: string): string {
  try {
    const payload = JSON.parse(Buffer.from(ticket.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
      launcher_id?: unknown;
    };
    if (typeof payload.launcher_id === 'string') return payload.launcher_id;
  } catch {
    // Falls through to the refusal below.
  }
  throw new CliError('--ticket is not a run ticket (a compact JWS from `airlock run open`); name --launcher');
}
