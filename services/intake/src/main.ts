import 'reflect-metadata';
import { join } from 'node:path';
import { loadBundle, readSigningKey } from '@airlock/bundle';
import { currentNamespace } from '@airlock/messaging';
import { openServiceStore } from '@airlock/postgres';
import { brokersOf, loadConfig, runService, startOrExit } from '@airlock/service-runtime';
import { IntakeConfig } from './intake.config';
import { IntakeModule } from './intake.module';
import { submissionLedgerMigrations } from './submission-ledger';

startOrExit('intake', async (logger) => {
  const config = loadConfig(IntakeConfig);
  const bundle = loadBundle(config.AIRLOCK_BUNDLE_DIR);
  const signingKey = readSigningKey(join(config.AIRLOCK_SECRETS_DIR, 'services', 'intake.private.jwk.json'));
  const store = await openServiceStore({
    url: config.AIRLOCK_POSTGRES_URL,
    service: 'intake',
    namespace: currentNamespace(),
    migrations: submissionLedgerMigrations,
  });
  return runService({
    service: 'intake',
    brokers: brokersOf(config),
    logger,
    module: IntakeModule.register({ config, bundle, signingKey, store, logger }),
  });
});
