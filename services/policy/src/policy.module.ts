import { Module, type DynamicModule } from '@nestjs/common';
import type { Pool } from 'pg';
import type { ServiceKeyring, SigningKey } from '@airlock/attestation';
import { Bundle } from '@airlock/bundle';
import { gatePipelineProvider, MessagingModule } from '@airlock/messaging';
import type { EntityOverlay, PolicyEngine } from '@airlock/policy-engine';
import { brokersOf, JsonLogger, namespaceOf } from '@airlock/service-runtime';
import type { PolicyConfig } from './policy.config';
import {
  POLICY_ENGINE,
  POLICY_ENTITIES,
  POLICY_SHADOW,
  POLICY_SIGNING_KEY,
  PolicyGate,
  type ShadowBundle,
} from './policy-gate';
import { RunHistoryStore } from './run-history.store';

export interface PolicyDependencies {
  config: PolicyConfig;
  bundle: Bundle;
  engine: PolicyEngine;
  shadow: ShadowBundle | null;
  entities: EntityOverlay;
  signingKey: SigningKey;
  keyring: ServiceKeyring;
  store: Pool;
  logger: JsonLogger;
}

@Module({})
export class PolicyModule {
  static register(deps: PolicyDependencies): DynamicModule {
    return {
      module: PolicyModule,
      imports: [
        MessagingModule.forGate({
          gate: 'policy',
          brokers: brokersOf(deps.config),
          namespace: namespaceOf(deps.config),
          signingKey: deps.signingKey,
        }),
      ],
      providers: [
        { provide: Bundle, useValue: deps.bundle },
        { provide: POLICY_ENGINE, useValue: deps.engine },
        { provide: POLICY_SHADOW, useValue: deps.shadow },
        { provide: POLICY_ENTITIES, useValue: deps.entities },
        { provide: POLICY_SIGNING_KEY, useValue: deps.signingKey },
        { provide: JsonLogger, useValue: deps.logger },
        { provide: RunHistoryStore, useValue: new RunHistoryStore(deps.store) },
        PolicyGate,
        gatePipelineProvider({
          gate: 'policy',
          keyring: deps.keyring,
          logger: deps.logger,
          routes: PolicyGate,
        }),
      ],
    };
  }
}
