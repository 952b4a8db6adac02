import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsUrl, Max, Min } from 'class-validator';
import { StatefulServiceConfig } from '@airlock/service-runtime';

export class ApprovalConfig extends StatefulServiceConfig {
  /** The approval API listens on 127.0.0.1 only; a reverse proxy or the console fronts it. */
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'AIRLOCK_APPROVAL_PORT must be a whole port number' })
  @Min(1, { message: 'AIRLOCK_APPROVAL_PORT must be between 1 and 65535' })
  @Max(65535, { message: 'AIRLOCK_APPROVAL_PORT must be between 1 and 65535' })
  AIRLOCK_APPROVAL_PORT: number = 7300;

  /** How often overdue requests are expired and unpublished decisions re-sent. */
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'AIRLOCK_APPROVAL_SWEEP_MS must be a whole number of milliseconds' })
  @Min(50, { message: 'AIRLOCK_APPROVAL_SWEEP_MS must be at least 50 ms' })
  @Max(60_000, { message: 'AIRLOCK_APPROVAL_SWEEP_MS must be at most 60000 ms' })
  AIRLOCK_APPROVAL_SWEEP_MS: number = 1000;

  /** The console's runs and gates pages read the audit record there (approvals do not need it). */
  @IsUrl(
    { require_protocol: true, require_tld: false, protocols: ['http', 'https'] },
    { message: 'AIRLOCK_CLICKHOUSE_URL must be the ClickHouse HTTP URL, e.g. http://127.0.0.1:18123' },
  )
  AIRLOCK_CLICKHOUSE_URL!: string;

  /**
   * A Slack-compatible incoming webhook told when an approval is waiting and when something is
   * halted; its host must be in approvers.json notifications.allowed_hosts. Unset: no notices.
   */
  @IsOptional()
  @IsUrl(
    { require_protocol: true, require_tld: false, protocols: ['http', 'https'] },
    {
      message: 'AIRLOCK_NOTIFY_WEBHOOK_URL must be an http(s) URL, e.g. https://hooks.slack.com/services/...',
    },
  )
  AIRLOCK_NOTIFY_WEBHOOK_URL?: string;
}
