import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './local-infra';

export type LogLine = Record<string, unknown> & { msg?: string };

/** One Airlock service running as a real process from dist/, with its JSON log lines kept for assertions. */
export class ServiceProcess {
  readonly lines: LogLine[] = [];
  private child: ChildProcess | undefined;
  private log: WriteStream | undefined;

  constructor(
    readonly service: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly logFile: string,
  ) {}

  /** The operating-system id of the running process (for /proc readings), or undefined when it is not running. */
  get pid(): number | undefined {
    const child = this.child;
    return child && child.exitCode === null && child.signalCode === null ? child.pid : undefined;
  }

  async start(timeoutMs = 60000): Promise<void> {
    this.log = createWriteStream(this.logFile, { flags: 'a' });
    const main = join(repoRoot, 'dist', 'services', this.service, 'src', 'main.js');
    const child = spawn(process.execPath, ['-r', join(repoRoot, 'deploy/local/register-paths.js'), main], {
      cwd: repoRoot,
      env: { ...process.env, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      this.log?.write(chunk);
      buffered += chunk.toString('utf8');
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const part of parts) this.lines.push(parseLine(part));
    });
    child.stderr?.on('data', (chunk: Buffer) => this.log?.write(chunk));
    await this.waitForLog((line) => line.msg === 'service ready', timeoutMs);
  }

  async waitForLog(predicate: (line: LogLine) => boolean, timeoutMs: number): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const found = this.lines.find(predicate);
      if (found) return found;
      if (this.child?.exitCode !== null && this.child?.exitCode !== undefined) {
        throw new Error(`${this.service} exited with code ${this.child.exitCode}; see ${this.logFile}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(
      `${this.service} did not log the expected line within ${timeoutMs} ms; see ${this.logFile}`,
    );
  }

  /** SIGTERM, as an operator or orchestrator would stop it; bounded wait, then SIGKILL. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15000);
    await exited;
    clearTimeout(timer);
    this.log?.end();
  }

  /** SIGKILL, as a crash or an OOM kill would end it: no shutdown hooks, no offset commits. */
  async crash(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
    this.log?.end();
    this.lines.length = 0;
  }

  async restart(): Promise<void> {
    await this.stop();
    this.lines.length = 0;
    await this.start();
  }
}

function parseLine(text: string): LogLine {
  try {
    return JSON.parse(text) as LogLine;
  } catch {
    return { msg: text };
  }
}
