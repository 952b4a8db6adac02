import { performance } from 'node:perf_hooks';

export interface OpenLoopResult {
  /** Messages the schedule asked for: rate × duration. */
  scheduled: number;
  /** Sends that were started, and of those, the ones the client reported as failed. */
  started: number;
  sendErrors: number;
  /** Time from the first to the last send started, in ms; close to the duration when the generator kept up. */
  issueMs: number;
  /** Sends started per second over the intended duration; below the rate means the generator lagged. */
  achievedRate: number;
  firstError?: string;
}

/**
 * Offers a fixed rate whatever the system does (an open loop): message i is due at i / rate. A
 * closed loop would slow down with the system under test and hide its queueing, which is exactly
 * what a rate step must expose. Sends are not awaited one by one; all are awaited at the end.
 */
export async function runOpenLoop(
  rate: number,
  durationMs: number,
  send: (index: number) => Promise<void>,
): Promise<OpenLoopResult> {
  const scheduled = Math.max(1, Math.round((rate * durationMs) / 1000));
  const pending = new Set<Promise<void>>();
  let started = 0;
  let sendErrors = 0;
  let firstError: string | undefined;
  const start = performance.now();
  let lastIssue = start;
  while (started < scheduled) {
    const elapsed = performance.now() - start;
    const due = Math.min(scheduled, Math.floor((elapsed * rate) / 1000) + 1);
    while (started < due) {
      const sending = send(started).catch((error: unknown) => {
        sendErrors += 1;
        firstError ??= error instanceof Error ? error.message : String(error);
      });
      pending.add(sending);
      void sending.finally(() => pending.delete(sending));
      started += 1;
      lastIssue = performance.now();
    }
    if (started >= scheduled) break;
    const nextDueMs = (started * 1000) / rate - (performance.now() - start);
    await sleep(Math.max(1, Math.min(5, nextDueMs)));
  }
  // kafkajs bounds each send by its own request timeout and retries, so this wait is bounded too.
  await Promise.all(pending);
  return {
    scheduled,
    started,
    sendErrors,
    issueMs: lastIssue - start,
    achievedRate: (started * 1000) / Math.max(durationMs, lastIssue - start),
    ...(firstError === undefined ? {} : { firstError }),
  };
}

/**
 * Keeps `inFlight` sends outstanding for `durationMs` (a closed loop): the most a single client
 * gets through when it never waits for anything but its own acknowledgements.
 */
export async function runBoundedInFlight(
  inFlight: number,
  durationMs: number,
  send: (index: number) => Promise<void>,
): Promise<{ started: number; sendErrors: number; elapsedMs: number }> {
  const start = performance.now();
  const end = start + durationMs;
  let started = 0;
  let sendErrors = 0;
  const worker = async () => {
    while (performance.now() < end) {
      const index = started;
      started += 1;
      await send(index).catch(() => {
        sendErrors += 1;
      });
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return { started, sendErrors, elapsedMs: performance.now() - start };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
