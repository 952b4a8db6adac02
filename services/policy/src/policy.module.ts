import { Module, type DynamicModule } from '@nestjs/common';
import type { ServiceKeyring, SigningKey } from '@airlock/attestation';
import type { Bundle } from '@airlock/bundle';
import { MessagingModule } from '@airlock/messaging';
import type { PolicyEngine } from '@airlock/policy-engine';
import { BaseServiceConfig, brokersOf, JsonLogger } from '@airlock/service-runtime';
import { AcceptedProposalHandler } from './accepted-proposal.handler';
import { POLICY_BUNDLE, POLICY_ENGINE, POLICY_KEYRING, POLICY_SIGNING_KEY, PolicyGate } from './policy-gate';

export interface PolicyDependencies {
  config: BaseServiceConfig;
  bundle: Bundle;
  engine: PolicyEngine;
  signingKey: SigningKey;
  keyring: ServiceKeyring;
  logger: JsonLogger;
}

@Module({})
export class PolicyModule {
  static register(deps: PolicyDependencies): DynamicModule {
    return {
      module: PolicyModule,
      imports: [
        MessagingModule.forService({
          service: 'policy',
          brokers: brokersOf(deps.config),
          logger: deps.logger,
        }),
      ],
      controllers: [AcceptedProposalHandler],
      providers: [
        { provide: POLICY_BUNDLE, useValue: deps.bundle },
        { provide: POLICY_ENGINE, useValue: deps.engine },
        { provide: POLICY_SIGNING_KEY, useValue: deps.signingKey },
        { provide: POLICY_KEYRING, useValue: deps.keyring },
        { provide: JsonLogger, useValue: deps.logger },
        PolicyGate,
      ],
    };
  }
}
