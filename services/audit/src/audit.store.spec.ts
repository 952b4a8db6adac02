import 'reflect-metadata';
import { chainRow, verifyChain } from '@airlock/audit-record';
import { AuditReader } from '@airlock/audit-reading';
import { attestEvent } from '@airlock/attestation';
import { buildEnvelope, outcomeEnvelope, type ActionExecuted } from '@airlock/contracts';
import type { RawKafkaMessage } from '@airlock/messaging';
import { JsonLogger } from '@airlock/service-runtime';
import { AuditEntryBuilder } from './audit-entry-builder';
import { AuditRecorder } from './audit-recorder';
import { AuditWriter } from './audit-writer';
import { AuditStore } from './audit.store';
import {
  attestedOutcome,
  ClickHouseTestDatabase,
  generateGateKeys,
  kafkaMessage,
  outcomeOf,
  submission,
  type GateKeys,
} from './audit-test-fixtures';
import { migrateAuditDatabase } from './clickhouse-migrations';

/**
 * Store tests: the recorder, writer and store against the real local ClickHouse (18.16 here), each
 * suite in a database of its own that is dropped afterwards. Every wait is bounded by the client's
 * 10 s timeout and the writer's 5 ms batching delay.
 */
jest.setTimeout(60_000);

const outcomesTopic = 'airlock.proposals.outcomes';

let gateKeys: GateKeys;

beforeAll(async () => {
  gateKeys = await generateGateKeys();
});

async function openAudit(database: ClickHouseTestDatabase) {
  await database.requireServer();
  await migrateAuditDatabase(database.client, database.name);
  const store = new AuditStore(database.client, database.name);
  const reader = new AuditReader(database.client, database.name);
  const recorder = new AuditRecorder(
    new AuditEntryBuilder(gateKeys.keyring, () => []),
    new AuditWriter(store, { maxDelayMs: 5 }),
    new JsonLogger('audit', () => undefined),
  );
  return { store, reader, recorder, client: database.client, name: database.name };
}

describe('audit against the real ClickHouse', () => {
  const database = new ClickHouseTestDatabase();
  let audit: Awaited<ReturnType<typeof openAudit>>;

  beforeAll(async () => {
    audit = await openAudit(database);
  });

  afterAll(async () => {
    await database.drop();
  });

  it('reads the heads of many runs in one query, and none for a run without rows', async () => {
    const outcomes = await Promise.all(
      ['run-head-a', 'run-head-b'].map((runId) => attestedOutcome(gateKeys, runId, `p-${runId}`)),
    );
    await audit.recorder.handleBatch(
      'outcomes',
      outcomes.map((outcome) => kafkaMessage(outcomesTopic, outcome)),
    );
    const heads = await audit.store.lastLinks(['run-head-a', 'run-head-b', 'run-head-none']);
    const stored = await audit.reader.loadRun('run-head-a');
    expect([...heads.keys()].sort()).toEqual(['run-head-a', 'run-head-b']);
    expect(heads.get('run-head-a')).toEqual({ seq: 1, hash: stored[0]?.hash });
  });

  it('stores two events with the same id on different topics, both in the chain', async () => {
    const outcome = await attestedOutcome(gateKeys, 'run-same-id', 'p-1');
    // The agent publishes first, reusing the id the gate's event will have (ids are predictable).
    await audit.recorder.handleBatch('proposals', [
      kafkaMessage('agent.proposals', submission('run-same-id', outcome.id)),
    ]);
    await audit.recorder.handleBatch('outcomes', [kafkaMessage(outcomesTopic, outcome)]);

    const rows = await audit.reader.loadRun('run-same-id');
    expect(rows.map((row) => [row.seq, row.topic, row.event_id, row.attestation])).toEqual([
      [1, 'agent.proposals', outcome.id, 'agent_signed'],
      [2, outcomesTopic, outcome.id, 'verified'],
    ]);
    expect(verifyChain(rows)).toEqual({ ok: true, length: 2 });
  });

  it('keeps a verified event when an unverified copy of its id on its own topic came first', async () => {
    const genuine = await attestedOutcome(gateKeys, 'run-preempted', 'p-1');
    const { attestation: _dropped, ...copy } = {
      ...genuine,
      data: { ...genuine.data, outcome: 'failed' as const },
    };
    await audit.recorder.handleBatch('outcomes', [kafkaMessage(outcomesTopic, copy)]);
    await audit.recorder.handleBatch('outcomes', [kafkaMessage(outcomesTopic, genuine)]);

    const rows = await audit.reader.loadRun('run-preempted');
    expect(rows.map((row) => [row.outcome, row.attestation])).toEqual([
      ['failed', 'missing'],
      ['executed', 'verified'],
    ]);
    expect(verifyChain(rows).ok).toBe(true);
  });

  it('stores a redelivered event once, whether redelivered in the same batch or a later one', async () => {
    const outcome = await attestedOutcome(gateKeys, 'run-redelivered', 'p-1');
    const message = kafkaMessage(outcomesTopic, outcome);
    await audit.recorder.handleBatch('outcomes', [message, message]);
    await audit.recorder.handleBatch('outcomes', [message]);

    // Without FINAL: the writer did not insert the copies at all, rather than leaving them to merges.
    const [{ rows }] = await audit.client.select<{ rows: number }>(
      `SELECT count() AS rows FROM ${audit.name}.events WHERE run_id = 'run-redelivered'`,
    );
    expect(rows).toBe(1);
    expect(verifyChain(await audit.reader.loadRun('run-redelivered'))).toEqual({ ok: true, length: 1 });
  });

  it("reads back a run's team, which the hash covers, so a launcher-opened run verifies", async () => {
    const row = chainRow(undefined, {
      event_id: 'e-team',
      event_type: 'airlock.proposal.accepted',
      topic: 'airlock.proposals.accepted',
      event_time: '2026-11-25 10:00:00',
      run_id: 'run-team',
      proposal_id: 'p-1',
      agent_id: 'support-triage',
      tool: 'tickets.create',
      team: 'support',
      decision: 'accepted',
      outcome: '',
      reason_code: '',
      reasons: [],
      policy_ids: [],
      bundle_hash: '',
      cost_usd: 0,
      trace_id: '',
      payload: '{}',
      attested_by: 'intake',
      attestation: 'verified',
      attestation_error: '',
    });
    await audit.store.insertEvents([row]);
    const rows = await audit.reader.loadRun('run-team');
    expect(rows[0]?.team).toBe('support');
    expect(verifyChain(rows)).toEqual({ ok: true, length: 1 });
  });

  it('quarantines an unparseable message with its raw bytes and counts it per day, topic and reason', async () => {
    const broken: RawKafkaMessage = {
      ...kafkaMessage('agent.proposals', submission('run-broken', 's-1')),
      value: Buffer.from('{"specversion":'),
    };
    await audit.recorder.handleBatch('proposals', [broken]);

    const [row] = await audit.reader.quarantinedForRun('run-broken');
    expect(row).toMatchObject({ topic: 'agent.proposals', reason_code: 'malformed_envelope' });
    const [raw] = await audit.client.select<{ raw_value_base64: string }>(
      `SELECT raw_value_base64 FROM ${audit.name}.quarantine WHERE kafka_key = 'run-broken'`,
    );
    expect(Buffer.from(raw.raw_value_base64, 'base64').toString()).toBe('{"specversion":');
    const counts = await audit.client.select<{ topic: string; reason_code: string; messages: number }>(
      `SELECT topic, reason_code, messages FROM ${audit.name}.quarantine_counts WHERE reason_code = 'malformed_envelope'`,
    );
    expect(counts).toEqual([{ topic: 'agent.proposals', reason_code: 'malformed_envelope', messages: 1 }]);
  });

  it('counts only verified events in the production-gate views', async () => {
    const day = new Date('2031-03-03T10:00:00Z');
    const identity = { runId: 'run-views', proposalId: 'p-1', agentId: 'agent-views' };
    const outcome = { ...outcomeOf('run-views', 'p-1'), agent_id: 'agent-views' };
    const action: ActionExecuted = {
      proposal_id: 'p-1',
      run_id: 'run-views',
      agent_id: 'agent-views',
      tool: 'tickets.create',
      idempotency_key: 'k-1',
      status_code: 201,
      cost_usd: 0.5,
      bundle_hash: 'b'.repeat(64),
    };
    const executor = gateKeys.keys.executor;
    const genuineOutcome = await attestEvent(executor, 'executor', outcomeEnvelope(outcome, day));
    const genuineAction = await attestEvent(
      executor,
      'executor',
      buildEnvelope('actionsExecuted', 'executor', identity, action, day),
    );
    // Forgeries: an outcome with no attestation, an action signed by a gate that does not execute.
    const forgedOutcome = outcomeEnvelope({ ...outcome, proposal_id: 'p-2', outcome: 'failed' }, day);
    const forgedAction = await attestEvent(
      gateKeys.keys.budget,
      'budget',
      buildEnvelope(
        'actionsExecuted',
        'executor',
        { ...identity, proposalId: 'p-2' },
        { ...action, proposal_id: 'p-2', cost_usd: 100 },
        day,
      ),
    );
    const untraced = (message: RawKafkaMessage): RawKafkaMessage => ({ ...message, headers: {} });
    await audit.recorder.handleBatch('outcomes', [
      kafkaMessage(outcomesTopic, genuineOutcome),
      untraced(kafkaMessage(outcomesTopic, forgedOutcome)),
    ]);
    await audit.recorder.handleBatch('actionsExecuted', [
      kafkaMessage('airlock.actions.executed', genuineAction),
      untraced(kafkaMessage('airlock.actions.executed', forgedAction)),
    ]);

    expect((await audit.reader.loadRun('run-views')).map((row) => row.attestation).sort()).toEqual([
      'invalid',
      'missing',
      'verified',
      'verified',
    ]);
    await expect(
      audit.client.select(
        `SELECT proposals, executed, critical_errors FROM ${audit.name}.outcome_rates WHERE agent_id = 'agent-views'`,
      ),
    ).resolves.toEqual([{ proposals: 1, executed: 1, critical_errors: 0 }]);
    await expect(
      audit.client.select(
        `SELECT executed, total_cost_usd FROM ${audit.name}.cost_per_success WHERE agent_id = 'agent-views'`,
      ),
    ).resolves.toEqual([{ executed: 1, total_cost_usd: 0.5 }]);
    await expect(
      audit.client.select(
        `SELECT events, traced_events FROM ${audit.name}.trace_coverage WHERE day = '2031-03-03'`,
      ),
    ).resolves.toEqual([{ events: 2, traced_events: 2 }]);
  });
});

describe('a row ClickHouse refuses', () => {
  const database = new ClickHouseTestDatabase();

  afterAll(async () => {
    await database.drop();
  });

  it('lands in quarantine, and the rest of its batch is stored with an intact chain', async () => {
    const audit = await openAudit(database);
    // This database knows one tool only, so ClickHouse itself refuses a row naming another.
    await audit.client.execute(
      `ALTER TABLE ${audit.name}.events MODIFY COLUMN tool Enum8('' = 0, 'tickets.create' = 1)`,
    );
    const outcomeFor = async (proposalId: string, tool: string) =>
      attestEvent(
        gateKeys.keys.executor,
        'executor',
        outcomeEnvelope({ ...outcomeOf('run-refused', proposalId), tool }),
      );
    const messages = [
      kafkaMessage(outcomesTopic, await outcomeFor('p-1', 'tickets.create')),
      kafkaMessage(outcomesTopic, await outcomeFor('p-2', 'tickets.delete')),
      kafkaMessage(outcomesTopic, await outcomeFor('p-3', 'tickets.create')),
    ];
    await audit.recorder.handleBatch('outcomes', messages);

    const rows = await audit.reader.loadRun('run-refused');
    expect(rows.map((row) => [row.seq, row.proposal_id])).toEqual([
      [1, 'p-1'],
      [2, 'p-3'],
    ]);
    expect(verifyChain(rows)).toEqual({ ok: true, length: 2 });
    const quarantined = await audit.client.select<{
      reason_code: string;
      kafka_offset: string;
      raw_value_base64: string;
    }>(`SELECT reason_code, kafka_offset, raw_value_base64 FROM ${audit.name}.quarantine FINAL`);
    expect(quarantined).toEqual([
      {
        reason_code: 'refused_by_clickhouse',
        kafka_offset: messages[1].offset,
        raw_value_base64: (messages[1].value as Buffer).toString('base64'),
      },
    ]);
  });
});
