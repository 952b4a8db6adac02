import { toAuditRow, verifyChain, type AuditRow } from '@airlock/audit-record';
import { ClickHouseRefusedError, ClickHouseUnavailableError } from '@airlock/clickhouse';
import { InfrastructureError } from '@airlock/contracts';
import { AuditWriter, type AuditEntry } from './audit-writer';
import { InMemoryAuditStore, submission } from './audit-test-fixtures';

function entryOf(runId: string, id: string): AuditEntry {
  const built = toAuditRow('agent.proposals', submission(runId, id), {
    traceId: '',
    attestation: { attested_by: '', attestation: 'agent_signed', attestation_error: '' },
    sensitiveFieldsOf: () => [],
  });
  if (!built.ok) throw new Error(built.reason);
  return {
    kind: 'event',
    row: built.row,
    source: {
      topic: 'agent.proposals',
      partition: 0,
      offset: String(id.charCodeAt(0)),
      key: runId,
      value: Buffer.from(id),
    },
  };
}

const eventIds = (rows: readonly AuditRow[]) => rows.map((row) => row.event_id);

describe('AuditWriter', () => {
  it('puts the rows of concurrent calls in one insert', async () => {
    const store = new InMemoryAuditStore();
    const writer = new AuditWriter(store, { maxDelayMs: 20 });
    await Promise.all([
      writer.record([entryOf('r1', 'a'), entryOf('r1', 'b')]),
      writer.record([entryOf('r2', 'c')]),
    ]);
    expect(store.eventInserts).toEqual([3]);
  });

  it('flushes as soon as a batch is full, without waiting for the delay', async () => {
    const store = new InMemoryAuditStore();
    const writer = new AuditWriter(store, { maxBatchRows: 2, maxDelayMs: 60_000 });
    await writer.record([entryOf('r1', 'a'), entryOf('r1', 'b')]);
    expect(store.eventInserts).toEqual([2]);
  });

  it('rejects with a retriable error when ClickHouse is away, and the retry stores each event once in an intact chain', async () => {
    const store = new InMemoryAuditStore();
    const writer = new AuditWriter(store, { maxDelayMs: 1 });
    await writer.record([entryOf('r1', 'a')]);
    // The insert lands but its answer is lost: the consumer retries the whole batch.
    store.failNext = { kind: 'events', error: new ClickHouseUnavailableError('timeout'), landed: true };
    const batch = [entryOf('r1', 'b'), entryOf('r1', 'c')];
    await expect(writer.record(batch)).rejects.toBeInstanceOf(InfrastructureError);
    await writer.record(batch);
    expect(eventIds(store.events)).toEqual(['a', 'b', 'c']);
    expect(verifyChain(store.events)).toEqual({ ok: true, length: 3 });
  });

  it('stores the same event twice in one batch once', async () => {
    const store = new InMemoryAuditStore();
    await new AuditWriter(store, { maxDelayMs: 1 }).record([entryOf('r1', 'a'), entryOf('r1', 'a')]);
    expect(eventIds(store.events)).toEqual(['a']);
  });

  it('quarantines a row ClickHouse refuses and chains the next row of its run to the last one stored', async () => {
    const store = new InMemoryAuditStore();
    const writer = new AuditWriter(store, { maxDelayMs: 1 });
    const refusal = new ClickHouseRefusedError(400, 27, 'ClickHouse refused (400): Cannot parse input');
    store.failNext = { kind: 'events', error: refusal, landed: false };
    const original = store.insertEvents.bind(store);
    // After the batch is refused, the row 'b' alone is refused again; 'a' and 'c' go in.
    store.insertEvents = async (rows) => {
      if (rows.length === 1 && rows[0].event_id === 'b') throw refusal;
      return original(rows);
    };
    const report = await writer.record([entryOf('r1', 'a'), entryOf('r1', 'b'), entryOf('r1', 'c')]);
    expect(eventIds(store.events)).toEqual(['a', 'c']);
    expect(verifyChain(store.events)).toEqual({ ok: true, length: 2 });
    expect(store.quarantine).toEqual([
      expect.objectContaining({
        raw_value_base64: Buffer.from('b').toString('base64'),
        reason_code: 'refused_by_clickhouse',
        reason: expect.stringContaining('Cannot parse input'),
      }),
    ]);
    expect(report.refused).toEqual(store.quarantine);
  });

  it('waits (retriable) rather than lose a message when the quarantine itself refuses it', async () => {
    const store = new InMemoryAuditStore();
    store.failNext = {
      kind: 'quarantine',
      error: new ClickHouseRefusedError(500, 1, 'broken'),
      landed: false,
    };
    const quarantined: AuditEntry = {
      kind: 'quarantine',
      row: {
        received_at: '2024-05-01 00:00:00',
        topic: 'agent.proposals',
        kafka_partition: 0,
        kafka_offset: '1',
        kafka_key: '',
        reason_code: 'malformed_envelope',
        reason: 'x',
        raw_value_base64: '',
        raw_value_sha256: '',
      },
    };
    await expect(new AuditWriter(store, { maxDelayMs: 1 }).record([quarantined])).rejects.toMatchObject({
      retriable: true,
      code: 'audit_store_failed',
    });
  });

  it('does not treat an event of another run with the same id as stored', async () => {
    const store = new InMemoryAuditStore();
    const writer = new AuditWriter(store, { maxDelayMs: 1 });
    await writer.record([entryOf('r1', 'a')]);
    await writer.record([{ ...entryOf('r2', 'a') }]);
    expect(store.events.map((row) => [row.run_id, row.seq])).toEqual([
      ['r1', 1],
      ['r2', 1],
    ]);
  });
});
