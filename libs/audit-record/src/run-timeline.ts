import type { ChainedAuditRow } from './hash-chain';
import { topics, type TopicKey } from '@airlock/contracts';

/** One event of a run as a timeline shows it: what `airlock timeline --json` prints and the console lists. */
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

/** Where a proposal's events come from, in the order the gates handle it. */
const gateOrder: readonly TopicKey[] = [
  'proposals',
  'accepted',
  'policyDecisions',
  'policyShadow',
  'approvalDecisions',
  'budgetReservations',
  'actionsExecuted',
  'outcomes',
];
const stageOf = new Map(gateOrder.map((key, index) => [topics[key].name as string, index]));

/**
 * The audit's rows of one run, without the payload and the hashes, in the order they happened: by
 * time, and within one second (event_time's precision) by gate. The chain's seq is the order audit
 * read the topics in, which for one proposal may put the policy's decision before intake's acceptance.
 */
export function timelineOf(rows: readonly ChainedAuditRow[]): TimelineEvent[] {
  const stage = (row: ChainedAuditRow) => stageOf.get(row.topic) ?? gateOrder.length;
  const ordered = [...rows].sort(
    (a, b) =>
      a.event_time.localeCompare(b.event_time) || stage(a) - stage(b) || Number(a.seq) - Number(b.seq),
  );
  return ordered.map((row) => ({
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
