/**
 * kafkajs 2.2.4 re-arms a 1 ms timer forever in every broker connection's request queue when
 * nothing is pending and nothing is throttled (tulios/kafkajs#1556; fixed upstream in #1667, never
 * released): an idle Airlock service burned ~17 ms of CPU a second on it, six services about 6% of
 * a 2-core machine. The queue is re-checked whenever a request completes or is queued, so a timer
 * is only needed while something waits or the broker throttles us. kafkajs is not maintained; this
 * patch lives here, with the rest of kafkajs, until the successor client replaces it (ARCHITECTURE).
 */
// The class is internal to kafkajs: a test fails if a new kafkajs version moves or changes it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const RequestQueue = require('kafkajs/src/network/requestQueue') as {
  prototype: RequestQueueInternals & { scheduleCheckPendingRequests(): void };
};

/** The members of kafkajs's RequestQueue the patched method reads and writes. */
export interface RequestQueueInternals {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
}

/** kafkajs's own interval for re-checking a queue that has requests waiting. */
const checkPendingRequestsIntervalMs = 10;

export function scheduleCheckPendingRequests(this: RequestQueueInternals): void {
  if (this.throttleCheckTimeoutId) return;
  const throttledForMs = this.throttledUntil - Date.now();
  if (this.pending.length === 0 && throttledForMs <= 0) return;
  this.throttleCheckTimeoutId = setTimeout(
    () => {
      this.throttleCheckTimeoutId = null;
      this.checkPendingRequests();
    },
    throttledForMs > 0 ? throttledForMs : checkPendingRequestsIntervalMs,
  );
}

RequestQueue.prototype.scheduleCheckPendingRequests = scheduleCheckPendingRequests;
