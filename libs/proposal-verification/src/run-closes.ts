import type { JsonWebKey } from 'node:crypto';
import { signStatement, verifyStatement, type SigningKey } from '@airlock/attestation';
import { validateRunClose, validateRunTicket, type LauncherRecord, type RunClose } from '@airlock/contracts';
import { runTicketJwsType } from './run-tickets';
import { verifySignedBy } from './signed-by';

/** Distinguishes a launcher's run close from its run tickets. */
export const runCloseJwsType = 'airlock-run-close+jws';

const runCloses = {
  type: runCloseJwsType,
  validate: validateRunClose,
  name: 'the run close',
  invalidCode: 'invalid_run_close',
};

export type RunCloseVerdict =
  { ok: true; close: RunClose; launcher: LauncherRecord } | { ok: false; code: string; reason: string };

/** What a launcher does when its user's task is over: sign the run's close, with the run's ticket in it. */
export function signRunClose(close: RunClose, key: SigningKey): string {
  return signStatement(key, runCloseJwsType, close);
}

/**
 * Whether a run close is a registered launcher's, for a run that launcher opened: the ticket inside
 * must verify with the same launcher's key and name the same run, so no launcher closes another's
 * runs. Never throws.
 */
export function verifyRunClose(jws: string, launchers: ReadonlyMap<string, LauncherRecord>): RunCloseVerdict {
  const signed = verifySignedBy(jws, runCloses, launchers);
  if (!signed.ok) return signed;
  const { statement: close, signer: launcher } = signed;
  if (launcher.id !== close.launcher_id) {
    return {
      ok: false,
      code: 'launcher_mismatch',
      reason: `the run close names launcher ${close.launcher_id} but is signed by another launcher's key`,
    };
  }
  const ticketKey = (kid: string) =>
    launcher.public_keys.find((candidate) => candidate.kid === kid) as JsonWebKey | undefined;
  const ticket = verifyStatement(close.run_ticket, runTicketJwsType, ticketKey);
  const opened = ticket.ok ? validateRunTicket(ticket.statement) : undefined;
  if (opened === undefined || !opened.ok || opened.value.run_id !== close.run_id) {
    return {
      ok: false,
      code: 'run_not_opened_by_launcher',
      reason: `launcher ${launcher.id} closes run ${close.run_id} without the ticket by which it opened that run`,
    };
  }
  return { ok: true, close, launcher };
}
