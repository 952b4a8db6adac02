import { runReport, timelineOf } from '@airlock/audit-record';
import { CliError } from '../cli-error';
import type { CliContext, Command } from '../command';
import { timelineLines } from '../run-timeline';

const group = 'Runs (from ClickHouse: AIRLOCK_CLICKHOUSE_URL, AIRLOCK_NAMESPACE for a test stack)';
const run = [{ name: 'run_id' }];

/** ClickHouse away is a connection problem (exit 2), not a failed check. */
async function fromClickHouse<T>(context: CliContext, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    throw new CliError(
      `cannot read the audit at ${context.config.AIRLOCK_CLICKHOUSE_URL} (${(error as Error).message}); is Airlock running (npm start)?`,
    );
  }
}

export const runCommands: readonly Command[] = [
  {
    words: ['timeline'],
    operands: run,
    group,
    summary:
      'every event of a run in order: what each gate decided, why, at what cost, and whether it verified',
    async run(input, context) {
      const runId = input.operands['run_id'] ?? '';
      const store = context.auditReader();
      const events = timelineOf(await fromClickHouse(context, () => store.loadRun(runId)));
      return { data: { run_id: runId, events }, lines: timelineLines(runId, events) };
    },
  },
  {
    words: ['verify'],
    operands: run,
    group,
    summary:
      "check a run's record: the hash chain intact, every gate event attested, nothing quarantined; exit 1 otherwise",
    async run(input, context) {
      const runId = input.operands['run_id'] ?? '';
      const store = context.auditReader();
      const [rows, quarantined] = await fromClickHouse(context, () =>
        Promise.all([store.loadRun(runId), store.quarantinedForRun(runId)]),
      );
      const report = runReport(runId, rows, quarantined);
      return {
        data: { run_id: runId, ok: report.ok, report: report.lines },
        lines: report.lines,
        exitCode: report.ok ? 0 : 1,
      };
    },
  },
];
