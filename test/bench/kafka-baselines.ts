import { performance } from 'node:perf_hooks';
import { localInfra } from '@airlock/testing';
import type { BenchPlan } from './bench-plan';
import { round } from './latency-stats';
import { runBoundedInFlight, runOpenLoop } from './open-loop';
import { CpuWindow, pidFromFile } from './process-usage';
import { progress } from './progress';
import { RelayChain } from './relay-chain';
import { climbLadder, judgeStep, type LadderResult, type StepVerdict } from './sustained-rate';
import type { InfraPidFiles } from './machine-info';

/** Airlock's allow path crosses five topics: proposals, accepted, decisions, reservations, outcomes. */
export const allowPathHops = 5;

export interface HopBaseline {
  low: StepVerdict;
  maxThroughput: {
    inFlight: number;
    sent: number;
    received: number;
    sendErrors: number;
    msgsPerSecond: number;
  };
}

export interface ChainBaseline {
  hops: number;
  low: StepVerdict;
  medium: StepVerdict;
  ladder: LadderResult<StepVerdict>;
  /** CPU per message over the medium-rate step: the four relays together, and the broker. */
  cpuMsPerMessageAtMedium: { relays: number; kafka: number };
}

/** B_hop: one producer, one topic, one consumer; latency at the low rate, then the most one client gets through. */
export async function measureHop(plan: BenchPlan, cleanups: (() => Promise<void>)[]): Promise<HopBaseline> {
  const chain = await RelayChain.start(localInfra.kafkaBrokers, 'hop', 1);
  cleanups.push(() => chain.stop());
  progress(`B_hop: ${plan.lowRate}/s for ${plan.baselineStepMs / 1000} s`);
  const low = await chainStep(chain, 'low', plan.lowRate, plan.baselineStepMs, plan.baselineLossTimeoutMs);
  progress(`B_hop: max throughput with ${plan.hopInFlight} sends in flight for ${plan.hopMaxMs / 1000} s`);
  const ids: string[] = [];
  const load = await runBoundedInFlight(plan.hopInFlight, plan.hopMaxMs, (index) => {
    const id = `max-${index}`;
    ids.push(id);
    return chain.send(id);
  });
  await chain.waitForAll(ids, 30000);
  // reduce, not Math.min(...): tens of thousands of arguments would overflow the stack.
  const firstSent = ids.reduce((first, id) => Math.min(first, chain.sentAt.get(id) ?? first), Infinity);
  const received = ids.map((id) => chain.receivedAt.get(id)).filter((at): at is number => at !== undefined);
  const lastReceived = received.reduce((last, at) => Math.max(last, at), firstSent);
  await chain.stop();
  cleanups.pop();
  return {
    low,
    maxThroughput: {
      inFlight: plan.hopInFlight,
      sent: load.started,
      received: received.length,
      sendErrors: load.sendErrors,
      msgsPerSecond: round((received.length * 1000) / Math.max(1, lastReceived - firstSent), 0),
    },
  };
}

/** B_chain: the same five hops as the allow path, each relay a process doing only JSON.parse and produce. */
export async function measureChain(
  plan: BenchPlan,
  pidFiles: InfraPidFiles,
  cleanups: (() => Promise<void>)[],
): Promise<ChainBaseline> {
  const chain = await RelayChain.start(localInfra.kafkaBrokers, 'chain', allowPathHops);
  cleanups.push(() => chain.stop());
  const step = (label: string, rate: number, durationMs: number) => {
    progress(`B_chain: ${label} ${rate}/s for ${durationMs / 1000} s`);
    return chainStep(chain, label, rate, durationMs, plan.baselineLossTimeoutMs);
  };
  const low = await step('low', plan.lowRate, plan.baselineStepMs);
  const cpu = CpuWindow.begin({ relays: () => chain.relayPids, kafka: () => pidFromFile(pidFiles.kafka) });
  const medium = await step('medium', plan.mediumRate, plan.baselineStepMs);
  const used = cpu.end();
  const ladder = await climbLadder(plan.chainLadder, async (rate) => {
    const verdict = await step('ladder', rate, plan.chainLadderStepMs);
    progress(`  ${rate}/s: ${verdict.sustained ? 'sustained' : `not sustained (${verdict.why})`}`);
    return verdict;
  });
  await chain.stop();
  cleanups.pop();
  const perMessage = (ms: number | undefined) => round((ms ?? 0) / Math.max(1, medium.answered), 2);
  return {
    hops: allowPathHops,
    low,
    medium,
    ladder,
    cpuMsPerMessageAtMedium: {
      relays: perMessage(used.cpuMs['relays']),
      kafka: perMessage(used.cpuMs['kafka']),
    },
  };
}

/** One open-loop step at `rate`, judged by the sustained-rate rule. */
async function chainStep(
  chain: RelayChain,
  label: string,
  rate: number,
  durationMs: number,
  lossTimeoutMs: number,
): Promise<StepVerdict> {
  const ids: string[] = [];
  const prefix = `${label}-${rate}-${Date.now().toString(36)}`;
  const startedAt = performance.now();
  const load = await runOpenLoop(rate, durationMs, (index) => {
    const id = `${prefix}-${index}`;
    ids.push(id);
    return chain.send(id);
  });
  await chain.waitForAll(ids, lossTimeoutMs);
  const samples = ids.map((id) => {
    const sent = chain.sentAt.get(id) ?? startedAt;
    const received = chain.receivedAt.get(id);
    return {
      sentAtMs: sent - startedAt,
      ok: true,
      ...(received === undefined ? {} : { latencyMs: received - sent }),
    };
  });
  return judgeStep(rate, durationMs, load, samples);
}
