import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { StatefulServiceConfig } from '@airlock/service-runtime';

export class ExecutorConfig extends StatefulServiceConfig {
  /** How long a tool call may take before its result counts as unknown. */
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'AIRLOCK_TOOL_TIMEOUT_MS must be a whole number of milliseconds' })
  @Min(100)
  @Max(120000)
  AIRLOCK_TOOL_TIMEOUT_MS: number = 10000;
}
