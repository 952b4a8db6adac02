import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

/**
 * Stands in for the downstream API a tool calls (outside Airlock), on 127.0.0.1, and records
 * exactly what it received so tests can check credentials, idempotency keys and run ids.
 */
export class StandInApi {
  readonly requests: RecordedRequest[] = [];
  private server: Server | undefined;
  private statusCode = 201;
  private responseHeaders: Record<string, string> = {};
  private responseBody: string | undefined;
  private responseDelayMs = 0;
  /** What a GET of a path answers: the downstream system's current state of one object. */
  private readonly states = new Map<string, unknown>();

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // Recorded as text: the test decides whether that is acceptable.
        }
        this.requests.push({
          method: request.method ?? '',
          path: request.url ?? '',
          headers: request.headers,
          body,
        });
        const answer = () => {
          // A GET reads an object's state: what the test set for the path, or 404 as an API would.
          if (request.method === 'GET') {
            const state = this.states.get(request.url ?? '');
            response.writeHead(state === undefined ? 404 : 200, { 'content-type': 'application/json' });
            response.end(JSON.stringify(state ?? { error: 'not found' }));
            return;
          }
          response.writeHead(this.statusCode, {
            'content-type': 'application/json',
            ...this.responseHeaders,
          });
          response.end(
            this.responseBody ?? JSON.stringify({ id: `obj_${this.requests.length}`, received: true }),
          );
        };
        setTimeout(answer, this.responseDelayMs);
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** How the API answers from now on; without a body, a small JSON object naming the request. */
  respondWith(statusCode: number, body?: string, headers: Record<string, string> = {}): void {
    this.statusCode = statusCode;
    this.responseBody = body;
    this.responseHeaders = headers;
  }

  /** From now on a GET of `path` (as sent, query included) answers 200 with `state` as JSON; other GETs 404. */
  setState(path: string, state: unknown): void {
    this.states.set(path, state);
  }

  /** Records each request at once but answers late, to catch a caller in the middle of a call. */
  delayResponses(ms: number): void {
    this.responseDelayMs = ms;
  }

  requestsFor(proposalId: string): RecordedRequest[] {
    return this.requests.filter((request) => request.headers['x-airlock-proposal-id'] === proposalId);
  }

  async stop(): Promise<void> {
    // Connections of a crashed caller may still hang on a delayed answer; they must not keep us open.
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
