import { Module, type DynamicModule } from '@nestjs/common';
import type { Pool } from 'pg';
import type { ServiceKeyring, SigningKey } from '@airlock/attestation';
import { Bundle } from '@airlock/bundle';
import { HaltBoard } from '@airlock/halts';
import { gatePipelineProvider, MessagingModule } from '@airlock/messaging';
import { brokersOf, JsonLogger, namespaceOf, OperatorGuard } from '@airlock/service-runtime';
import type { BudgetConfig } from './budget.config';
import { BUDGET_SIGNING_KEY, BudgetGate } from './budget-gate';
import { BudgetStandingController } from './budget-standing.controller';
import { ReservationStore } from './reservation-store';

export interface BudgetDependencies {
  config: BudgetConfig;
  bundle: Bundle;
  signingKey: SigningKey;
  keyring: ServiceKeyring;
  store: Pool;
  halts: HaltBoard;
  logger: JsonLogger;
}

@Module({})
export class BudgetModule {
  static register(deps: BudgetDependencies): DynamicModule {
    return {
      module: BudgetModule,
      imports: [
        MessagingModule.forGate({
          gate: 'budget',
          brokers: brokersOf(deps.config),
          namespace: namespaceOf(deps.config),
          signingKey: deps.signingKey,
        }),
      ],
      controllers: [BudgetStandingController],
      providers: [
        { provide: Bundle, useValue: deps.bundle },
        { provide: BUDGET_SIGNING_KEY, useValue: deps.signingKey },
        { provide: JsonLogger, useValue: deps.logger },
        { provide: HaltBoard, useValue: deps.halts },
        { provide: ReservationStore, useValue: new ReservationStore(deps.store) },
        BudgetGate,
        OperatorGuard,
        gatePipelineProvider({
          gate: 'budget',
          keyring: deps.keyring,
          logger: deps.logger,
          routes: BudgetGate,
        }),
      ],
    };
  }
}
