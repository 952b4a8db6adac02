import { performance } from 'node:perf_hooks';

const startedAt = performance.now();

/** A progress line with the time since the bench began, so a long run shows where it is. */
export function progress(message: string): void {
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(1).padStart(6);
  process.stdout.write(`[bench ${seconds}s] ${message}\n`);
}

export function elapsedSeconds(): number {
  return (performance.now() - startedAt) / 1000;
}
