import { Module, type DynamicModule } from '@nestjs/common';
import type { Pool } from 'pg';
import type { ServiceKeyring, SigningKey } from '@airlock/attestation';
import { Bundle } from '@airlock/bundle';
import { HaltBoard } from '@airlock/halts';
import { gatePipelineProvider, MessagingModule } from '@airlock/messaging';
import { brokersOf, JsonLogger, namespaceOf } from '@airlock/service-runtime';
import { AttemptStore } from './attempt-store';
import type { ExecutorConfig } from './executor.config';
import { EXECUTOR_SECRETS, EXECUTOR_TIMEOUT_MS, ExecutorGate } from './executor-gate';
import type { ToolCallSecrets } from './http-tool-adapter';

export interface ExecutorDependencies {
  config: ExecutorConfig;
  bundle: Bundle;
  signingKey: SigningKey;
  keyring: ServiceKeyring;
  secrets: ToolCallSecrets;
  store: Pool;
  halts: HaltBoard;
  logger: JsonLogger;
}

@Module({})
export class ExecutorModule {
  static register(deps: ExecutorDependencies): DynamicModule {
    return {
      module: ExecutorModule,
      imports: [
        MessagingModule.forGate({
          gate: 'executor',
          brokers: brokersOf(deps.config),
          namespace: namespaceOf(deps.config),
          signingKey: deps.signingKey,
        }),
      ],
      providers: [
        { provide: Bundle, useValue: deps.bundle },
        { provide: EXECUTOR_SECRETS, useValue: deps.secrets },
        { provide: EXECUTOR_TIMEOUT_MS, useValue: deps.config.AIRLOCK_TOOL_TIMEOUT_MS },
        { provide: JsonLogger, useValue: deps.logger },
        { provide: HaltBoard, useValue: deps.halts },
        { provide: AttemptStore, useValue: new AttemptStore(deps.store) },
        ExecutorGate,
        gatePipelineProvider({
          gate: 'executor',
          keyring: deps.keyring,
          logger: deps.logger,
          routes: ExecutorGate,
        }),
      ],
    };
  }
}
