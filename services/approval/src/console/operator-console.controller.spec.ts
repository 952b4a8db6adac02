import 'reflect-metadata';
import type { AuditReader } from '@airlock/audit-reading';
import { loadBundle } from '@airlock/bundle';
import { ClickHouseUnavailableError } from '@airlock/clickhouse';
import { JsonLogger } from '@airlock/service-runtime';
import { join } from 'node:path';
import type { UnknownOutcomes } from '../unknown-outcomes';
import type { ConsoleResponse } from './console-http';
import type { ConsoleSessionsStore } from './console-sessions.store';
import { OperatorConsoleController } from './operator-console.controller';

/** A response that remembers what the controller sent. */
function recordingResponse() {
  const sent: { status?: number; body?: string; redirect?: string; headers: Record<string, unknown> } = {
    headers: {},
  };
  const res: ConsoleResponse = {
    status(code) {
      sent.status = code;
      return res;
    },
    setHeader(name, value) {
      sent.headers[name] = value;
    },
    send(body) {
      sent.body = body;
    },
    json(body) {
      sent.body = JSON.stringify(body);
    },
    redirect(status, url) {
      sent.status = status;
      sent.redirect = url;
    },
  };
  return { res, sent };
}

const bundle = loadBundle(join(__dirname, '../../../../deploy/bundle'));
const signedIn = { find: async () => ({ accountId: 'olivia', role: 'operator', csrf: 'c' }) };
const request = { headers: { cookie: 'airlock_console=session-1' } };

function controllerWith(audit: Partial<AuditReader>) {
  return new OperatorConsoleController(
    audit as AuditReader,
    bundle,
    {} as UnknownOutcomes,
    signedIn as unknown as ConsoleSessionsStore,
    new JsonLogger('approval', () => undefined),
  );
}

describe('the operator console when ClickHouse is away', () => {
  const away = async () => {
    throw new ClickHouseUnavailableError('ClickHouse cannot answer now (connection refused)');
  };

  it('answers the runs, a run and the gates with 503 and a page that says so', async () => {
    const controller = controllerWith({
      recentRuns: away,
      loadRun: away,
      quarantinedForRun: away,
      gateDays: away,
      gateBreakdown: away,
      spendSince: away,
    });
    const pages = [
      (res: ConsoleResponse) => controller.runs(request, {}, res),
      (res: ConsoleResponse) => controller.run(request, 'run-1', res),
      (res: ConsoleResponse) => controller.gates(request, {}, res),
    ];
    for (const render of pages) {
      const { res, sent } = recordingResponse();
      await render(res);
      expect(sent.status).toBe(503);
      expect(sent.body).toContain('id="audit-unavailable"');
      expect(sent.body).toContain('connection refused');
      expect(sent.headers['Cache-Control']).toBe('no-store');
    }
  });

  it('lets any other failure surface as an error, not as a page that blames ClickHouse', async () => {
    const controller = controllerWith({
      recentRuns: async () => {
        throw new TypeError('a bug');
      },
    });
    await expect(controller.runs(request, {}, recordingResponse().res)).rejects.toThrow('a bug');
  });
});

describe('the gates page', () => {
  it('reads the days asked for, 1 to 90, and 14 for anything else', async () => {
    const asked: number[] = [];
    const controller = controllerWith({
      gateDays: async (query) => {
        asked.push(query.days);
        return [];
      },
      gateBreakdown: async () => [],
      spendSince: async () => [],
    });
    for (const days of ['7', '90', '91', '0', 'x', undefined]) {
      await controller.gates(request, days === undefined ? {} : { days }, recordingResponse().res);
    }
    expect(asked).toEqual([7, 90, 14, 14, 14, 14]);
  });
});
