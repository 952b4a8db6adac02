import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, homedir, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { ClickHouseHttp } from '@airlock/clickhouse';
import { localInfra, repoRoot } from '@airlock/testing';

/** Where deploy/local keeps downloads, data and pid files (AIRLOCK_HOME, as lib.sh defines it). */
export const airlockHome = process.env['AIRLOCK_HOME'] ?? join(homedir(), '.cache', 'airlock');

export interface InfraPidFiles {
  kafka: string;
  clickhouse: string;
}

export const infraPidFiles: InfraPidFiles = {
  kafka: join(airlockHome, 'run', 'kafka.pid'),
  clickhouse: join(airlockHome, 'run', 'clickhouse.pid'),
};

export interface MachineInfo {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  kernel: string;
  node: string;
  kafka: string;
  clickhouse: string;
  gitCommit: string;
}

/** What the figures came from: they mean little without the machine and the versions. */
export async function describeMachine(): Promise<MachineInfo> {
  const processors = cpus();
  return {
    cores: processors.length,
    cpuModel: processors[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: release(),
    node: process.version,
    kafka: kafkaVersion(),
    clickhouse: await clickhouseVersion(),
    gitCommit: spawnSync('git', ['rev-parse', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).stdout.trim(),
  };
}

/** deploy/local/kafka.sh stamps the version it installed in a marker file next to the jars. */
function kafkaVersion(): string {
  const kafkaDir = join(airlockHome, 'kafka');
  try {
    for (const entry of readdirSync(kafkaDir)) {
      const marker = join(kafkaDir, entry, 'libs', '.airlock-installed');
      try {
        const stamp = /kafka=(\S+)/.exec(readFileSync(marker, 'utf8'));
        if (stamp?.[1]) return stamp[1];
      } catch {
        // Not a version directory.
      }
    }
  } catch {
    // No local install: Kafka was joined from elsewhere.
  }
  return 'unknown';
}

async function clickhouseVersion(): Promise<string> {
  try {
    const rows = await new ClickHouseHttp(localInfra.clickhouseUrl).select<{ v: string }>(
      'SELECT version() AS v',
    );
    return rows[0]?.v ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
