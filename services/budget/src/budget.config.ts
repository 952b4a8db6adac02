import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { StatefulServiceConfig } from '@airlock/service-runtime';

export class BudgetConfig extends StatefulServiceConfig {
  /** Operators read what is left of each budget here (127.0.0.1 only). */
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'AIRLOCK_BUDGET_PORT must be a whole port number' })
  @Min(1, { message: 'AIRLOCK_BUDGET_PORT must be between 1 and 65535' })
  @Max(65535, { message: 'AIRLOCK_BUDGET_PORT must be between 1 and 65535' })
  AIRLOCK_BUDGET_PORT: number = 7301;
}
