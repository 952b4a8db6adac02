import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InfrastructureError } from '@airlock/contracts';
import {
  ClickHouseRefusedError,
  ClickHouseUnavailableError,
  clickHouseAnswerError,
  serverCodeOf,
} from './clickhouse-errors';
import { ClickHouseHttp, sqlString } from './clickhouse-http';

describe('clickHouseAnswerError', () => {
  it('reads the error code of an 18.16 answer and of a current one', () => {
    expect(serverCodeOf('Code: 27, e.displayText() = DB::Exception: Cannot parse input')).toBe(27);
    expect(serverCodeOf('Code: 241. DB::Exception: Memory limit exceeded')).toBe(241);
    expect(serverCodeOf('Bad gateway')).toBeUndefined();
  });

  it('makes a data error a non-retriable refusal that carries ClickHouse message', () => {
    const error = clickHouseAnswerError(
      400,
      'Code: 41, e.displayText() = DB::Exception: Cannot parse datetime: (at row 2)\n',
    );
    expect(error).toBeInstanceOf(ClickHouseRefusedError);
    expect(error).toMatchObject({
      retriable: false,
      code: 'clickhouse_refused',
      status: 400,
      serverCode: 41,
    });
    expect(error.message).toContain('Cannot parse datetime');
  });

  it('makes an overload code retriable even when answered with 500', () => {
    const error = clickHouseAnswerError(
      500,
      'Code: 202, e.displayText() = DB::Exception: Too many simultaneous queries',
    );
    expect(error).toBeInstanceOf(ClickHouseUnavailableError);
    expect(error).toBeInstanceOf(InfrastructureError);
    expect(error.retriable).toBe(true);
  });

  it('makes a 503 from a server or proxy retriable whatever its body', () => {
    expect(clickHouseAnswerError(503, '<html>unavailable</html>').retriable).toBe(true);
  });

  it('makes a missing table retriable: an operator fixes the store, not the data', () => {
    expect(
      clickHouseAnswerError(404, "Code: 60, e.displayText() = DB::Exception: Table a.events doesn't exist.")
        .retriable,
    ).toBe(true);
  });
});

describe('ClickHouseHttp', () => {
  let server: Server;
  let answer: (respond: (status: number, body: string) => void) => void;

  beforeAll(async () => {
    server = createServer((_request, response) =>
      answer((status, body) => {
        response.writeHead(status, { 'content-type': 'text/plain' });
        response.end(body);
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const client = (timeoutMs = 2000) =>
    new ClickHouseHttp(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, undefined, {
      timeoutMs,
    });

  it('reports a server that does not answer in time as unavailable, within the timeout', async () => {
    answer = () => undefined;
    const started = Date.now();
    await expect(client(200).execute('SELECT 1')).rejects.toBeInstanceOf(ClickHouseUnavailableError);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('reports a port nobody listens on as unavailable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await new ClickHouseHttp(`http://127.0.0.1:${port}`, undefined, { timeoutMs: 2000 })
      .execute('SELECT 1')
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ClickHouseUnavailableError);
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
  });

  it('refuses with the message of a ClickHouse error answer', async () => {
    answer = (respond) => respond(500, 'Code: 62, e.displayText() = DB::Exception: Syntax error');
    await expect(client().execute('SELEC 1')).rejects.toMatchObject({
      retriable: false,
      serverCode: 62,
      message: expect.stringContaining('Syntax error'),
    });
  });

  it('retries nothing itself and reports a 503 as unavailable', async () => {
    answer = (respond) => respond(503, 'overloaded');
    await expect(client().insert('t', [{ a: 1 }])).rejects.toBeInstanceOf(ClickHouseUnavailableError);
  });
});

describe('sqlString', () => {
  it('escapes quotes and backslashes so a value cannot end its literal', () => {
    expect(sqlString("it's \\'")).toBe("'it\\'s \\\\\\''");
  });
});
