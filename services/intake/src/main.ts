import 'reflect-metadata';
import { loadBundle, readGateKeys } from '@airlock/bundle';
import { HaltBoard } from '@airlock/halts';
import { GatePipeline } from '@airlock/messaging';
import { openServiceStore } from '@airlock/postgres';
import { loadConfig, namespaceOf, runService, startOrExit } from '@airlock/service-runtime';
import { IntakeConfig } from './intake.config';
import { IntakeModule } from './intake.module';
import { submissionLedgerMigrations } from './submission-ledger';

startOrExit('intake', async (logger) => {
  const config = loadConfig(IntakeConfig);
  const bundle = loadBundle(config.AIRLOCK_BUNDLE_DIR);
  const { signingKey, keyring } = readGateKeys(config.AIRLOCK_SECRETS_DIR, 'intake');
  const store = await openServiceStore({
    url: config.AIRLOCK_POSTGRES_URL,
    statementTimeoutMs: config.AIRLOCK_POSTGRES_STATEMENT_TIMEOUT_MS,
    service: 'intake',
    namespace: namespaceOf(config),
    migrations: submissionLedgerMigrations,
  });
  const halts = new HaltBoard();
  return runService({
    service: 'intake',
    config,
    logger,
    module: IntakeModule.register({ config, bundle, signingKey, keyring, store, halts, logger }),
    consumer: GatePipeline,
    halts: { board: halts, keyring },
  });
});
