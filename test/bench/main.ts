/**
 * `npm run bench [-- --quick]`: raw-Kafka baselines and Airlock's allow path, measured in one run
 * on the same machine and infrastructure, printed as a table and written as JSON. What each figure
 * means and the rules behind them: docs/bench.md.
 */
import { buildServices, ensureLocalInfra } from '@airlock/testing';
import { measureAirlock } from './airlock-measurements';
import { benchPlan } from './bench-plan';
import { renderReport, writeResults } from './bench-report';
import { measureCedar } from './cedar-throughput';
import { goalChecks, idleShare } from './goal-checks';
import { measureGrowth } from './growth';
import { measureChain, measureHop } from './kafka-baselines';
import { describeMachine, infraPidFiles } from './machine-info';
import { elapsedSeconds, progress } from './progress';
import { measureScaleOut } from './scale-out';
import { growthFactor, growthSlackMs, minOfferedShare } from './sustained-rate';

/** What must be undone whatever happens (relays, topics, the stack), last registered first. */
const cleanups: (() => Promise<void>)[] = [];

async function runCleanups(): Promise<void> {
  while (cleanups.length > 0) {
    const cleanup = cleanups.pop() as () => Promise<void>;
    await cleanup().catch((error: unknown) =>
      progress(`cleanup failed: ${error instanceof Error ? error.message : String(error)}`),
    );
  }
}

async function main(): Promise<void> {
  const plan = benchPlan(process.argv.slice(2));
  const timestamp = new Date().toISOString();
  progress(
    `mode ${plan.mode}; the full run takes up to ~30 minutes, --quick under five (+ ~2 with --scale-out, ~3 with --growth)`,
  );
  ensureLocalInfra();
  // The stack runs the services from dist/; the build is incremental, so this costs seconds when nothing changed.
  buildServices();
  const machine = await describeMachine();
  progress(`Cedar: decide for ${plan.cedarMs / 1000} s`);
  const cedar = measureCedar(plan.cedarMs);
  const hop = await measureHop(plan, cleanups);
  const chain = await measureChain(plan, infraPidFiles, cleanups);
  const airlock = await measureAirlock(plan, infraPidFiles, cleanups);
  progress('stopping the stack, deleting its namespace and topics');
  await runCleanups();
  // Opt-in in quick mode (--scale-out, --growth); each starts stacks of its own and stops them.
  const scaleOut = plan.scaleOut ? await measureScaleOut(plan, infraPidFiles, cleanups, airlock) : undefined;
  if (scaleOut) {
    progress('scale-out: stopping the stack, deleting its namespace and topics');
    await runCleanups();
  }
  const growth = plan.growth ? await measureGrowth(plan, infraPidFiles, cleanups, runCleanups) : undefined;
  const idle = idleShare(airlock, machine.cores);
  const results = {
    timestamp,
    mode: plan.mode,
    wallSeconds: Math.round(elapsedSeconds()),
    machine,
    plan,
    cedar,
    hop,
    chain,
    airlock,
    ...(scaleOut === undefined ? {} : { scaleOut }),
    ...(growth === undefined ? {} : { growth }),
    idle,
    goals: goalChecks(hop, chain, airlock, idle),
    rules: { growthFactor, growthSlackMs, minOfferedShare },
  };
  const file = writeResults(results);
  process.stdout.write(`\n${renderReport(results)}\n\nJSON: ${file}\n`);
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    progress(`${signal}: cleaning up before exiting`);
    void runCleanups().finally(() => process.exit(130));
  });
}

main()
  .catch(async (error: unknown) => {
    process.stderr.write(
      `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    await runCleanups();
    process.exitCode = 1;
  })
  .finally(() => {
    // kafkajs and the stand-in API may keep handles open after a failure; the bench is done.
    if (!interrupted) process.exit(process.exitCode ?? 0);
  });
