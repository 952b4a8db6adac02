import { verifyChain } from '@airlock/audit-record';
import { ClickHouseHttp } from '@airlock/clickhouse';
import { ChainedRunStore } from './chained-run-store';
import { auditDatabaseName } from './clickhouse-migrations';

/** `verify-run <run_id>`: checks one run's hash chain in ClickHouse; exit 0 when intact, 1 when not. */
async function verifyRun(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const runId = argv[0];
  const url = env['AIRLOCK_CLICKHOUSE_URL'];
  if (!runId || !url) {
    process.stderr.write(
      'usage: AIRLOCK_CLICKHOUSE_URL=http://127.0.0.1:18123 [AIRLOCK_NAMESPACE=ns] verify-run <run_id>\n',
    );
    return 2;
  }
  const store = new ChainedRunStore(
    new ClickHouseHttp(url),
    auditDatabaseName(env['AIRLOCK_NAMESPACE'] ?? ''),
  );
  const rows = await store.loadRun(runId);
  if (rows.length === 0) {
    // An unknown run id (or the wrong namespace) must not read as a verified chain.
    process.stdout.write(`run ${runId}: no events recorded\n`);
    return 1;
  }
  const verdict = verifyChain(rows);
  if (verdict.ok) {
    process.stdout.write(`run ${runId}: ${verdict.length} events, chain intact\n`);
    return 0;
  }
  process.stdout.write(`run ${runId}: chain broken at seq ${verdict.seq}: ${verdict.reason}\n`);
  return 1;
}

verifyRun(process.argv.slice(2), process.env).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`verify-run failed: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
