import { buildEnvelope, type Envelope, type RunTicket } from '@airlock/contracts';
import type { SigningKey } from '@airlock/attestation';
import { signRunClose, signRunTicket } from '@airlock/proposal-verification';

/** What a launcher states about a run it opens (ADR 0011); the SDK adds who and when. */
export type RunFactsToSign = Omit<RunTicket, 'launcher_id' | 'issued_at' | 'expires_at'>;

/** Signs the ticket that opens a run for `ttlSeconds` from `now`, with the launcher's key. */
export function signedRunTicket(
  launcherId: string,
  key: SigningKey,
  facts: RunFactsToSign,
  ttlSeconds: number,
  now: Date = new Date(),
): string {
  return signRunTicket(
    {
      ...facts,
      launcher_id: launcherId,
      issued_at: now.toISOString(),
      expires_at: new Date(now.getTime() + ttlSeconds * 1000).toISOString(),
    },
    key,
  );
}

/**
 * The signed close of a run, in its CloudEvent for airlock.runs (ADR 0012). It embeds the ticket
 * that opened the run, which must be this launcher's: no launcher closes another's runs.
 */
export function runCloseEnvelope(
  launcherId: string,
  key: SigningKey,
  close: { runId: string; reason: string; ticket: string },
  now: Date = new Date(),
): Envelope<'runs'> {
  const jws = signRunClose(
    {
      run_id: close.runId,
      launcher_id: launcherId,
      reason: close.reason,
      closed_at: now.toISOString(),
      run_ticket: close.ticket,
    },
    key,
  );
  return buildEnvelope('runs', `launcher/${launcherId}`, { runId: close.runId }, { jws }, now);
}
