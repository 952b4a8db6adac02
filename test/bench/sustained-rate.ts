import { summarize, round, type LatencySummary } from './latency-stats';
import type { OpenLoopResult } from './open-loop';

/** One message or proposal of a step: when it was sent, and what came back. */
export interface StepSample {
  /** ms since the step began. */
  sentAtMs: number;
  /** Undefined when nothing arrived within the loss timeout. */
  latencyMs?: number;
  /** False when something arrived but it was not the expected result (Airlock: not `executed`). */
  ok: boolean;
}

export interface StepVerdict {
  rate: number;
  durationMs: number;
  sent: number;
  answered: number;
  lost: number;
  notOk: number;
  achievedRate: number;
  sendErrors: number;
  latency?: LatencySummary;
  firstThirdP50?: number;
  lastThirdP50?: number;
  sustained: boolean;
  /** Why a step is not sustained, in words; empty when it is. */
  why: string;
}

/**
 * The rule for "sustained" (docs/bench.md states it too): the generator offered at least 95% of
 * the rate without send errors, every message was answered within the loss timeout, every answer
 * was the expected one, and the p50 latency of what was sent in the last third of the step is at
 * most 1.25 × the p50 of the first third + 20 ms. A backlog that grows for the whole step pushes the
 * last third's median far above the first's; the 20 ms absorbs the
 * scheduling noise of a saturated 2-core machine, where the median of a second swings by ±15 ms.
 */
export const growthFactor = 1.25;
export const growthSlackMs = 20;
export const minOfferedShare = 0.95;

export function judgeStep(
  rate: number,
  durationMs: number,
  load: OpenLoopResult,
  samples: readonly StepSample[],
): StepVerdict {
  const answered = samples.filter((sample) => sample.latencyMs !== undefined);
  const latencies = answered.map((sample) => sample.latencyMs as number);
  const third = durationMs / 3;
  const p50Of = (from: number, to: number) =>
    summarize(
      answered
        .filter((sample) => sample.sentAtMs >= from && sample.sentAtMs < to)
        .map((sample) => sample.latencyMs as number),
    )?.p50;
  const firstThirdP50 = p50Of(0, third);
  const lastThirdP50 = p50Of(2 * third, Number.POSITIVE_INFINITY);
  const lost = samples.length - answered.length;
  const notOk = answered.filter((sample) => !sample.ok).length;
  const latency = summarize(latencies);
  const problems: string[] = [];
  if (load.achievedRate < minOfferedShare * rate)
    problems.push(`generator offered only ${round(load.achievedRate, 1)}/s`);
  if (load.sendErrors > 0) problems.push(`${load.sendErrors} sends failed (${load.firstError ?? ''})`);
  if (lost > 0) problems.push(`${lost} lost`);
  if (notOk > 0) problems.push(`${notOk} not executed`);
  if (firstThirdP50 === undefined || lastThirdP50 === undefined) problems.push('no latency in a third');
  else if (lastThirdP50 > growthFactor * firstThirdP50 + growthSlackMs)
    problems.push(`latency grew: p50 ${firstThirdP50} → ${lastThirdP50} ms`);
  return {
    rate,
    durationMs,
    sent: load.started,
    answered: answered.length,
    lost,
    notOk,
    achievedRate: round(load.achievedRate, 1),
    sendErrors: load.sendErrors,
    ...(latency === undefined ? {} : { latency }),
    ...(firstThirdP50 === undefined ? {} : { firstThirdP50 }),
    ...(lastThirdP50 === undefined ? {} : { lastThirdP50 }),
    sustained: problems.length === 0,
    why: problems.join('; '),
  };
}

export interface LadderResult<V extends StepVerdict> {
  steps: V[];
  /** The highest rate of a sustained step; 0 when even the first step failed. */
  maxSustained: number;
  /** True when every rung held: the real maximum lies above the ladder. */
  ladderExhausted: boolean;
}

/**
 * Climbs the ladder until a step fails, then tries one rate between the last that held and the
 * first that failed (their geometric mean), so the answer is within ~1.4× rather than 2×.
 */
export async function climbLadder<V extends StepVerdict>(
  ladder: readonly number[],
  runStep: (rate: number) => Promise<V>,
): Promise<LadderResult<V>> {
  const steps: V[] = [];
  let held = 0;
  let failed: number | undefined;
  for (const rate of ladder) {
    const verdict = await runStep(rate);
    steps.push(verdict);
    if (!verdict.sustained) {
      failed = rate;
      break;
    }
    held = rate;
  }
  if (failed !== undefined && held > 0) {
    const between = Math.round(Math.sqrt(held * failed));
    if (between > held && between < failed) {
      const verdict = await runStep(between);
      steps.push(verdict);
      if (verdict.sustained) held = between;
    }
  }
  return { steps, maxSustained: held, ladderExhausted: failed === undefined };
}
