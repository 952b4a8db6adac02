import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import {
  topicName,
  type Envelope,
  type Proposal,
  type RunTicket,
  type TopicKey,
  type UsageReport,
} from '@airlock/contracts';
import type { SigningKey } from '@airlock/attestation';
import {
  newTraceparent,
  proposalEnvelope,
  runCloseEnvelope,
  signedRunTicket,
  usageEnvelope,
  type RunFactsToSign,
} from '@airlock/sdk';
import { waitUntil } from './wait-until';

export function testKafka(brokers: string): Kafka {
  return new Kafka({
    clientId: `airlock-test-${randomUUID().slice(0, 8)}`,
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
  });
}

/**
 * What a launcher does when it starts an agent for a user: open the run by signing its ticket, and
 * close it on airlock.runs when the user's task is over. The SDK signs; this keeps a test's tickets
 * per run and agent, and shares the stack's producer.
 */
export class TestLauncher {
  private readonly tickets = new Map<string, string>();

  constructor(
    readonly launcherId: string,
    private readonly key: SigningKey,
    private readonly producer?: Producer,
    private readonly namespace = '',
  ) {}

  /** The ticket of a run, opened on first use for an hour, on behalf of user u-1 of team support. */
  ticketFor(runId: string, agentId: string): string {
    return this.tickets.get(`${runId}\u0000${agentId}`) ?? this.openRun(runId, agentId);
  }

  /** Opens a run for the agent, with `facts` over the defaults; its proposals carry this ticket. */
  openRun(runId: string, agentId: string, facts: Partial<RunTicket> = {}, seconds = 3600): string {
    const ticket = this.open(
      { run_id: runId, agent_id: agentId, user_id: 'u-1', team: 'support', ...facts },
      seconds,
    );
    this.tickets.set(`${runId}\u0000${agentId}`, ticket);
    return ticket;
  }

  open(facts: RunFactsToSign, seconds = 3600, now = new Date()): string {
    return signedRunTicket(this.launcherId, this.key, facts, seconds, now);
  }

  async close(runId: string, agentId: string, reason: string): Promise<Envelope<'runs'>> {
    if (this.producer === undefined) throw new Error('this launcher has no producer to close runs with');
    const envelope = runCloseEnvelope(this.launcherId, this.key, {
      runId,
      reason,
      ticket: this.ticketFor(runId, agentId),
    });
    await this.producer.send({
      topic: topicName('runs', this.namespace),
      messages: [{ key: runId, value: JSON.stringify(envelope) }],
    });
    return envelope;
  }
}

/**
 * What an agent does from its own code: sign a proposal with its key and publish it. Given a
 * launcher, each proposal carries its run's ticket, as an agent started by that launcher would.
 * Unlike the SDK's agent it lets tests send what no honest agent would (foreign keys, reused ids,
 * raw bytes), and leaves waiting for answers to the EventWatcher.
 */
export class TestAgent {
  constructor(
    private readonly producer: Producer,
    private readonly namespace: string,
    readonly agentId: string,
    private readonly key: SigningKey,
    readonly launcher?: TestLauncher,
  ) {}

  /** `overrides` may set `run_ticket`, or remove it with `run_ticket: undefined`. */
  proposal(
    runId: string,
    tool: string,
    args: Record<string, unknown>,
    overrides: Partial<Proposal> = {},
  ): Proposal {
    const ticket = this.launcher?.ticketFor(runId, this.agentId);
    const proposal: Proposal = {
      proposal_id: `p-${randomUUID()}`,
      run_id: runId,
      agent_id: this.agentId,
      tool,
      arguments: args,
      issued_at: new Date().toISOString(),
      ...(ticket === undefined ? {} : { run_ticket: ticket }),
      ...overrides,
    };
    if ('run_ticket' in overrides && overrides.run_ticket === undefined) delete proposal.run_ticket;
    return proposal;
  }

  /** A fresh CloudEvent id each time: submitting a proposal again is a new submission (a replay). */
  async signedEnvelope(proposal: Proposal, key: SigningKey = this.key): Promise<Envelope<'proposals'>> {
    return proposalEnvelope(proposal, key, { id: randomUUID(), time: new Date() });
  }

  async submit(proposal: Proposal, key?: SigningKey): Promise<Envelope<'proposals'>> {
    const envelope = await this.signedEnvelope(proposal, key);
    await this.sendEnvelope(envelope);
    return envelope;
  }

  /** Like an instrumented agent, each submission starts its own trace, which Airlock continues. */
  async sendEnvelope(envelope: Envelope<'proposals'>): Promise<void> {
    await this.sendRaw(envelope.runid, JSON.stringify(envelope), 'proposals', {
      traceparent: newTraceparent(),
    });
  }

  /** Reports the inference a model call of the run consumed, signed like its proposals. */
  async reportUsage(
    runId: string,
    usage: Pick<UsageReport, 'model' | 'input_tokens' | 'output_tokens'> & { usage_id?: string },
  ): Promise<Envelope<'usage'>> {
    const ticket = this.launcher?.ticketFor(runId, this.agentId);
    const report: UsageReport = {
      usage_id: `u-${randomUUID()}`,
      run_id: runId,
      agent_id: this.agentId,
      reported_at: new Date().toISOString(),
      ...(ticket === undefined ? {} : { run_ticket: ticket }),
      ...usage,
    };
    const envelope = usageEnvelope(report, this.key);
    await this.sendRaw(runId, JSON.stringify(envelope), 'usage');
    return envelope;
  }

  async sendRaw(
    key: string,
    value: string | Buffer,
    topic: TopicKey = 'proposals',
    headers: Record<string, string> = {},
  ): Promise<void> {
    await this.producer.send({
      topic: topicName(topic, this.namespace),
      messages: [{ key, value, headers }],
    });
  }
}

export interface SeenEvent {
  topic: TopicKey;
  envelope: Envelope<TopicKey> & { data: Record<string, unknown> };
  headers: Record<string, string>;
}

/** An event of this proposal: its payload or its envelope names it. */
function aboutProposal(proposalId: string): (event: SeenEvent) => boolean {
  return (event) =>
    event.envelope.data['proposal_id'] === proposalId || event.envelope.proposalid === proposalId;
}

/** Reads Airlock's output topics from the beginning and lets tests wait for what they expect. */
export class EventWatcher {
  readonly seen: SeenEvent[] = [];
  private consumer: Consumer | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly namespace: string,
    private readonly watched: TopicKey[],
  ) {}

  async start(): Promise<void> {
    const byName = new Map(this.watched.map((key) => [topicName(key, this.namespace), key]));
    this.consumer = this.kafka.consumer({ groupId: `watcher-${randomUUID()}` });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [...byName.keys()], fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ topic, message }) => {
        const headers = Object.fromEntries(
          Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)]),
        );
        // Tests write hostile bytes to these topics too; the watcher keeps only what is an event.
        const envelope = parsedObject(message.value);
        if (envelope !== undefined)
          this.seen.push({ topic: byName.get(topic) as TopicKey, envelope, headers });
      },
    });
  }

  events(topic: TopicKey, predicate: (event: SeenEvent) => boolean = () => true): SeenEvent[] {
    return this.seen.filter((event) => event.topic === topic && predicate(event));
  }

  forProposal(topic: TopicKey, proposalId: string): SeenEvent[] {
    return this.events(topic, aboutProposal(proposalId));
  }

  /**
   * The events as a consumer counts them (docs/protocol.md): by envelope id. A gate that re-emits
   * after a redelivery or a rebalance repeats its event under the same id, so two messages with
   * one id are one event, and two ids are two events.
   */
  distinctEvents(topic: TopicKey, predicate: (event: SeenEvent) => boolean = () => true): SeenEvent[] {
    const byId = new Map(this.events(topic, predicate).map((event) => [event.envelope.id, event]));
    return [...byId.values()];
  }

  /** The proposal's outcomes, counted by envelope id. */
  outcomesOf(proposalId: string): SeenEvent[] {
    return this.distinctEvents('outcomes', aboutProposal(proposalId));
  }

  async waitFor(
    topic: TopicKey,
    predicate: (event: SeenEvent) => boolean,
    timeoutMs = 30000,
  ): Promise<SeenEvent> {
    return waitUntil(
      () => this.events(topic, predicate)[0],
      timeoutMs,
      () => `no ${topic} event matched (saw ${this.events(topic).length} ${topic} events)`,
    );
  }

  async waitForOutcome(proposalId: string, timeoutMs = 30000): Promise<SeenEvent> {
    return this.waitFor('outcomes', (event) => event.envelope.data['proposal_id'] === proposalId, timeoutMs);
  }

  /** The proposal's terminal outcome and reason code, as `outcome/reason_code`: what tests compare. */
  async waitForVerdict(proposalId: string, timeoutMs = 30000): Promise<string> {
    const { data } = (await this.waitForOutcome(proposalId, timeoutMs)).envelope;
    return `${String(data['outcome'])}/${String(data['reason_code'])}`;
  }

  /** For submissions that never became a proposal (unreadable, oversized): their run still gets an answer. */
  async waitForRunOutcome(runId: string, timeoutMs = 30000): Promise<Record<string, unknown>> {
    return (await this.waitFor('outcomes', (event) => event.envelope.data['run_id'] === runId, timeoutMs))
      .envelope.data;
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}

function parsedObject(value: Buffer | null): SeenEvent['envelope'] | undefined {
  try {
    const parsed: unknown = JSON.parse(value?.toString('utf8') ?? 'null');
    const isEvent =
      typeof parsed === 'object' &&
      parsed !== null &&
      typeof (parsed as { data?: unknown }).data === 'object';
    return isEvent ? (parsed as SeenEvent['envelope']) : undefined;
  } catch {
    return undefined;
  }
}
