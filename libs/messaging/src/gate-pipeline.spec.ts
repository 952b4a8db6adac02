import fc from 'fast-check';
import { attestEvent, generateGateKeys, type ServiceKeyring, type SigningKey } from '@airlock/attestation';
import {
  InfrastructureError,
  outcomeEnvelope,
  PoisonMessageError,
  type ProposalOutcome,
} from '@airlock/contracts';
import { emission, EventPublisher, type OutgoingMessage } from './event-publisher';
import { GatePipeline, gateRoute, type GateRoute } from './gate-pipeline';
import type { RawKafkaMessage } from './incoming-event';
import { BatchInterruptedError } from './topic-batch-handler';

/** Records what would go to Kafka instead of sending it; preparing (checks, attestation) is real. */
class RecordingPublisher extends EventPublisher {
  readonly sent: OutgoingMessage[] = [];
  override async send(messages: readonly OutgoingMessage[]): Promise<void> {
    this.sent.push(...messages);
  }
}

const silent = { event: () => undefined };

function outcome(overrides: Partial<ProposalOutcome> = {}): ProposalOutcome {
  return {
    proposal_id: 'p-1',
    run_id: 'run-1',
    outcome: 'failed',
    reason_code: 'tool_unreachable',
    reason: 'refused',
    decided_by: 'executor',
    ...overrides,
  };
}

function message(
  value: Buffer | string | null,
  offset: number,
  key: string | null = 'run-1',
): RawKafkaMessage {
  return {
    topic: 'airlock.proposals.outcomes',
    partition: 0,
    offset: String(offset),
    key,
    value: value === null ? null : Buffer.from(value),
    headers: {},
  };
}

describe('GatePipeline', () => {
  let executorKey: SigningKey;
  let budgetKey: SigningKey;
  let keyring: ServiceKeyring;

  beforeAll(async () => {
    const generated = await generateGateKeys();
    ({ keyring } = generated);
    executorKey = generated.keys.executor;
    budgetKey = generated.keys.budget;
  });

  function pipeline(
    handle: (data: ProposalOutcome) => Promise<void>,
    afterPublished?: (decided: readonly ProposalOutcome[]) => Promise<void>,
    attestedBy: GateRoute<'outcomes'>['attestedBy'] = ['executor'],
  ) {
    const publisher = new RecordingPublisher(
      { brokers: ['127.0.0.1:1'], service: 'budget', namespace: '' },
      { gate: 'budget', signingKey: budgetKey },
    );
    const gate = new GatePipeline({
      gate: 'budget',
      publisher,
      keyring,
      logger: silent,
      routes: [
        gateRoute({
          topic: 'outcomes',
          attestedBy,
          handle: async (envelope) => {
            await handle(envelope.data);
            return [emission('outcomes', outcomeEnvelope({ ...envelope.data, proposal_id: 'p-echo' }))];
          },
          afterPublished: async (envelopes) => afterPublished?.(envelopes.map((envelope) => envelope.data)),
        }),
      ],
    });
    return { gate, publisher };
  }

  const sentTypes = (publisher: RecordingPublisher) =>
    publisher.sent.map((sent) => (JSON.parse(sent.value) as { type: string }).type);

  it('acts on an event attested by a gate allowed to emit it, and attests what it emits', async () => {
    const { gate, publisher } = pipeline(async () => undefined);
    const attested = await attestEvent(executorKey, 'executor', outcomeEnvelope(outcome()));
    await gate.handleBatch('outcomes', [message(JSON.stringify(attested), 0)]);
    expect(sentTypes(publisher)).toEqual(['airlock.proposal.outcome']);
    expect(JSON.parse(publisher.sent[0].value)).toHaveProperty('attestation');
  });

  it('dead-letters an unattested event and one attested by the wrong gate, without acting on them', async () => {
    const handled: string[] = [];
    const { gate, publisher } = pipeline(async (data) => void handled.push(data.proposal_id));
    const byBudget = await attestEvent(budgetKey, 'budget', outcomeEnvelope(outcome()));
    await gate.handleBatch('outcomes', [
      message(JSON.stringify(outcomeEnvelope(outcome())), 0),
      message(JSON.stringify(byBudget), 1),
    ]);
    expect(handled).toEqual([]);
    const letters = publisher.sent.map((sent) => JSON.parse(sent.value).data.reason_code);
    expect(letters).toEqual(['missing_attestation', 'invalid_attestation']);
  });

  it('asks each event for the gate it must be attested by, when the route says so', async () => {
    const handled: string[] = [];
    const { gate, publisher } = pipeline(
      async (data) => void handled.push(data.proposal_id),
      undefined,
      (envelope) => [envelope.data.decided_by],
    );
    // Budget may attest what budget decided, but not an outcome that says the executor decided it.
    const own = await attestEvent(
      budgetKey,
      'budget',
      outcomeEnvelope(outcome({ proposal_id: 'p-own', decided_by: 'budget' })),
    );
    const posing = await attestEvent(
      budgetKey,
      'budget',
      outcomeEnvelope(outcome({ proposal_id: 'p-posing' })),
    );
    await gate.handleBatch('outcomes', [message(JSON.stringify(own), 0), message(JSON.stringify(posing), 1)]);
    expect(handled).toEqual(['p-own']);
    expect(publisher.sent.map((sent) => JSON.parse(sent.value).data.reason_code)).toContain(
      'invalid_attestation',
    );
  });

  it('dead-letters a message whose handling is poison and goes on with the next one', async () => {
    const { gate, publisher } = pipeline(async (data) => {
      if (data.proposal_id === 'p-poison') throw new PoisonMessageError('store_refused', 'no NUL here');
    });
    const poison = await attestEvent(
      executorKey,
      'executor',
      outcomeEnvelope(outcome({ proposal_id: 'p-poison' })),
    );
    const fine = await attestEvent(executorKey, 'executor', outcomeEnvelope(outcome()));
    await gate.handleBatch('outcomes', [
      message(JSON.stringify(poison), 0),
      message(JSON.stringify(fine), 1),
    ]);
    expect(sentTypes(publisher)).toEqual(['airlock.dlq.dead_letter', 'airlock.proposal.outcome']);
    expect(JSON.parse(publisher.sent[0].value).data.reason_code).toBe('store_refused');
  });

  it('stops at a dependency failure, reporting how many messages were finished and published', async () => {
    const { gate, publisher } = pipeline(async (data) => {
      if (data.proposal_id === 'p-away') throw new InfrastructureError('postgres_unavailable', 'away');
    });
    const first = await attestEvent(executorKey, 'executor', outcomeEnvelope(outcome()));
    const away = await attestEvent(
      executorKey,
      'executor',
      outcomeEnvelope(outcome({ proposal_id: 'p-away' })),
    );
    const failure = await gate
      .handleBatch('outcomes', [
        message(JSON.stringify(first), 0),
        message(JSON.stringify(away), 1),
        message('x', 2),
      ])
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(BatchInterruptedError);
    expect((failure as BatchInterruptedError).handled).toBe(1);
    expect(sentTypes(publisher)).toEqual(['airlock.proposal.outcome']);
  });

  it('runs the afterPublished hook once per window, after the send, for the events the gate decided on', async () => {
    const calls: { proposalIds: string[]; sentBefore: number }[] = [];
    const { gate, publisher } = pipeline(
      async (data) => {
        if (data.proposal_id === 'p-away') throw new InfrastructureError('postgres_unavailable', 'away');
      },
      async (decided) =>
        void calls.push({
          proposalIds: decided.map((data) => data.proposal_id),
          sentBefore: publisher.sent.length,
        }),
    );
    const attested = async (proposalId: string, runId = 'run-1') =>
      JSON.stringify(
        await attestEvent(
          executorKey,
          'executor',
          outcomeEnvelope(outcome({ proposal_id: proposalId, run_id: runId })),
        ),
      );
    await gate.handleBatch('outcomes', [
      message(await attested('p-1'), 0),
      message('not json', 1),
      message(await attested('p-2', 'run-2'), 2, 'run-2'),
    ]);
    // The dead letter of the unreadable message went out too, but the gate did not decide on it.
    expect(calls).toEqual([{ proposalIds: ['p-1', 'p-2'], sentBefore: 3 }]);

    calls.length = 0;
    await gate
      .handleBatch('outcomes', [message(await attested('p-3'), 0), message(await attested('p-away'), 1)])
      .catch(() => undefined);
    expect(calls.map((call) => call.proposalIds)).toEqual([['p-3']]);
  });

  it('handles runs side by side but commits only the prefix before a run that is waiting', async () => {
    const { gate, publisher } = pipeline(async (data) => {
      if (data.run_id === 'run-b') throw new InfrastructureError('postgres_unavailable', 'away');
    });
    const inRun = async (runId: string, proposalId: string) =>
      JSON.stringify(
        await attestEvent(
          executorKey,
          'executor',
          outcomeEnvelope(outcome({ run_id: runId, proposal_id: proposalId })),
        ),
      );
    const failure = await gate
      .handleBatch('outcomes', [
        message(await inRun('run-a', 'p-a1'), 0, 'run-a'),
        message(await inRun('run-b', 'p-b1'), 1, 'run-b'),
        message(await inRun('run-a', 'p-a2'), 2, 'run-a'),
      ])
      .catch((error: unknown) => error);
    expect((failure as BatchInterruptedError).handled).toBe(1);
    expect(publisher.sent.map((sent) => JSON.parse(sent.value).runid)).toEqual(['run-a']);
  });

  it('ends every message of any byte sequence in exactly one dead letter or one decision, and never throws', async () => {
    const valid = JSON.stringify(await attestEvent(executorKey, 'executor', outcomeEnvelope(outcome())));
    const values = fc.oneof(
      fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.json({ maxDepth: 4 }),
      fc.nat({ max: valid.length - 1 }).map((cut) => valid.slice(0, cut)),
      fc
        .tuple(fc.nat({ max: valid.length - 1 }), fc.string({ unit: 'binary', maxLength: 3 }))
        .map(([at, text]) => valid.slice(0, at) + text + valid.slice(at + 1)),
      fc.constant(valid),
    );
    const runs = Number(process.env['AIRLOCK_PROPERTY_RUNS'] ?? 300);
    await fc.assert(
      fc.asyncProperty(fc.array(values, { minLength: 1, maxLength: 5 }), async (batch) => {
        const { gate, publisher } = pipeline(async () => undefined);
        await gate.handleBatch(
          'outcomes',
          batch.map((value, index) => message(value, index)),
        );
        expect(publisher.sent).toHaveLength(batch.length);
      }),
      { numRuns: runs },
    );
  });

  it('builds a dead letter of an oversized, key-stuffed message far below the broker limit', async () => {
    const { gate, publisher } = pipeline(async () => undefined);
    const stuffed = JSON.stringify(
      Object.fromEntries(Array.from({ length: 20000 }, (_, index) => [`unknown_key_${index}`, index])),
    );
    await gate.handleBatch('outcomes', [message(stuffed, 0)]);
    expect(publisher.sent).toHaveLength(1);
    expect(publisher.sent[0].value.length).toBeLessThan(200 * 1024);
  });
});
