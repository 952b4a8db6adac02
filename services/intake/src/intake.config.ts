import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { StatefulServiceConfig } from '@airlock/service-runtime';

export class IntakeConfig extends StatefulServiceConfig {
  /** Proposals larger than this are refused before parsing; a tool call has no business being bigger. */
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'AIRLOCK_MAX_PROPOSAL_BYTES must be a whole number of bytes' })
  @Min(1024)
  @Max(10 * 1024 * 1024)
  AIRLOCK_MAX_PROPOSAL_BYTES: number = 64 * 1024;
}
