import type { LoggerService } from '@nestjs/common';
import { currentTraceId } from '@airlock/telemetry';

export type LogFields = Record<string, unknown>;

let corked = false;

/**
 * Lines written in one turn of the event loop leave in one write: a gate logs a line or two per
 * message, and on this kind of machine each system call costs more than the line is worth.
 */
function writeCoalesced(line: string): void {
  if (!corked) {
    corked = true;
    process.stdout.cork();
    setImmediate(flushLogLines);
  }
  process.stdout.write(line);
}

/** Writes out what is held; call it before process.exit, which would drop held lines. */
export function flushLogLines(): void {
  if (!corked) return;
  corked = false;
  process.stdout.uncork();
}
type Level = 'debug' | 'info' | 'warn' | 'error';

/**
 * One JSON object per line, always with the trace id of the active span, so that a log line, a
 * span and a ClickHouse row join on the same keys. Handlers add run_id / proposal_id / agent_id.
 */
export class JsonLogger implements LoggerService {
  private debugEnabled = false;

  constructor(
    private readonly service: string,
    private readonly write: (line: string) => void = writeCoalesced,
  ) {}

  event(level: Level, message: string, fields: LogFields = {}): void {
    const traceId = currentTraceId();
    const line = {
      time: new Date().toISOString(),
      level,
      service: this.service,
      msg: message,
      ...(traceId ? { trace_id: traceId } : {}),
      ...fields,
    };
    this.write(`${JSON.stringify(line)}\n`);
  }

  /** From the validated configuration (AIRLOCK_LOG_LEVEL), once it is loaded. */
  setLevel(level: 'info' | 'debug'): void {
    this.debugEnabled = level === 'debug';
  }

  log(message: unknown, context?: string): void {
    this.event('info', String(message), context ? { context } : {});
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.event('error', String(message), {
      ...(context ? { context } : {}),
      ...(trace ? { stack: trace } : {}),
    });
  }
  warn(message: unknown, context?: string): void {
    this.event('warn', String(message), context ? { context } : {});
  }
  debug(message: unknown, context?: string): void {
    if (this.debugEnabled) this.event('debug', String(message), context ? { context } : {});
  }
  verbose(message: unknown, context?: string): void {
    this.debug(message, context);
  }
}
