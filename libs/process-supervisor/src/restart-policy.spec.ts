import fc from 'fast-check';
import { decideRestart, defaultRestartPolicy, describeExit, formatDuration } from './restart-policy';

const policy = defaultRestartPolicy;

/** Replays a sequence of crashes, each after the given uptime, and returns the waits chosen. */
function delaysFor(uptimesMs: number[]): number[] {
  let crashes = 0;
  return uptimesMs.map((uptime) => {
    const decision = decideRestart(policy, crashes, uptime);
    crashes = decision.crashesInARow;
    return decision.delayMs;
  });
}

describe('decideRestart', () => {
  it('waits 1 s after a first crash', () => {
    expect(decideRestart(policy, 0, 500)).toEqual({ delayMs: 1000, crashesInARow: 1 });
  });

  it('doubles the wait while the process keeps dying soon after it starts, up to 30 s', () => {
    expect(delaysFor([100, 100, 100, 100, 100, 100, 100, 100])).toEqual([
      1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000,
    ]);
  });

  it('forgives earlier crashes once the process has stayed up a minute', () => {
    expect(delaysFor([100, 100, 100, 60_000, 100])).toEqual([1000, 2000, 4000, 1000, 2000]);
  });

  it('keeps growing when each run ends just short of the stable minute', () => {
    expect(delaysFor([59_999, 59_999, 59_999])).toEqual([1000, 2000, 4000]);
  });

  it('never waits less than the first delay nor more than the cap, however long the crash loop', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 120_000 }), { minLength: 1, maxLength: 200 }), (uptimes) =>
        delaysFor(uptimes).every((delay) => delay >= policy.initialDelayMs && delay <= policy.maxDelayMs),
      ),
    );
  });
});

describe('describeExit', () => {
  it('names the signal that killed the process before any exit code', () => {
    expect(describeExit(null, 'SIGKILL')).toBe('was killed by SIGKILL');
    expect(describeExit(1, null)).toBe('exited with code 1');
    expect(describeExit(null, null)).toBe('ended without an exit code');
  });
});

describe('formatDuration', () => {
  it('reads like a person would say it', () => {
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(12_300)).toBe('12 s');
    expect(formatDuration(120_000)).toBe('2 min');
    expect(formatDuration(184_000)).toBe('3 min 4 s');
  });
});
