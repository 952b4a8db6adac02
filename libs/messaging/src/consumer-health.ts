/** What a health probe answers: healthy, or which partitions wait on which failure. */
export interface HealthReport {
  healthy: boolean;
  consuming: boolean;
  waiting: { partition: string; code: string; error: string; since: string; attempts: number }[];
}

interface Waiting {
  code: string;
  error: string;
  since: Date;
  attempts: number;
}

/**
 * A service is unhealthy while it is not consuming, or while any partition waits for a dependency
 * to come back (ADR 0006): an orchestrator or operator then sees why nothing moves, instead of a
 * consumer that looks alive and does nothing.
 */
export class ConsumerHealth {
  private consuming = false;
  private readonly waiting = new Map<string, Waiting>();

  markConsuming(consuming: boolean): void {
    this.consuming = consuming;
  }

  /** Returns how many times in a row this partition has now failed. */
  recordFailure(partition: string, code: string, error: string, now: Date = new Date()): number {
    const earlier = this.waiting.get(partition);
    const attempts = (earlier?.attempts ?? 0) + 1;
    this.waiting.set(partition, { code, error, since: earlier?.since ?? now, attempts });
    return attempts;
  }

  /** True when the partition had been waiting: the caller logs the recovery. */
  recordSuccess(partition: string): boolean {
    return this.waiting.delete(partition);
  }

  report(): HealthReport {
    const waiting = [...this.waiting].map(([partition, state]) => ({
      partition,
      code: state.code,
      error: state.error,
      since: state.since.toISOString(),
      attempts: state.attempts,
    }));
    return { healthy: this.consuming && waiting.length === 0, consuming: this.consuming, waiting };
  }
}

/** Exponential backoff from 200 ms, doubling per consecutive failure, capped at 30 s. */
export function retryDelayMs(attempts: number): number {
  return Math.min(30_000, 200 * 2 ** Math.min(attempts - 1, 8));
}
