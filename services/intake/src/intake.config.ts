import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { maxSubmissionBytes } from '@airlock/contracts';
import { defaultFreshnessWindow } from '@airlock/proposal-verification';
import { StatefulServiceConfig } from '@airlock/service-runtime';

export class IntakeConfig extends StatefulServiceConfig {
  /**
   * Submissions larger than this are refused before parsing; a tool call has no business being
   * bigger. An operator may lower it but not raise it: the protocol's limit (maxSubmissionBytes)
   * is what agents are told, and the schema refuses a longer JWS whatever this says.
   */
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'AIRLOCK_MAX_PROPOSAL_BYTES must be a whole number of bytes' })
  @Min(1024, { message: 'AIRLOCK_MAX_PROPOSAL_BYTES must be at least 1024 bytes' })
  @Max(maxSubmissionBytes, {
    message: `AIRLOCK_MAX_PROPOSAL_BYTES may only lower the protocol's limit of ${maxSubmissionBytes} bytes (docs/protocol.md)`,
  })
  AIRLOCK_MAX_PROPOSAL_BYTES: number = maxSubmissionBytes;

  /**
   * A proposal whose issued_at is older than this is refused, so one captured in transit or held
   * back cannot be submitted later (docs/limits.md). A day at most: longer is no freshness at all.
   */
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'AIRLOCK_PROPOSAL_MAX_AGE_SECONDS must be a whole number of seconds' })
  @Min(1, { message: 'AIRLOCK_PROPOSAL_MAX_AGE_SECONDS must be at least 1 second' })
  @Max(86_400, { message: 'AIRLOCK_PROPOSAL_MAX_AGE_SECONDS must be at most 86400 seconds (a day)' })
  AIRLOCK_PROPOSAL_MAX_AGE_SECONDS: number = defaultFreshnessWindow.maxAgeSeconds;

  /**
   * How far an agent's clock may run ahead of intake's; more would let an agent pre-sign proposals
   * that become usable later (docs/limits.md). An hour at most.
   */
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'AIRLOCK_PROPOSAL_MAX_FUTURE_SECONDS must be a whole number of seconds' })
  @Min(0, { message: 'AIRLOCK_PROPOSAL_MAX_FUTURE_SECONDS must be at least 0 seconds' })
  @Max(3_600, { message: 'AIRLOCK_PROPOSAL_MAX_FUTURE_SECONDS must be at most 3600 seconds (an hour)' })
  AIRLOCK_PROPOSAL_MAX_FUTURE_SECONDS: number = defaultFreshnessWindow.maxFutureSeconds;
}
