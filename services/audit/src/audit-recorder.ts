import { Inject, Injectable } from '@nestjs/common';
import type { QuarantineRow } from '@airlock/audit-record';
import { topicKeys, type TopicKey } from '@airlock/contracts';
import type { RawKafkaMessage, TopicBatchHandler } from '@airlock/messaging';
import { JsonLogger } from '@airlock/service-runtime';
import { AuditEntryBuilder } from './audit-entry-builder';
import { AuditWriter, type AuditEntry } from './audit-writer';

/**
 * The audit's consumer: every message of every topic becomes an event row or a quarantine row,
 * and a batch resolves once all of its rows are in ClickHouse, so its offsets are committed only
 * then. It throws only an InfrastructureError (ClickHouse away), after which the consumer retries
 * the batch; redelivered events are stored once.
 */
@Injectable()
export class AuditRecorder implements TopicBatchHandler {
  readonly topics: readonly TopicKey[] = topicKeys;
  /** Every partition of a fetch at once (8 topics × their partitions), so their rows share one insert. */
  readonly partitionsAtOnce = 64;

  constructor(
    @Inject(AuditEntryBuilder) private readonly builder: AuditEntryBuilder,
    @Inject(AuditWriter) private readonly writer: AuditWriter,
    @Inject(JsonLogger) private readonly logger: JsonLogger,
  ) {}

  async handleBatch(topic: TopicKey, messages: readonly RawKafkaMessage[]): Promise<void> {
    const entries: AuditEntry[] = [];
    // In offset order, so a run's chain follows the order its events arrived in.
    for (const message of messages) entries.push(await this.builder.entryOf(topic, message));
    for (const entry of entries) if (entry.kind === 'quarantine') this.logQuarantined(entry.row);
    const { refused } = await this.writer.record(entries);
    for (const row of refused) this.logQuarantined(row);
  }

  private logQuarantined(row: QuarantineRow): void {
    this.logger.event('warn', 'quarantined a message audit cannot record as an event', {
      topic: row.topic,
      partition: row.kafka_partition,
      offset: row.kafka_offset,
      run_id: row.kafka_key,
      reason_code: row.reason_code,
      error: row.reason.slice(0, 1000),
    });
  }
}
