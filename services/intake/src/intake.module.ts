import { Module, type DynamicModule } from '@nestjs/common';
import type { Pool } from 'pg';
import type { SigningKey } from '@airlock/attestation';
import type { Bundle } from '@airlock/bundle';
import { MessagingModule } from '@airlock/messaging';
import { brokersOf, JsonLogger } from '@airlock/service-runtime';
import type { IntakeConfig } from './intake.config';
import { INTAKE_BUNDLE, INTAKE_SIGNING_KEY, IntakeGate } from './intake-gate';
import { ProposalSubmittedHandler } from './proposal-submitted.handler';
import { SubmissionLedger } from './submission-ledger';

export interface IntakeDependencies {
  config: IntakeConfig;
  bundle: Bundle;
  signingKey: SigningKey;
  store: Pool;
  logger: JsonLogger;
}

@Module({})
export class IntakeModule {
  static register(deps: IntakeDependencies): DynamicModule {
    return {
      module: IntakeModule,
      imports: [
        MessagingModule.forService({
          service: 'intake',
          brokers: brokersOf(deps.config),
          logger: deps.logger,
          maxMessageBytes: deps.config.AIRLOCK_MAX_PROPOSAL_BYTES,
        }),
      ],
      controllers: [ProposalSubmittedHandler],
      providers: [
        { provide: INTAKE_BUNDLE, useValue: deps.bundle },
        { provide: INTAKE_SIGNING_KEY, useValue: deps.signingKey },
        { provide: JsonLogger, useValue: deps.logger },
        { provide: SubmissionLedger, useValue: new SubmissionLedger(deps.store) },
        IntakeGate,
      ],
    };
  }
}
