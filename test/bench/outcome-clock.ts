import { performance } from 'node:perf_hooks';
import type { Consumer, Kafka } from 'kafkajs';
import { topicName } from '@airlock/messaging';
import { sleep } from './open-loop';

export interface ObservedOutcome {
  at: number;
  outcome: string;
}

/**
 * Notes when each proposal's terminal outcome reaches a client reading airlock.proposals.outcomes,
 * as the waiting agent would see it. The harness's EventWatcher keeps events but not their arrival
 * time, which is what latency is. Second outcomes for one proposal are counted: invariant 2 says none.
 */
export class OutcomeClock {
  readonly outcomes = new Map<string, ObservedOutcome>();
  duplicates = 0;
  onOutcome: (proposalId: string, at: number) => void = () => undefined;
  private readonly consumer: Consumer;

  constructor(
    kafka: Kafka,
    private readonly namespace: string,
  ) {
    // Named in the stack's namespace, so the stack's clean-up deletes the group with the rest.
    this.consumer = kafka.consumer({ groupId: `${namespace}.bench-outcomes` });
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    const joined = new Promise<void>((resolve) =>
      this.consumer.on(this.consumer.events.GROUP_JOIN, () => resolve()),
    );
    await this.consumer.subscribe({ topics: [topicName('outcomes', this.namespace)], fromBeginning: true });
    await this.consumer.run({
      partitionsConsumedConcurrently: 3,
      eachMessage: async ({ message }) => {
        const at = performance.now();
        const data = outcomeData(message.value);
        if (data === undefined) return;
        if (this.outcomes.has(data.proposalId)) {
          this.duplicates += 1;
          return;
        }
        this.outcomes.set(data.proposalId, { at, outcome: data.outcome });
        this.onOutcome(data.proposalId, at);
      },
    });
    await Promise.race([joined, sleep(30000)]);
  }

  async waitForAll(proposalIds: readonly string[], timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline && proposalIds.some((id) => !this.outcomes.has(id))) await sleep(50);
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}

function outcomeData(value: Buffer | null): { proposalId: string; outcome: string } | undefined {
  try {
    const event = JSON.parse(value?.toString('utf8') ?? 'null') as { data?: Record<string, unknown> };
    const proposalId = event.data?.['proposal_id'];
    const outcome = event.data?.['outcome'];
    return typeof proposalId === 'string' && typeof outcome === 'string'
      ? { proposalId, outcome }
      : undefined;
  } catch {
    return undefined;
  }
}
