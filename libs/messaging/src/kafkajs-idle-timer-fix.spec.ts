import { scheduleCheckPendingRequests, type RequestQueueInternals } from './kafkajs-idle-timer-fix';
import './kafka-connection';

function queue(pending: unknown[], throttledUntil: number): RequestQueueInternals {
  return { pending, throttledUntil, throttleCheckTimeoutId: null, checkPendingRequests: jest.fn() };
}

describe('the kafkajs idle timer fix', () => {
  it('is what kafkajs request queues now run', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const RequestQueue = require('kafkajs/src/network/requestQueue');
    expect(RequestQueue.prototype.scheduleCheckPendingRequests).toBe(scheduleCheckPendingRequests);
  });

  it('arms no timer for an idle, unthrottled queue', () => {
    const idle = queue([], Date.now() - 1000);
    scheduleCheckPendingRequests.call(idle);
    expect(idle.throttleCheckTimeoutId).toBeNull();
  });

  it('still re-checks a queue with waiting requests, and one that is throttled', () => {
    jest.useFakeTimers();
    try {
      const waiting = queue([{}], 0);
      scheduleCheckPendingRequests.call(waiting);
      const throttled = queue([], Date.now() + 500);
      scheduleCheckPendingRequests.call(throttled);
      jest.advanceTimersByTime(10);
      expect(waiting.checkPendingRequests).toHaveBeenCalledTimes(1);
      expect(throttled.checkPendingRequests).not.toHaveBeenCalled();
      jest.advanceTimersByTime(500);
      expect(throttled.checkPendingRequests).toHaveBeenCalledTimes(1);
    } finally {
      jest.useRealTimers();
    }
  });
});
