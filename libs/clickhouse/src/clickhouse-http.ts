import { ClickHouseUnavailableError, clickHouseAnswerError } from './clickhouse-errors';

export interface ClickHouseHttpOptions {
  /** How long one statement may take, answer included, before it counts as ClickHouse being away. */
  timeoutMs?: number;
}

const defaultTimeoutMs = 30_000;

/**
 * A small ClickHouse client over its HTTP interface. We talk HTTP directly because the server the
 * local machines install (Debian's 18.16) predates what current client libraries expect; plain
 * queries with JSONEachRow work on that release and on current ones alike (ADR 0004).
 *
 * Every failure is typed by whether a retry can help (ADR 0006): no answer, a timeout, a 503 or an
 * overload code is a `ClickHouseUnavailableError` (retriable); any other answer is a
 * `ClickHouseRefusedError` carrying ClickHouse's message.
 */
export class ClickHouseHttp {
  private readonly timeoutMs: number;

  constructor(
    private readonly baseUrl: string,
    private readonly database?: string,
    options: ClickHouseHttpOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
  }

  private url(query: string | undefined, settings: Record<string, string> = {}): string {
    const url = new URL(this.baseUrl);
    if (query !== undefined) url.searchParams.set('query', query);
    if (this.database) url.searchParams.set('database', this.database);
    for (const [name, value] of Object.entries(settings)) url.searchParams.set(name, value);
    return url.toString();
  }

  private async send(url: string, body?: string): Promise<string> {
    let status: number;
    let text: string;
    try {
      const response = await fetch(url, {
        ...(body === undefined ? { method: 'GET' } : { method: 'POST', body }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      status = response.status;
      // The body is read under the same timeout: a server that stalls mid-answer is away too.
      text = await response.text();
    } catch (error) {
      throw new ClickHouseUnavailableError(
        `ClickHouse at ${this.baseUrl} did not answer within ${this.timeoutMs} ms or is unreachable: ${describe(error)}`,
        { cause: error },
      );
    }
    if (status < 200 || status > 299) throw clickHouseAnswerError(status, text);
    return text;
  }

  /** Runs a statement that returns nothing (DDL, ALTER). */
  async execute(sql: string): Promise<void> {
    await this.send(this.url(undefined), sql);
  }

  async select<T>(sql: string): Promise<T[]> {
    const text = await this.send(
      this.url(undefined, { output_format_json_quote_64bit_integers: '0' }),
      `${sql} FORMAT JSONEachRow`,
    );
    return text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as T);
  }

  async insert(table: string, rows: readonly object[]): Promise<void> {
    if (rows.length === 0) return;
    const body = rows.map((row) => JSON.stringify(row)).join('\n');
    await this.send(this.url(`INSERT INTO ${table} FORMAT JSONEachRow`), body);
  }

  async ping(): Promise<boolean> {
    try {
      return (await this.send(new URL('/ping', this.baseUrl).toString())).trim() === 'Ok.';
    } catch {
      return false;
    }
  }
}

function describe(error: unknown): string {
  // Duck-typed: errors from Node's own fetch may come from another realm than this module's Error.
  const messageOf = (value: unknown): string | undefined => {
    const message = (value as { message?: unknown } | null | undefined)?.message;
    return typeof message === 'string' ? message : undefined;
  };
  const message = messageOf(error) ?? String(error);
  // fetch reports "fetch failed" and keeps the reason (ECONNREFUSED, a timeout) in its cause.
  const cause = messageOf((error as { cause?: unknown } | null | undefined)?.cause);
  return cause === undefined ? message : `${message} (${cause})`;
}

/** Quotes a string literal for ClickHouse SQL: 18.16 has no server-side query parameters. */
export function sqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
