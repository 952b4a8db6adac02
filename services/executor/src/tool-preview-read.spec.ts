import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Proposal, ToolDefinition } from '@airlock/contracts';
import { readToolPreview } from './tool-preview-read';

jest.setTimeout(10_000);

const tool: ToolDefinition = {
  name: 'payments.refund',
  description: 'Refunds a charge',
  risk: 'write',
  idempotent: false,
  arguments_schema: {},
  cost: { per_call_usd: 0 },
  adapter: { type: 'http', destination: 'payments', method: 'POST', path: '/refunds' },
  allowed_hosts: ['127.0.0.1'],
  sensitive_fields: ['customer_email'],
  preview: { path: '/charges/{charge_id}', after: { refunded_cents: { add: '$.amount_cents' } } },
};

const proposal = (charge_id: string): Proposal => ({
  proposal_id: 'proposal-1',
  run_id: 'run-1',
  agent_id: 'agent-1',
  tool: 'payments.refund',
  arguments: { charge_id, amount_cents: 1500 },
  issued_at: '2025-01-01T00:00:00Z',
});

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

let server: Server | undefined;

async function serve(
  answer: (response: ServerResponse) => void,
): Promise<{ port: number; received: Received[] }> {
  const received: Received[] = [];
  server = createServer((request, response) => {
    received.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers });
    answer(response);
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, received };
}

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

const secretsOn = (port: number) => ({
  destinations: { payments: `http://127.0.0.1:${port}` },
  credentials: { 'agent-1/payments.refund': 'scoped-credential' },
});

const json =
  (body: unknown, status = 200) =>
  (response: ServerResponse) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(typeof body === 'string' ? body : JSON.stringify(body));
  };

describe('reading a preview for an approver', () => {
  it('GETs the templated path with the scoped credential and masks sensitive fields on both sides', async () => {
    const { port, received } = await serve(
      json({ id: 'ch_1', refunded_cents: 500, customer_email: 'a@example.com' }),
    );
    const reading = await readToolPreview(proposal('ch_1'), tool, secretsOn(port), 2000);
    expect(reading).toEqual({
      status: 'previewed',
      before: { id: 'ch_1', refunded_cents: 500, customer_email: '[redacted]' },
      after: { id: 'ch_1', refunded_cents: 2000, customer_email: '[redacted]' },
    });
    expect(received).toHaveLength(1);
    expect(received[0]?.method).toBe('GET');
    expect(received[0]?.url).toBe('/charges/ch_1');
    expect(received[0]?.headers['authorization']).toBe('Bearer scoped-credential');
    expect(received[0]?.headers['x-airlock-proposal-id']).toBe('proposal-1');
  });

  it('keeps a hostile argument inside one path segment', async () => {
    const { port, received } = await serve(json({ id: 'x' }));
    await readToolPreview(proposal('../admin?all=1#x'), tool, secretsOn(port), 2000);
    expect(received[0]?.url).toBe('/charges/..%2Fadmin%3Fall%3D1%23x');
  });

  it('reads nothing for an argument a URL would resolve as a step of the path', async () => {
    const { port, received } = await serve(json({}));
    expect(await readToolPreview(proposal('..'), tool, secretsOn(port), 2000)).toEqual({
      status: 'unavailable',
      reason: 'the argument at $.charge_id ("..") is not a path segment',
    });
    expect(received).toHaveLength(0);
  });

  it.each([
    ['an answer that is not JSON', json('<html>pwned</html>'), 'the answer is not a JSON object'],
    ['a JSON array', json([1, 2]), 'the answer is not a JSON object'],
    [
      'an error status',
      json({ error: 'no such charge' }, 404),
      'payments.refund answered the preview with HTTP 404',
    ],
    [
      'a redirect',
      (response: ServerResponse) => {
        response.writeHead(302, { location: 'http://elsewhere.example/steal' });
        response.end();
      },
      'payments.refund answered the preview with HTTP 302 redirecting to host elsewhere.example; redirects are not followed',
    ],
    [
      'an answer over the size cap',
      json({ blob: 'x'.repeat(70 * 1024) }),
      'the answer is larger than 65536 bytes',
    ],
    [
      'a field the call adds to that is no number',
      json({ refunded_cents: 'lots' }),
      'refunded_cents + $.amount_cents is not a sum of two numbers',
    ],
  ])('says why there is no preview for %s', async (_case, answer, reason) => {
    const { port } = await serve(answer);
    expect(await readToolPreview(proposal('ch_1'), tool, secretsOn(port), 2000)).toEqual({
      status: 'unavailable',
      reason,
    });
  });

  it('gives up at the timeout', async () => {
    const { port } = await serve(() => undefined);
    const reading = await readToolPreview(proposal('ch_1'), tool, secretsOn(port), 300);
    expect(reading).toEqual({
      status: 'unavailable',
      reason: 'the preview read did not complete (no complete answer within 300 ms)',
    });
  });

  it('refuses a host off the allowlist and an agent without a credential', async () => {
    const offList = { destinations: { payments: 'http://localhost:1' }, credentials: {} };
    expect(await readToolPreview(proposal('ch_1'), tool, offList, 2000)).toEqual({
      status: 'unavailable',
      reason: 'host localhost is not on the allowlist of payments.refund',
    });
    const noCredential = { destinations: { payments: 'http://127.0.0.1:1' }, credentials: {} };
    expect(await readToolPreview(proposal('ch_1'), tool, noCredential, 2000)).toEqual({
      status: 'unavailable',
      reason: 'no credential is provisioned for agent-1 on payments.refund',
    });
  });
});
