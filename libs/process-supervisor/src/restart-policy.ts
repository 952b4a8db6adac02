/**
 * When a supervised process dies, how long to wait before starting it again. Pure: the supervisor
 * measures how long the process stayed up and feeds it in, so the policy is tested without clocks.
 */
export interface RestartPolicy {
  /** The wait before the first restart after a crash. */
  initialDelayMs: number;
  /** The wait never grows past this, so a dependency that comes back is picked up within it. */
  maxDelayMs: number;
  /** A process that stayed up this long before dying had recovered: its earlier crashes are forgiven. */
  stableAfterMs: number;
}

/** 1 s, 2 s, 4 s … 30 s while a process keeps dying; back to 1 s once it has run for a minute. */
export const defaultRestartPolicy: RestartPolicy = {
  initialDelayMs: 1000,
  maxDelayMs: 30_000,
  stableAfterMs: 60_000,
};

export interface RestartDecision {
  delayMs: number;
  /** Crashes without a stable run in between, this one included. */
  crashesInARow: number;
}

export function decideRestart(
  policy: RestartPolicy,
  previousCrashesInARow: number,
  uptimeMs: number,
): RestartDecision {
  const crashesInARow = uptimeMs >= policy.stableAfterMs ? 1 : previousCrashesInARow + 1;
  // Doubling per crash in a row; Math.min also caps the Infinity a long crash loop would reach.
  const delayMs = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (crashesInARow - 1));
  return { delayMs, crashesInARow };
}

/** "exited with code 1" or "was killed by SIGKILL": what a person reading the log needs first. */
export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal) return `was killed by ${signal}`;
  if (code === null) return 'ended without an exit code';
  return `exited with code ${code}`;
}

/** "850 ms", "12 s", "3 min 4 s": durations in supervisor log lines. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  return seconds % 60 === 0 ? `${minutes} min` : `${minutes} min ${seconds % 60} s`;
}
