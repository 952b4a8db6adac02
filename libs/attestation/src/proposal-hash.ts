import { createHash } from 'node:crypto';
import type { Proposal } from '@airlock/contracts';
import { canonicalJson } from './canonical-json';

/** SHA-256 (hex) of the proposal's canonical JSON: what every attestation is bound to. */
export function proposalHash(proposal: Proposal): string {
  return createHash('sha256').update(canonicalJson(proposal), 'utf8').digest('hex');
}
