/**
 * A small ClickHouse client over its HTTP interface. We talk HTTP directly because the server the
 * local machines install (Debian's 18.16) predates what current client libraries expect; plain
 * queries with JSONEachRow work on that release and on current ones alike.
 */
export class ClickHouseError extends Error {}

export class ClickHouseHttp {
  constructor(
    private readonly baseUrl: string,
    private readonly database?: string,
  ) {}

  private url(query: string | undefined, settings: Record<string, string> = {}): string {
    const url = new URL(this.baseUrl);
    if (query !== undefined) url.searchParams.set('query', query);
    if (this.database) url.searchParams.set('database', this.database);
    for (const [name, value] of Object.entries(settings)) url.searchParams.set(name, value);
    return url.toString();
  }

  private async send(url: string, body?: string): Promise<string> {
    let response: Response;
    try {
      response = await fetch(url, body === undefined ? { method: 'GET' } : { method: 'POST', body });
    } catch (error) {
      throw new ClickHouseError(`ClickHouse at ${this.baseUrl} is unreachable: ${(error as Error).message}`);
    }
    const text = await response.text();
    if (!response.ok)
      throw new ClickHouseError(`ClickHouse answered ${response.status}: ${text.trim().slice(0, 500)}`);
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

/** Quotes a string literal for ClickHouse SQL: 18.16 has no server-side query parameters. */
export function sqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
