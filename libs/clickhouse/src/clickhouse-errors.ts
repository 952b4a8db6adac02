import { AirlockError, InfrastructureError } from '@airlock/contracts';

/** ClickHouse cannot answer now (unreachable, too slow, overloaded, its store missing): try again later. */
export class ClickHouseUnavailableError extends InfrastructureError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('clickhouse_unavailable', message, options);
  }
}

/**
 * ClickHouse answered and refused the statement or its data. Sending the same bytes again gets the
 * same answer, so a caller must not retry it: it decides what to do with the data instead.
 */
export class ClickHouseRefusedError extends AirlockError {
  readonly code = 'clickhouse_refused';
  readonly retriable = false;

  constructor(
    /** The HTTP status of the answer. */
    readonly status: number,
    /** ClickHouse's own error code (`Code: 27, ...`), when the answer names one. */
    readonly serverCode: number | undefined,
    message: string,
  ) {
    super(message);
  }
}

/**
 * ClickHouse error codes that say "not now" rather than "never": overload, resource limits and
 * timeouts, network trouble between replicas, and a database or table that is missing (dropped, or
 * not yet created), which an operator's fix or the next migration resolves, not a change of data.
 */
const retriableServerCodes = new Map<number, string /* name, for readers */>([
  [60, 'UNKNOWN_TABLE'],
  [81, 'UNKNOWN_DATABASE'],
  [159, 'TIMEOUT_EXCEEDED'],
  [160, 'TOO_SLOW'],
  [173, 'CANNOT_ALLOCATE_MEMORY'],
  [202, 'TOO_MANY_SIMULTANEOUS_QUERIES'],
  [203, 'NO_FREE_CONNECTION'],
  [209, 'SOCKET_TIMEOUT'],
  [210, 'NETWORK_ERROR'],
  [236, 'ABORTED'],
  [241, 'MEMORY_LIMIT_EXCEEDED'],
  [242, 'TABLE_IS_READ_ONLY'],
  [243, 'NOT_ENOUGH_SPACE'],
  [252, 'TOO_MANY_PARTS'],
  [279, 'ALL_CONNECTION_TRIES_FAILED'],
  [319, 'UNKNOWN_STATUS_OF_INSERT'],
  [394, 'QUERY_WAS_CANCELLED'],
  [425, 'SYSTEM_ERROR'],
  [439, 'CANNOT_SCHEDULE_TASK'],
  [999, 'KEEPER_EXCEPTION'],
]);

/** HTTP statuses of a server or proxy that is overloaded or away, whatever the body says. */
const retriableStatuses = new Set([429, 502, 503, 504]);

const maxMessageChars = 1000;

/** The error code at the start of a ClickHouse error answer: `Code: 27, e.displayText() = ...` (18.16) or `Code: 27. DB::Exception: ...`. */
export function serverCodeOf(body: string): number | undefined {
  const match = /^Code: (\d+)[.,]/.exec(body.trimStart());
  return match ? Number(match[1]) : undefined;
}

/** What a non-2xx answer of ClickHouse means for the caller: wait and retry, or never. */
export function clickHouseAnswerError(
  status: number,
  body: string,
): ClickHouseUnavailableError | ClickHouseRefusedError {
  const text = body.trim().slice(0, maxMessageChars);
  const serverCode = serverCodeOf(text);
  if (retriableStatuses.has(status) || (serverCode !== undefined && retriableServerCodes.has(serverCode))) {
    return new ClickHouseUnavailableError(`ClickHouse cannot answer now (${status}): ${text}`);
  }
  return new ClickHouseRefusedError(status, serverCode, `ClickHouse refused (${status}): ${text}`);
}
