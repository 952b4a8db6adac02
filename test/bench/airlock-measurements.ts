import { rmSync } from 'node:fs';
import { AirlockStack, serviceNames, type StackOptions } from '@airlock/testing';
import { measureHaltToRefusal, type HaltMeasurement } from './halt-latency';
import { AirlockLoad, cpuPerProposal, type AirlockStep, type CpuPerProposal } from './airlock-load';
import { AuditLagProbe } from './audit-lag';
import type { BenchPlan } from './bench-plan';
import type { InfraPidFiles } from './machine-info';
import { sleep } from './open-loop';
import { HopTimeline } from './hop-timeline';
import { OutcomeClock } from './outcome-clock';
import {
  CpuWindow,
  pidFromFile,
  postgresPids,
  rssKib,
  type CpuReading,
  type ProcessGroups,
} from './process-usage';
import { progress } from './progress';
import { climbLadder, type LadderResult } from './sustained-rate';

export interface AirlockResults {
  namespace: string;
  idle: CpuReading;
  /** ClickHouse CPU one audit-lag query of the bench costs, measured on the idle stack. */
  probeCalibration: { queries: number; clickhouseMsPerQuery: number };
  low: AirlockStep;
  medium: AirlockStep;
  ladder: LadderResult<AirlockStep>;
  cpuPerProposal: { low?: CpuPerProposal; medium?: CpuPerProposal };
  rssKib: Record<string, number>;
  duplicateOutcomes: number;
  auditQueryErrors: number;
  killSwitch: HaltMeasurement;
}

/**
 * The production defaults in place of the harness's short test timeouts: a bench should see the
 * sweep interval and statement timeout a deployment runs with, not ones tuned for fault tests.
 */
const productionEnv = {
  AIRLOCK_APPROVAL_SWEEP_MS: '1000',
  AIRLOCK_POSTGRES_STATEMENT_TIMEOUT_MS: '15000',
  AIRLOCK_TOOL_TIMEOUT_MS: '10000',
};

/** Stacks whose measurements completed: their logs are not needed after the run. */
const measured = new WeakSet<AirlockStack>();

/** Airlock's allow path on a stack of its own: warm-up, idle, the fixed rates, then the rate ladder. */
export async function measureAirlock(
  plan: BenchPlan,
  pidFiles: InfraPidFiles,
  cleanups: (() => Promise<void>)[],
): Promise<AirlockResults> {
  const { stack, clock, audit, timeline, groups } = await startInstrumentedStack(pidFiles, cleanups);
  const load = new AirlockLoad(stack.agent(), clock, audit, timeline, groups, plan);
  const { idle, probeCalibration } = await warmUpThenIdle(load, audit, groups, plan);
  const fixed = async (label: string, rate: number) => {
    progress(`Airlock: ${rate}/s for ${plan.airlockStepMs / 1000} s`);
    const step = await load.step(label, rate, plan.airlockStepMs, { settleAudit: true, measureCpu: true });
    progress(`  ${describeStep(step)}`);
    return step;
  };
  const low = await fixed('low', plan.lowRate);
  const medium = await fixed('medium', plan.mediumRate);
  const ladder = await climbAirlockLadder(load, audit, plan);
  const killSwitch = await measureHaltToRefusal(
    stack,
    clock,
    plan.mediumRate,
    plan.airlockStepMs,
    plan.airlockLossTimeoutMs,
  );
  load.fillAuditLags();
  measured.add(stack);
  return {
    namespace: stack.namespace,
    idle,
    probeCalibration,
    low,
    medium,
    ladder,
    cpuPerProposal: {
      low: cpuPerProposal(low, idle, probeCalibration.clickhouseMsPerQuery),
      medium: cpuPerProposal(medium, idle, probeCalibration.clickhouseMsPerQuery),
    },
    rssKib: rssOf(groups),
    duplicateOutcomes: clock.duplicates,
    auditQueryErrors: audit.queryErrors,
    killSwitch,
  };
}

/**
 * The stack plus the bench's readers of it: outcome times, per-hop record times, audit lag, CPU.
 * `options` adds to the bench's own (e.g. two instances per gate, an edited bundle); a service's
 * CPU group holds all of its instances.
 */
export async function startInstrumentedStack(
  pidFiles: InfraPidFiles,
  cleanups: (() => Promise<void>)[],
  options: Omit<StackOptions, 'namespacePrefix' | 'env'> = {},
) {
  progress('Airlock: starting a stack (six services as processes, stand-in API, own namespace)');
  const stack = await AirlockStack.start({ ...options, namespacePrefix: 'bench', env: productionEnv });
  cleanups.push(() => stopStack(stack, measured.has(stack)));
  // The harness's watcher keeps and parses four topics in this process; the bench has its own
  // readers and should not spend the CPU the stack competes for on a copy nobody reads.
  await stack.watcher.stop();
  const clock = new OutcomeClock(stack.kafka, stack.namespace);
  const audit = new AuditLagProbe(stack.clickhouse, stack.database);
  const timeline = new HopTimeline(stack.kafka, stack.namespace);
  await Promise.all([clock.start(), timeline.start()]);
  audit.start();
  cleanups.push(async () => {
    await audit.stop();
    await clock.stop().catch(() => undefined);
    await timeline.stop().catch(() => undefined);
  });
  const groups: ProcessGroups = {
    ...Object.fromEntries(
      serviceNames.map(
        (name) => [name, () => stack.instances[name].flatMap((service) => pidList(service.pid))] as const,
      ),
    ),
    kafka: () => pidFromFile(pidFiles.kafka),
    clickhouse: () => pidFromFile(pidFiles.clickhouse),
    postgres: postgresPids,
    bench: () => [process.pid],
  };
  return { stack, clock, audit, timeline, groups };
}

/** Marks a stack whose measurements completed: its logs are removed when it stops. */
export function markMeasured(stack: AirlockStack): void {
  measured.add(stack);
}

/** Idle is measured after a warm-up: a stack that never worked has cold pools and no JIT to show. */
export async function warmUpThenIdle(
  load: AirlockLoad,
  audit: AuditLagProbe,
  groups: ProcessGroups,
  plan: BenchPlan,
) {
  progress(`Airlock: warm-up, ${plan.airlockWarmUp} proposals at ${plan.lowRate}/s`);
  await load.step('warm-up', plan.lowRate, (plan.airlockWarmUp * 1000) / plan.lowRate, {
    settleAudit: true,
    measureCpu: false,
  });
  // Let the last commits, heartbeats and merges of the warm-up pass before calling the stack idle.
  await sleep(2000);
  progress(`Airlock: idle CPU over ${plan.idleMs / 1000} s`);
  const idleWindow = CpuWindow.begin(groups);
  await sleep(plan.idleMs);
  const idle = idleWindow.end();
  const probeCalibration = await calibrateProbe(audit, groups, idle, plan.idleMs / 2);
  return { idle, probeCalibration };
}

/** Steps do not wait for the audit (it may fall behind; that is measured), but the lags are read after a bounded wait. */
export async function climbAirlockLadder(
  load: AirlockLoad,
  audit: AuditLagProbe,
  plan: BenchPlan,
  rates: readonly number[] = plan.airlockLadder,
) {
  const ladder = await climbLadder(rates, async (rate) => {
    progress(`Airlock: ladder ${rate}/s for ${plan.airlockLadderStepMs / 1000} s`);
    const step = await load.step(`ladder-${rate}`, rate, plan.airlockLadderStepMs, {
      settleAudit: false,
      measureCpu: false,
    });
    progress(`  ${step.sustained ? 'sustained' : `not sustained (${step.why})`}; ${describeStep(step)}`);
    return step;
  });
  progress('Airlock: waiting for the audit of the ladder steps');
  for (const step of ladder.steps) await audit.settle(step.label, plan.auditSettleMs / 2);
  return ladder;
}

/** VmRSS per group after the load; PostgreSQL's shared buffers would make a machine-wide sum meaningless. */
export function rssOf(groups: ProcessGroups): Record<string, number> {
  const rss: Record<string, number> = {};
  for (const [group, pidsOf] of Object.entries(groups)) {
    if (group === 'postgres') continue;
    rss[group] = pidsOf().reduce((total, pid) => total + (rssKib(pid) ?? 0), 0);
  }
  return rss;
}

/**
 * The audit-lag probe's FINAL queries cost ClickHouse CPU that is the bench's, not Airlock's. On the
 * idle stack, poll made-up runs that never complete, and charge ClickHouse's CPU above idle to the queries.
 */
async function calibrateProbe(
  audit: AuditLagProbe,
  groups: ProcessGroups,
  idle: CpuReading,
  durationMs: number,
): Promise<{ queries: number; clickhouseMsPerQuery: number }> {
  progress(`Airlock: ClickHouse cost of the audit-lag queries over ${durationMs / 1000} s`);
  const group = 'probe-calibration';
  for (let index = 0; index < 30; index += 1) audit.track(group, `bench-calibration-${index}`, 0);
  const before = audit.queries;
  const window = CpuWindow.begin(groups);
  await sleep(durationMs);
  const reading = window.end();
  const queries = audit.queries - before;
  audit.forget(group);
  const idleRate = (idle.cpuMs['clickhouse'] ?? 0) / idle.elapsedMs;
  const above = (reading.cpuMs['clickhouse'] ?? 0) - idleRate * reading.elapsedMs;
  return { queries, clickhouseMsPerQuery: queries === 0 ? 0 : Math.max(0, above) / queries };
}

function pidList(pid: number | undefined): number[] {
  return pid === undefined ? [] : [pid];
}

export function describeStep(step: AirlockStep): string {
  const latency = step.latency ? `p50 ${step.latency.p50} p99 ${step.latency.p99} ms` : 'no latency';
  return `${step.sent} sent, ${step.outcomes['executed'] ?? 0} executed, ${step.lost} lost; ${latency}`;
}

/**
 * stop() drops the namespace's schemas and database; its topics and consumer groups go too, and
 * its directory (bundle copy, generated keys, logs) unless the run failed and the logs may tell why.
 */
async function stopStack(stack: AirlockStack, completed: boolean): Promise<void> {
  await stack.stop();
  if (completed) rmSync(stack.dir, { recursive: true, force: true });
  else progress(`the stack's logs are kept in ${stack.dir}/logs`);
  const admin = stack.kafka.admin();
  await admin.connect();
  try {
    const prefix = `${stack.namespace}.`;
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 15000 });
    const groups = (await admin.listGroups()).groups
      .map((group) => group.groupId)
      .filter((groupId) => groupId.startsWith(prefix));
    if (groups.length > 0) await admin.deleteGroups(groups).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
}
