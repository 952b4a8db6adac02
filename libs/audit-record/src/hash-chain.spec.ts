import type { AuditRow } from './audit-row';
import { chainRow, genesisHash, verifyChain, type ChainedAuditRow } from './hash-chain';

function rowNumber(n: number): AuditRow {
  return {
    event_id: `e${n}`,
    event_type: 'airlock.policy.decided',
    topic: 'airlock.policy.decisions',
    event_time: '2024-05-01 12:00:00',
    run_id: 'r1',
    proposal_id: `p${n}`,
    agent_id: 'a1',
    tool: 'issue_refund',
    team: '',
    decision: 'allow',
    outcome: '',
    reason_code: '',
    reasons: ['permitted'],
    policy_ids: ['policy0'],
    bundle_hash: 'b'.repeat(64),
    cost_usd: 0.25,
    trace_id: 't1',
    payload: '{}',
    attested_by: 'policy',
    attestation: 'verified',
    attestation_error: '',
  };
}

function chainOf(length: number): ChainedAuditRow[] {
  const rows: ChainedAuditRow[] = [];
  for (let n = 1; n <= length; n += 1) rows.push(chainRow(rows[rows.length - 1], rowNumber(n)));
  return rows;
}

describe('chainRow', () => {
  it('starts at seq 1 from the all-zero hash and links each row to the one before', () => {
    const [first, second] = chainOf(2);
    expect(first).toMatchObject({ seq: 1, prev_hash: genesisHash });
    expect(second).toMatchObject({ seq: 2, prev_hash: first.hash });
    expect(second.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('gives the same hash to the same row whatever the order of its keys', () => {
    const reversed = Object.fromEntries(Object.entries(rowNumber(1)).reverse()) as unknown as AuditRow;
    expect(chainRow(undefined, reversed).hash).toBe(chainRow(undefined, rowNumber(1)).hash);
  });
});

describe('verifyChain', () => {
  it('verifies an untouched chain', () => {
    expect(verifyChain(chainOf(4))).toEqual({ ok: true, length: 4 });
  });

  it('verifies an empty chain', () => {
    expect(verifyChain([])).toEqual({ ok: true, length: 0 });
  });

  it('ignores columns that are not part of the row, such as ones ClickHouse adds', () => {
    const rows = chainOf(2).map((row) => ({ ...row, inserted_at: '2024-05-01 12:00:01' }));
    expect(verifyChain(rows).ok).toBe(true);
  });

  it('hashes a row with an empty later column as rows were hashed before the column existed', () => {
    const [row] = chainOf(1);
    const { team: _absent, ...withoutTeam } = row;
    expect(chainRow(undefined, withoutTeam as unknown as AuditRow).hash).toBe(row.hash);
    const withTeam = chainRow(undefined, { ...rowNumber(1), team: 'support' });
    expect(withTeam.hash).not.toBe(row.hash);
    expect(verifyChain([{ ...withTeam, team: 'billing' }])).toMatchObject({ ok: false, seq: 1 });
  });

  it('breaks at the seq whose field was tampered with', () => {
    const rows = chainOf(4);
    rows[2] = { ...rows[2], decision: 'deny' };
    expect(verifyChain(rows)).toEqual({
      ok: false,
      seq: 3,
      reason: 'content of seq 3 does not match its hash',
    });
  });

  it('breaks where a row marked invalid was later marked verified: the chain covers the attestation', () => {
    const rows = chainOf(3);
    rows[1] = chainRow(rows[0], {
      ...rowNumber(2),
      attested_by: '',
      attestation: 'invalid',
      attestation_error: 'forged',
    });
    rows[2] = chainRow(rows[1], rowNumber(3));
    expect(verifyChain(rows).ok).toBe(true);
    rows[1] = { ...rows[1], attested_by: 'policy', attestation: 'verified', attestation_error: '' };
    expect(verifyChain(rows)).toMatchObject({ ok: false, seq: 2 });
  });

  it('breaks at the next seq when the tampered row was re-hashed', () => {
    const rows = chainOf(4);
    rows[1] = chainRow(rows[0], { ...rows[1], cost_usd: 0 });
    expect(verifyChain(rows)).toMatchObject({
      ok: false,
      seq: 3,
      reason: expect.stringMatching(/prev_hash of seq 3/),
    });
  });

  it('breaks where two rows were swapped while keeping their seq numbers', () => {
    const rows = chainOf(4);
    const swapped = [rows[0], { ...rows[2], seq: 2 }, { ...rows[1], seq: 3 }, rows[3]];
    expect(verifyChain(swapped)).toMatchObject({ ok: false, seq: 2 });
  });

  it('breaks at the first seq out of order', () => {
    const rows = chainOf(3);
    expect(verifyChain([rows[0], rows[2], rows[1]])).toMatchObject({
      ok: false,
      seq: 2,
      reason: expect.stringMatching(/found 3/),
    });
  });

  it('breaks where a row was deleted', () => {
    const rows = chainOf(4);
    const withGap = [rows[0], rows[1], rows[3]];
    expect(verifyChain(withGap)).toMatchObject({ ok: false, seq: 3 });
  });

  it('breaks when the first row does not start from the all-zero hash', () => {
    const rows = chainOf(3)
      .slice(1)
      .map((row, index) => ({ ...row, seq: index + 1 }));
    expect(verifyChain(rows)).toMatchObject({
      ok: false,
      seq: 1,
      reason: expect.stringMatching(/prev_hash of seq 1/),
    });
  });
});
