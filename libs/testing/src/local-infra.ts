import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export const repoRoot = join(__dirname, '..', '..', '..');

/** Addresses of the local infrastructure, as deploy/local/env.sh defines them. */
export const localInfra = {
  kafkaBrokers: process.env['AIRLOCK_KAFKA_BROKERS'] ?? '127.0.0.1:19092',
  clickhouseUrl: process.env['AIRLOCK_CLICKHOUSE_URL'] ?? 'http://127.0.0.1:18123',
  postgresUrl: process.env['AIRLOCK_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/airlock',
};

function runStep(description: string, command: string, args: string[]): void {
  process.stdout.write(`[airlock] ${description}\n`);
  const result = spawnSync(command, args, { cwd: repoRoot, stdio: 'inherit' });
  if (result.status !== 0)
    throw new Error(`${description} failed (exit ${result.status}); see the output above`);
}

/** Starts PostgreSQL, Kafka and ClickHouse on 127.0.0.1, or joins them when they already run. */
export function ensureLocalInfra(): void {
  runStep('starting or joining PostgreSQL, Kafka and ClickHouse', 'bash', [
    join(repoRoot, 'deploy/local/infra.sh'),
    'up',
  ]);
}

/** Compiles the services once; the end-to-end tests run them as real processes from dist/. */
export function buildServices(): void {
  runStep('compiling the services', process.execPath, [
    join(repoRoot, 'node_modules/typescript/bin/tsc'),
    '-p',
    'tsconfig.build.json',
  ]);
}
