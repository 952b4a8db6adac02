import { chainRow, type ChainedAuditRow } from './hash-chain';
import type { AuditRow } from './audit-row';
import { runReport } from './run-report';

function row(id: string, overrides: Partial<AuditRow> = {}): AuditRow {
  return {
    event_id: id,
    event_type: 'airlock.proposal.accepted',
    topic: 'airlock.proposals.accepted',
    event_time: '2024-05-01 12:00:00',
    run_id: 'run-42',
    proposal_id: 'p1',
    agent_id: 'a1',
    tool: 't',
    team: '',
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
    ...overrides,
  };
}

function chained(rows: AuditRow[]): ChainedAuditRow[] {
  const chain: ChainedAuditRow[] = [];
  for (const next of rows) chain.push(chainRow(chain[chain.length - 1], next));
  return chain;
}

const submitted = row('s1', {
  topic: 'agent.proposals',
  event_type: 'airlock.proposal.submitted',
  attested_by: '',
  attestation: 'agent_signed',
});

describe('runReport', () => {
  it('prints one line and passes when the chain is intact and every gate event attested', () => {
    expect(runReport('run-42', chained([submitted, row('e1')]), [])).toEqual({
      ok: true,
      lines: ['run run-42: 2 events, chain intact, every gate event attested'],
    });
  });

  it('fails and names each event without a valid attestation by seq, topic, type and reason', () => {
    const forged = row('e2', {
      topic: 'airlock.proposals.outcomes',
      event_type: 'airlock.proposal.outcome',
      attested_by: '',
      attestation: 'invalid',
      attestation_error: 'the event differs from what its gate attested',
    });
    expect(runReport('run-42', chained([submitted, row('e1'), forged]), [])).toEqual({
      ok: false,
      lines: [
        'run run-42: 3 events, chain intact, 1 event without a valid gate attestation',
        '  seq 3 airlock.proposals.outcomes airlock.proposal.outcome: invalid: the event differs from what its gate attested',
      ],
    });
  });

  it('fails on a broken chain even when every event is attested', () => {
    const chain = chained([row('e1'), row('e2')]);
    chain[1] = { ...chain[1], decision: 'tampered' };
    const report = runReport('run-42', chain, []);
    expect(report.ok).toBe(false);
    expect(report.lines[0]).toBe(
      'run run-42: 2 events, chain broken at seq 2: content of seq 2 does not match its hash, every gate event attested',
    );
  });

  it('fails for a run with no events: an unknown run must not read as verified', () => {
    expect(runReport('nope', [], [])).toEqual({ ok: false, lines: ['run nope: no events recorded'] });
  });

  it('fails and lists messages of the run that audit quarantined', () => {
    const quarantined = [
      {
        topic: 'agent.proposals',
        kafka_partition: 1,
        kafka_offset: '9',
        reason_code: 'malformed_envelope',
        reason: 'not JSON',
      },
    ];
    expect(runReport('run-42', chained([row('e1')]), quarantined)).toEqual({
      ok: false,
      lines: [
        'run run-42: 1 event, chain intact, every gate event attested, 1 quarantined (not in the chain)',
        '  quarantined: agent.proposals partition 1 offset 9: malformed_envelope: not JSON',
      ],
    });
  });

  it("escapes control characters of a forger's text before they reach the terminal", () => {
    const forged = row('e2', {
      attested_by: '',
      attestation: 'invalid',
      attestation_error: 'key \u001b[2Jx is unknown',
    });
    expect(runReport('run-42', chained([forged]), []).lines[1]).toContain('key \\u001b[2Jx is unknown');
  });
});
