import {
  attestationColumnsOf,
  toAuditRow,
  toQuarantineRow,
  type QuarantineSource,
} from '@airlock/audit-record';
import type { ServiceKeyring } from '@airlock/attestation';
import { topics, type TopicKey } from '@airlock/contracts';
import { parseEvent, type RawKafkaMessage } from '@airlock/messaging';
import { withConsumerSpan } from '@airlock/telemetry';
import type { AuditEntry } from './audit-writer';
import { traceIdOf } from './traceparent';

export type SensitiveFieldsOf = (tool: string) => readonly string[];

/** Size limits are each gate's call; the audit records whatever a gate let through. */
const auditMaxMessageBytes = 16 * 1024 * 1024;

/**
 * Turns one consumed message into what audit stores: an event row carrying the result of its
 * attestation check, or a quarantine row saying why it cannot be one. Never throws: every message
 * on every topic, forged or broken, must end somewhere an analyst can see it.
 */
export class AuditEntryBuilder {
  constructor(
    private readonly keyring: ServiceKeyring,
    private readonly sensitiveFieldsOf: SensitiveFieldsOf,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async entryOf(topic: TopicKey, message: RawKafkaMessage): Promise<AuditEntry> {
    const spec = topics[topic];
    // The topic's name without the namespace: `events` rows of every stack read alike.
    const source: QuarantineSource = { ...message, topic: spec.name };
    const quarantine = (code: string, reason: string): AuditEntry => ({
      kind: 'quarantine',
      row: toQuarantineRow(source, code, reason, this.now()),
    });
    try {
      const parsed = parseEvent(topic, message, auditMaxMessageBytes);
      // The gate that owns the topic also dead-letters it; audit keeps the raw bytes either way.
      if (!parsed.ok) return quarantine(parsed.code, parsed.error);
      const { envelope } = parsed;
      const ids = { runId: envelope.runid, proposalId: envelope.proposalid, agentId: envelope.agentid };
      return await withConsumerSpan(`audit record ${topic}`, message.headers, ids, async () => {
        const attestation = await attestationColumnsOf(envelope, this.keyring, spec.attestedBy);
        const built = toAuditRow(spec.name, envelope, {
          traceId: traceIdOf(message.headers),
          attestation,
          sensitiveFieldsOf: this.sensitiveFieldsOf,
        });
        return built.ok ? { kind: 'event', row: built.row, source } : quarantine(built.code, built.reason);
      });
    } catch (error) {
      return quarantine(
        'unbuildable_row',
        `audit could not record the message: ${(error as Error)?.message ?? String(error)}`,
      );
    }
  }
}
