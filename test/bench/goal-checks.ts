import { serviceNames } from '@airlock/testing';
import type { AirlockResults } from './airlock-measurements';
import type { ChainBaseline, HopBaseline } from './kafka-baselines';
import { round } from './latency-stats';

export interface GoalCheck {
  measure: string;
  /** How the value is computed from the figures of this run. */
  formula: string;
  value?: number;
  unit: string;
  goal: string;
  /** Undefined when a figure it needs is missing (e.g. nothing sustained). */
  met?: boolean;
}

export interface IdleShare {
  windowMs: number;
  /** CPU as a share of the whole machine (every core = 100%). */
  servicesPercentOfMachine: number;
  withKafkaAndClickhousePercentOfMachine: number;
  postgresPercentOfMachine: number;
}

export function idleShare(airlock: AirlockResults, cores: number): IdleShare {
  const { cpuMs, elapsedMs } = airlock.idle;
  const percent = (ms: number) => round((100 * ms) / (elapsedMs * cores), 2);
  const services = serviceNames.reduce((total, name) => total + (cpuMs[name] ?? 0), 0);
  return {
    windowMs: round(elapsedMs, 0),
    servicesPercentOfMachine: percent(services),
    withKafkaAndClickhousePercentOfMachine: percent(
      services + (cpuMs['kafka'] ?? 0) + (cpuMs['clickhouse'] ?? 0),
    ),
    postgresPercentOfMachine: percent(cpuMs['postgres'] ?? 0),
  };
}

/** The goals, each as a ratio or figure of this one run, and whether it is met. */
export function goalChecks(
  hop: HopBaseline,
  chain: ChainBaseline,
  airlock: AirlockResults,
  idle: IdleShare,
): GoalCheck[] {
  const ratio = (a?: number, b?: number) => (a === undefined || !b ? undefined : round(a / b, 2));
  const check = (value: number | undefined, ok: (v: number) => boolean) =>
    value === undefined ? undefined : ok(value);
  const hops = chain.hops;
  const airlockMax = airlock.ladder.maxSustained;
  const throughput = ratio(airlockMax || undefined, chain.ladder.maxSustained || undefined);
  const maxStep = airlock.ladder.steps.find((step) => step.sustained && step.rate === airlockMax);
  const auditP99 = maxStep?.audit && auditP99Bound(maxStep.audit);
  const p50Low = airlock.low.latency?.p50;
  const hopP50 = hop.low.latency?.p50;
  const perHop =
    p50Low === undefined || hopP50 === undefined ? undefined : round((p50Low - hopP50 * hops) / hops, 2);
  const chainP50 = chain.low.latency?.p50;
  const perHopVsChain =
    p50Low === undefined || chainP50 === undefined ? undefined : round((p50Low - chainP50) / hops, 2);
  return [
    {
      measure: 'sustained throughput / B_chain',
      formula: 'Airlock max sustained rate / B_chain max sustained rate',
      ...(throughput === undefined ? {} : { value: throughput }),
      unit: '×',
      goal: '≥ 0.3',
      ...opt(check(throughput, (v) => v >= 0.3)),
    },
    {
      measure: `audit lag p99 at ${airlockMax}/s`,
      formula:
        'p99 of outcome → all six events of the run queryable in ClickHouse, at the max sustained step',
      ...(auditP99 === undefined ? {} : { value: round(auditP99 / 1000, 2) }),
      unit: 's',
      goal: '≤ 2',
      ...opt(check(auditP99, (v) => v <= 2000)),
    },
    {
      measure: 'p50 at 5/s / B_chain p50',
      formula: 'Airlock p50 at the low rate / B_chain p50 at the low rate',
      ...optValue(ratio(p50Low, chainP50)),
      unit: '×',
      goal: '≤ 2',
      ...opt(check(ratio(p50Low, chainP50), (v) => v <= 2)),
    },
    {
      measure: 'p99 at 5/s / B_chain p99',
      formula: 'Airlock p99 at the low rate / B_chain p99 at the low rate',
      ...optValue(ratio(airlock.low.latency?.p99, chain.low.latency?.p99)),
      unit: '×',
      goal: '≤ 3',
      ...opt(check(ratio(airlock.low.latency?.p99, chain.low.latency?.p99), (v) => v <= 3)),
    },
    {
      measure: 'p50 at 20/s / B_chain p50 (info)',
      formula: 'Airlock p50 at the medium rate / B_chain p50 at the medium rate',
      ...optValue(ratio(airlock.medium.latency?.p50, chain.medium.latency?.p50)),
      unit: '×',
      goal: '—',
    },
    {
      measure: 'overhead per gate hop over B_hop',
      formula: `(Airlock p50 at 5/s − ${hops} × B_hop p50 at 5/s) / ${hops}`,
      ...optValue(perHop),
      unit: 'ms',
      goal: '≤ 2',
      ...opt(check(perHop, (v) => v <= 2)),
    },
    {
      measure: 'overhead per gate hop over B_chain (info)',
      formula: `(Airlock p50 at 5/s − B_chain p50 at 5/s) / ${hops}`,
      ...optValue(perHopVsChain),
      unit: 'ms',
      goal: '—',
    },
    {
      measure: 'idle stack (six services)',
      formula: 'utime+stime of the services over the idle window / (window × cores)',
      value: idle.servicesPercentOfMachine,
      unit: '% of machine',
      goal: '≤ 2',
      met: idle.servicesPercentOfMachine <= 2,
    },
  ];
}

/** A p99 that counts runs still missing from ClickHouse at their lag so far: a lower bound then. */
function auditP99Bound(audit: NonNullable<AirlockResults['low']['audit']>): number | undefined {
  const p99 = audit.lag?.p99;
  const missingShare = audit.sampled === 0 ? 0 : audit.incomplete / audit.sampled;
  if (missingShare > 0.01) return Math.max(p99 ?? 0, audit.incompleteWaitedMs ?? 0);
  return p99;
}

function opt(met: boolean | undefined): { met?: boolean } {
  return met === undefined ? {} : { met };
}

function optValue(value: number | undefined): { value?: number } {
  return value === undefined ? {} : { value };
}
