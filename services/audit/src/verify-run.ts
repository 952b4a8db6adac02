import { AuditReader, auditDatabaseName } from '@airlock/audit-reading';
import { runReport } from '@airlock/audit-record';
import { ClickHouseHttp } from '@airlock/clickhouse';
import { LocalInfraConfig, loadConfig } from '@airlock/service-runtime';

const usage =
  'usage: npm run verify-run -- <run_id>\n' +
  `  AIRLOCK_CLICKHOUSE_URL  ClickHouse HTTP URL (default ${new LocalInfraConfig().AIRLOCK_CLICKHOUSE_URL})\n` +
  "  AIRLOCK_NAMESPACE       the stack's namespace (default '': database airlock)\n" +
  'Exits 0 when the run has events, its hash chain is intact, every gate event carried a valid\n' +
  'attestation and nothing of it was quarantined; 1 otherwise, naming each event at fault.\n';

/** `verify-run <run_id>`: what an analyst needs before trusting one run's record in ClickHouse. */
async function verifyRun(argv: readonly string[]): Promise<number> {
  const runId = argv[0];
  if (!runId || runId.startsWith('-')) {
    process.stderr.write(usage);
    return 2;
  }
  let config: LocalInfraConfig;
  try {
    // The namespace becomes part of a database name in SQL, so it is held to the services' rule.
    config = loadConfig(LocalInfraConfig);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${usage}`);
    return 2;
  }
  const namespace = config.AIRLOCK_NAMESPACE;
  const url = config.AIRLOCK_CLICKHOUSE_URL;
  const store = new AuditReader(new ClickHouseHttp(url), auditDatabaseName(namespace));
  const report = runReport(runId, await store.loadRun(runId), await store.quarantinedForRun(runId));
  process.stdout.write(`${report.lines.join('\n')}\n`);
  return report.ok ? 0 : 1;
}

verifyRun(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`verify-run failed: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
