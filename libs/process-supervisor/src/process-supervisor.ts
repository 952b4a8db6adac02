import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  decideRestart,
  defaultRestartPolicy,
  describeExit,
  formatDuration,
  type RestartPolicy,
} from './restart-policy';

export interface SupervisedProcess {
  name: string;
  command: string;
  args: readonly string[];
  /** stdout and stderr are appended here, across restarts. */
  logFile: string;
}

export interface SupervisorOptions {
  policy?: RestartPolicy;
  /** Where `<name>.pid` files of the running processes are kept, for people and for start.sh. */
  pidDir?: string;
  /** How long stop() waits after SIGTERM before it sends SIGKILL. */
  stopTimeoutMs?: number;
  log?: (line: string) => void;
  now?: () => number;
}

interface Slot {
  readonly spec: SupervisedProcess;
  child?: ChildProcess;
  exited?: Promise<void>;
  startedAt: number;
  crashesInARow: number;
  restartTimer?: NodeJS.Timeout;
}

/**
 * Starts processes and starts each again, with backoff, when it dies, so that one crashed service
 * does not take the local stack down with it. stop() ends them all and restarts nothing after.
 */
export class ProcessSupervisor {
  private readonly slots: Slot[];
  private readonly policy: RestartPolicy;
  private readonly log: (line: string) => void;
  private readonly now: () => number;
  private stopping = false;

  constructor(
    processes: readonly SupervisedProcess[],
    private readonly options: SupervisorOptions = {},
  ) {
    this.slots = processes.map((spec) => ({ spec, startedAt: 0, crashesInARow: 0 }));
    this.policy = options.policy ?? defaultRestartPolicy;
    this.log = options.log ?? ((line) => process.stdout.write(`${line}\n`));
    this.now = options.now ?? Date.now;
  }

  start(): void {
    for (const slot of this.slots) this.launch(slot);
  }

  /** The pid of each process that runs now. */
  pids(): Record<string, number | undefined> {
    return Object.fromEntries(this.slots.map((slot) => [slot.spec.name, slot.child?.pid]));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const slot of this.slots) clearTimeout(slot.restartTimer);
    const running = this.slots.filter((slot) => slot.child);
    for (const slot of running) slot.child?.kill('SIGTERM');
    const timeoutMs = this.options.stopTimeoutMs ?? 20_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([Promise.all(running.map((slot) => slot.exited)), timedOut]);
    clearTimeout(timer);
    for (const slot of running) {
      if (slot.child) {
        this.log(
          `${slot.spec.name} (pid ${slot.child.pid}) still running ${formatDuration(timeoutMs)} after SIGTERM; sending SIGKILL`,
        );
        slot.child.kill('SIGKILL');
      }
    }
    await Promise.all(running.map((slot) => slot.exited));
  }

  private launch(slot: Slot): void {
    const { name, command, args, logFile } = slot.spec;
    const output = openSync(logFile, 'a');
    let child: ChildProcess;
    try {
      // Its own process group: Ctrl-C in the terminal reaches the supervisor, which stops the
      // children itself, instead of racing them to their deaths and mistaking those for crashes.
      child = spawn(command, [...args], { stdio: ['ignore', output, output], detached: true });
    } finally {
      closeSync(output);
    }
    slot.child = child;
    slot.startedAt = this.now();
    let markExited = (): void => undefined;
    slot.exited = new Promise((resolve) => (markExited = resolve));
    const ended = (code: number | null, signal: NodeJS.Signals | null, error?: Error): void => {
      if (slot.child !== child) return;
      slot.child = undefined;
      this.removePidFile(name);
      markExited();
      this.onEnd(slot, error ? `could not run (${error.message})` : describeExit(code, signal), child.pid);
    };
    // A command that cannot be spawned reports 'error' and may never report 'exit'.
    child.once('error', (error) => ended(null, null, error));
    child.once('exit', (code, signal) => ended(code, signal));
    if (child.pid !== undefined) this.writePidFile(name, child.pid);
  }

  private onEnd(slot: Slot, how: string, pid: number | undefined): void {
    const name = slot.spec.name;
    if (this.stopping) {
      this.log(`${name} (pid ${pid}) stopped`);
      return;
    }
    const uptime = this.now() - slot.startedAt;
    const decision = decideRestart(this.policy, slot.crashesInARow, uptime);
    slot.crashesInARow = decision.crashesInARow;
    const at = new Date(this.now() + decision.delayMs).toTimeString().slice(0, 8);
    this.log(
      `${name} (pid ${pid}) ${how} after ${formatDuration(uptime)} up; restarting it in ` +
        `${formatDuration(decision.delayMs)} (at ${at}; crash ${decision.crashesInARow} in a row; log ${slot.spec.logFile})`,
    );
    slot.restartTimer = setTimeout(() => {
      slot.restartTimer = undefined;
      if (this.stopping) return;
      this.launch(slot);
      this.log(`${name} restarted (pid ${slot.child?.pid})`);
    }, decision.delayMs);
  }

  private writePidFile(name: string, pid: number): void {
    if (this.options.pidDir) writeFileSync(join(this.options.pidDir, `${name}.pid`), `${pid}\n`);
  }

  private removePidFile(name: string): void {
    if (this.options.pidDir) rmSync(join(this.options.pidDir, `${name}.pid`), { force: true });
  }
}
