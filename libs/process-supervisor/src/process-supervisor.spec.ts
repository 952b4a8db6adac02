import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProcessSupervisor } from './process-supervisor';

const quickPolicy = { initialDelayMs: 50, maxDelayMs: 200, stableAfterMs: 60_000 };

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('ProcessSupervisor', () => {
  let dir: string;
  let lines: string[];
  let supervisor: ProcessSupervisor | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'airlock-supervisor-'));
    lines = [];
  });

  afterEach(async () => {
    await supervisor?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  function supervise(name: string, script: string): ProcessSupervisor {
    supervisor = new ProcessSupervisor(
      [{ name, command: process.execPath, args: ['-e', script], logFile: join(dir, `${name}.log`) }],
      { policy: quickPolicy, pidDir: dir, stopTimeoutMs: 2000, log: (line) => lines.push(line) },
    );
    supervisor.start();
    return supervisor;
  }

  it('starts a process that dies again, saying how it died and when it comes back', async () => {
    supervise('crasher', "console.log('up'); setTimeout(() => process.exit(3), 100)");
    await until(() => lines.filter((line) => line.startsWith('crasher restarted')).length >= 2);
    expect(lines[0]).toMatch(
      /^crasher \(pid \d+\) exited with code 3 after \d+ ms up; restarting it in 50 ms \(at /,
    );
    expect(lines.some((line) => /restarting it in 100 ms .*crash 2 in a row/.test(line))).toBe(true);
    expect(readFileSync(join(dir, 'crasher.log'), 'utf8').match(/^up$/gm)?.length).toBeGreaterThanOrEqual(2);
  });

  it('restarts a process killed with SIGKILL and records its new pid', async () => {
    const running = supervise('victim', 'setInterval(() => undefined, 1000)');
    await until(() => existsSync(join(dir, 'victim.pid')));
    const first = running.pids()['victim'] as number;
    process.kill(first, 'SIGKILL');
    await until(() => running.pids()['victim'] !== undefined && running.pids()['victim'] !== first);
    expect(lines[0]).toMatch(new RegExp(`^victim \\(pid ${first}\\) was killed by SIGKILL`));
    expect(readFileSync(join(dir, 'victim.pid'), 'utf8').trim()).toBe(String(running.pids()['victim']));
  });

  it('stops every process on stop() and restarts none of them afterwards', async () => {
    const running = supervise('steady', 'setInterval(() => undefined, 1000)');
    await until(() => running.pids()['steady'] !== undefined);
    const pid = running.pids()['steady'] as number;
    await running.stop();
    expect(() => process.kill(pid, 0)).toThrow();
    await new Promise((resolve) => setTimeout(resolve, 2 * quickPolicy.maxDelayMs));
    expect(running.pids()['steady']).toBeUndefined();
    expect(lines).toEqual([`steady (pid ${pid}) stopped`]);
    expect(existsSync(join(dir, 'steady.pid'))).toBe(false);
  });

  it('cancels a restart that is still waiting when stop() is called', async () => {
    const running = supervise('flaky', 'process.exit(1)');
    await until(() => lines.some((line) => line.includes('restarting it')));
    await running.stop();
    const count = lines.length;
    await new Promise((resolve) => setTimeout(resolve, 2 * quickPolicy.maxDelayMs));
    expect(lines).toHaveLength(count);
    expect(running.pids()['flaky']).toBeUndefined();
  });

  it('sends SIGKILL to a process that ignores SIGTERM', async () => {
    supervisor = new ProcessSupervisor(
      [
        {
          name: 'stubborn',
          command: process.execPath,
          args: [
            '-e',
            "process.on('SIGTERM', () => undefined); console.log('ready'); setInterval(() => undefined, 1000)",
          ],
          logFile: join(dir, 'stubborn.log'),
        },
      ],
      { policy: quickPolicy, stopTimeoutMs: 300, log: (line) => lines.push(line) },
    );
    supervisor.start();
    await until(() => readFileSync(join(dir, 'stubborn.log'), 'utf8').includes('ready'));
    await supervisor.stop();
    expect(lines.some((line) => /still running 300 ms after SIGTERM; sending SIGKILL/.test(line))).toBe(true);
    expect(supervisor.pids()['stubborn']).toBeUndefined();
  });
});
