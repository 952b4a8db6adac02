import { randomBytes } from 'node:crypto';
import {
  storedEventKey,
  type AuditRow,
  type ChainedAuditRow,
  type QuarantineRow,
} from '@airlock/audit-record';
import { attestEvent, type GateKeys } from '@airlock/attestation';
import { ClickHouseHttp } from '@airlock/clickhouse';
import { buildEnvelope, outcomeEnvelope, type ProposalOutcome } from '@airlock/contracts';
import type { RawKafkaMessage } from '@airlock/messaging';
import { LocalInfraConfig, loadConfig } from '@airlock/service-runtime';
import type { ChainLink } from './audit.store';

/** One key per gate and the keyring audit trusts, generated fresh for each suite. */
export { generateGateKeys, type GateKeys } from '@airlock/attestation';

export const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

let nextOffset = 0;

/** A Kafka message as the consumer hands it over: the envelope's JSON, keyed by its run. */
export function kafkaMessage(topic: string, envelope: object, offset?: string): RawKafkaMessage {
  const runId = (envelope as { runid?: unknown }).runid;
  return {
    topic,
    partition: 0,
    offset: offset ?? String((nextOffset += 1)),
    key: typeof runId === 'string' ? runId : null,
    value: Buffer.from(JSON.stringify(envelope)),
    headers: { traceparent: Buffer.from(traceparent) },
  };
}

export function outcomeOf(
  runId: string,
  proposalId: string,
  outcome: ProposalOutcome['outcome'] = 'executed',
): ProposalOutcome {
  return {
    proposal_id: proposalId,
    run_id: runId,
    agent_id: 'agent-1',
    tool: 'tickets.create',
    outcome,
    reason_code: outcome === 'executed' ? 'tool_call_succeeded' : 'tool_call_failed',
    reason: `the tool call ${outcome}`,
    decided_by: 'executor',
    policy_ids: [],
    cost_usd: 0.5,
  };
}

/** An outcome as the executor emits it: deterministic id (ADR 0003) and its attestation. */
export async function attestedOutcome(keys: GateKeys, runId: string, proposalId: string) {
  return attestEvent(keys.keys.executor, 'executor', outcomeEnvelope(outcomeOf(runId, proposalId)));
}

/** An agent's submission: any agent can write one, with any id it likes. */
export function submission(runId: string, id: string) {
  return {
    ...buildEnvelope('proposals', 'agent/agent-1', { runId, agentId: 'agent-1' }, { jws: 'a.b.c' }),
    id,
  };
}

/** A database of its own on the real local ClickHouse, dropped by `drop`. */
export class ClickHouseTestDatabase {
  readonly url = loadConfig(LocalInfraConfig).AIRLOCK_CLICKHOUSE_URL;
  readonly name = `airlock_unit_${randomBytes(6).toString('hex')}`;
  readonly client = new ClickHouseHttp(this.url, undefined, { timeoutMs: 10_000 });

  async requireServer(): Promise<void> {
    if (!(await this.client.ping())) {
      throw new Error(
        `ClickHouse does not answer at ${this.url}: store tests need the local server (bash deploy/local/infra.sh up starts it)`,
      );
    }
  }

  async drop(): Promise<void> {
    await this.client.execute(`DROP DATABASE IF EXISTS ${this.name}`);
  }
}

/**
 * The writer's queries over arrays, for tests of what does not need ClickHouse itself. `failNext`
 * makes the next insert of events fail after (landed) or instead of (refused) storing the rows.
 */
export class InMemoryAuditStore {
  readonly events: ChainedAuditRow[] = [];
  readonly quarantine: QuarantineRow[] = [];
  readonly eventInserts: number[] = [];
  failNext: { kind: 'events' | 'quarantine'; error: Error; landed: boolean } | undefined;

  async lastLinks(runIds: readonly string[]): Promise<Map<string, ChainLink>> {
    const links = new Map<string, ChainLink>();
    for (const row of this.events) {
      const earlier = links.get(row.run_id);
      if (runIds.includes(row.run_id) && (earlier === undefined || row.seq > earlier.seq)) {
        links.set(row.run_id, { seq: row.seq, hash: row.hash });
      }
    }
    return links;
  }

  async storedEventKeys(rows: readonly AuditRow[]): Promise<Set<string>> {
    const stored = new Set(this.events.map((row) => storedEventKey(row)));
    return new Set(rows.map((row) => storedEventKey(row)).filter((key) => stored.has(key)));
  }

  async insertEvents(rows: readonly ChainedAuditRow[]): Promise<void> {
    this.eventInserts.push(rows.length);
    this.fail('events', () => this.events.push(...rows));
  }

  async insertQuarantine(rows: readonly QuarantineRow[]): Promise<void> {
    this.fail('quarantine', () => this.quarantine.push(...rows));
  }

  private fail(kind: 'events' | 'quarantine', store: () => void): void {
    const failure = this.failNext?.kind === kind ? this.failNext : undefined;
    if (failure === undefined) return store();
    this.failNext = undefined;
    if (failure.landed) store();
    throw failure.error;
  }
}
