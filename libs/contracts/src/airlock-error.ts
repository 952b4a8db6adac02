/**
 * Every failure a message handler can meet, typed by the one question the pipeline asks of it:
 * can retrying help? (The rule, and why, is docs/adr/0006-errors-decide-retry-or-dead-letter.md.)
 *
 * - retriable: something Airlock depends on is away (Kafka, PostgreSQL, ClickHouse). The message
 *   is not skipped: its partition pauses and the same message is tried again with backoff.
 * - not retriable: the message itself is the problem (poison). Trying again would fail again, so
 *   it goes to the DLQ with `code` and the consumer moves on.
 */
export abstract class AirlockError extends Error {
  /** Stable, machine-readable; logs, DLQ records and metrics carry it. */
  abstract readonly code: string;
  abstract readonly retriable: boolean;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A message that no retry can fix: refused into the DLQ with its code. */
export class PoisonMessageError extends AirlockError {
  readonly retriable = false;
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A dependency that is away or overloaded: the message waits and is tried again. */
export class InfrastructureError extends AirlockError {
  readonly retriable = true;
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
