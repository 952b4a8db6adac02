/** How long and how hard each part of the bench runs; `--quick` trades sample counts for time. */
export interface BenchPlan {
  mode: 'quick' | 'full';
  /** The fixed low and medium rates every system is measured at, per second. */
  lowRate: number;
  mediumRate: number;
  cedarMs: number;
  baselineStepMs: number;
  baselineLossTimeoutMs: number;
  hopInFlight: number;
  hopMaxMs: number;
  chainLadder: number[];
  chainLadderStepMs: number;
  airlockWarmUp: number;
  idleMs: number;
  airlockStepMs: number;
  airlockLadder: number[];
  airlockLadderStepMs: number;
  /** A proposal without an outcome this long after the step's last send counts as lost. */
  airlockLossTimeoutMs: number;
  /** Proposals per step whose audit lag is measured. */
  auditSamplesPerStep: number;
  /** How long to wait for a step's sampled runs to be complete in ClickHouse before moving on. */
  auditSettleMs: number;
  /** Scale-out: the allow-path ladder again on a stack with two instances of every gate (docs/bench.md). */
  scaleOut: boolean;
  scaleOutLadder: number[];
  /** Growth: latency and CPU at a low fixed rate with more runs in flight and bigger bundles. */
  growth: boolean;
  growthRate: number;
  growthStepMs: number;
  /** Runs the gates already hold state for before each growth step. */
  growthRunsInFlight: number[];
  /** Cedar policies in the bundle for each growth step (the example's own plus generated ones). */
  growthPolicies: number[];
}

const full: BenchPlan = {
  mode: 'full',
  lowRate: 5,
  mediumRate: 20,
  cedarMs: 5000,
  baselineStepMs: 60000,
  baselineLossTimeoutMs: 10000,
  hopInFlight: 64,
  hopMaxMs: 15000,
  chainLadder: [50, 100, 200, 400, 800, 1600, 3200],
  chainLadderStepMs: 15000,
  airlockWarmUp: 30,
  idleMs: 10000,
  airlockStepMs: 60000,
  airlockLadder: [5, 10, 20, 40, 80, 160, 320],
  airlockLadderStepMs: 30000,
  airlockLossTimeoutMs: 30000,
  auditSamplesPerStep: 60,
  auditSettleMs: 60000,
  scaleOut: true,
  scaleOutLadder: [20, 40, 80, 160, 320],
  growth: true,
  growthRate: 10,
  growthStepMs: 30000,
  growthRunsInFlight: [10, 1000, 100000],
  growthPolicies: [10, 1000],
};

const quick: BenchPlan = {
  ...full,
  mode: 'quick',
  cedarMs: 1500,
  baselineStepMs: 10000,
  baselineLossTimeoutMs: 5000,
  hopMaxMs: 4000,
  chainLadder: [100, 200, 400, 800, 1600],
  chainLadderStepMs: 4000,
  airlockWarmUp: 15,
  idleMs: 5000,
  airlockStepMs: 15000,
  airlockLadder: [5, 10, 20, 40, 80, 160],
  airlockLadderStepMs: 10000,
  airlockLossTimeoutMs: 15000,
  auditSamplesPerStep: 30,
  auditSettleMs: 20000,
  // Opt-in in quick mode (--scale-out, --growth), so that --quick alone stays under five minutes.
  scaleOut: false,
  scaleOutLadder: [20, 40, 80, 160],
  growth: false,
  growthStepMs: 10000,
};

/** `--quick` for the short plan; `--scale-out` and `--growth` add those parts to it (the full run has both). */
export function benchPlan(argv: readonly string[]): BenchPlan {
  if (!argv.includes('--quick')) return full;
  return {
    ...quick,
    scaleOut: argv.includes('--scale-out'),
    growth: argv.includes('--growth'),
  };
}
