import { topics } from '@airlock/contracts';
import type { AuditRow } from './audit-row';
import { chainRow, type ChainedAuditRow } from './hash-chain';
import { verifyRunRecord } from './run-verification';

function row(topic: string, event_type: string, attestation: AuditRow['attestation'], error = ''): AuditRow {
  return {
    event_id: `${topic}-${event_type}`,
    event_type,
    topic,
    event_time: '2024-05-01 12:00:00',
    run_id: 'r1',
    proposal_id: 'p1',
    agent_id: 'a1',
    tool: 't',
    team: '',
    decision: '',
    outcome: '',
    reason_code: '',
    reasons: [],
    policy_ids: [],
    bundle_hash: '',
    cost_usd: 0,
    trace_id: '',
    payload: '{}',
    attested_by: attestation === 'verified' ? 'intake' : '',
    attestation,
    attestation_error: error,
  };
}

function chained(rows: AuditRow[]): ChainedAuditRow[] {
  const chain: ChainedAuditRow[] = [];
  for (const next of rows) chain.push(chainRow(chain[chain.length - 1], next));
  return chain;
}

const submitted = row(topics.proposals.name, topics.proposals.eventType, 'agent_signed');
const accepted = row(topics.accepted.name, topics.accepted.eventType, 'verified');

describe('verifyRunRecord', () => {
  it('passes an intact chain of an agent-signed submission and verified gate events', () => {
    expect(verifyRunRecord(chained([submitted, accepted]))).toEqual({
      chain: { ok: true, length: 2 },
      unattested: [],
    });
  });

  it('names each gate event without a valid attestation, with seq, topic, type and reason', () => {
    const forged = row(
      topics.outcomes.name,
      topics.outcomes.eventType,
      'invalid',
      'the event differs from what its gate attested',
    );
    const bare = row(topics.dlq.name, topics.dlq.eventType, 'missing', 'the event carries no attestation');
    const verdict = verifyRunRecord(chained([submitted, accepted, forged, bare]));
    expect(verdict.chain.ok).toBe(true);
    expect(verdict.unattested).toEqual([
      {
        seq: 3,
        topic: 'airlock.proposals.outcomes',
        event_type: 'airlock.proposal.outcome',
        attestation: 'invalid',
        reason: 'the event differs from what its gate attested',
      },
      {
        seq: 4,
        topic: 'airlock.dlq',
        event_type: 'airlock.dlq.dead_letter',
        attestation: 'missing',
        reason: 'the event carries no attestation',
      },
    ]);
  });

  it('does not accept "agent signed" on a gate topic, nor a gate attestation on the agents topic', () => {
    const odd = [
      row(topics.accepted.name, topics.accepted.eventType, 'agent_signed'),
      row(topics.proposals.name, topics.proposals.eventType, 'verified'),
    ];
    expect(verifyRunRecord(chained(odd)).unattested.map((event) => event.seq)).toEqual([1, 2]);
  });

  it('reports a chain broken by marking a forged row verified afterwards', () => {
    const chain = chained([submitted, row(topics.outcomes.name, topics.outcomes.eventType, 'invalid', 'x')]);
    chain[1] = { ...chain[1], attestation: 'verified', attestation_error: '' };
    expect(verifyRunRecord(chain)).toMatchObject({ chain: { ok: false, seq: 2 }, unattested: [] });
  });
});
