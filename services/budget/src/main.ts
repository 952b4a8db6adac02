import 'reflect-metadata';
import { loadBundle, readGateKeys } from '@airlock/bundle';
import { HaltBoard } from '@airlock/halts';
import { GatePipeline } from '@airlock/messaging';
import { openServiceStore } from '@airlock/postgres';
import { loadConfig, namespaceOf, runService, startOrExit } from '@airlock/service-runtime';
import { BudgetConfig } from './budget.config';
import { BudgetModule } from './budget.module';
import { reservationStoreMigrations } from './reservation-store';

startOrExit('budget', async (logger) => {
  const config = loadConfig(BudgetConfig);
  const bundle = loadBundle(config.AIRLOCK_BUNDLE_DIR);
  const { signingKey, keyring } = readGateKeys(config.AIRLOCK_SECRETS_DIR, 'budget');
  const store = await openServiceStore({
    url: config.AIRLOCK_POSTGRES_URL,
    statementTimeoutMs: config.AIRLOCK_POSTGRES_STATEMENT_TIMEOUT_MS,
    service: 'budget',
    namespace: namespaceOf(config),
    migrations: reservationStoreMigrations,
  });
  const halts = new HaltBoard();
  return runService({
    service: 'budget',
    config,
    logger,
    module: BudgetModule.register({ config, bundle, signingKey, keyring, store, halts, logger }),
    consumer: GatePipeline,
    halts: { board: halts, keyring },
    httpPort: config.AIRLOCK_BUDGET_PORT,
  });
});
