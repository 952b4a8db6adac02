import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApproverRegistry } from '@airlock/contracts';

export type Approver = ApproverRegistry['approvers'][number];

/**
 * Shorter tokens are refused outright: they are guessable, and the hash of a short or empty token
 * is trivially precomputed.
 */
export const minimumApproverTokenLength = 16;

const sha256Hex = /^[0-9a-f]{64}$/;

export function hashApproverToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The registered approver whose token hash matches the bearer token, if any. */
export function authenticateApprover(
  bearerToken: string | undefined,
  registry: ApproverRegistry,
): Approver | undefined {
  if (bearerToken === undefined || bearerToken.length < minimumApproverTokenLength) return undefined;
  const presented = Buffer.from(hashApproverToken(bearerToken), 'hex');
  let match: Approver | undefined;
  // Compare against every approver, not stopping at the first match, so timing reveals nothing about the registry.
  for (const approver of registry.approvers) {
    const stored = approver.token_sha256.toLowerCase();
    // An approver without a (well-formed) hash is a disabled account and must never match.
    if (!sha256Hex.test(stored)) continue;
    if (timingSafeEqual(presented, Buffer.from(stored, 'hex')) && match === undefined) match = approver;
  }
  return match;
}
