import { timelineOf, type ChainedAuditRow } from '@airlock/audit-record';
import { timelineLines } from './run-timeline';

const row = (seq: number, fields: Partial<ChainedAuditRow>): ChainedAuditRow => ({
  event_id: `e-${seq}`,
  event_type: 'airlock.proposal.accepted',
  topic: 'airlock.proposals.accepted',
  event_time: `2026-11-25 10:00:0${seq}`,
  run_id: 'run-42',
  proposal_id: 'p-1',
  agent_id: 'support-triage',
  tool: 'payments.refund',
  team: 'support',
  decision: '',
  outcome: '',
  reason_code: '',
  reasons: [],
  policy_ids: [],
  bundle_hash: 'b',
  cost_usd: 0,
  trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
  payload: '{"secret": "not shown"}',
  attested_by: 'intake',
  attestation: 'verified',
  attestation_error: '',
  seq,
  prev_hash: 'h0',
  hash: `h${seq}`,
  ...fields,
});

const rows = [
  row(1, { decision: 'accepted' }),
  row(2, {
    event_type: 'airlock.policy.decided',
    topic: 'airlock.policy.decisions',
    decision: 'approval_required',
    policy_ids: ['support-refunds-need-approval'],
  }),
  row(3, {
    event_type: 'airlock.proposal.outcome',
    topic: 'airlock.proposals.outcomes',
    outcome: 'executed',
    reason_code: 'tool_call_succeeded',
    cost_usd: 0.01,
    // ClickHouse sends UInt64 as text in JSON.
    seq: '3' as unknown as number,
  }),
  row(4, {
    event_type: 'airlock.control.changed',
    proposal_id: '',
    tool: '',
    decision: 'halted',
    attestation: 'invalid',
    attestation_error: 'bad signature',
  }),
];

describe('timelineOf', () => {
  it('orders by time, then within a second by gate, whatever order audit chained the topics in', () => {
    const accepted = row(1, { seq: 2, event_time: '2026-11-25 10:00:00' });
    const decided = row(2, { seq: 1, event_time: '2026-11-25 10:00:00', topic: 'airlock.policy.decisions' });
    const halted = row(3, { seq: 3, event_time: '2026-11-25 09:59:59', topic: 'airlock.control' });
    const outcome = row(4, {
      seq: 4,
      event_time: '2026-11-25 10:00:00',
      topic: 'airlock.proposals.outcomes',
    });
    expect(timelineOf([outcome, accepted, decided, halted]).map((event) => event.seq)).toEqual([3, 2, 1, 4]);
  });

  it('keeps what an operator reads of each event, drops the payload and hashes, and makes times ISO', () => {
    const [first, , third] = timelineOf(rows);
    expect(first).toEqual({
      seq: 1,
      time: '2026-11-25T10:00:01Z',
      topic: 'airlock.proposals.accepted',
      event_type: 'airlock.proposal.accepted',
      proposal_id: 'p-1',
      agent_id: 'support-triage',
      tool: 'payments.refund',
      decision: 'accepted',
      outcome: '',
      reason_code: '',
      policy_ids: [],
      cost_usd: 0,
      trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
      attestation: 'verified',
      attested_by: 'intake',
      attestation_error: '',
    });
    expect(third?.seq).toBe(3);
  });
});

describe('timelineLines', () => {
  it('prints a summary and one row per event in order: result, reason, policies, cost, attestation, trace', () => {
    const lines = timelineLines('run-42', timelineOf(rows));
    expect(lines[0]).toBe('run run-42: 4 events, 1 proposals, 2026-11-25T10:00:01Z to 2026-11-25T10:00:04Z');
    expect(lines[1]).toMatch(
      /^seq +time +event +proposal +tool +result +reason +policies +cost +attestation +trace$/,
    );
    expect(lines[3]).toMatch(
      /^2 .* airlock\.policy\.decided .* approval_required +- +support-refunds-need-approval /,
    );
    expect(lines[4]).toMatch(
      /airlock\.proposal\.outcome .* executed +tool_call_succeeded +- +\$0\.01 +verified +4bf92f35/,
    );
    expect(lines[5]).toMatch(/halted .* invalid: bad signature/);
    expect(lines.join('\n')).not.toContain('not shown');
  });

  it('says when the run has no events, naming what may be wrong', () => {
    expect(timelineLines('run-x', [])).toEqual([
      'run run-x: no events recorded (is the run id right, and AIRLOCK_NAMESPACE?)',
    ]);
  });
});
