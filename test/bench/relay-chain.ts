import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Kafka, Partitioners, logLevel, type Consumer, type Producer } from 'kafkajs';
import { repoRoot } from '@airlock/testing';
import { sleep } from './open-loop';

export const valueBytes = 1024;
export const partitions = 3;

/**
 * A raw-Kafka pipeline of `hops` topics: the bench produces to the first, `hops - 1` relay
 * processes carry each message to the next, and a consumer in the bench reads the last. One hop is
 * B_hop (producer → topic → consumer); five hops mirror Airlock's allow path, agent → intake →
 * policy → budget → executor → the waiting client. Send and receive times are both taken in this
 * process, so latencies need no clock shared across processes.
 */
export class RelayChain {
  readonly sentAt = new Map<string, number>();
  readonly receivedAt = new Map<string, number>();
  private readonly relays: ChildProcess[] = [];
  private readonly producer: Producer;
  private readonly sink: Consumer;
  private readonly topics: string[];

  private constructor(
    private readonly kafka: Kafka,
    readonly name: string,
    hops: number,
  ) {
    this.topics = Array.from({ length: hops }, (_, index) => `${name}.t${index}`);
    this.producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    this.sink = kafka.consumer({ groupId: `${name}.sink` });
  }

  static async start(brokers: string, label: string, hops: number): Promise<RelayChain> {
    const kafka = new Kafka({
      clientId: `bench-${label}`,
      brokers: brokers.split(','),
      logLevel: logLevel.NOTHING,
    });
    const name = `bench_${label}_${Date.now().toString(36)}_${randomBytes(2).toString('hex')}`;
    const chain = new RelayChain(kafka, name, hops);
    await chain.boot(brokers);
    return chain;
  }

  get relayPids(): number[] {
    return this.relays.flatMap((relay) => (relay.pid === undefined ? [] : [relay.pid]));
  }

  /** Sends one 1 KB JSON value keyed by its id, acks=all, and notes when. */
  async send(id: string): Promise<void> {
    const value = paddedValue(id);
    this.sentAt.set(id, performance.now());
    await this.producer.send({ topic: this.topics[0] as string, acks: -1, messages: [{ key: id, value }] });
  }

  /** Waits until every id has arrived at the end of the chain, or the time is up. */
  async waitForAll(ids: readonly string[], timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline && ids.some((id) => !this.receivedAt.has(id))) await sleep(20);
  }

  async stop(): Promise<void> {
    await this.sink.disconnect().catch(() => undefined);
    await this.producer.disconnect().catch(() => undefined);
    await Promise.all(this.relays.map((relay) => stopRelay(relay)));
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      await admin.deleteTopics({ topics: this.topics, timeout: 10000 }).catch(() => undefined);
      const groups = [`${this.name}.sink`, ...this.relays.map((_, hop) => `${this.name}.relay${hop}`)];
      await admin.deleteGroups(groups).catch(() => undefined);
    } finally {
      await admin.disconnect();
    }
  }

  private async boot(brokers: string): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: this.topics.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })),
      });
    } finally {
      await admin.disconnect();
    }
    for (let hop = 0; hop + 1 < this.topics.length; hop += 1) {
      this.relays.push(
        spawnRelay(
          brokers,
          this.topics[hop] as string,
          this.topics[hop + 1] as string,
          `${this.name}.relay${hop}`,
        ),
      );
    }
    await Promise.all(this.relays.map((relay) => waitForReady(relay, 60000)));
    await this.producer.connect();
    await this.sink.connect();
    const joined = new Promise<void>((resolve) => this.sink.on(this.sink.events.GROUP_JOIN, () => resolve()));
    await this.sink.subscribe({
      topics: [this.topics[this.topics.length - 1] as string],
      fromBeginning: true,
    });
    await this.sink.run({
      partitionsConsumedConcurrently: partitions,
      eachMessage: async ({ message }) => {
        const id = message.key?.toString('utf8');
        if (id !== undefined && !this.receivedAt.has(id)) this.receivedAt.set(id, performance.now());
      },
    });
    await Promise.race([joined, sleep(30000)]);
    // The first messages through a fresh chain pay for metadata lookups and JIT; keep them out of the figures.
    const warmUp = Array.from({ length: 30 }, (_, index) => `warm-${index}`);
    for (const id of warmUp) await this.send(id);
    await this.waitForAll(warmUp, 30000);
    if (warmUp.some((id) => !this.receivedAt.has(id)))
      throw new Error(`the ${this.name} chain did not carry its warm-up messages within 30 s`);
  }
}

/** A JSON value of exactly `valueBytes` bytes that names its id. */
function paddedValue(id: string): string {
  const bare = JSON.stringify({ id, pad: '' });
  return JSON.stringify({ id, pad: 'x'.repeat(Math.max(0, valueBytes - Buffer.byteLength(bare))) });
}

function spawnRelay(brokers: string, from: string, to: string, group: string): ChildProcess {
  return spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', join(__dirname, 'relay-process.ts'), brokers, from, to, group],
    {
      cwd: repoRoot,
      env: { ...process.env, TS_NODE_PROJECT: join(repoRoot, 'tsconfig.json') },
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
}

async function waitForReady(relay: ChildProcess, timeoutMs: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`a relay was not ready within ${timeoutMs} ms`)),
      timeoutMs,
    );
    let seen = '';
    relay.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString('utf8');
      if (seen.includes('relay ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    relay.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`a relay exited with code ${code} before it was ready`));
    });
  });
}

/** Closing stdin asks the relay to leave its group cleanly; SIGKILL after a bounded wait. */
async function stopRelay(relay: ChildProcess): Promise<void> {
  if (relay.exitCode !== null || relay.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => relay.once('exit', () => resolve()));
  relay.stdin?.end();
  const timer = setTimeout(() => relay.kill('SIGKILL'), 10000);
  await exited;
  clearTimeout(timer);
}
