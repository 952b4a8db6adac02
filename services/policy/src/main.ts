import 'reflect-metadata';
import { approverGroupsOf, loadBundle, readGateKeys } from '@airlock/bundle';
import { CompactedTopicFeed, GatePipeline } from '@airlock/messaging';
import { createPolicyEngine, EntityOverlay, entityKeyOf } from '@airlock/policy-engine';
import { openServiceStore } from '@airlock/postgres';
import { loadConfig, namespaceOf, runService, startOrExit } from '@airlock/service-runtime';
import { PolicyConfig } from './policy.config';
import { PolicyModule } from './policy.module';
import type { ShadowBundle } from './policy-gate';
import { runHistoryStoreMigrations } from './run-history.store';

/** The candidate bundle of shadow mode; one that does not load stops the service, as the active one does. */
function shadowOf(dir: string | undefined): ShadowBundle | null {
  if (dir === undefined || dir === '') return null;
  const candidate = loadBundle(dir);
  const engine = createPolicyEngine({
    policies: candidate.policies,
    tools: candidate.tools,
    entities: candidate.entities,
    approverGroups: approverGroupsOf(candidate),
  });
  return { hash: candidate.hash, agents: candidate.agents, engine };
}

startOrExit('policy', async (logger) => {
  const config = loadConfig(PolicyConfig);
  const bundle = loadBundle(config.AIRLOCK_BUNDLE_DIR);
  // Policies are parsed once here; a bundle that does not parse stops the service with the file and error.
  const engine = createPolicyEngine({
    policies: bundle.policies,
    tools: bundle.tools,
    entities: bundle.entities,
    approverGroups: approverGroupsOf(bundle),
  });
  const { signingKey, keyring } = readGateKeys(config.AIRLOCK_SECRETS_DIR, 'policy');
  logger.event('info', 'policy bundle loaded', {
    bundle_hash: bundle.hash,
    policies: Object.keys(bundle.policies),
    keeps_run_history: engine.readsHistory,
  });
  const shadow = shadowOf(config.AIRLOCK_SHADOW_BUNDLE_DIR);
  if (shadow !== null) {
    logger.event('info', 'shadow bundle loaded: its disagreements go to airlock.policy.shadow', {
      candidate_bundle_hash: shadow.hash,
    });
  }
  const store = await openServiceStore({
    url: config.AIRLOCK_POSTGRES_URL,
    statementTimeoutMs: config.AIRLOCK_POSTGRES_STATEMENT_TIMEOUT_MS,
    service: 'policy',
    namespace: namespaceOf(config),
    migrations: runHistoryStoreMigrations,
  });
  // What operators change over the bundle's entities, read whole before the first proposal.
  const entities = new EntityOverlay();
  return runService({
    service: 'policy',
    config,
    logger,
    module: PolicyModule.register({
      config,
      bundle,
      engine,
      shadow,
      entities,
      signingKey,
      keyring,
      store,
      logger,
    }),
    consumer: GatePipeline,
    feeds: (connection) => [
      new CompactedTopicFeed(
        connection,
        {
          topic: 'entities',
          holds: "the operators' policy entities",
          keyring,
          apply: (change) => {
            const refused = entities.apply(change);
            if (refused === undefined) {
              logger.event('info', `entity ${change.state}: ${entityKeyOf(change.uid)}`, {
                version: change.version,
                operator_id: change.operator_id,
              });
            }
            return refused;
          },
        },
        logger,
      ),
    ],
  });
});
