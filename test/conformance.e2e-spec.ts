import {
  createHash,
  createPrivateKey,
  createPublicKey,
  randomBytes,
  randomUUID,
  sign,
  verify,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import { localInfra, useAirlockStack, waitUntil } from '@airlock/testing';

/*
 * A foreign client, written from docs/protocol.md with nothing but node:crypto and kafkajs: up to
 * the harness below, nothing comes from the project's libraries. If this suite fails while the
 * others pass, the protocol changed, and docs/protocol.md must say how.
 */

type Jwk = { kid: string } & Record<string, string>;
type Json = null | boolean | number | string | Json[] | { [key: string]: Json | undefined };
interface Received {
  event: { id: string; proposalid?: string; attestation?: string; data: Record<string, Json> };
  traceparent: string | undefined;
}

/** Canonical JSON: members sorted by key, no whitespace. */
function canonical(value: Json | undefined): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value)
      .filter((key) => value[key] !== undefined)
      .sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const base64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

function compactJws(typ: string, jwk: Jwk, payload: Json): string {
  const input = `${base64url(JSON.stringify({ alg: 'EdDSA', kid: jwk.kid, typ }))}.${base64url(canonical(payload))}`;
  const signature = sign(null, Buffer.from(input, 'ascii'), createPrivateKey({ key: jwk, format: 'jwk' }));
  return `${input}.${signature.toString('base64url')}`;
}

/** An agent that its launcher starts: the launcher's key opens runs, the agent's key signs proposals. */
class ForeignAgent {
  private readonly producer: Producer;
  private readonly consumer: Consumer;
  private readonly received: Received[] = [];
  private readonly tickets = new Map<string, string>();

  constructor(
    private readonly kafka: Kafka,
    /** `<namespace>.` of the stack under test; '' against a stack without a namespace. */
    private readonly topicPrefix: string,
    private readonly agentKey: Jwk,
    private readonly launcherKey: Jwk,
  ) {
    this.producer = kafka.producer();
    this.consumer = kafka.consumer({ groupId: `foreign-agent-${randomUUID()}` });
  }

  async connect(): Promise<void> {
    await this.producer.connect();
    await this.consumer.connect();
    await this.consumer.subscribe({
      topics: [`${this.topicPrefix}airlock.proposals.outcomes`],
      fromBeginning: true,
    });
    await this.consumer.run({
      eachMessage: async ({ message }) => {
        this.received.push({
          event: JSON.parse(message.value?.toString('utf8') ?? 'null'),
          traceparent: message.headers?.['traceparent']?.toString('utf8'),
        });
      },
    });
  }

  async disconnect(): Promise<void> {
    await this.consumer.disconnect();
    await this.producer.disconnect();
  }

  /** What the launcher does: a ticket for this agent's run, valid for half an hour. */
  openRun(runId: string): string {
    const now = Date.now();
    const ticket = compactJws('airlock-run+jws', this.launcherKey, {
      run_id: runId,
      agent_id: 'support-triage',
      launcher_id: 'support-desk',
      user_id: 'u-1',
      team: 'support',
      issued_at: new Date(now).toISOString(),
      expires_at: new Date(now + 1_800_000).toISOString(),
    });
    this.tickets.set(runId, ticket);
    return ticket;
  }

  async propose(
    runId: string,
    tool: string,
    args: { [key: string]: Json },
    issuedAt = new Date(),
  ): Promise<{ proposalId: string; submissionId: string; traceId: string }> {
    const proposal = {
      proposal_id: `p-${randomUUID()}`,
      run_id: runId,
      agent_id: 'support-triage',
      tool,
      arguments: args,
      issued_at: issuedAt.toISOString(),
      run_ticket: this.tickets.get(runId),
    };
    const envelope = {
      specversion: '1.0',
      id: randomUUID(),
      source: 'agent/support-triage',
      type: 'airlock.proposal.submitted',
      time: new Date().toISOString(),
      datacontenttype: 'application/json',
      runid: runId,
      proposalid: proposal.proposal_id,
      agentid: proposal.agent_id,
      data: { jws: compactJws('airlock-proposal+jws', this.agentKey, proposal) },
    };
    const traceId = randomBytes(16).toString('hex');
    await this.producer.send({
      topic: `${this.topicPrefix}agent.proposals`,
      messages: [
        {
          key: runId,
          value: JSON.stringify(envelope),
          headers: { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
        },
      ],
    });
    return { proposalId: proposal.proposal_id, submissionId: envelope.id, traceId };
  }

  /** Answers so far that match: a proposal's outcomes by proposal id, a rejection by submission id. */
  answers(match: { proposalId: string } | { submissionId: string }): Received[] {
    return this.received.filter(({ event }) =>
      'proposalId' in match
        ? event.data['proposal_id'] === match.proposalId
        : event.data['submission_id'] === match.submissionId,
    );
  }
}

/** An Airlock event is trusted only when a gate's published key signed the hash of exactly this event. */
function attestingGate(event: Received['event'], jwks: { keys: Jwk[] }): string | undefined {
  const [header, payload, signature] = (event.attestation ?? '').split('.');
  if (header === undefined || payload === undefined || signature === undefined) return undefined;
  const { alg, kid, typ } = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
  const key = jwks.keys.find((candidate) => candidate.kid === kid);
  if (alg !== 'EdDSA' || typ !== 'airlock-event+jws' || key === undefined) return undefined;
  const signed = verify(
    null,
    Buffer.from(`${header}.${payload}`, 'ascii'),
    createPublicKey({ key, format: 'jwk' }),
    Buffer.from(signature, 'base64url'),
  );
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  const { attestation: _attestation, ...content } = event;
  const hash = createHash('sha256')
    .update(canonical(content as Json), 'utf8')
    .digest('hex');
  return signed && claims.gate === key['airlock_gate'] && claims.event_hash === hash
    ? claims.gate
    : undefined;
}

/* The harness starts the stack and hands the client what an operator would: brokers, key files. */

describe('a client that knows only docs/protocol.md', () => {
  const airlock = useAirlockStack();
  let agent: ForeignAgent;

  beforeAll(async () => {
    const { stack } = airlock;
    const keyOf = (path: string | undefined) => JSON.parse(readFileSync(path ?? '', 'utf8')) as Jwk;
    agent = new ForeignAgent(
      new Kafka({
        clientId: 'foreign-agent',
        brokers: localInfra.kafkaBrokers.split(','),
        logLevel: logLevel.NOTHING,
      }),
      `${stack.namespace}.`,
      keyOf(stack.paths.agentKeyFiles['support-triage']),
      keyOf(stack.paths.launcherKeyFiles['support-desk']),
    );
    await agent.connect();
  });

  afterAll(() => agent?.disconnect());

  it('opens a run with its launcher key, proposes, and reads one attested outcome by proposal id, in its own trace', async () => {
    const runId = `run-${randomUUID()}`;
    agent.openRun(runId);
    const sent = await agent.propose(runId, 'tickets.create', { title: 'Printer on fire', priority: 'high' });

    const [answer] = await waitUntil(
      () => (agent.answers(sent).length > 0 ? agent.answers(sent) : undefined),
      30_000,
      () => `no outcome for ${sent.proposalId}`,
    );
    expect(answer?.event.data).toMatchObject({
      proposal_id: sent.proposalId,
      run_id: runId,
      outcome: 'executed',
      reason_code: 'tool_call_succeeded',
    });
    expect(answer?.event.proposalid).toBe(sent.proposalId);
    expect(answer?.traceparent).toMatch(new RegExp(`^00-${sent.traceId}-[0-9a-f]{16}-0[01]$`));
    const jwks = (await (await fetch(`${airlock.stack.approvalUrl}/.well-known/jwks.json`)).json()) as {
      keys: Jwk[];
    };
    expect(answer && attestingGate(answer.event, jwks)).toBe('executor');
  });

  it('matches a rejection by its submission id, which names no proposal', async () => {
    const runId = `run-${randomUUID()}`;
    agent.openRun(runId);
    const tenMinutesAgo = new Date(Date.now() - 600_000);
    const sent = await agent.propose(
      runId,
      'tickets.create',
      { title: 'Stale', priority: 'low' },
      tenMinutesAgo,
    );

    const [answer] = await waitUntil(
      () => {
        const found = agent.answers({ submissionId: sent.submissionId });
        return found.length > 0 ? found : undefined;
      },
      30_000,
      () => `no answer to submission ${sent.submissionId}`,
    );
    expect(answer?.event.data).toMatchObject({
      submission_id: sent.submissionId,
      proposal_id: '',
      agent_id: 'support-triage',
      outcome: 'rejected',
      reason_code: 'issued_at_too_old',
    });
    expect(agent.answers({ proposalId: sent.proposalId })).toEqual([]);
  });
});
