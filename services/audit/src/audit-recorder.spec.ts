import 'reflect-metadata';
import fc from 'fast-check';
import { unstorableText, verifyChain, type ChainedAuditRow } from '@airlock/audit-record';
import { attestEvent } from '@airlock/attestation';
import { buildEnvelope, topicKeys, topics, type TopicKey } from '@airlock/contracts';
import type { RawKafkaMessage } from '@airlock/messaging';
import { JsonLogger } from '@airlock/service-runtime';
import { AuditEntryBuilder } from './audit-entry-builder';
import { AuditRecorder } from './audit-recorder';
import { AuditWriter } from './audit-writer';
import {
  attestedOutcome,
  generateGateKeys,
  InMemoryAuditStore,
  kafkaMessage,
  outcomeOf,
  submission,
  type GateKeys,
} from './audit-test-fixtures';

let gateKeys: GateKeys;

beforeAll(async () => {
  gateKeys = await generateGateKeys();
});

function recorderWith(store: InMemoryAuditStore, logLines: string[] = []): AuditRecorder {
  const builder = new AuditEntryBuilder(gateKeys.keyring, (tool) =>
    tool === 'tickets.create' ? ['email'] : [],
  );
  return new AuditRecorder(
    builder,
    new AuditWriter(store, { maxDelayMs: 1 }),
    new JsonLogger('audit', (line) => logLines.push(line)),
  );
}

describe('AuditRecorder', () => {
  it('consumes every topic of the topic table', () => {
    expect([...recorderWith(new InMemoryAuditStore()).topics].sort()).toEqual([...topicKeys].sort());
  });

  it('records a gate event whose attestation verifies as verified, with its gate and trace id', async () => {
    const store = new InMemoryAuditStore();
    const outcome = await attestedOutcome(gateKeys, 'run-1', 'p-1');
    await recorderWith(store).handleBatch('outcomes', [kafkaMessage('airlock.proposals.outcomes', outcome)]);
    expect(store.events).toEqual([
      expect.objectContaining({
        event_id: outcome.id,
        attested_by: 'executor',
        attestation: 'verified',
        attestation_error: '',
        trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
      }),
    ]);
  });

  it('records a forged gate event as a row marked invalid, so the attempt stays visible', async () => {
    const store = new InMemoryAuditStore();
    const genuine = await attestedOutcome(gateKeys, 'run-1', 'p-1');
    const forged = { ...genuine, data: { ...genuine.data, outcome: 'failed' as const } };
    const unsigned = buildEnvelope(
      'outcomes',
      'airlock/executor',
      { runId: 'run-1' },
      outcomeOf('run-1', 'p-2'),
    );
    await recorderWith(store).handleBatch('outcomes', [
      kafkaMessage('airlock.proposals.outcomes', forged),
      kafkaMessage('airlock.proposals.outcomes', unsigned),
    ]);
    expect(store.events.map((row) => [row.attestation, row.attested_by, row.attestation_error])).toEqual([
      ['invalid', '', 'the event differs from what its gate attested'],
      ['missing', '', 'the event carries no attestation'],
    ]);
  });

  it("records an agent's submission as agent-signed", async () => {
    const store = new InMemoryAuditStore();
    await recorderWith(store).handleBatch('proposals', [
      kafkaMessage('agent.proposals', submission('run-1', 's-1')),
    ]);
    expect(store.events).toEqual([expect.objectContaining({ attestation: 'agent_signed', attested_by: '' })]);
  });

  it('quarantines what cannot become a row, with its raw bytes, and records the rest of the batch', async () => {
    const store = new InMemoryAuditStore();
    const logLines: string[] = [];
    const notJson: RawKafkaMessage = {
      ...kafkaMessage('agent.proposals', submission('run-1', 'x'), '7'),
      value: Buffer.from('{oops'),
    };
    const farFuture = kafkaMessage(
      'agent.proposals',
      { ...submission('run-1', 's-9'), time: '9999-12-31T23:59:59Z' },
      '8',
    );
    const fine = kafkaMessage('agent.proposals', submission('run-1', 's-1'), '9');
    await recorderWith(store, logLines).handleBatch('proposals', [notJson, farFuture, fine]);
    expect(store.quarantine.map((row) => [row.kafka_offset, row.reason_code])).toEqual([
      ['7', 'malformed_envelope'],
      ['8', 'unrepresentable_time'],
    ]);
    expect(Buffer.from(store.quarantine[0].raw_value_base64, 'base64').toString()).toBe('{oops');
    expect(store.events.map((row) => row.event_id)).toEqual(['s-1']);
    expect(logLines.filter((line) => line.includes('quarantined'))).toHaveLength(2);
  });

  it('never throws, whatever a batch holds, and writes only storable rows with intact chains', async () => {
    const valid = await attestedOutcome(gateKeys, 'run-1', 'p-1');
    const hostileText = fc.oneof(
      fc.string(),
      fc.string16bits(),
      fc.constantFrom('\u0000', '\ud800', '0001-01-01T00:00:00Z'),
    );
    const mutatedEnvelope = fc
      .tuple(fc.constantFrom(...Object.keys(valid)), fc.oneof(hostileText, fc.anything()))
      .map(([key, value]) => JSON.stringify({ ...valid, [key]: value }));
    const value = fc.oneof(
      fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
      fc.anything().map((anything) => Buffer.from(JSON.stringify(anything) ?? 'undefined')),
      mutatedEnvelope.map((json) => Buffer.from(json)),
      fc.constant(null),
    );
    const message = fc.record({
      key: fc.oneof(fc.constant('run-1'), hostileText, fc.constant(null)),
      value,
      headers: fc.oneof(
        fc.constant({}),
        fc.record({ traceparent: fc.oneof(hostileText, fc.constant(Buffer.from([0xff]))) }),
      ),
    });
    const topic = fc.constantFrom<TopicKey>(...topicKeys);
    await fc.assert(
      fc.asyncProperty(topic, fc.array(message, { minLength: 1, maxLength: 8 }), async (key, batch) => {
        const store = new InMemoryAuditStore();
        const messages = batch.map((fields, index) => ({
          topic: topics[key].name,
          partition: 0,
          offset: String(index),
          ...fields,
        }));
        await recorderWith(store).handleBatch(key, messages);
        expect(store.events.length + store.quarantine.length).toBeGreaterThan(0);
        for (const row of [...store.events, ...store.quarantine]) {
          for (const text of Object.values(row).flat()) {
            if (typeof text === 'string') expect(unstorableText(text)).toBeUndefined();
          }
        }
        const runs = new Set(store.events.map((row) => row.run_id));
        for (const run of runs) {
          const chain = JSON.parse(
            JSON.stringify(store.events.filter((row) => row.run_id === run)),
          ) as ChainedAuditRow[];
          expect(verifyChain(chain).ok).toBe(true);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('records a dead letter attested by the gate that wrote it as verified', async () => {
    const store = new InMemoryAuditStore();
    const recorder = recorderWith(store);
    const unsignedDlq = buildEnvelope(
      'dlq',
      'airlock/intake',
      { runId: 'run-1' },
      {
        source_topic: 'agent.proposals',
        partition: 0,
        offset: '1',
        consumer: 'intake',
        reason_code: 'malformed_envelope',
        error: 'x',
        raw_value: 'y',
      },
    );
    await recorder.handleBatch('dlq', [
      kafkaMessage('airlock.dlq', await attestEvent(gateKeys.keys.intake, 'intake', unsignedDlq)),
    ]);
    expect(store.events[0]).toMatchObject({ attestation: 'verified', attested_by: 'intake' });
  });
});
