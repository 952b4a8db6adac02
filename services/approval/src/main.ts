import 'reflect-metadata';
import { AuditReader, auditDatabaseName } from '@airlock/audit-reading';
import { loadBundle, readGateKeys } from '@airlock/bundle';
import { ClickHouseHttp } from '@airlock/clickhouse';
import { HaltBoard } from '@airlock/halts';
import { GatePipeline } from '@airlock/messaging';
import { openServiceStore } from '@airlock/postgres';
import { loadConfig, namespaceOf, runService, startOrExit } from '@airlock/service-runtime';
import { ApprovalConfig } from './approval.config';
import { ApprovalModule } from './approval.module';
import { approvalPreviewsMigrations } from './approval-previews.store';
import { approvalRequestsMigrations } from './approval-requests.store';
import { consoleSessionsMigrations } from './console/console-sessions.store';
import { entityChangesMigrations } from './entity-changes.store';
import { haltNotice, webhookProblem } from './notices';
import { unknownOutcomesMigrations } from './unknown-outcomes.store';
import { noticesMigrations, WebhookNotifier } from './webhook-notifier';

startOrExit('approval', async (logger) => {
  const config = loadConfig(ApprovalConfig);
  const bundle = loadBundle(config.AIRLOCK_BUNDLE_DIR);
  const { signingKey, keyring } = readGateKeys(config.AIRLOCK_SECRETS_DIR, 'approval');
  const webhook = config.AIRLOCK_NOTIFY_WEBHOOK_URL;
  const refused =
    webhook === undefined
      ? undefined
      : webhookProblem(webhook, bundle.approvers.notifications?.allowed_hosts ?? []);
  if (refused !== undefined) throw new Error(refused);
  const store = await openServiceStore({
    url: config.AIRLOCK_POSTGRES_URL,
    statementTimeoutMs: config.AIRLOCK_POSTGRES_STATEMENT_TIMEOUT_MS,
    service: 'approval',
    namespace: namespaceOf(config),
    migrations: [
      ...approvalRequestsMigrations,
      ...approvalPreviewsMigrations,
      ...entityChangesMigrations,
      ...unknownOutcomesMigrations,
      ...noticesMigrations,
      ...consoleSessionsMigrations,
    ],
  });
  const halts = new HaltBoard();
  const notifier = new WebhookNotifier(webhook, store, logger);
  const audit = new AuditReader(
    new ClickHouseHttp(config.AIRLOCK_CLICKHOUSE_URL),
    auditDatabaseName(namespaceOf(config)),
  );
  return runService({
    service: 'approval',
    config,
    logger,
    module: ApprovalModule.register({
      config,
      audit,
      bundle,
      signingKey,
      keyring,
      store,
      halts,
      notifier,
      logger,
    }),
    consumer: GatePipeline,
    halts: {
      board: halts,
      keyring,
      onChange: (change) => {
        const notice = haltNotice(change, new Date());
        if (notice !== undefined) void notifier.send(notice);
      },
    },
    httpPort: config.AIRLOCK_APPROVAL_PORT,
  });
});
