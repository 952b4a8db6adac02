import 'reflect-metadata';
import { join } from 'node:path';
import { loadBundle, readServiceKeyring, readStringMap } from '@airlock/bundle';
import { currentNamespace } from '@airlock/messaging';
import { openServiceStore } from '@airlock/postgres';
import { brokersOf, loadConfig, runService, startOrExit } from '@airlock/service-runtime';
import { attemptStoreMigrations } from './attempt-store';
import { ExecutorConfig } from './executor.config';
import { ExecutorModule } from './executor.module';

startOrExit('executor', async (logger) => {
  const config = loadConfig(ExecutorConfig);
  const bundle = loadBundle(config.AIRLOCK_BUNDLE_DIR);
  const secretsDir = config.AIRLOCK_SECRETS_DIR;
  const keyring = readServiceKeyring(join(secretsDir, 'service-keyring.json'));
  const secrets = {
    destinations: readStringMap(join(secretsDir, 'destinations.json'), 'tool destinations'),
    credentials: readStringMap(join(secretsDir, 'tool-credentials.json'), 'tool credentials'),
  };
  const store = await openServiceStore({
    url: config.AIRLOCK_POSTGRES_URL,
    service: 'executor',
    namespace: currentNamespace(),
    migrations: attemptStoreMigrations,
  });
  return runService({
    service: 'executor',
    brokers: brokersOf(config),
    logger,
    module: ExecutorModule.register({ config, bundle, keyring, secrets, store, logger }),
  });
});
