import { Module, type DynamicModule } from '@nestjs/common';
import type { Bundle } from '@airlock/bundle';
import { JsonLogger } from '@airlock/service-runtime';
import { AUDIT_SENSITIVE_FIELDS, AuditRecorder, type SensitiveFieldsOf } from './audit-recorder';
import { AuditEventsHandler } from './audit-events.handler';
import { AuditWriter } from './audit-writer';
import type { ChainedRunStore } from './chained-run-store';

export interface AuditDependencies {
  bundle: Bundle;
  store: ChainedRunStore;
  logger: JsonLogger;
}

@Module({})
export class AuditModule {
  static register(deps: AuditDependencies): DynamicModule {
    const sensitiveFieldsOf: SensitiveFieldsOf = (tool) =>
      deps.bundle.tools.get(tool)?.sensitive_fields ?? [];
    return {
      module: AuditModule,
      controllers: [AuditEventsHandler],
      providers: [
        { provide: AuditWriter, useValue: new AuditWriter(deps.store) },
        { provide: AUDIT_SENSITIVE_FIELDS, useValue: sensitiveFieldsOf },
        { provide: JsonLogger, useValue: deps.logger },
        AuditRecorder,
      ],
    };
  }
}
