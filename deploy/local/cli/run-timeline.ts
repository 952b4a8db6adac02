import type { TimelineEvent } from '@airlock/audit-record';
import { printable, table } from './text-layout';

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
