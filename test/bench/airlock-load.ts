import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { TestAgent } from '@airlock/testing';
import type { AuditLagProbe, AuditLagSummary } from './audit-lag';
import type { BenchPlan } from './bench-plan';
import type { HopBreakdown, HopTimeline } from './hop-timeline';
import { round } from './latency-stats';
import { runOpenLoop } from './open-loop';
import type { OutcomeClock } from './outcome-clock';
import { CpuWindow, type CpuReading, type ProcessGroups } from './process-usage';
import { judgeStep, type StepVerdict } from './sustained-rate';

export interface AirlockStep extends StepVerdict {
  label: string;
  /** How many proposals ended in each terminal outcome. */
  outcomes: Record<string, number>;
  audit?: AuditLagSummary;
  /** Each gate's share of the latency (see HopTimeline). */
  hops: HopBreakdown;
  cpu?: CpuReading;
  /** Audit-lag queries the bench sent to ClickHouse during the CPU window. */
  probeQueries?: number;
}

export interface StepOptions {
  /** Wait, bounded, for the step's sampled runs to land in ClickHouse before the step ends. */
  settleAudit: boolean;
  /** Read the processes' CPU over the step (from its start until it has settled). */
  measureCpu: boolean;
  /** The run of the index-th proposal; by default each proposal has a run of its own. */
  runOf?: (index: number) => string;
}

/**
 * Drives the allow path of a running stack: each proposal is a tickets.create in a run of its own
 * (the example bundle caps a run at three calls), signed by the agent before the clock starts, so
 * latency is submit → terminal outcome as the agent sees it, not the agent's own signing time.
 */
export class AirlockLoad {
  readonly steps: AirlockStep[] = [];
  private readonly sentAt = new Map<string, number>();
  private readonly sampled = new Map<string, { group: string; runId: string }>();

  constructor(
    private readonly agent: TestAgent,
    private readonly clock: OutcomeClock,
    private readonly audit: AuditLagProbe,
    private readonly timeline: HopTimeline,
    private readonly groups: ProcessGroups,
    private readonly plan: BenchPlan,
  ) {
    // Sampled runs start their audit clock when their outcome arrives, not when it is next looked at.
    clock.onOutcome = (proposalId, at) => {
      const sample = this.sampled.get(proposalId);
      if (sample) audit.track(sample.group, sample.runId, at);
    };
  }

  async step(label: string, rate: number, durationMs: number, options: StepOptions): Promise<AirlockStep> {
    const expected = Math.max(1, Math.round((rate * durationMs) / 1000));
    const sampleEvery = Math.max(1, Math.floor(expected / this.plan.auditSamplesPerStep));
    const tag = randomBytes(3).toString('hex');
    const ids: string[] = [];
    const cpu = options.measureCpu ? CpuWindow.begin(this.groups) : undefined;
    const queriesBefore = this.audit.queries;
    const startedAt = performance.now();
    const load = await runOpenLoop(rate, durationMs, async (index) => {
      const runId = options.runOf?.(index) ?? `bench-${label}-${tag}-${index}`;
      const proposal = this.agent.proposal(runId, 'tickets.create', {
        title: `Bench ticket ${index}`,
        priority: 'normal',
      });
      const envelope = await this.agent.signedEnvelope(proposal);
      ids.push(proposal.proposal_id);
      if (index % sampleEvery === 0) this.sampled.set(proposal.proposal_id, { group: label, runId });
      this.sentAt.set(proposal.proposal_id, performance.now());
      await this.agent.sendEnvelope(envelope);
    });
    await this.clock.waitForAll(ids, this.plan.airlockLossTimeoutMs);
    if (options.settleAudit) await this.audit.settle(label, this.plan.auditSettleMs);
    const reading = cpu?.end();
    const outcomes: Record<string, number> = {};
    const samples = ids.map((id) => {
      const sent = this.sentAt.get(id) ?? startedAt;
      const seen = this.clock.outcomes.get(id);
      if (seen) outcomes[seen.outcome] = (outcomes[seen.outcome] ?? 0) + 1;
      return {
        sentAtMs: sent - startedAt,
        ok: seen?.outcome === 'executed',
        ...(seen === undefined ? {} : { latencyMs: seen.at - sent }),
      };
    });
    const step: AirlockStep = {
      label,
      ...judgeStep(rate, durationMs, load, samples),
      outcomes,
      hops: this.timeline.breakdown(ids, (id) => this.clock.outcomes.get(id)?.at),
      ...(reading === undefined ? {} : { cpu: reading, probeQueries: this.audit.queries - queriesBefore }),
    };
    this.steps.push(step);
    return step;
  }

  /** Audit lags are read last, once every sampled run had its chance to land. */
  fillAuditLags(): void {
    for (const step of this.steps) step.audit = this.audit.summary(step.label);
  }
}

export interface CpuPerProposal {
  windowMs: number;
  executed: number;
  /** CPU ms per executed proposal, per process group, all CPU in the window. */
  gross: Record<string, number>;
  /**
   * The same less what the group burns when idle over as long a window, and for ClickHouse less
   * the bench's own audit-lag queries (their count × the CPU one costs, from the calibration).
   */
  netOfIdle: Record<string, number>;
}

export function cpuPerProposal(
  step: AirlockStep,
  idle: CpuReading,
  clickhouseMsPerProbeQuery: number,
): CpuPerProposal | undefined {
  const reading = step.cpu;
  const executed = step.outcomes['executed'] ?? 0;
  if (!reading || executed === 0) return undefined;
  const gross: Record<string, number> = {};
  const netOfIdle: Record<string, number> = {};
  for (const [group, used] of Object.entries(reading.cpuMs)) {
    const idleRate = (idle.cpuMs[group] ?? 0) / idle.elapsedMs;
    const probe = group === 'clickhouse' ? (step.probeQueries ?? 0) * clickhouseMsPerProbeQuery : 0;
    gross[group] = round(used / executed, 1);
    netOfIdle[group] = round(Math.max(0, used - idleRate * reading.elapsedMs - probe) / executed, 1);
  }
  return { windowMs: round(reading.elapsedMs, 0), executed, gross, netOfIdle };
}
