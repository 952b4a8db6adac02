import 'reflect-metadata';
import { loadBundle, readServiceKeyring, secretsLayout } from '@airlock/bundle';
import { auditDatabaseName } from '@airlock/audit-reading';
import { ClickHouseHttp } from '@airlock/clickhouse';
import { loadConfig, namespaceOf, runService, startOrExit } from '@airlock/service-runtime';
import { AuditConfig } from './audit.config';
import { AuditModule } from './audit.module';
import { AuditRecorder } from './audit-recorder';
import { AuditStore } from './audit.store';
import { migrateAuditDatabase } from './clickhouse-migrations';
import { recordToolRisks } from './tool-risk-catalog';

startOrExit('audit', async (logger) => {
  const config = loadConfig(AuditConfig);
  const bundle = loadBundle(config.AIRLOCK_BUNDLE_DIR);
  // The gates' public keys, to record per event whether its attestation verified.
  const keyring = readServiceKeyring(secretsLayout(config.AIRLOCK_SECRETS_DIR).keyringFile);
  const clickhouse = new ClickHouseHttp(config.AIRLOCK_CLICKHOUSE_URL);
  const database = auditDatabaseName(namespaceOf(config));
  // An unreachable ClickHouse fails here with its URL in the message, before any event is consumed.
  const { retiredTable } = await migrateAuditDatabase(clickhouse, database);
  if (retiredTable !== undefined) {
    logger.event(
      'warn',
      `renamed ${database}.events of the layout before ADR 0007 to ${database}.${retiredTable}`,
      {
        retired_table: `${database}.${retiredTable}`,
      },
    );
  }
  await recordToolRisks(clickhouse, database, bundle);
  return runService({
    service: 'audit',
    config,
    logger,
    module: AuditModule.register({ bundle, keyring, store: new AuditStore(clickhouse, database), logger }),
    consumer: AuditRecorder,
  });
});
