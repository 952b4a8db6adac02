import { topics } from '@airlock/contracts';
import { verifyChain, type ChainedAuditRow, type ChainVerification } from './hash-chain';

/** An event of a run whose row does not show a valid attestation of the kind its topic needs. */
export interface UnattestedEvent {
  seq: number;
  topic: string;
  event_type: string;
  attestation: string;
  reason: string;
}

/**
 * What an analyst needs to trust a run's record: the chain shows nothing was edited, removed or
 * reordered since audit wrote it, and the attestation columns (which the chain covers) show that
 * every gate event was signed by its gate when audit received it.
 */
export interface RunVerification {
  chain: ChainVerification;
  unattested: UnattestedEvent[];
}

/** Topics whose events an agent or launcher signs inside the payload, with no gate attestation. */
const signedOutsideTheGates: ReadonlySet<string> = new Set(
  Object.values(topics)
    .filter((topic) => topic.attestedBy.length === 0)
    .map((topic) => topic.name),
);

export function verifyRunRecord(rows: readonly ChainedAuditRow[]): RunVerification {
  return { chain: verifyChain(rows), unattested: rows.flatMap((row) => unattestedEventOf(row) ?? []) };
}

function unattestedEventOf(row: ChainedAuditRow): UnattestedEvent | undefined {
  const agentsTopic = signedOutsideTheGates.has(row.topic);
  // Submissions are signed by their agent (or launcher), not a gate; the gate that acted on them
  // attests its own record (intake's accepted event, budget's usage accounted, the run's closing).
  if (agentsTopic ? row.attestation === 'agent_signed' : row.attestation === 'verified') return undefined;
  return {
    seq: row.seq,
    topic: row.topic,
    event_type: row.event_type,
    attestation: row.attestation,
    reason: reasonOf(row, agentsTopic),
  };
}

function reasonOf(row: ChainedAuditRow, agentsTopic: boolean): string {
  switch (row.attestation) {
    case 'missing':
    case 'invalid':
      return row.attestation_error || `attestation ${row.attestation}`;
    case 'verified':
      return 'a gate attestation on the agents’ topic, where none belongs';
    case 'agent_signed':
      return agentsTopic ? '' : 'recorded as agent-signed on a gate topic';
    default:
      return `unknown attestation status ${JSON.stringify(row.attestation)}`;
  }
}
