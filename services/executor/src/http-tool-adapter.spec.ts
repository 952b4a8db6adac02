import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { canonicalJson } from '@airlock/attestation';
import type { Proposal, ToolDefinition } from '@airlock/contracts';
import { callHttpTool } from './http-tool-adapter';
import {
  interpretToolResponse,
  maxToolResponseBytes,
  maxToolResponseDepth,
  readToolResponse,
  sanitiseJson,
} from './tool-response';

// Every call below is bounded by its own timeout; this bounds a test that would hang anyway.
jest.setTimeout(10_000);

const tool: ToolDefinition = {
  name: 'create_ticket',
  description: 'Opens a helpdesk ticket',
  risk: 'write',
  idempotent: false,
  arguments_schema: {},
  cost: { per_call_usd: 0 },
  adapter: { type: 'http', destination: 'helpdesk', method: 'POST', path: '/tickets' },
  allowed_hosts: ['127.0.0.1'],
  sensitive_fields: [],
};

const proposal: Proposal = {
  proposal_id: 'proposal-1',
  run_id: 'run-1',
  agent_id: 'agent-1',
  tool: 'create_ticket',
  arguments: { subject: 'printer on fire' },
  issued_at: '2025-01-01T00:00:00Z',
};

function callToolOn(port: number, timeoutMs = 2_000) {
  return callHttpTool(
    { proposal, tool, idempotencyKey: 'idempotency-1', timeoutMs },
    {
      destinations: { helpdesk: `http://127.0.0.1:${port}` },
      credentials: { 'agent-1/create_ticket': 'scoped-credential' },
    },
  );
}

interface LocalServer {
  port: number;
  /** TCP connections accepted so far. */
  connections: () => number;
  /** Request bodies received in full so far. */
  received: string[];
  close: () => Promise<void>;
}

const openServers: LocalServer[] = [];

async function startServer(answer: (request: IncomingMessage, response: ServerResponse) => void) {
  const received: string[] = [];
  let connections = 0;
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => received.push(body));
    answer(request, response);
  });
  server.on('connection', () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const local: LocalServer = {
    port: (server.address() as AddressInfo).port,
    connections: () => connections,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  openServers.push(local);
  return local;
}

/** Answers once the whole request has arrived, so the test knows the tool received it. */
function afterRequest(request: IncomingMessage, then: () => void): void {
  request.on('end', then);
}

afterEach(async () => {
  await Promise.all(openServers.splice(0).map((server) => server.close()));
});

describe('callHttpTool', () => {
  it('refuses a 307 redirect as failed, naming the status and target host, and sends nothing to the target', async () => {
    const target = await startServer((_request, response) => response.end('{}'));
    const allowed = await startServer((request, response) =>
      afterRequest(request, () => {
        response.writeHead(307, { location: `http://127.0.0.1:${target.port}/steal` }).end();
      }),
    );

    const result = await callToolOn(allowed.port);

    expect(result).toEqual({
      kind: 'failed',
      reason_code: 'tool_redirect_refused',
      reason: expect.stringMatching(new RegExp(`HTTP 307 .*host 127\\.0\\.0\\.1:${target.port}`)),
      status_code: 307,
    });
    expect(allowed.received).toEqual([JSON.stringify(proposal.arguments)]);
    expect(target.connections()).toBe(0);
  });

  it('keeps only the first maxToolResponseBytes of a 2 MiB body, as text, and flags it truncated', async () => {
    // Valid JSON in full, so only the cap can make the result text.
    const body = `[${'0,'.repeat(1024 * 1024 - 1)}0]`;
    const server = await startServer((_request, response) => response.end(body));

    const result = await callToolOn(server.port);

    expect(result).toEqual({
      kind: 'succeeded',
      status_code: 200,
      response: body.slice(0, maxToolResponseBytes),
      response_truncated: true,
    });
  });

  it('replaces NUL and lone surrogates escaped in a JSON body, in keys and values, with U+FFFD', async () => {
    const body = String.raw`{"na\u0000me":"a\u0000b","half":"x\ud800y","list":["\udc00"],"pair":"\ud83d\ude00"}`;
    const server = await startServer((_request, response) => response.end(body));

    const result = await callToolOn(server.port);

    expect(result).toEqual({
      kind: 'succeeded',
      status_code: 200,
      response: { 'na\uFFFDme': 'a\uFFFDb', half: 'x\uFFFDy', list: ['\uFFFD'], pair: '😀' },
    });
    expect(() => canonicalJson(result)).not.toThrow();
  });

  it('reports a closed port as tool_unreachable, the one case where nothing was sent', async () => {
    const server = await startServer(() => undefined);
    await server.close();

    const result = await callToolOn(server.port);

    expect(result).toEqual({
      kind: 'failed',
      reason_code: 'tool_unreachable',
      reason: `127.0.0.1:${server.port} refused the connection; nothing was sent`,
    });
  });

  it('reports a connection closed after the tool read the request as unknown, never failed', async () => {
    const server = await startServer((request) => afterRequest(request, () => request.socket.destroy()));

    const result = await callToolOn(server.port);

    expect(server.received).toEqual([JSON.stringify(proposal.arguments)]);
    expect(result).toEqual({
      kind: 'unknown',
      reason_code: 'tool_call_failed',
      reason: expect.stringContaining('may have been acted on'),
    });
  });

  it('reports a tool that does not answer within the timeout as unknown', async () => {
    const server = await startServer(() => undefined);
    const started = Date.now();

    const result = await callToolOn(server.port, 300);

    expect(Date.now() - started).toBeLessThan(2_000);
    expect(result).toEqual({
      kind: 'unknown',
      reason_code: 'tool_call_failed',
      reason: expect.stringContaining('no complete answer within 300 ms'),
    });
  });

  it('bounds the body read by the same timeout: headers at once, then a stalled body, is unknown', async () => {
    const server = await startServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"ticket_id":');
    });
    const started = Date.now();

    const result = await callToolOn(server.port, 300);

    expect(Date.now() - started).toBeLessThan(2_000);
    expect(result).toEqual({
      kind: 'unknown',
      reason_code: 'tool_call_failed',
      reason: expect.stringContaining('no complete answer within 300 ms'),
    });
  });

  it('parses a 2xx JSON body, having sent the scoped credential and the idempotency key', async () => {
    let headers: IncomingMessage['headers'] = {};
    const server = await startServer((request, response) => {
      headers = request.headers;
      response.writeHead(201).end('{"ticket_id":"T-1"}');
    });

    const result = await callToolOn(server.port);

    expect(result).toEqual({ kind: 'succeeded', status_code: 201, response: { ticket_id: 'T-1' } });
    expect(headers).toMatchObject({
      authorization: 'Bearer scoped-credential',
      'idempotency-key': 'idempotency-1',
    });
  });

  it('reports a 500 as failed with the status and the body', async () => {
    const server = await startServer((_request, response) => response.writeHead(500).end('{"error":"boom"}'));

    const result = await callToolOn(server.port);

    expect(result).toEqual({
      kind: 'failed',
      reason_code: 'tool_call_failed',
      reason: 'create_ticket answered HTTP 500',
      status_code: 500,
      response: { error: 'boom' },
    });
  });
});

describe('readToolResponse', () => {
  it('keeps a body of exactly maxToolResponseBytes whole and does not flag it', async () => {
    const body = 'x'.repeat(maxToolResponseBytes);

    await expect(readToolResponse(new Response(body).body)).resolves.toEqual({
      response: body,
      truncated: false,
    });
  });

  it('flags a body one byte over maxToolResponseBytes and keeps its first maxToolResponseBytes', async () => {
    const body = 'x'.repeat(maxToolResponseBytes + 1);

    await expect(readToolResponse(new Response(body).body)).resolves.toEqual({
      response: body.slice(0, maxToolResponseBytes),
      truncated: true,
    });
  });
});

function nestedArrays(depth: number, leaf: unknown): unknown {
  let value = leaf;
  for (let level = 0; level < depth; level += 1) value = [value];
  return value;
}

describe('sanitiseJson', () => {
  it('walks a value nested 100 000 deep without overflowing the stack, and refuses it as too deep', () => {
    expect(sanitiseJson(nestedArrays(100_000, 'leaf'))).toEqual({ ok: false });
  });

  it('sanitises strings at maxToolResponseDepth and refuses one level more', () => {
    expect(sanitiseJson(nestedArrays(maxToolResponseDepth, 'a\u0000'))).toEqual({
      ok: true,
      value: nestedArrays(maxToolResponseDepth, 'a\uFFFD'),
    });
    expect(sanitiseJson(nestedArrays(maxToolResponseDepth + 1, 'a'))).toEqual({ ok: false });
  });

  it('keeps the order of keys', () => {
    const sanitised = sanitiseJson({ z: 1, a: { y: 2, b: 3 } });

    expect(JSON.stringify(sanitised)).toBe('{"ok":true,"value":{"z":1,"a":{"y":2,"b":3}}}');
  });

  it('keeps a "__proto__" key as an own key, without letting it replace the prototype', () => {
    const sanitised = sanitiseJson(JSON.parse('{"__proto__":{"isAdmin":true}}'));

    expect(sanitised.ok).toBe(true);
    const value = (sanitised as { value: Record<string, unknown> }).value;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(value['isAdmin']).toBeUndefined();
    expect(JSON.stringify(value)).toBe('{"__proto__":{"isAdmin":true}}');
  });
});

describe('interpretToolResponse', () => {
  it('keeps a body nested 100 000 deep as text instead of crashing', () => {
    const body = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;

    expect(interpretToolResponse(Buffer.from(body), false)).toBe(body);
  });

  it('keeps JSON holding a number it cannot carry (1e999 parses as Infinity) as text', () => {
    expect(interpretToolResponse(Buffer.from('{"amount":1e999}'), false)).toBe('{"amount":1e999}');
  });

  it('replaces NUL in a text body with U+FFFD', () => {
    expect(interpretToolResponse(Buffer.from('not json \u0000 here'), false)).toBe('not json \uFFFD here');
  });

  it('keeps a truncated body as text even when its beginning parses as JSON', () => {
    expect(interpretToolResponse(Buffer.from('1234'), true)).toBe('1234');
  });
});
