import { performance } from 'node:perf_hooks';
import type { Consumer, Kafka } from 'kafkajs';
import type { TopicKey } from '@airlock/contracts';
import { topicName } from '@airlock/messaging';
import { summarize, type LatencySummary } from './latency-stats';
import { sleep } from './open-loop';

/** The topics of the allow path in order; each gate's hop ends when it produces to the next. */
const pathTopics: TopicKey[] = ['proposals', 'accepted', 'policyDecisions', 'budgetReservations', 'outcomes'];

/** Hop i runs from the record on pathTopics[i] to the record on pathTopics[i + 1]; the last to the client. */
export const hopNames = ['intake', 'policy', 'budget', 'executor', 'outcome → client'] as const;
export type HopName = (typeof hopNames)[number];

export type HopBreakdown = Record<HopName, LatencySummary | undefined>;

/**
 * Where a proposal's time goes, hop by hop: kafkajs stamps each record with the producer's wall
 * clock when it is sent (CreateTime), so the gap between a proposal's record on one topic and on
 * the next is the gate's hop: Kafka delivery to the gate plus everything the gate does before it
 * sends on. All processes share this machine's clock; the resolution is 1 ms.
 */
export class HopTimeline {
  private readonly stamps = new Map<string, number[]>();
  private readonly consumer: Consumer;
  private readonly indexByTopic: Map<string, number>;

  constructor(
    kafka: Kafka,
    private readonly namespace: string,
  ) {
    this.consumer = kafka.consumer({ groupId: `${namespace}.bench-hop-timeline` });
    this.indexByTopic = new Map(pathTopics.map((key, index) => [topicName(key, namespace), index]));
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    const joined = new Promise<void>((resolve) =>
      this.consumer.on(this.consumer.events.GROUP_JOIN, () => resolve()),
    );
    await this.consumer.subscribe({ topics: [...this.indexByTopic.keys()], fromBeginning: true });
    await this.consumer.run({
      partitionsConsumedConcurrently: 3,
      eachMessage: async ({ topic, message }) => {
        // A regular expression, not JSON.parse: the bench process should spend its CPU on the load.
        const proposalId = /"proposalid":"([^"]+)"/.exec(message.value?.toString('utf8') ?? '')?.[1];
        const index = this.indexByTopic.get(topic);
        if (proposalId === undefined || index === undefined) return;
        const stamps = this.stamps.get(proposalId) ?? [];
        stamps[index] ??= Number(message.timestamp);
        this.stamps.set(proposalId, stamps);
      },
    });
    await Promise.race([joined, sleep(30000)]);
  }

  /**
   * Per-hop summaries over the given proposals; `outcomeAt` gives when the client saw each
   * outcome (performance.now() of this process), the end of the last hop.
   */
  breakdown(
    proposalIds: readonly string[],
    outcomeAt: (proposalId: string) => number | undefined,
  ): HopBreakdown {
    const hops = hopNames.map(() => [] as number[]);
    for (const id of proposalIds) {
      const stamps = this.stamps.get(id) ?? [];
      const seen = outcomeAt(id);
      const ends = [...stamps.slice(1), seen === undefined ? undefined : performance.timeOrigin + seen];
      ends.forEach((end, hop) => {
        const start = stamps[hop];
        if (start !== undefined && end !== undefined) hops[hop]?.push(end - start);
      });
    }
    return Object.fromEntries(
      hopNames.map((name, hop) => [name, summarize(hops[hop] ?? [])]),
    ) as HopBreakdown;
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}
