import { Inject, Injectable } from '@nestjs/common';
import type { KafkaContext } from '@nestjs/microservices';
import { toAuditRow } from '@airlock/audit-record';
import { topics, type TopicKey } from '@airlock/contracts';
import { parseEvent, rawMessageOf } from '@airlock/messaging';
import { JsonLogger } from '@airlock/service-runtime';
import { withConsumerSpan } from '@airlock/telemetry';
import { AuditWriter } from './audit-writer';
import { traceIdOf } from './traceparent';

export const AUDIT_SENSITIVE_FIELDS = Symbol('AUDIT_SENSITIVE_FIELDS');
export type SensitiveFieldsOf = (tool: string) => readonly string[];

/** Size limits are each gate's call; the audit records whatever a gate let through. */
const auditMaxMessageBytes = 16 * 1024 * 1024;

/** Turns any Airlock event into an audit row and waits until it is stored. */
@Injectable()
export class AuditRecorder {
  constructor(
    @Inject(AuditWriter) private readonly writer: AuditWriter,
    @Inject(AUDIT_SENSITIVE_FIELDS) private readonly sensitiveFieldsOf: SensitiveFieldsOf,
    @Inject(JsonLogger) private readonly logger: JsonLogger,
  ) {}

  async record(topic: TopicKey, context: KafkaContext): Promise<void> {
    const parsed = parseEvent(topic, rawMessageOf(context), auditMaxMessageBytes);
    const { raw } = parsed;
    if (!parsed.ok) {
      // The gate that owns the topic dead-letters it; a second dead letter from the audit would be noise.
      this.logger.event('warn', 'skipped a message that could not be parsed', {
        topic: raw.topic,
        partition: raw.partition,
        offset: raw.offset,
        run_id: raw.key,
        reason_code: parsed.code,
        error: parsed.error,
      });
      return;
    }
    const { envelope } = parsed;
    const row = toAuditRow(topics[topic].name, envelope, traceIdOf(raw.headers), this.sensitiveFieldsOf);
    const ids = { runId: envelope.runid, proposalId: envelope.proposalid, agentId: envelope.agentid };
    await withConsumerSpan(`audit record ${topic}`, raw.headers, ids, () => this.writer.record(row));
  }
}
