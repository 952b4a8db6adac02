import { Module, type DynamicModule } from '@nestjs/common';
import type { Pool } from 'pg';
import type { ServiceKeyring, SigningKey } from '@airlock/attestation';
import { AuditReader } from '@airlock/audit-reading';
import { Bundle } from '@airlock/bundle';
import { HaltBoard } from '@airlock/halts';
import { gatePipelineProvider, MessagingModule } from '@airlock/messaging';
import { ApproverGuard, brokersOf, JsonLogger, namespaceOf, OperatorGuard } from '@airlock/service-runtime';
import type { ApprovalConfig } from './approval.config';
import { ApprovalDesk } from './approval-desk';
import { ApprovalPreviews } from './approval-previews';
import { ApprovalPreviewsStore } from './approval-previews.store';
import { ApprovalRequestsStore } from './approval-requests.store';
import { APPROVAL_SWEEP_MS, ApprovalSweeper } from './approval-sweeper';
import { ApprovalsController } from './approvals.controller';
import { ConsoleController } from './console/console.controller';
import { ConsoleSessionsStore } from './console/console-sessions.store';
import { ConsoleSignIn, TokenSignIn } from './console/console-sign-in';
import { OperatorConsoleController } from './console/operator-console.controller';
import { APPROVAL_SIGNING_KEY, DecisionAnnouncer } from './decision-announcer';
import { APPROVAL_KEYRING, JwksController } from './jwks.controller';
import { KillSwitch } from './kill-switch';
import { EntityChangesStore } from './entity-changes.store';
import { OperatorController } from './operator.controller';
import { PolicyEntities } from './policy-entities';
import { UnknownOutcomes } from './unknown-outcomes';
import { UnknownOutcomesStore } from './unknown-outcomes.store';
import { WebhookNotifier } from './webhook-notifier';

export interface ApprovalDependencies {
  config: ApprovalConfig;
  audit: AuditReader;
  bundle: Bundle;
  signingKey: SigningKey;
  keyring: ServiceKeyring;
  store: Pool;
  halts: HaltBoard;
  notifier: WebhookNotifier;
  logger: JsonLogger;
}

@Module({})
export class ApprovalModule {
  static register(deps: ApprovalDependencies): DynamicModule {
    return {
      module: ApprovalModule,
      imports: [
        MessagingModule.forGate({
          gate: 'approval',
          brokers: brokersOf(deps.config),
          namespace: namespaceOf(deps.config),
          signingKey: deps.signingKey,
        }),
      ],
      controllers: [
        ApprovalsController,
        ConsoleController,
        OperatorConsoleController,
        JwksController,
        OperatorController,
      ],
      providers: [
        { provide: Bundle, useValue: deps.bundle },
        { provide: AuditReader, useValue: deps.audit },
        { provide: APPROVAL_SIGNING_KEY, useValue: deps.signingKey },
        { provide: APPROVAL_KEYRING, useValue: deps.keyring },
        { provide: APPROVAL_SWEEP_MS, useValue: deps.config.AIRLOCK_APPROVAL_SWEEP_MS },
        { provide: JsonLogger, useValue: deps.logger },
        { provide: HaltBoard, useValue: deps.halts },
        { provide: WebhookNotifier, useValue: deps.notifier },
        { provide: ApprovalRequestsStore, useValue: new ApprovalRequestsStore(deps.store) },
        { provide: ApprovalPreviewsStore, useValue: new ApprovalPreviewsStore(deps.store) },
        { provide: EntityChangesStore, useValue: new EntityChangesStore(deps.store) },
        { provide: UnknownOutcomesStore, useValue: new UnknownOutcomesStore(deps.store) },
        { provide: ConsoleSessionsStore, useValue: new ConsoleSessionsStore(deps.store) },
        { provide: ConsoleSignIn, useClass: TokenSignIn },
        DecisionAnnouncer,
        ApprovalPreviews,
        ApprovalDesk,
        ApproverGuard,
        OperatorGuard,
        KillSwitch,
        PolicyEntities,
        UnknownOutcomes,
        ApprovalSweeper,
        gatePipelineProvider({
          gate: 'approval',
          keyring: deps.keyring,
          logger: deps.logger,
          routes: ApprovalDesk,
        }),
      ],
    };
  }
}
