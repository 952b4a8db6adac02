import type { ChainedAuditRow } from '@airlock/audit-record';
import { printable, table } from './text-layout';

/** One event of a run as the timeline shows it; what `airlock timeline --json` prints per event. */
export interface TimelineEvent {
  seq: number;
  time: string;
  topic: string;
  event_type: string;
  proposal_id: string;
  agent_id: string;
  tool: string;
  decision: string;
  outcome: string;
  reason_code: string;
  policy_ids: string[];
  cost_usd: number;
  trace_id: string;
  attestation: string;
  attested_by: string;
  attestation_error: string;
}

/** The audit's rows of one run (in chain order), without the payload and the hashes. */
export function timelineOf(rows: readonly ChainedAuditRow[]): TimelineEvent[] {
  return rows.map((row) => ({
    // ClickHouse sends UInt64 as text in JSON, so seq is made a number here.
    seq: Number(row.seq),
    time: `${row.event_time}Z`.replace(' ', 'T'),
    topic: row.topic,
    event_type: row.event_type,
    proposal_id: row.proposal_id,
    agent_id: row.agent_id,
    tool: row.tool,
    decision: row.decision,
    outcome: row.outcome,
    reason_code: row.reason_code,
    policy_ids: row.policy_ids,
    cost_usd: Number(row.cost_usd),
    trace_id: row.trace_id,
    attestation: row.attestation,
    attested_by: row.attested_by,
    attestation_error: row.attestation_error,
  }));
}

/** Every event of the run in order, a line each: when, what, with what result and why, and whether it verified. */
export function timelineLines(runId: string, events: readonly TimelineEvent[]): string[] {
  if (events.length === 0)
    return [`run ${printable(runId)}: no events recorded (is the run id right, and AIRLOCK_NAMESPACE?)`];
  const proposals = new Set(events.map((event) => event.proposal_id).filter(Boolean)).size;
  const rows = events.map((event) => [
    String(event.seq),
    event.time,
    event.event_type,
    event.proposal_id,
    event.tool,
    event.outcome || event.decision,
    event.reason_code,
    event.policy_ids.join(','),
    event.cost_usd > 0 ? `$${event.cost_usd}` : '',
    event.attestation === 'verified' || event.attestation === 'agent_signed'
      ? event.attestation
      : `${event.attestation}: ${event.attestation_error}`,
    event.trace_id,
  ]);
  return [
    `run ${printable(runId)}: ${events.length} events, ${proposals} proposals, ${events[0]?.time} to ${events[events.length - 1]?.time}`,
    ...table(
      [
        'seq',
        'time',
        'event',
        'proposal',
        'tool',
        'result',
        'reason',
        'policies',
        'cost',
        'attestation',
        'trace',
      ],
      rows,
    ),
  ];
}
