import { Module, type DynamicModule } from '@nestjs/common';
import type { Pool } from 'pg';
import type { ServiceKeyring, SigningKey } from '@airlock/attestation';
import { Bundle } from '@airlock/bundle';
import { HaltBoard } from '@airlock/halts';
import { gatePipelineProvider, MessagingModule } from '@airlock/messaging';
import { brokersOf, JsonLogger, namespaceOf } from '@airlock/service-runtime';
import type { IntakeConfig } from './intake.config';
import { INTAKE_FRESHNESS, INTAKE_SIGNING_KEY, IntakeGate } from './intake-gate';
import { SubmissionLedger } from './submission-ledger';

export interface IntakeDependencies {
  config: IntakeConfig;
  bundle: Bundle;
  signingKey: SigningKey;
  keyring: ServiceKeyring;
  store: Pool;
  halts: HaltBoard;
  logger: JsonLogger;
}

@Module({})
export class IntakeModule {
  static register(deps: IntakeDependencies): DynamicModule {
    const { config } = deps;
    return {
      module: IntakeModule,
      imports: [
        MessagingModule.forGate({
          gate: 'intake',
          brokers: brokersOf(config),
          namespace: namespaceOf(config),
          signingKey: deps.signingKey,
        }),
      ],
      providers: [
        { provide: Bundle, useValue: deps.bundle },
        { provide: INTAKE_SIGNING_KEY, useValue: deps.signingKey },
        {
          provide: INTAKE_FRESHNESS,
          useValue: {
            maxAgeSeconds: config.AIRLOCK_PROPOSAL_MAX_AGE_SECONDS,
            maxFutureSeconds: config.AIRLOCK_PROPOSAL_MAX_FUTURE_SECONDS,
          },
        },
        { provide: JsonLogger, useValue: deps.logger },
        { provide: HaltBoard, useValue: deps.halts },
        { provide: SubmissionLedger, useValue: new SubmissionLedger(deps.store) },
        IntakeGate,
        gatePipelineProvider({
          gate: 'intake',
          keyring: deps.keyring,
          logger: deps.logger,
          routes: IntakeGate,
          maxMessageBytes: config.AIRLOCK_MAX_PROPOSAL_BYTES,
        }),
      ],
    };
  }
}
