import {
  auditRowColumns,
  laterAuditRowColumns,
  type ChainedAuditRow,
  type QuarantinedMessage,
} from '@airlock/audit-record';
import type { DailySpend } from '@airlock/budget-ledger';
import { sqlString, type ClickHouseHttp } from '@airlock/clickhouse';

/** Each stack (demo, every e2e run) keeps its audit rows apart, as it does its topics. */
export function auditDatabaseName(namespace: string): string {
  return namespace ? `airlock_${namespace}` : 'airlock';
}

/** Every column the hash covers, the later ones included: a row read without them fails verification. */
const chainedColumns: readonly (keyof ChainedAuditRow)[] = [
  ...auditRowColumns,
  ...laterAuditRowColumns,
  'seq',
  'prev_hash',
  'hash',
];

/** One run as a list of runs shows it. */
export interface RunSummary {
  run_id: string;
  agent_id: string;
  team: string;
  first_event: string;
  last_event: string;
  events: number;
  proposals: number;
  /** Outcomes attested by their gate: executed, and any other (denied, failed, halted, over budget…). */
  executed: number;
  not_executed: number;
  /** Events neither attested by a gate nor signed by an agent: forged or broken, for someone to look at. */
  unverified: number;
}

/** One day of the production gates, over whatever agent and tool the query was narrowed to. */
export interface GateDay {
  day: string;
  proposals: number;
  executed: number;
  write_proposals: number;
  critical_errors: number;
  executed_actions: number;
  action_cost_usd: number;
  /** Events with a verified attestation, and those of them that carried a trace: all agents and tools. */
  attested_events: number;
  traced_events: number;
}

/** A day nothing was recorded on: every count zero. */
export function emptyGateDay(day: string): GateDay {
  return {
    day,
    proposals: 0,
    executed: 0,
    write_proposals: 0,
    critical_errors: 0,
    executed_actions: 0,
    action_cost_usd: 0,
    attested_events: 0,
    traced_events: 0,
  };
}

/** One agent's or tool's outcomes over the whole period. */
export interface GateBreakdown {
  name: string;
  proposals: number;
  executed: number;
  write_proposals: number;
  critical_errors: number;
}

/** What the gates page narrows to: the last `days` days (today included), one agent, one tool. */
export interface GateQuery {
  days: number;
  agentId?: string;
  tool?: string;
}

/**
 * The reads analysts, the CLI and the console make of what audit stored. Reads of a run use FINAL:
 * a redelivered event may still sit in an unmerged part, and a run must show each event once. The
 * gate reads go through audit's views, which count only events whose attestation verified.
 * Aliases never repeat a column name: ClickHouse 18.16 would read the column inside the aggregate
 * as the alias.
 */
export class AuditReader {
  constructor(
    private readonly client: ClickHouseHttp,
    readonly database: string,
  ) {}

  async loadRun(runId: string): Promise<ChainedAuditRow[]> {
    return this.client.select<ChainedAuditRow>(
      `SELECT ${chainedColumns.join(', ')} FROM ${this.database}.events FINAL WHERE run_id = ${sqlString(runId)} ORDER BY seq`,
    );
  }

  /** Messages keyed to this run (its Kafka key) that audit could not record as events. */
  async quarantinedForRun(runId: string): Promise<QuarantinedMessage[]> {
    return this.client.select<QuarantinedMessage>(
      `SELECT topic, kafka_partition, kafka_offset, reason_code, reason FROM ${this.database}.quarantine FINAL ` +
        `WHERE kafka_key = ${sqlString(runId)} ORDER BY received_at, topic, kafka_partition, kafka_offset`,
    );
  }

  /** The runs with an event in the last `days` days, latest first. */
  async recentRuns(days: number, limit: number): Promise<RunSummary[]> {
    const rows = await this.client.select<RunSummary>(
      `SELECT run_id, anyIf(agent_id, agent_id != '') AS agent, anyIf(team, team != '') AS run_team, ` +
        `toString(min(event_time)) AS first_event, toString(max(event_time)) AS last_event, ` +
        `count() AS event_count, uniqExactIf(proposal_id, proposal_id != '') AS proposal_count, ` +
        `countIf(${verifiedOutcome} AND outcome = 'executed') AS executed_count, ` +
        `countIf(${verifiedOutcome} AND outcome != 'executed') AS other_count, ` +
        `countIf(attestation NOT IN ('verified', 'agent_signed')) AS unverified_count ` +
        `FROM ${this.database}.events FINAL WHERE toDate(event_time) >= ${since(days)} ` +
        `GROUP BY run_id ORDER BY last_event DESC, run_id LIMIT ${Math.trunc(limit)}`,
    );
    return rows.map((row) => {
      const raw = row as unknown as Record<string, string>;
      return {
        run_id: raw['run_id'] ?? '',
        agent_id: raw['agent'] ?? '',
        team: raw['run_team'] ?? '',
        first_event: raw['first_event'] ?? '',
        last_event: raw['last_event'] ?? '',
        events: Number(raw['event_count']),
        proposals: Number(raw['proposal_count']),
        executed: Number(raw['executed_count']),
        not_executed: Number(raw['other_count']),
        unverified: Number(raw['unverified_count']),
      };
    });
  }

  /** The production gates per day: outcome_rates, cost_per_success and trace_coverage side by side. */
  async gateDays(query: GateQuery): Promise<GateDay[]> {
    const where = narrowed(query);
    const [outcomes, costs, traces] = await Promise.all([
      this.client.select<Record<string, string>>(
        `SELECT toString(day) AS on_day, sum(proposals) AS proposal_count, sum(executed) AS executed_count, ` +
          `sum(write_proposals) AS write_count, sum(critical_errors) AS critical_count ` +
          `FROM ${this.database}.outcome_rates WHERE ${where} GROUP BY day`,
      ),
      this.client.select<Record<string, string>>(
        `SELECT toString(day) AS on_day, sum(executed) AS executed_count, sum(total_cost_usd) AS cost ` +
          `FROM ${this.database}.cost_per_success WHERE ${where} GROUP BY day`,
      ),
      this.client.select<Record<string, string>>(
        `SELECT toString(day) AS on_day, events AS event_count, traced_events AS traced_count ` +
          `FROM ${this.database}.trace_coverage WHERE ${narrowed({ days: query.days })}`,
      ),
    ]);
    const days = new Map<string, GateDay>();
    const dayOf = (day: string | undefined): GateDay => {
      const key = day ?? '';
      const found = days.get(key);
      if (found) return found;
      const fresh = emptyGateDay(key);
      days.set(key, fresh);
      return fresh;
    };
    for (const row of outcomes) {
      Object.assign(dayOf(row['on_day']), {
        proposals: Number(row['proposal_count']),
        executed: Number(row['executed_count']),
        write_proposals: Number(row['write_count']),
        critical_errors: Number(row['critical_count']),
      });
    }
    for (const row of costs) {
      Object.assign(dayOf(row['on_day']), {
        executed_actions: Number(row['executed_count']),
        action_cost_usd: Number(row['cost']),
      });
    }
    for (const row of traces) {
      Object.assign(dayOf(row['on_day']), {
        attested_events: Number(row['event_count']),
        traced_events: Number(row['traced_count']),
      });
    }
    return [...days.values()].sort((a, b) => a.day.localeCompare(b.day));
  }

  /** The period's outcomes per agent or per tool, most proposals first. */
  async gateBreakdown(query: GateQuery, by: 'agent_id' | 'tool'): Promise<GateBreakdown[]> {
    const rows = await this.client.select<Record<string, string>>(
      `SELECT ${by} AS name, sum(proposals) AS proposal_count, sum(executed) AS executed_count, ` +
        `sum(write_proposals) AS write_count, sum(critical_errors) AS critical_count ` +
        `FROM ${this.database}.outcome_rates WHERE ${narrowed(query)} ` +
        `GROUP BY ${by} ORDER BY proposal_count DESC, name LIMIT 50`,
    );
    return rows.map((row) => ({
      name: row['name'] ?? '',
      proposals: Number(row['proposal_count']),
      executed: Number(row['executed_count']),
      write_proposals: Number(row['write_count']),
      critical_errors: Number(row['critical_count']),
    }));
  }

  /** Spend (tool calls and priced inference) of every day from `from` on. */
  async spendSince(from: Date): Promise<DailySpend[]> {
    const rows = await this.client.select<Omit<DailySpend, 'day'> & { on_day: string }>(
      `SELECT toString(day) AS on_day, team, agent_id, tool, model, spend_usd ` +
        `FROM ${this.database}.spend_by_day WHERE day >= toDate(${sqlString(from.toISOString().slice(0, 10))})`,
    );
    return rows.map(({ on_day, ...row }) => ({ day: on_day, ...row, spend_usd: Number(row.spend_usd) }));
  }
}

const verifiedOutcome = "topic = 'airlock.proposals.outcomes' AND attestation = 'verified'";

/** The first day of the last `days` days, as SQL. */
function since(days: number): string {
  return `today() - ${Math.max(0, Math.trunc(days) - 1)}`;
}

function narrowed(query: GateQuery): string {
  return [
    `day >= ${since(query.days)}`,
    ...(query.agentId === undefined ? [] : [`agent_id = ${sqlString(query.agentId)}`]),
    ...(query.tool === undefined ? [] : [`tool = ${sqlString(query.tool)}`]),
  ].join(' AND ');
}
