import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { serviceNames } from '@airlock/testing';
import type { AirlockStep, CpuPerProposal } from './airlock-load';
import type { AirlockResults } from './airlock-measurements';
import type { AuditLagSummary } from './audit-lag';
import type { BenchPlan } from './bench-plan';
import type { CedarThroughput } from './cedar-throughput';
import type { GoalCheck, IdleShare } from './goal-checks';
import type { HaltMeasurement } from './halt-latency';
import { renderGrowth, type GrowthResults } from './growth';
import { hopNames } from './hop-timeline';
import type { ChainBaseline, HopBaseline } from './kafka-baselines';
import { airlockHome, type MachineInfo } from './machine-info';
import { fmt, table } from './report-table';
import { renderScaleOut, type ScaleOutResults } from './scale-out';
import type { LadderResult, StepVerdict } from './sustained-rate';

export interface BenchResults {
  timestamp: string;
  mode: BenchPlan['mode'];
  wallSeconds: number;
  machine: MachineInfo;
  plan: BenchPlan;
  cedar: CedarThroughput;
  hop: HopBaseline;
  chain: ChainBaseline;
  airlock: AirlockResults;
  /** Present when the run measured it (full run, or --scale-out / --growth). */
  scaleOut?: ScaleOutResults;
  growth?: GrowthResults;
  idle: IdleShare;
  goals: GoalCheck[];
  /** The constants of the sustained-rate rule, so a JSON file says which rule judged it. */
  rules: { growthFactor: number; growthSlackMs: number; minOfferedShare: number };
}

/** Every number of the run, as JSON outside the repository; returns the file written. */
export function writeResults(results: BenchResults): string {
  const dir = join(airlockHome, 'bench');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `bench-${results.timestamp.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  return file;
}

export function renderReport(r: BenchResults): string {
  const m = r.machine;
  return [
    `Airlock bench (${r.mode}), ${r.timestamp}, ${Math.round(r.wallSeconds)} s`,
    `machine: ${m.cores} × ${m.cpuModel}, ${m.memoryGiB} GiB, Linux ${m.kernel}, node ${m.node}, ` +
      `Kafka ${m.kafka}, ClickHouse ${m.clickhouse}, commit ${m.gitCommit.slice(0, 10)}`,
    '',
    ...baselineSection(r),
    '',
    ...airlockSection(r),
    '',
    ...resourceSection(r),
    '',
    'Against the baselines of this run',
    table(
      ['measure', 'value', 'goal', 'met'],
      r.goals.map((g) => [
        g.measure,
        g.value === undefined ? 'n/a' : `${g.value} ${g.unit}`,
        g.goal === '—' ? '—' : `${g.goal} ${g.unit}`,
        g.met === undefined ? (g.goal === '—' ? '' : 'n/a') : g.met ? 'yes' : 'NO',
      ]),
    ),
    ...(r.scaleOut ? ['', ...renderScaleOut(r.scaleOut, r.plan.mediumRate)] : []),
    ...(r.growth ? ['', ...renderGrowth(r.growth)] : []),
  ].join('\n');
}

function baselineSection(r: BenchResults): string[] {
  const max = r.hop.maxThroughput;
  const cpu = r.chain.cpuMsPerMessageAtMedium;
  return [
    'Baselines: raw kafkajs, 1 KB values, keyed, acks=all, 3 partitions; latency in ms',
    table(
      ['', 'n', 'p50', 'p90', 'p99', 'max'],
      [
        latencyRow(`B_hop at ${r.plan.lowRate}/s`, r.hop.low),
        latencyRow(`B_chain (${r.chain.hops} hops) at ${r.plan.lowRate}/s`, r.chain.low),
        latencyRow(`B_chain at ${r.plan.mediumRate}/s`, r.chain.medium),
      ],
    ),
    `  B_hop max throughput: ${max.msgsPerSecond} msg/s (${max.inFlight} sends in flight, ${max.received}/${max.sent} received)`,
    `  B_chain max sustained: ${maxLine(r.chain.ladder, 'msg/s')}`,
    `  B_chain CPU at ${r.plan.mediumRate}/s (gross): relays ${cpu.relays} ms/msg, Kafka ${cpu.kafka} ms/msg`,
    `  Cedar decide in process (tickets.create, allow): ${r.cedar.decisionsPerSecond} decisions/s (${r.cedar.microsPerDecision} µs each)`,
  ];
}

function airlockSection(r: BenchResults): string[] {
  const headers = ['step', 'sent', 'executed', 'other', 'lost', 'p50', 'p90', 'p99'];
  return [
    'Airlock allow path: submit → terminal outcome on airlock.proposals.outcomes; latency in ms',
    table(
      [...headers, '⅓ p50 first→last', 'audit lag p50/p99 (s)', 'sustained'],
      [r.airlock.low, r.airlock.medium, ...r.airlock.ladder.steps].map(airlockRow),
    ),
    `  Airlock max sustained: ${maxLine(r.airlock.ladder, 'proposals/s')}` +
      (r.airlock.duplicateOutcomes > 0 ? `; ${r.airlock.duplicateOutcomes} duplicate outcomes (!)` : ''),
    killSwitchLine(r.airlock.killSwitch),
    '',
    `Where the time goes: p50 / p90 of each hop, ms (record on the gate's input topic → its record on the next; ` +
      `B_chain p50 / ${r.chain.hops} = ${fmt(perChainHop(r))} per hop)`,
    hopTable([
      r.airlock.low,
      r.airlock.medium,
      ...r.airlock.ladder.steps.filter((s) => s.sustained).slice(-1),
    ]),
  ];
}

function resourceSection(r: BenchResults): string[] {
  const probe = r.airlock.probeCalibration;
  const rss = Object.entries(r.airlock.rssKib).map(([name, kib]) => `${name} ${Math.round(kib / 1024)}`);
  return [
    'CPU per executed proposal, ms: gross / net of idle (ClickHouse: also net of the audit-lag queries)',
    cpuTable(r),
    `  audit-lag queries cost ClickHouse ≈ ${probe.clickhouseMsPerQuery.toFixed(1)} ms CPU each ` +
      `(${probe.queries} calibration queries on the idle stack)`,
    `  idle over ${Math.round(r.idle.windowMs / 1000)} s: services ${r.idle.servicesPercentOfMachine}% of the machine ` +
      `(${r.machine.cores} cores = 100%), with Kafka + ClickHouse ${r.idle.withKafkaAndClickhousePercentOfMachine}%, ` +
      `PostgreSQL (machine-wide) ${r.idle.postgresPercentOfMachine}%`,
    `  RSS after load, MiB: ${rss.join(', ')}`,
  ];
}

function latencyRow(label: string, step: StepVerdict): string[] {
  const l = step.latency;
  return [label, String(l?.count ?? 0), fmt(l?.p50), fmt(l?.p90), fmt(l?.p99), fmt(l?.max)];
}

function airlockRow(step: AirlockStep): string[] {
  const executed = step.outcomes['executed'] ?? 0;
  const l = step.latency;
  return [
    `${step.label.replace(/-\d+$/, '')} ${step.rate}/s`,
    String(step.sent),
    String(executed),
    String(step.answered - executed),
    String(step.lost),
    fmt(l?.p50),
    fmt(l?.p90),
    fmt(l?.p99),
    `${fmt(step.firstThirdP50)}→${fmt(step.lastThirdP50)}`,
    auditCell(step.audit),
    step.sustained ? 'yes' : `no: ${step.why}`,
  ];
}

function auditCell(audit: AuditLagSummary | undefined): string {
  if (!audit || audit.sampled === 0) return '—';
  const seconds = (ms?: number) => (ms === undefined ? '—' : (ms / 1000).toFixed(2));
  const missing =
    audit.incomplete > 0
      ? ` (${audit.incomplete}/${audit.sampled} missing after ${seconds(audit.incompleteWaitedMs)})`
      : '';
  return `${seconds(audit.lag?.p50)}/${seconds(audit.lag?.p99)}${missing}`;
}

function maxLine(ladder: LadderResult<StepVerdict>, unit: string): string {
  const rungs = ladder.steps.map((step) => `${step.rate} ${step.sustained ? 'ok' : 'x'}`).join(', ');
  const bound = ladder.ladderExhausted ? '≥ ' : '';
  return `${bound}${ladder.maxSustained} ${unit} (steps: ${rungs})`;
}

function cpuTable(r: BenchResults): string {
  const groups = [...serviceNames, 'services', 'kafka', 'clickhouse', 'postgres', 'bench'];
  const label: Record<string, string> = {
    services: 'six services',
    postgres: 'PostgreSQL (machine-wide)',
    bench: 'bench process (load, stand-in API)',
  };
  const cell = (cpu: CpuPerProposal | undefined, group: string) => {
    if (!cpu) return '—';
    const pick = (values: Record<string, number>) =>
      group === 'services' ? serviceNames.reduce((t, n) => t + (values[n] ?? 0), 0) : (values[group] ?? 0);
    return `${pick(cpu.gross).toFixed(1)} / ${pick(cpu.netOfIdle).toFixed(1)}`;
  };
  const { low, medium } = r.airlock.cpuPerProposal;
  const idle = r.airlock.idle;
  const idleCell = (group: string) => {
    const ms =
      group === 'services'
        ? serviceNames.reduce((t, n) => t + (idle.cpuMs[n] ?? 0), 0)
        : (idle.cpuMs[group] ?? 0);
    return `${((100 * ms) / (idle.elapsedMs * r.machine.cores)).toFixed(2)}%`;
  };
  return table(
    ['process', `at ${r.plan.lowRate}/s`, `at ${r.plan.mediumRate}/s`, 'idle, share of machine'],
    groups.map((group) => [label[group] ?? group, cell(low, group), cell(medium, group), idleCell(group)]),
  );
}

function perChainHop(r: BenchResults): number | undefined {
  const p50 = r.chain.low.latency?.p50;
  return p50 === undefined ? undefined : p50 / r.chain.hops;
}

function hopTable(steps: AirlockStep[]): string {
  return table(
    ['step', ...hopNames],
    steps.map((step) => [
      `${step.label.replace(/-\d+$/, '')} ${step.rate}/s`,
      ...hopNames.map((hop) => {
        const summary = step.hops[hop];
        return summary === undefined ? '—' : `${fmt(summary.p50)} / ${fmt(summary.p90)}`;
      }),
    ]),
  );
}

function killSwitchLine(halt: HaltMeasurement): string {
  const first =
    halt.haltToFirstRefusalMs === undefined ? 'no refusal seen' : `${fmt(halt.haltToFirstRefusalMs)} ms`;
  return (
    `  Kill switch at ${halt.rate}/s: first \`halted\` outcome ${first} after the operator's halt; ` +
    `${halt.executedAfterHalt} of ${halt.sentAfterHalt} proposals sent after the halt executed`
  );
}
