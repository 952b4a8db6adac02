// A stand-in for the downstream APIs the tools call (helpdesk, payments, mailer) during local
// development. Answers 201 to everything and logs one JSON line per request; never logs tokens.
import { createServer } from 'node:http';

const port = Number(process.env['AIRLOCK_STAND_IN_PORT'] ?? 7400);
let count = 0;

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

const server = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    count += 1;
    process.stdout.write(
      `${JSON.stringify({
        time: new Date().toISOString(),
        msg: 'stand-in request',
        method: request.method,
        path: request.url,
        run_id: header(request.headers['x-airlock-run-id']),
        proposal_id: header(request.headers['x-airlock-proposal-id']),
        idempotency_key: header(request.headers['idempotency-key']),
        authorization_present: typeof request.headers['authorization'] === 'string',
      })}\n`,
    );
    response.writeHead(201, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ id: `obj_${count}`, received: true }));
  });
});

server.listen(port, '127.0.0.1', () => {
  process.stdout.write(
    `${JSON.stringify({ msg: 'service ready', service: 'stand-in-api', url: `http://127.0.0.1:${port}` })}\n`,
  );
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  });
}
