import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** Clock ticks per second of /proc/<pid>/stat times; 100 on every Linux this runs on, asked anyway. */
const ticksPerSecond = (() => {
  const answer = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const parsed = Number.parseInt(answer.stdout ?? '', 10);
  return Number.isFinite(parsed) && parsed > 0 ? parsed : 100;
})();

/** utime + stime of a process (all its threads), in ms; undefined when it is gone. */
export function cpuMs(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may contain spaces and parentheses: count fields after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / ticksPerSecond;
}

/** Resident set size in KiB (VmRSS), or undefined when the process is gone. */
export function rssKib(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Every PostgreSQL process on the machine (postmaster, background workers, one backend per
 * connection). The gates' backends cannot be told apart from others', so this is a machine-wide figure.
 */
export function postgresPids(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'postgres') pids.push(Number(entry));
    } catch {
      // Exited while we looked.
    }
  }
  return pids;
}

/** Named groups of processes whose CPU is read together; a group may be re-resolved at each reading. */
export type ProcessGroups = Record<string, () => number[]>;

export interface CpuReading {
  elapsedMs: number;
  /** CPU ms used by each group over the window. */
  cpuMs: Record<string, number>;
}

/**
 * CPU used by groups of processes between `begin` and `end`. A process that starts during the
 * window counts from zero (a new PostgreSQL backend); one that exits during it is not counted.
 */
export class CpuWindow {
  private constructor(
    private readonly groups: ProcessGroups,
    private readonly startAt: number,
    private readonly startTimes: Map<number, number>,
  ) {}

  static begin(groups: ProcessGroups): CpuWindow {
    return new CpuWindow(groups, performance.now(), readAll(groups));
  }

  end(): CpuReading {
    const now = readAll(this.groups);
    const cpu: Record<string, number> = {};
    for (const [name, pidsOf] of Object.entries(this.groups)) {
      let total = 0;
      for (const pid of pidsOf()) {
        const after = now.get(pid);
        if (after !== undefined) total += after - (this.startTimes.get(pid) ?? 0);
      }
      cpu[name] = total;
    }
    return { elapsedMs: performance.now() - this.startAt, cpuMs: cpu };
  }
}

function readAll(groups: ProcessGroups): Map<number, number> {
  const times = new Map<number, number>();
  for (const pidsOf of Object.values(groups)) {
    for (const pid of pidsOf()) {
      const used = cpuMs(pid);
      if (used !== undefined) times.set(pid, used);
    }
  }
  return times;
}

/** Reads a pid file such as ~/.cache/airlock/run/kafka.pid; an empty list when absent. */
export function pidFromFile(file: string): number[] {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
    return Number.isFinite(pid) && cpuMs(pid) !== undefined ? [pid] : [];
  } catch {
    return [];
  }
}
