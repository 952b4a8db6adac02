import { Module, type DynamicModule } from '@nestjs/common';
import type { Pool } from 'pg';
import type { ServiceKeyring, SigningKey } from '@airlock/attestation';
import type { Bundle } from '@airlock/bundle';
import { MessagingModule } from '@airlock/messaging';
import { brokersOf, JsonLogger } from '@airlock/service-runtime';
import type { StatefulServiceConfig } from '@airlock/service-runtime';
import { BUDGET_BUNDLE, BUDGET_KEYRING, BUDGET_SIGNING_KEY, BudgetGate } from './budget-gate';
import { ClearedProposalHandler } from './cleared-proposal.handler';
import { ReservationStore } from './reservation-store';

export interface BudgetDependencies {
  config: StatefulServiceConfig;
  bundle: Bundle;
  signingKey: SigningKey;
  keyring: ServiceKeyring;
  store: Pool;
  logger: JsonLogger;
}

@Module({})
export class BudgetModule {
  static register(deps: BudgetDependencies): DynamicModule {
    return {
      module: BudgetModule,
      imports: [
        MessagingModule.forService({
          service: 'budget',
          brokers: brokersOf(deps.config),
          logger: deps.logger,
        }),
      ],
      controllers: [ClearedProposalHandler],
      providers: [
        { provide: BUDGET_BUNDLE, useValue: deps.bundle },
        { provide: BUDGET_SIGNING_KEY, useValue: deps.signingKey },
        { provide: BUDGET_KEYRING, useValue: deps.keyring },
        { provide: JsonLogger, useValue: deps.logger },
        { provide: ReservationStore, useValue: new ReservationStore(deps.store) },
        BudgetGate,
      ],
    };
  }
}
