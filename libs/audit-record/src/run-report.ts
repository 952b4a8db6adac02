import type { ChainedAuditRow } from './hash-chain';
import type { QuarantineRow } from './quarantine-row';
import { verifyRunRecord } from './run-verification';

/** A quarantined message as a run's report lists it. */
export type QuarantinedMessage = Pick<
  QuarantineRow,
  'topic' | 'kafka_partition' | 'kafka_offset' | 'reason_code' | 'reason'
>;

export interface RunReport {
  /** True only when the chain is intact, every gate event attested, and nothing was quarantined. */
  ok: boolean;
  lines: string[];
}

/**
 * What `verify-run` prints about one run: one line when all is well; otherwise a summary line and
 * one line per event (seq, topic, type, reason) or quarantined message an analyst must look at.
 */
export function runReport(
  runId: string,
  rows: readonly ChainedAuditRow[],
  quarantined: readonly QuarantinedMessage[],
): RunReport {
  const run = `run ${printable(runId)}`;
  const quarantineLines = quarantined.map(
    (message) =>
      `  quarantined: ${message.topic} partition ${message.kafka_partition} offset ${message.kafka_offset}: ` +
      `${printable(message.reason_code)}: ${printable(message.reason)}`,
  );
  if (rows.length === 0) {
    // An unknown run id (or the wrong namespace) must not read as a verified chain.
    return { ok: false, lines: [`${run}: no events recorded`, ...quarantineLines] };
  }
  const { chain, unattested } = verifyRunRecord(rows);
  if (chain.ok && unattested.length === 0 && quarantined.length === 0) {
    return {
      ok: true,
      lines: [`${run}: ${count(rows.length, 'event')}, chain intact, every gate event attested`],
    };
  }
  const summary = [
    `${run}: ${count(rows.length, 'event')}`,
    chain.ok ? 'chain intact' : `chain broken at seq ${chain.seq}: ${chain.reason}`,
    unattested.length === 0
      ? 'every gate event attested'
      : `${count(unattested.length, 'event')} without a valid gate attestation`,
    ...(quarantined.length === 0 ? [] : [`${quarantined.length} quarantined (not in the chain)`]),
  ].join(', ');
  const eventLines = unattested.map(
    (event) =>
      `  seq ${event.seq} ${event.topic} ${printable(event.event_type)}: ${printable(event.attestation)}: ${printable(event.reason)}`,
  );
  return { ok: false, lines: [summary, ...eventLines, ...quarantineLines] };
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** Reasons may quote a forger's text: control characters must not reach the analyst's terminal. */
function printable(text: string): string {
  return String(text).replace(
    // eslint-disable-next-line no-control-regex -- finding control characters is the point
    /[\u0000-\u001f\u007f-\u009f]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
