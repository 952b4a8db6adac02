import { Module, type DynamicModule } from '@nestjs/common';
import type { ServiceKeyring } from '@airlock/attestation';
import type { Bundle } from '@airlock/bundle';
import { JsonLogger } from '@airlock/service-runtime';
import { AuditEntryBuilder, type SensitiveFieldsOf } from './audit-entry-builder';
import { AuditRecorder } from './audit-recorder';
import { AuditWriter } from './audit-writer';
import type { AuditStore } from './audit.store';

export interface AuditDependencies {
  bundle: Bundle;
  /** The gates' public keys: audit checks every event's attestation against them. */
  keyring: ServiceKeyring;
  store: AuditStore;
  logger: JsonLogger;
}

/** Provides AuditRecorder, the consumer runService starts. */
@Module({})
export class AuditModule {
  static register(deps: AuditDependencies): DynamicModule {
    const sensitiveFieldsOf: SensitiveFieldsOf = (tool) =>
      deps.bundle.tools.get(tool)?.sensitive_fields ?? [];
    return {
      module: AuditModule,
      providers: [
        { provide: AuditWriter, useValue: new AuditWriter(deps.store) },
        { provide: AuditEntryBuilder, useValue: new AuditEntryBuilder(deps.keyring, sensitiveFieldsOf) },
        { provide: JsonLogger, useValue: deps.logger },
        AuditRecorder,
      ],
    };
  }
}
