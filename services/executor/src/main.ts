import 'reflect-metadata';
import { loadBundle, readGateKeys, readStringMap, secretsLayout } from '@airlock/bundle';
import { HaltBoard } from '@airlock/halts';
import { GatePipeline } from '@airlock/messaging';
import { openServiceStore } from '@airlock/postgres';
import { loadConfig, namespaceOf, runService, startOrExit } from '@airlock/service-runtime';
import { attemptStoreMigrations } from './attempt-store';
import { ExecutorConfig } from './executor.config';
import { ExecutorModule } from './executor.module';

startOrExit('executor', async (logger) => {
  const config = loadConfig(ExecutorConfig);
  const bundle = loadBundle(config.AIRLOCK_BUNDLE_DIR);
  const layout = secretsLayout(config.AIRLOCK_SECRETS_DIR);
  const { signingKey, keyring } = readGateKeys(config.AIRLOCK_SECRETS_DIR, 'executor');
  const secrets = {
    destinations: readStringMap(layout.destinationsFile, 'tool destinations'),
    credentials: readStringMap(layout.toolCredentialsFile, 'tool credentials'),
  };
  const store = await openServiceStore({
    url: config.AIRLOCK_POSTGRES_URL,
    statementTimeoutMs: config.AIRLOCK_POSTGRES_STATEMENT_TIMEOUT_MS,
    service: 'executor',
    namespace: namespaceOf(config),
    migrations: attemptStoreMigrations,
  });
  const halts = new HaltBoard();
  return runService({
    service: 'executor',
    config,
    logger,
    module: ExecutorModule.register({ config, bundle, signingKey, keyring, secrets, store, halts, logger }),
    consumer: GatePipeline,
    halts: { board: halts, keyring },
  });
});
