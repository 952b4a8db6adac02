import { execFile } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Producer } from 'kafkajs';
import { Client } from 'pg';
import { assembleLocalBundle, readSigningKey, readStringMap, type LocalBundlePaths } from '@airlock/bundle';
import { ClickHouseHttp } from '@airlock/clickhouse';
import { localInfra, repoRoot } from './local-infra';
import { ServiceProcess } from './service-process';
import { StandInApi } from './stand-in-api';
import { EventWatcher, TestAgent, TestLauncher, testKafka } from './kafka-test-clients';

export interface StackOptions {
  /** Changes a copy of the example bundle before the stack uses it, e.g. a shorter approval timeout. */
  editBundle?: (bundleDir: string) => void;
  /** The first part of the namespace name (default `e2e`); the bench uses `bench` so its stacks are recognisable. */
  namespacePrefix?: string;
  /**
   * Environment given to every service after the stack's own, e.g. the production defaults in place
   * of the short timeouts tests want. `{stand_in_url}` in a value becomes the stand-in's address.
   */
  env?: Record<string, string>;
  /**
   * Processes per gate (intake, policy, approval, budget, executor), default 1. Extra instances get
   * the same environment but their own health port (and approval its own HTTP port), and join the
   * same consumer group, so they split the topics' partitions. The audit always runs once.
   */
  instances?: number;
  /**
   * Also starts the MCP gateway over HTTP (as the submitter mcp-gateway), after the gates; off by
   * default, since only the MCP tests speak to it. `env` reaches it too.
   */
  mcpGateway?: boolean;
}

export const serviceNames = ['intake', 'policy', 'approval', 'budget', 'executor', 'audit'] as const;
export type ServiceName = (typeof serviceNames)[number];

/** The services `instances` scales; the audit stays one process (see StackOptions.instances). */
const scalableServices: readonly ServiceName[] = ['intake', 'policy', 'approval', 'budget', 'executor'];

/**
 * Ports for the services to listen on are drawn from below the kernel's ephemeral range (32768 and
 * up on Linux, 49152 and up elsewhere). A port the kernel hands out for port 0 is one every outgoing
 * connection (Kafka, PostgreSQL, ClickHouse clients) may also take, so between the probe and the
 * service's own bind a client could grab it and the service would fail with EADDRINUSE; below the
 * range only another listener can.
 */
const listenerPorts = { first: 20_000, count: 12_000 };

/**
 * Ports handed out by this process. A port is free when drawn but bound only when its service
 * starts, so a second draw of the same number before then would give two services one port.
 */
const handedOut = new Set<number>();

async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const port = listenerPorts.first + randomInt(listenerPorts.count);
    if (!handedOut.has(port) && (await canListen(port))) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('found no free port between 20000 and 32000 in 50 tries');
}

function canListen(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** What a run of the `airlock` command printed, and its exit status. */
export interface CliRun {
  status: number;
  stdout: string;
  stderr: string;
}

/**
 * All six services as real processes on the real local Kafka, PostgreSQL and ClickHouse, in a
 * namespace of their own (topics, consumer groups, schemas, database), with a stand-in downstream API.
 */
export class AirlockStack {
  readonly kafka = testKafka(localInfra.kafkaBrokers);
  readonly standIn = new StandInApi();
  readonly services = {} as Record<ServiceName, ServiceProcess>;
  readonly watcher: EventWatcher;
  readonly clickhouse: ClickHouseHttp;
  approvalUrl = '';
  /** The first budget process's operator API (what is left of each budget). */
  budgetUrl = '';
  readonly healthUrls = {} as Record<ServiceName, string>;
  /**
   * Every process of each service, the first being `services[name]`; more than one per gate when
   * the stack was started with `instances` > 1.
   */
  readonly instances = {} as Record<ServiceName, ServiceProcess[]>;
  /** Health URLs of every process, in the order of `instances`. */
  readonly instanceHealthUrls = {} as Record<ServiceName, string[]>;
  /** HTTP base URLs of every approval process (the first is `approvalUrl`). */
  readonly approvalUrls: string[] = [];
  /** The MCP gateway's endpoint (`http://127.0.0.1:<port>/mcp`) when started with `mcpGateway`. */
  mcpUrl = '';
  /** The MCP gateway's process, when started with `mcpGateway`. */
  mcpGateway: ServiceProcess | undefined;
  /**
   * What every service of the stack was started with (Kafka, namespace, bundle, secrets): what a
   * process the test starts itself, such as the stdio MCP gateway, needs to join the stack.
   */
  serviceEnv: Record<string, string> = {};
  private producer: Producer | undefined;

  private constructor(
    readonly namespace: string,
    readonly dir: string,
    readonly paths: LocalBundlePaths,
  ) {
    this.watcher = new EventWatcher(this.kafka, namespace, [
      'outcomes',
      'dlq',
      'actionsExecuted',
      'policyDecisions',
      'approvalDecisions',
      'budgetReservations',
      'usageAccounted',
      'control',
    ]);
    this.clickhouse = new ClickHouseHttp(localInfra.clickhouseUrl);
  }

  static async start(options: StackOptions = {}): Promise<AirlockStack> {
    const namespace = `${options.namespacePrefix ?? 'e2e'}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
    const dir = mkdtempSync(join(tmpdir(), `airlock-${namespace}-`));
    const sourceDir = join(dir, 'bundle-source');
    cpSync(join(repoRoot, 'deploy', 'bundle'), sourceDir, { recursive: true });
    options.editBundle?.(sourceDir);
    const paths = await assembleLocalBundle({
      sourceDir,
      outDir: join(dir, 'bundle'),
      secretsDir: join(dir, 'secrets'),
    });
    const stack = new AirlockStack(namespace, dir, paths);
    try {
      await stack.boot(options.env ?? {}, Math.max(1, Math.floor(options.instances ?? 1)));
      if (options.mcpGateway === true) await stack.startMcpGateway();
    } catch (error) {
      // A service that fails to start must not leave the others running: they would keep the test
      // process (and CI) from exiting.
      await stack.stop().catch(() => undefined);
      throw error;
    }
    return stack;
  }

  get database(): string {
    return `airlock_${this.namespace}`;
  }

  private async boot(extraEnv: Record<string, string>, instances: number): Promise<void> {
    const baseUrl = await this.standIn.start();
    writeFileSync(
      this.paths.destinationsFile,
      JSON.stringify({ helpdesk: baseUrl, payments: baseUrl, mailer: baseUrl }, null, 2),
    );
    const approvalPort = await freePort();
    this.approvalUrl = `http://127.0.0.1:${approvalPort}`;
    const budgetPort = await freePort();
    this.budgetUrl = `http://127.0.0.1:${budgetPort}`;
    const env = {
      AIRLOCK_KAFKA_BROKERS: localInfra.kafkaBrokers,
      AIRLOCK_CLICKHOUSE_URL: localInfra.clickhouseUrl,
      AIRLOCK_POSTGRES_URL: localInfra.postgresUrl,
      AIRLOCK_NAMESPACE: this.namespace,
      AIRLOCK_BUNDLE_DIR: this.paths.bundleDir,
      AIRLOCK_SECRETS_DIR: this.paths.secretsDir,
      AIRLOCK_APPROVAL_PORT: String(approvalPort),
      AIRLOCK_BUDGET_PORT: String(budgetPort),
      AIRLOCK_APPROVAL_SWEEP_MS: '500',
      AIRLOCK_TOOL_TIMEOUT_MS: '5000',
      // Short, so that a test holding a lock sees the gates wait, retry and recover within seconds.
      AIRLOCK_POSTGRES_STATEMENT_TIMEOUT_MS: '1500',
      ...Object.fromEntries(
        Object.entries(extraEnv).map(([name, value]) => [name, value.replaceAll('{stand_in_url}', baseUrl)]),
      ),
    };
    this.serviceEnv = env;
    mkdirSync(join(this.dir, 'logs'), { recursive: true });
    for (const name of serviceNames) {
      const healthPort = await freePort();
      this.healthUrls[name] = `http://127.0.0.1:${healthPort}/healthz`;
      const serviceEnv = { ...env, AIRLOCK_HEALTH_PORT: String(healthPort) };
      this.services[name] = new ServiceProcess(name, serviceEnv, join(this.dir, 'logs', `${name}.log`));
      this.instances[name] = [this.services[name]];
      this.instanceHealthUrls[name] = [this.healthUrls[name]];
    }
    this.approvalUrls.push(this.approvalUrl);
    await Promise.all(serviceNames.map((name) => this.services[name].start()));
    // Extra instances start after the first has run its migrations, so no two processes race on
    // CREATE TABLE IF NOT EXISTS (which PostgreSQL does not make safe under concurrency).
    const extras: ServiceProcess[] = [];
    for (let index = 1; index < instances; index += 1) {
      for (const name of scalableServices) {
        const healthPort = await freePort();
        const serviceEnv: Record<string, string> = { ...env, AIRLOCK_HEALTH_PORT: String(healthPort) };
        if (name === 'approval') {
          const port = await freePort();
          serviceEnv['AIRLOCK_APPROVAL_PORT'] = String(port);
          this.approvalUrls.push(`http://127.0.0.1:${port}`);
        }
        if (name === 'budget') serviceEnv['AIRLOCK_BUDGET_PORT'] = String(await freePort());
        const instance = new ServiceProcess(
          name,
          serviceEnv,
          join(this.dir, 'logs', `${name}-${index + 1}.log`),
        );
        this.instances[name].push(instance);
        this.instanceHealthUrls[name].push(`http://127.0.0.1:${healthPort}/healthz`);
        extras.push(instance);
      }
    }
    await Promise.all(extras.map((instance) => instance.start()));
    this.producer = this.kafka.producer();
    await this.producer.connect();
    await this.watcher.start();
  }

  private async startMcpGateway(): Promise<void> {
    const port = await freePort();
    this.mcpUrl = `http://127.0.0.1:${port}/mcp`;
    this.mcpGateway = new ServiceProcess(
      'mcp-gateway',
      { ...this.serviceEnv, AIRLOCK_MCP_PORT: String(port) },
      join(this.dir, 'logs', 'mcp-gateway.log'),
    );
    await this.mcpGateway.start();
  }

  /** The bearer token the agent's MCP client presents to the gateway (submitter mcp-gateway). */
  mcpToken(agentId = 'support-triage', submitterId = 'mcp-gateway'): string {
    const token = readStringMap(this.paths.submitterTokensFile, 'submitter tokens')[
      `${submitterId}/${agentId}`
    ];
    if (!token) throw new Error(`no token of submitter ${submitterId} for agent ${agentId}`);
    return token;
  }

  agent(agentId = 'support-triage'): TestAgent {
    if (!this.producer) throw new Error('stack is not started');
    const key = readSigningKey(this.paths.agentKeyFiles[agentId] ?? '');
    return new TestAgent(this.producer, this.namespace, agentId, key, this.launcher());
  }

  /** The example bundle's launcher (support-desk), which opens the runs of support-triage. */
  launcher(launcherId = 'support-desk'): TestLauncher {
    const key = readSigningKey(this.paths.launcherKeyFiles[launcherId] ?? '');
    return new TestLauncher(launcherId, key, this.producer, this.namespace);
  }

  approverToken(approverId: string): string {
    const token = readStringMap(this.paths.approverTokensFile, 'approver tokens')[approverId];
    if (!token) throw new Error(`no token for approver ${approverId}`);
    return token;
  }

  operatorToken(operatorId: string): string {
    const token = readStringMap(this.paths.operatorTokensFile, 'operator tokens')[operatorId];
    if (!token) throw new Error(`no token for operator ${operatorId}`);
    return token;
  }

  /**
   * Calls the approval service's HTTP API (or budget's) as a person would: with their bearer
   * token, if any, a JSON body, if any (then POST unless `method` says otherwise).
   */
  callApi(
    path: string,
    options: { token?: string; method?: string; body?: unknown; service?: 'approval' | 'budget' } = {},
  ): Promise<Response> {
    const base = options.service === 'budget' ? this.budgetUrl : this.approvalUrl;
    return fetch(`${base}${path}`, {
      method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
      headers: {
        ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
        'content-type': 'application/json',
      },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
  }

  /**
   * Runs the `airlock` command (bin/airlock.js) against this stack, with its URLs, namespace and
   * secrets; asynchronously, so that a test's Kafka watcher keeps consuming meanwhile.
   */
  runCli(args: readonly string[], env: Record<string, string> = {}): Promise<CliRun> {
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        [join(repoRoot, 'bin', 'airlock.js'), ...args],
        {
          cwd: repoRoot,
          encoding: 'utf8',
          env: {
            ...process.env,
            AIRLOCK_APPROVAL_URL: this.approvalUrl,
            AIRLOCK_BUDGET_URL: this.budgetUrl,
            AIRLOCK_SECRETS_DIR: this.paths.secretsDir,
            AIRLOCK_NAMESPACE: this.namespace,
            ...env,
          },
        },
        (error, stdout, stderr) =>
          resolve({ status: error === null ? 0 : Number(error.code), stdout, stderr }),
      );
    });
  }

  async stop(): Promise<void> {
    await this.mcpGateway?.stop();
    await this.watcher.stop();
    await this.producer?.disconnect();
    await Promise.all(
      serviceNames.flatMap((name) =>
        (this.instances[name] ?? [this.services[name]]).map((service) => service?.stop()),
      ),
    );
    await this.standIn.stop();
    await this.dropStores();
  }

  /** Test namespaces leave nothing behind in the shared PostgreSQL and ClickHouse. */
  private async dropStores(): Promise<void> {
    const client = new Client({ connectionString: localInfra.postgresUrl });
    await client.connect();
    try {
      for (const name of serviceNames)
        await client.query(`DROP SCHEMA IF EXISTS ${this.namespace}_${name} CASCADE`);
    } finally {
      await client.end();
    }
    await this.clickhouse.execute(`DROP DATABASE IF EXISTS ${this.database}`);
  }
}
