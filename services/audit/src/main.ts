import 'reflect-metadata';
import { loadBundle } from '@airlock/bundle';
import { ClickHouseHttp } from '@airlock/clickhouse';
import { currentNamespace } from '@airlock/messaging';
import { brokersOf, loadConfig, runService, startOrExit } from '@airlock/service-runtime';
import { AuditConfig } from './audit.config';
import { AuditModule } from './audit.module';
import { ChainedRunStore } from './chained-run-store';
import { auditDatabaseName, migrateAuditDatabase } from './clickhouse-migrations';
import { recordToolRisks } from './tool-risk-catalog';

startOrExit('audit', async (logger) => {
  const config = loadConfig(AuditConfig);
  const bundle = loadBundle(config.AIRLOCK_BUNDLE_DIR);
  const clickhouse = new ClickHouseHttp(config.AIRLOCK_CLICKHOUSE_URL);
  const database = auditDatabaseName(currentNamespace());
  // An unreachable ClickHouse fails here with its URL in the message, before any event is consumed.
  await migrateAuditDatabase(clickhouse, database);
  await recordToolRisks(clickhouse, database, bundle);
  return runService({
    service: 'audit',
    brokers: brokersOf(config),
    logger,
    module: AuditModule.register({ bundle, store: new ChainedRunStore(clickhouse, database), logger }),
  });
});
