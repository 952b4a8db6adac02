/** What a gate vouches for: one verdict per gate, each with the details the executor relies on. */
export type AttestationClaims =
  | { gate: 'intake'; verdict: 'accepted' }
  | { gate: 'policy'; verdict: 'allow' | 'approval_required' }
  | { gate: 'approval'; verdict: 'approved'; approver_id: string }
  | { gate: 'budget'; verdict: 'reserved'; reserved_cost_usd: number };

export type BoundClaims = AttestationClaims & {
  proposal_id: string;
  proposal_hash: string;
  bundle_hash?: string;
};

/** Claims as signed: bound to one proposal's id and content hash, with the signing time (seconds). */
export type SignedClaims = BoundClaims & { iat: number };

const sha256Hex = /^[0-9a-f]{64}$/;

/**
 * Reads a verified JWS payload back into claims. A valid signature only proves who wrote the
 * payload, not that it is well formed, so a verdict a gate can never give is refused here.
 */
export function parseSignedClaims(
  payload: unknown,
): { ok: true; claims: SignedClaims } | { ok: false; reason: string } {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    return { ok: false, reason: 'attestation payload is not a JSON object' };
  }
  const claims = payload as Record<string, unknown>;
  if (!isNonEmptyString(claims['proposal_id']))
    return { ok: false, reason: 'attestation has no proposal_id' };
  if (!isSha256Hex(claims['proposal_hash']))
    return { ok: false, reason: 'attestation has no valid proposal_hash' };
  if (claims['bundle_hash'] !== undefined && !isSha256Hex(claims['bundle_hash'])) {
    return { ok: false, reason: 'attestation has an invalid bundle_hash' };
  }
  if (typeof claims['iat'] !== 'number' || !Number.isInteger(claims['iat'])) {
    return { ok: false, reason: 'attestation has no integer iat' };
  }
  const verdictProblem = problemWithVerdict(claims);
  if (verdictProblem !== undefined) return { ok: false, reason: verdictProblem };
  return { ok: true, claims: claims as unknown as SignedClaims };
}

function problemWithVerdict(claims: Record<string, unknown>): string | undefined {
  const { gate, verdict } = claims;
  switch (gate) {
    case 'intake':
      return verdict === 'accepted' ? undefined : `intake cannot attest verdict ${String(verdict)}`;
    case 'policy':
      return verdict === 'allow' || verdict === 'approval_required'
        ? undefined
        : `policy cannot attest verdict ${String(verdict)}`;
    case 'approval':
      if (verdict !== 'approved') return `approval cannot attest verdict ${String(verdict)}`;
      return isNonEmptyString(claims['approver_id']) ? undefined : 'approval attestation names no approver';
    case 'budget':
      if (verdict !== 'reserved') return `budget cannot attest verdict ${String(verdict)}`;
      return isNonNegativeFiniteNumber(claims['reserved_cost_usd'])
        ? undefined
        : 'budget attestation has no valid reserved_cost_usd';
    default:
      return `attestation names unknown gate ${String(gate)}`;
  }
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

function isSha256Hex(value: unknown): value is string {
  return typeof value === 'string' && sha256Hex.test(value);
}

function isNonNegativeFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}
