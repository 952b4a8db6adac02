import { createServer, type Server } from 'node:http';
import type { HealthReport } from '@airlock/messaging';

/**
 * GET /healthz on 127.0.0.1: 200 with the report while the service consumes and no partition waits
 * on a dependency, 503 with the report otherwise. Orchestrators and operators read the same answer.
 */
export async function serveHealth(port: number, report: () => HealthReport): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url !== '/healthz') {
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not_found"}');
      return;
    }
    const current = report();
    response
      .writeHead(current.healthy ? 200 : 503, { 'content-type': 'application/json' })
      .end(JSON.stringify(current));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return server;
}
