import { serviceNames } from '@airlock/testing';
import { AirlockLoad, cpuPerProposal, type AirlockStep, type CpuPerProposal } from './airlock-load';
import {
  climbAirlockLadder,
  describeStep,
  markMeasured,
  rssOf,
  startInstrumentedStack,
  warmUpThenIdle,
  type AirlockResults,
} from './airlock-measurements';
import type { BenchPlan } from './bench-plan';
import { round } from './latency-stats';
import type { InfraPidFiles } from './machine-info';
import { progress } from './progress';
import { fmt, table } from './report-table';
import type { LadderResult } from './sustained-rate';

/** Processes per gate in the scale-out stack; the audit stays one (AirlockStack's `instances`). */
export const scaleOutInstances = 2;

export interface ScaleOutResults {
  namespace: string;
  instancesPerGate: number;
  auditInstances: number;
  /** The medium-rate step on the two-instance stack, with CPU read over it. */
  medium: AirlockStep;
  ladder: LadderResult<AirlockStep>;
  cpuPerProposal?: CpuPerProposal;
  rssKib: Record<string, number>;
  duplicateOutcomes: number;
  /** The single-instance figures of the same run, for the comparison. */
  single: {
    maxSustained: number;
    ladderExhausted: boolean;
    medium: AirlockStep;
    cpuPerProposal?: CpuPerProposal;
  };
  /** Two-instance maximum / single-instance maximum (each a lower bound when its ladder was exhausted). */
  ratio?: number;
}

/**
 * The allow path again, on a fresh stack with two processes of every gate in one consumer group
 * each (they split the three partitions of each topic): the medium rate with CPU read over it,
 * then the ladder from the medium rate up. Compared with the single-instance stack of the same run.
 */
export async function measureScaleOut(
  plan: BenchPlan,
  pidFiles: InfraPidFiles,
  cleanups: (() => Promise<void>)[],
  single: AirlockResults,
): Promise<ScaleOutResults> {
  progress(`scale-out: ${scaleOutInstances} instances of every gate, one audit`);
  const { stack, clock, audit, timeline, groups } = await startInstrumentedStack(pidFiles, cleanups, {
    instances: scaleOutInstances,
  });
  const load = new AirlockLoad(stack.agent(), clock, audit, timeline, groups, plan);
  const { idle } = await warmUpThenIdle(load, audit, groups, plan);
  progress(`scale-out: ${plan.mediumRate}/s for ${plan.airlockStepMs / 1000} s`);
  const medium = await load.step('scale-out-medium', plan.mediumRate, plan.airlockStepMs, {
    settleAudit: true,
    measureCpu: true,
  });
  progress(`  ${describeStep(medium)}`);
  const ladder = await climbAirlockLadder(load, audit, plan, plan.scaleOutLadder);
  load.fillAuditLags();
  markMeasured(stack);
  const singleMax = single.ladder.maxSustained;
  return {
    namespace: stack.namespace,
    instancesPerGate: scaleOutInstances,
    auditInstances: stack.instances.audit.length,
    medium,
    ladder,
    ...optional('cpuPerProposal', cpuPerProposal(medium, idle, single.probeCalibration.clickhouseMsPerQuery)),
    rssKib: rssOf(groups),
    duplicateOutcomes: clock.duplicates,
    single: {
      maxSustained: singleMax,
      ladderExhausted: single.ladder.ladderExhausted,
      medium: single.medium,
      ...optional('cpuPerProposal', single.cpuPerProposal.medium),
    },
    ...optional('ratio', singleMax > 0 ? round(ladder.maxSustained / singleMax, 2) : undefined),
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

/** A ladder whose every rung held gives only a lower bound, and so does a ratio built on it. */
function ratioCaveat(s: ScaleOutResults): string {
  if (s.single.ladderExhausted && s.ladder.ladderExhausted) return ' (both lower bounds: not comparable)';
  if (s.ladder.ladderExhausted) return ' (at least)';
  if (s.single.ladderExhausted) return ' (at most)';
  return '';
}

export function renderScaleOut(s: ScaleOutResults, mediumRate: number): string[] {
  const bound = (exhausted: boolean) => (exhausted ? '≥ ' : '');
  const rungs = s.ladder.steps
    .map((step) => `${step.rate} ${step.sustained ? 'ok' : `x (${step.why})`}`)
    .join(', ');
  const sum = (cpu: CpuPerProposal | undefined, pick: (values: Record<string, number>) => number) =>
    cpu === undefined ? '—' : `${fmt(pick(cpu.gross))} / ${fmt(pick(cpu.netOfIdle))}`;
  const services = (values: Record<string, number>) => serviceNames.reduce((t, n) => t + (values[n] ?? 0), 0);
  const all = (values: Record<string, number>) => Object.values(values).reduce((t, v) => t + v, 0);
  const group = (name: string) => (values: Record<string, number>) => values[name] ?? 0;
  const rows: [string, (values: Record<string, number>) => number][] = [
    ...serviceNames.map(
      (name) => [name, group(name)] as [string, (values: Record<string, number>) => number],
    ),
    ['six services', services],
    ['kafka', group('kafka')],
    ['clickhouse', group('clickhouse')],
    ['PostgreSQL (machine-wide)', group('postgres')],
    ['bench process', group('bench')],
    ['everything', all],
  ];
  return [
    `Scale-out: ${s.instancesPerGate} instances of each gate (intake, policy, approval, budget, executor), ` +
      `${s.auditInstances} audit; one consumer group per gate over 3 partitions`,
    table(
      ['', '1 instance', `${s.instancesPerGate} instances`],
      [
        [
          'max sustained, proposals/s',
          `${bound(s.single.ladderExhausted)}${s.single.maxSustained}`,
          `${bound(s.ladder.ladderExhausted)}${s.ladder.maxSustained}`,
        ],
        [
          `p50 / p99 at ${mediumRate}/s, ms`,
          `${fmt(s.single.medium.latency?.p50)} / ${fmt(s.single.medium.latency?.p99)}`,
          `${fmt(s.medium.latency?.p50)} / ${fmt(s.medium.latency?.p99)}`,
        ],
      ],
    ),
    `  ratio ${s.instancesPerGate} : 1 = ${s.ratio === undefined ? 'n/a' : `${s.ratio} ×`}${ratioCaveat(s)}; ` +
      `${s.instancesPerGate}-instance ladder: ${rungs}` +
      (s.duplicateOutcomes > 0 ? `; ${s.duplicateOutcomes} duplicate outcomes (!)` : ''),
    `  CPU per executed proposal at ${mediumRate}/s, ms, gross / net of idle:`,
    table(
      ['process', '1 instance', `${s.instancesPerGate} instances`],
      rows.map(([label, pick]) => [label, sum(s.single.cpuPerProposal, pick), sum(s.cpuPerProposal, pick)]),
    ),
  ];
}
