import 'reflect-metadata';
import { loadBundle, readGateKeys } from '@airlock/bundle';
import { GatePipeline } from '@airlock/messaging';
import { createPolicyEngine } from '@airlock/policy-engine';
import { BaseServiceConfig, loadConfig, runService, startOrExit } from '@airlock/service-runtime';
import { PolicyModule } from './policy.module';

startOrExit('policy', async (logger) => {
  const config = loadConfig(BaseServiceConfig);
  const bundle = loadBundle(config.AIRLOCK_BUNDLE_DIR);
  // Policies are parsed once here; a bundle that does not parse stops the service with the file and error.
  const engine = createPolicyEngine({ policies: bundle.policies, tools: bundle.tools });
  const { signingKey, keyring } = readGateKeys(config.AIRLOCK_SECRETS_DIR, 'policy');
  logger.event('info', 'policy bundle loaded', {
    bundle_hash: bundle.hash,
    policies: Object.keys(bundle.policies),
  });
  return runService({
    service: 'policy',
    config,
    logger,
    module: PolicyModule.register({ config, bundle, engine, signingKey, keyring, logger }),
    consumer: GatePipeline,
  });
});
