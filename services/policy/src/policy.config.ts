import { IsOptional, IsString } from 'class-validator';
import { StatefulServiceConfig } from '@airlock/service-runtime';

/** Policy keeps each run's history in PostgreSQL when a policy reads it (context.history). */
export class PolicyConfig extends StatefulServiceConfig {
  /**
   * A candidate bundle to evaluate beside the active one on live traffic (shadow mode): every
   * proposal it would decide differently is published on airlock.policy.shadow. Unset: no shadow.
   */
  @IsOptional()
  @IsString()
  AIRLOCK_SHADOW_BUNDLE_DIR?: string;
}
