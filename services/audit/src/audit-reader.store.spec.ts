import 'reflect-metadata';
import { AuditReader } from '@airlock/audit-reading';
import { attestEvent } from '@airlock/attestation';
import {
  buildEnvelope,
  outcomeEnvelope,
  type ActionExecuted,
  type ProposalOutcome,
} from '@airlock/contracts';
import { JsonLogger } from '@airlock/service-runtime';
import { AuditEntryBuilder } from './audit-entry-builder';
import { AuditRecorder } from './audit-recorder';
import { AuditWriter } from './audit-writer';
import { AuditStore } from './audit.store';
import {
  ClickHouseTestDatabase,
  generateGateKeys,
  kafkaMessage,
  outcomeOf,
  type GateKeys,
} from './audit-test-fixtures';
import { migrateAuditDatabase } from './clickhouse-migrations';

/**
 * What the console and the CLI read of the record, against the real local ClickHouse: the gates per
 * day, agent and tool, the runs of the last days, and spend. A forged event moves no number.
 */
jest.setTimeout(60_000);

describe('AuditReader against the real ClickHouse', () => {
  const database = new ClickHouseTestDatabase();
  let gateKeys: GateKeys;
  let reader: AuditReader;
  const now = new Date();
  const yesterday = new Date(now.getTime() - 86_400_000);
  const longAgo = new Date(now.getTime() - 40 * 86_400_000);

  beforeAll(async () => {
    gateKeys = await generateGateKeys();
    await database.requireServer();
    await migrateAuditDatabase(database.client, database.name);
    await database.client.insert(`${database.name}.tool_risk`, [
      { tool: 'payments.refund', risk: 'write', bundle_hash: 'b' },
      { tool: 'tickets.lookup', risk: 'read', bundle_hash: 'b' },
    ]);
    const recorder = new AuditRecorder(
      new AuditEntryBuilder(gateKeys.keyring, () => []),
      new AuditWriter(new AuditStore(database.client, database.name), { maxDelayMs: 5 }),
      new JsonLogger('audit', () => undefined),
    );
    reader = new AuditReader(database.client, database.name);

    const executor = gateKeys.keys.executor;
    const outcome = (
      runId: string,
      proposalId: string,
      agentId: string,
      tool: string,
      result: ProposalOutcome['outcome'],
      at: Date,
    ) =>
      attestEvent(
        executor,
        'executor',
        outcomeEnvelope({ ...outcomeOf(runId, proposalId, result), agent_id: agentId, tool }, at),
      );
    const action = (
      runId: string,
      proposalId: string,
      agentId: string,
      tool: string,
      cost: number,
      at: Date,
    ) => {
      const data: ActionExecuted = {
        proposal_id: proposalId,
        run_id: runId,
        agent_id: agentId,
        team: 'support',
        tool,
        idempotency_key: `k-${proposalId}`,
        status_code: 200,
        cost_usd: cost,
        bundle_hash: 'b'.repeat(64),
      };
      return attestEvent(
        executor,
        'executor',
        buildEnvelope('actionsExecuted', 'executor', { runId, proposalId, agentId }, data, at),
      );
    };
    await recorder.handleBatch('outcomes', [
      kafkaMessage(
        'airlock.proposals.outcomes',
        await outcome('run-a', 'p-a1', 'triage', 'payments.refund', 'executed', now),
      ),
      kafkaMessage(
        'airlock.proposals.outcomes',
        await outcome('run-a', 'p-a2', 'triage', 'payments.refund', 'failed', now),
      ),
      kafkaMessage(
        'airlock.proposals.outcomes',
        await outcome('run-b', 'p-b1', 'billing', 'tickets.lookup', 'executed', yesterday),
      ),
      kafkaMessage(
        'airlock.proposals.outcomes',
        await outcome('run-old', 'p-o1', 'triage', 'tickets.lookup', 'executed', longAgo),
      ),
      // Not attested: it must move no gate and no run's counts of outcomes.
      {
        ...kafkaMessage(
          'airlock.proposals.outcomes',
          outcomeEnvelope(
            { ...outcomeOf('run-a', 'p-a3', 'failed'), agent_id: 'triage', tool: 'payments.refund' },
            now,
          ),
        ),
        headers: {},
      },
    ]);
    await recorder.handleBatch('actionsExecuted', [
      kafkaMessage(
        'airlock.actions.executed',
        await action('run-a', 'p-a1', 'triage', 'payments.refund', 0.25, now),
      ),
      kafkaMessage(
        'airlock.actions.executed',
        await action('run-b', 'p-b1', 'billing', 'tickets.lookup', 0.1, yesterday),
      ),
    ]);
  });

  afterAll(async () => {
    await database.drop();
  });

  const day = (date: Date) => date.toISOString().slice(0, 10);

  it('puts the gates of each day side by side, from verified events only', async () => {
    const days = await reader.gateDays({ days: 7 });
    expect(days.map((gate) => gate.day)).toEqual([day(yesterday), day(now)]);
    expect(days[1]).toEqual({
      day: day(now),
      proposals: 2,
      executed: 1,
      write_proposals: 2,
      critical_errors: 1,
      executed_actions: 1,
      action_cost_usd: 0.25,
      attested_events: 3,
      traced_events: 3,
    });
    expect(days[0]).toMatchObject({ proposals: 1, executed: 1, write_proposals: 0, action_cost_usd: 0.1 });
  });

  it('narrows the gates to one agent or one tool, and to the days asked for', async () => {
    expect((await reader.gateDays({ days: 7, agentId: 'billing' })).map((gate) => gate.proposals)).toEqual([
      1, 0,
    ]);
    expect(await reader.gateDays({ days: 1, tool: 'payments.refund' })).toEqual([
      expect.objectContaining({ day: day(now), proposals: 2, critical_errors: 1 }),
    ]);
    expect((await reader.gateDays({ days: 60 })).map((gate) => gate.day)).toContain(day(longAgo));
    // A name that is SQL is compared as text.
    expect(await reader.gateDays({ days: 7, agentId: "x' OR 1=1 --" })).toEqual(
      expect.not.arrayContaining([expect.objectContaining({ proposals: 2 })]),
    );
  });

  it('breaks the period down per agent and per tool, busiest first', async () => {
    expect(await reader.gateBreakdown({ days: 7 }, 'agent_id')).toEqual([
      { name: 'triage', proposals: 2, executed: 1, write_proposals: 2, critical_errors: 1 },
      { name: 'billing', proposals: 1, executed: 1, write_proposals: 0, critical_errors: 0 },
    ]);
    expect((await reader.gateBreakdown({ days: 7 }, 'tool')).map((row) => row.name)).toEqual([
      'payments.refund',
      'tickets.lookup',
    ]);
  });

  it('lists the runs of the last days, latest first, with what they did', async () => {
    const runs = await reader.recentRuns(7, 10);
    expect(runs.map((run) => run.run_id)).toEqual(['run-a', 'run-b']);
    // The forged failure is in the run's record, marked: an event, unverified, not an outcome.
    expect(runs[0]).toEqual({
      run_id: 'run-a',
      agent_id: 'triage',
      team: 'support',
      first_event: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/),
      last_event: expect.any(String),
      events: 4,
      proposals: 3,
      executed: 1,
      not_executed: 1,
      unverified: 1,
    });
    expect(await reader.recentRuns(7, 1)).toHaveLength(1);
  });

  it('reads spend per day from the first day asked for', async () => {
    expect(await reader.spendSince(now)).toEqual([
      {
        day: day(now),
        team: 'support',
        agent_id: 'triage',
        tool: 'payments.refund',
        model: '',
        spend_usd: 0.25,
      },
    ]);
    expect((await reader.spendSince(yesterday)).map((row) => row.spend_usd).sort()).toEqual([0.1, 0.25]);
  });
});
