import { createHash } from 'node:crypto';
import { canonicalJson } from '@airlock/attestation';
import type { AuditRow } from './audit-row';

/** An audit row linked to the previous row of the same run, so that edits and reorderings show. */
export interface ChainedAuditRow extends AuditRow {
  seq: number;
  prev_hash: string;
  hash: string;
}

export type ChainVerification = { ok: true; length: number } | { ok: false; seq: number; reason: string };

export const genesisHash = '0'.repeat(64);

/**
 * Exactly the AuditRow columns are hashed: a row read back from ClickHouse with extra columns
 * (insertion time, the chain columns themselves) must hash the same as when it was written. The
 * attestation columns are among them, so the chain proves what audit found when it checked each
 * event: marking a forged row verified afterwards breaks the chain.
 */
export const auditRowColumns: readonly (keyof AuditRow)[] = [
  'event_id',
  'event_type',
  'topic',
  'event_time',
  'run_id',
  'proposal_id',
  'agent_id',
  'tool',
  'decision',
  'outcome',
  'reason_code',
  'reasons',
  'policy_ids',
  'bundle_hash',
  'cost_usd',
  'trace_id',
  'payload',
  'attested_by',
  'attestation',
  'attestation_error',
];

/**
 * Columns added after rows were first written: hashed only where they hold a value, so a row
 * written before a column existed (and read back with its default) hashes as it did then.
 */
export const laterAuditRowColumns: readonly (keyof AuditRow)[] = ['team'];

function rowHash(prevHash: string, row: AuditRow): string {
  const later = laterAuditRowColumns.filter((column) => row[column] !== '' && row[column] !== undefined);
  const columns = Object.fromEntries([...auditRowColumns, ...later].map((column) => [column, row[column]]));
  return createHash('sha256')
    .update(prevHash + canonicalJson(columns), 'utf8')
    .digest('hex');
}

export function chainRow(
  previous: { seq: number; hash: string } | undefined,
  row: AuditRow,
): ChainedAuditRow {
  const prev_hash = previous?.hash ?? genesisHash;
  return { ...row, seq: (previous?.seq ?? 0) + 1, prev_hash, hash: rowHash(prev_hash, row) };
}

/** Checks one run's chain, given sorted by seq; reports the first seq at which it breaks. */
export function verifyChain(rows: readonly ChainedAuditRow[]): ChainVerification {
  let previousHash = genesisHash;
  for (const [index, row] of rows.entries()) {
    const expectedSeq = index + 1;
    if (row.seq !== expectedSeq) {
      return {
        ok: false,
        seq: expectedSeq,
        reason: `expected seq ${expectedSeq} but found ${row.seq}: a row is missing or out of order`,
      };
    }
    if (row.prev_hash !== previousHash) {
      return {
        ok: false,
        seq: row.seq,
        reason: `prev_hash of seq ${row.seq} is not the hash of the row before it`,
      };
    }
    if (rowHash(row.prev_hash, row) !== row.hash) {
      return { ok: false, seq: row.seq, reason: `content of seq ${row.seq} does not match its hash` };
    }
    previousHash = row.hash;
  }
  return { ok: true, length: rows.length };
}
