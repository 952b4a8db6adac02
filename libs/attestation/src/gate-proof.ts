import type { Proposal } from '@airlock/contracts';
import type { SignedClaims } from './attestation-claims';
import { verifyAttestation } from './attestation-jws';
import { proposalHash } from './proposal-hash';
import type { ServiceKeyring } from './signing-keys';

/**
 * How far a proposal must have come before a gate acts on it:
 * - accepted: intake verified the agent's signature (what policy needs);
 * - approval_requested: policy sent it to a human (what approval needs);
 * - cleared: policy allowed it, or policy sent it to a human who approved (what budget needs);
 * - reserved: cleared, and budget reserved its cost (what the executor needs).
 */
export type ProofStage = 'accepted' | 'approval_requested' | 'cleared' | 'reserved';

export type GateProof =
  | { ok: true; route?: 'policy_allow' | 'human_approval'; approver_id?: string }
  | { ok: false; code: 'missing_attestation' | 'invalid_attestation'; reason: string };

export type ExecutionProof = GateProof;

export interface ExecutionProofInput {
  proposal: Proposal;
  proposal_hash: string;
  attestations: string[];
}

type ClaimsByGate = Partial<{ [G in SignedClaims['gate']]: Extract<SignedClaims, { gate: G }> }>;

/**
 * Each gate's check before it acts (invariant 1): the proposal content is the one every earlier
 * gate signed for, and the gates that must have passed it by this stage did. A forged event on an
 * internal topic is therefore refused at the first gate that reads it, not only at the executor.
 */
export async function checkGateProof(
  input: ExecutionProofInput,
  keyring: ServiceKeyring,
  stage: ProofStage,
): Promise<GateProof> {
  if (!contentMatchesHash(input.proposal, input.proposal_hash)) {
    return { ok: false, code: 'invalid_attestation', reason: 'proposal content does not match its hash' };
  }
  const collected = await collectClaims(input, keyring);
  if (!collected.ok) return { ok: false, code: 'invalid_attestation', reason: collected.reason };
  return decideRoute(collected.byGate, stage);
}

/** The executor's last check before a side effect: every gate up to budget passed this content. */
export async function checkExecutionProof(
  input: ExecutionProofInput,
  keyring: ServiceKeyring,
): Promise<ExecutionProof> {
  return checkGateProof(input, keyring, 'reserved');
}

function contentMatchesHash(proposal: Proposal, expectedHash: string): boolean {
  try {
    return proposalHash(proposal) === expectedHash;
  } catch {
    // Content that cannot even be hashed cannot be what a gate signed for.
    return false;
  }
}

async function collectClaims(
  input: ExecutionProofInput,
  keyring: ServiceKeyring,
): Promise<{ ok: true; byGate: ClaimsByGate } | { ok: false; reason: string }> {
  const byGate: Record<string, SignedClaims> = {};
  for (const [index, jws] of input.attestations.entries()) {
    const label = `attestation ${index + 1}`;
    const verified = await verifyAttestation(jws, keyring);
    if (!verified.ok) return { ok: false, reason: `${label}: ${verified.reason}` };
    const { claims } = verified;
    // A valid attestation of another proposal must not be replayable onto this one.
    if (claims.proposal_id !== input.proposal.proposal_id) {
      return {
        ok: false,
        reason: `${label} was issued for proposal ${claims.proposal_id}, not ${input.proposal.proposal_id}`,
      };
    }
    if (claims.proposal_hash !== input.proposal_hash) {
      return { ok: false, reason: `${label} (${claims.gate}) was issued for different proposal content` };
    }
    // Gates sign once per proposal; two verdicts from one gate means something upstream is wrong.
    if (byGate[claims.gate] !== undefined) {
      return { ok: false, reason: `more than one attestation from the ${claims.gate} gate` };
    }
    byGate[claims.gate] = claims;
  }
  return { ok: true, byGate: byGate as ClaimsByGate };
}

function missingFor(byGate: ClaimsByGate, stage: ProofStage): string[] {
  const missing: string[] = [];
  if (byGate.intake === undefined) missing.push('intake acceptance');
  if (stage === 'accepted') return missing;
  const policy = byGate.policy;
  if (stage === 'approval_requested') {
    if (policy?.verdict !== 'approval_required') missing.push('policy request for approval');
    return missing;
  }
  if (policy === undefined) missing.push('policy decision');
  if (policy?.verdict === 'approval_required' && byGate.approval === undefined)
    missing.push('human approval');
  if (stage === 'reserved' && byGate.budget === undefined) missing.push('budget reservation');
  return missing;
}

function decideRoute(byGate: ClaimsByGate, stage: ProofStage): GateProof {
  const missing = missingFor(byGate, stage);
  if (missing.length > 0) {
    return { ok: false, code: 'missing_attestation', reason: `missing attestation of ${missing.join(', ')}` };
  }
  if (stage === 'accepted' || stage === 'approval_requested') return { ok: true };
  if (byGate.policy?.verdict === 'allow') return { ok: true, route: 'policy_allow' };
  return { ok: true, route: 'human_approval', approver_id: byGate.approval?.approver_id };
}
