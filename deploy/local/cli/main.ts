// `npx airlock <command>` (bin/airlock.js) or `npm run airlock -- <command>`: the command line for
// operators and approvers of a running Airlock. `airlock help` lists the commands (command-table.ts).
import 'reflect-metadata';
import { join } from 'node:path';
import { AuditReader, auditDatabaseName } from '@airlock/audit-reading';
import { secretsLayout } from '@airlock/bundle';
import { ClickHouseHttp } from '@airlock/clickhouse';
import { loadConfig } from '@airlock/service-runtime';
import { AirlockApi, resolveToken } from './airlock-api';
import { checkoutRoot, CliConfig } from './cli-config';
import { CliError } from './cli-error';
import type { CliContext } from './command';
import { overview, parseCommandLine, usageOf } from './command-line';
import { commandTable } from './command-table';

function contextOf(config: CliConfig): CliContext {
  const secrets = secretsLayout(config.AIRLOCK_SECRETS_DIR);
  const operator = (as: string | undefined) =>
    resolveToken({
      role: 'operator',
      as,
      fromVariable: config.AIRLOCK_OPERATOR_TOKEN,
      tokensFile: secrets.operatorTokensFile,
      mustName: false,
    });
  return {
    config,
    checkoutBundleDir: join(checkoutRoot(), 'deploy', 'bundle'),
    operatorApi: (as) => new AirlockApi(config.AIRLOCK_APPROVAL_URL, 'AIRLOCK_APPROVAL_URL', operator(as)),
    budgetApi: (as) => new AirlockApi(config.AIRLOCK_BUDGET_URL, 'AIRLOCK_BUDGET_URL', operator(as)),
    approverApi: (as, mustName) =>
      new AirlockApi(
        config.AIRLOCK_APPROVAL_URL,
        'AIRLOCK_APPROVAL_URL',
        resolveToken({
          role: 'approver',
          as,
          fromVariable: config.AIRLOCK_APPROVER_TOKEN,
          tokensFile: secrets.approverTokensFile,
          mustName,
        }),
      ),
    auditReader: () =>
      new AuditReader(
        new ClickHouseHttp(config.AIRLOCK_CLICKHOUSE_URL),
        auditDatabaseName(config.AIRLOCK_NAMESPACE),
      ),
  };
}

async function main(argv: readonly string[]): Promise<number> {
  const line = parseCommandLine(argv, commandTable);
  if (line.kind === 'help') {
    process.stdout.write(`${line.command === undefined ? overview(commandTable) : usageOf(line.command)}\n`);
    return 0;
  }
  let config: CliConfig;
  try {
    config = loadConfig(CliConfig);
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  const result = await line.command.run(line.input, contextOf(config));
  const printed = line.json ? JSON.stringify(result.data, null, 2) : result.lines.join('\n');
  process.stdout.write(`${printed}\n`);
  return result.exitCode ?? 0;
}

// exitCode rather than exit(): a long --json answer piped to another program must be written whole.
// Anything but a CliError is a fault of the CLI or of what it read: its stack helps the report.
main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    const cliError = error instanceof CliError;
    process.stderr.write(
      `airlock: ${cliError ? error.message : ((error as Error).stack ?? String(error))}\n`,
    );
    process.exitCode = 2;
  },
);
