import 'reflect-metadata';
import { join } from 'node:path';
import { loadBundle, readSigningKey } from '@airlock/bundle';
import { currentNamespace } from '@airlock/messaging';
import { openServiceStore } from '@airlock/postgres';
import {
  brokersOf,
  loadConfig,
  runService,
  startOrExit,
  StatefulServiceConfig,
} from '@airlock/service-runtime';
import { BudgetModule } from './budget.module';
import { reservationStoreMigrations } from './reservation-store';

startOrExit('budget', async (logger) => {
  const config = loadConfig(StatefulServiceConfig);
  const bundle = loadBundle(config.AIRLOCK_BUNDLE_DIR);
  const signingKey = readSigningKey(join(config.AIRLOCK_SECRETS_DIR, 'services', 'budget.private.jwk.json'));
  const store = await openServiceStore({
    url: config.AIRLOCK_POSTGRES_URL,
    service: 'budget',
    namespace: currentNamespace(),
    migrations: reservationStoreMigrations,
  });
  return runService({
    service: 'budget',
    brokers: brokersOf(config),
    logger,
    module: BudgetModule.register({ config, bundle, signingKey, store, logger }),
  });
});
