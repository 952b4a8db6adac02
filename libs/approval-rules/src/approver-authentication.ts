import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApproverRegistry, TokenAccount } from '@airlock/contracts';

export type Approver = TokenAccount;
export type Operator = TokenAccount;

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
  return accountOfToken(bearerToken, registry.approvers);
}

/** The registered operator (who may halt and resume) whose token hash matches, if any. */
export function authenticateOperator(
  bearerToken: string | undefined,
  registry: ApproverRegistry,
): Operator | undefined {
  return accountOfToken(bearerToken, registry.operators ?? []);
}

/**
 * The account whose token hash matches the bearer token, if any: approvers and operators here, the
 * agents a submitter acts for in the MCP gateway (ADR 0015).
 */
export function accountOfToken<T extends { token_sha256: string }>(
  bearerToken: string | undefined,
  accounts: readonly T[],
): T | undefined {
  if (bearerToken === undefined || bearerToken.length < minimumApproverTokenLength) return undefined;
  const presented = Buffer.from(hashApproverToken(bearerToken), 'hex');
  let match: T | undefined;
  // Compare against every account, not stopping at the first match, so timing reveals nothing about the registry.
  for (const account of accounts) {
    const stored = account.token_sha256.toLowerCase();
    // An account without a (well-formed) hash is disabled and must never match.
    if (!sha256Hex.test(stored)) continue;
    if (timingSafeEqual(presented, Buffer.from(stored, 'hex')) && match === undefined) match = account;
  }
  return match;
}
