import { IsUrl } from 'class-validator';
import { BaseServiceConfig } from '@airlock/service-runtime';

export class AuditConfig extends BaseServiceConfig {
  @IsUrl(
    { require_protocol: true, require_tld: false, protocols: ['http', 'https'] },
    { message: 'AIRLOCK_CLICKHOUSE_URL must be the ClickHouse HTTP URL, e.g. http://127.0.0.1:18123' },
  )
  AIRLOCK_CLICKHOUSE_URL!: string;
}
