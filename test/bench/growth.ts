import { Client } from 'pg';
import { localInfra, serviceNames, type AirlockStack } from '@airlock/testing';
import { AirlockLoad, cpuPerProposal, type AirlockStep } from './airlock-load';
import { describeStep, markMeasured, startInstrumentedStack } from './airlock-measurements';
import type { BenchPlan } from './bench-plan';
import { padPolicies } from './generated-policies';
import type { InfraPidFiles } from './machine-info';
import { sleep } from './open-loop';
import { progress } from './progress';
import { fmt, table } from './report-table';

export interface GrowthStep {
  policies: number;
  /** Runs the gates held state for when the step began (pre-created plus the bench's own). */
  runsInFlight: number;
  step: AirlockStep;
  /** Gross CPU ms per executed proposal (no idle subtracted), per process group. */
  cpuMsPerProposal?: Record<string, number>;
}

export interface GrowthResults {
  rate: number;
  durationMs: number;
  steps: GrowthStep[];
}

/**
 * Before the growth steps, so JIT and pools are warm: three proposals (the example bundle's cap per
 * run) in each of ten runs, so the smallest "runs in flight" is exactly ten.
 */
const warmUpRuns = 10;
const warmUpCallsPerRun = 3;

/**
 * Costs that grow with the work: the allow path at a low fixed rate on a stack whose gates already
 * hold state for 10, 1,000 and 100,000 runs (bundle of the first policy count), then on a fresh
 * stack whose bundle has more Cedar policies. See docs/bench.md for what "in flight" means here.
 */
export async function measureGrowth(
  plan: BenchPlan,
  pidFiles: InfraPidFiles,
  cleanups: (() => Promise<void>)[],
  stopPhase: () => Promise<void>,
): Promise<GrowthResults> {
  const steps: GrowthStep[] = [];
  const [fewPolicies, ...morePolicies] = plan.growthPolicies;
  for (const policies of [fewPolicies ?? 10, ...morePolicies]) {
    const first = steps.length === 0;
    let total = 0;
    const { stack, load } = await startGrowthStack(pidFiles, cleanups, policies, plan, (n) => {
      total = n;
    });
    const targets = first ? plan.growthRunsInFlight : plan.growthRunsInFlight.slice(0, 1);
    for (const target of targets) {
      const runsInFlight = await fillRunsInFlight(stack, target);
      const label = `growth-${total}p-${runsInFlight}r`;
      progress(
        `growth: ${total} policies, ${runsInFlight} runs in flight, ${plan.growthRate}/s for ${plan.growthStepMs / 1000} s`,
      );
      const step = await load.step(label, plan.growthRate, plan.growthStepMs, {
        settleAudit: true,
        measureCpu: true,
      });
      progress(`  ${describeStep(step)}`);
      const cpu = cpuPerProposal(step, { elapsedMs: 1, cpuMs: {} }, 0);
      steps.push({ policies: total, runsInFlight, step, ...(cpu ? { cpuMsPerProposal: cpu.gross } : {}) });
    }
    markMeasured(stack);
    // Each stack is stopped before the next starts: two idle stacks would share the two cores.
    await stopPhase();
  }
  return { rate: plan.growthRate, durationMs: plan.growthStepMs, steps };
}

async function startGrowthStack(
  pidFiles: InfraPidFiles,
  cleanups: (() => Promise<void>)[],
  policies: number,
  plan: BenchPlan,
  onPolicies: (total: number) => void,
) {
  const instrumented = await startInstrumentedStack(pidFiles, cleanups, {
    editBundle: (dir) => onPolicies(padPolicies(dir, policies)),
  });
  const { stack, clock, audit, timeline, groups } = instrumented;
  const load = new AirlockLoad(stack.agent(), clock, audit, timeline, groups, plan);
  const proposals = warmUpRuns * warmUpCallsPerRun;
  progress(`growth: warm-up, ${proposals} proposals in ${warmUpRuns} runs at ${plan.lowRate}/s`);
  const tag = Date.now().toString(36);
  await load.step('growth-warm-up', plan.lowRate, (proposals * 1000) / plan.lowRate, {
    settleAudit: true,
    measureCpu: false,
    runOf: (index) => `bench-growth-warm-up-${tag}-${index % warmUpRuns}`,
  });
  // Let the warm-up's last commits and merges pass, as before the idle window of the main stack.
  await sleep(2000);
  return { stack, load };
}

/**
 * Brings the runs the gates know to `target` by writing, in one statement per table, what an
 * allowed run that has executed one call and may make more leaves in PostgreSQL: intake's accepted
 * proposal, budget's run usage and reservation, the executor's finished attempt. The audit's
 * ClickHouse rows are not pre-created (see docs/bench.md). Returns the runs known afterwards.
 */
async function fillRunsInFlight(stack: AirlockStack, target: number): Promise<number> {
  const schema = (service: (typeof serviceNames)[number]) => `${stack.namespace}_${service}`;
  const client = new Client({ connectionString: localInfra.postgresUrl });
  await client.connect();
  try {
    const known = async () =>
      Number(
        (await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${schema('budget')}.run_usage`)).rows[0]
          ?.n ?? 0,
      );
    const before = await known();
    if (before >= target) return before;
    const from = before + 1;
    const series = `generate_series(${from}, ${target}) AS g`;
    const run = `'bench-in-flight-' || g`;
    const proposal = `'bench-in-flight-p-' || g`;
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO ${schema('intake')}.accepted_proposals (proposal_id, submission_id, run_id, proposal_hash)
       SELECT ${proposal}, 'bench-in-flight-s-' || g, ${run}, md5(g::text) FROM ${series}`,
    );
    await client.query(
      `INSERT INTO ${schema('budget')}.run_usage (run_id, calls, spend_micro_usd) SELECT ${run}, 1, 10000 FROM ${series}`,
    );
    await client.query(
      `INSERT INTO ${schema('budget')}.reservations (proposal_id, run_id, status, cost_micro_usd)
       SELECT ${proposal}, ${run}, 'reserved', 10000 FROM ${series}`,
    );
    await client.query(
      `INSERT INTO ${schema('executor')}.attempts (proposal_id, run_id, idempotency_key, status, result, published, finished_at)
       SELECT ${proposal}, ${run}, 'bench-in-flight-k-' || g, 'succeeded', '{"status":201}', true, now() FROM ${series}`,
    );
    await client.query('COMMIT');
    // As autovacuum would soon after such a load: the planner should see the tables as they are.
    for (const [service, tableName] of [
      ['intake', 'accepted_proposals'],
      ['budget', 'run_usage'],
      ['budget', 'reservations'],
      ['executor', 'attempts'],
    ] as const)
      await client.query(`ANALYZE ${schema(service)}.${tableName}`);
    return await known();
  } finally {
    await client.end();
  }
}

export function renderGrowth(g: GrowthResults): string[] {
  const services = (cpu: Record<string, number> | undefined) =>
    cpu === undefined ? undefined : serviceNames.reduce((t, n) => t + (cpu[n] ?? 0), 0);
  const everything = (cpu: Record<string, number> | undefined) =>
    cpu === undefined ? undefined : Object.values(cpu).reduce((t, v) => t + v, 0);
  return [
    `Costs that grow: ${g.rate}/s for ${g.durationMs / 1000} s per row; latency in ms, CPU gross ms per executed proposal`,
    table(
      [
        'policies',
        'runs in flight',
        'sent',
        'executed',
        'p50',
        'p99',
        'policy CPU',
        'budget CPU',
        'six services',
        'all processes',
      ],
      g.steps.map(({ policies, runsInFlight, step, cpuMsPerProposal: cpu }) => [
        String(policies),
        String(runsInFlight),
        String(step.sent),
        String(step.outcomes['executed'] ?? 0),
        fmt(step.latency?.p50),
        fmt(step.latency?.p99),
        fmt(cpu?.['policy']),
        fmt(cpu?.['budget']),
        fmt(services(cpu)),
        fmt(everything(cpu)),
      ]),
    ),
  ];
}
