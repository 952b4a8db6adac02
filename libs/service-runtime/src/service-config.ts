// class-transformer's decorators below read design metadata: whoever loads a config needs this first.
import 'reflect-metadata';
import { plainToInstance, Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  validateSync,
} from 'class-validator';

export class ConfigError extends Error {}

/** Settings every service needs. Each service extends this with its own. */
export class BaseServiceConfig {
  @IsString()
  @IsNotEmpty({
    message: 'AIRLOCK_KAFKA_BROKERS must list the Kafka bootstrap servers, e.g. 127.0.0.1:19092',
  })
  AIRLOCK_KAFKA_BROKERS!: string;

  /** Prefix for topics, consumer groups and store schemas, so several stacks (tests, demo) share one Kafka. */
  @IsOptional()
  @Matches(/^[a-z0-9_]{0,40}$/, { message: 'AIRLOCK_NAMESPACE may hold only a-z, 0-9 and _ (at most 40)' })
  AIRLOCK_NAMESPACE?: string;

  @IsString()
  @IsNotEmpty({ message: 'AIRLOCK_BUNDLE_DIR must point at the policy bundle directory' })
  AIRLOCK_BUNDLE_DIR!: string;

  @IsString()
  @IsNotEmpty({ message: 'AIRLOCK_SECRETS_DIR must point at the local secrets directory' })
  AIRLOCK_SECRETS_DIR!: string;

  /** When set, GET /healthz answers on this port (127.0.0.1): 503 while a partition waits on a dependency. */
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'AIRLOCK_HEALTH_PORT must be a whole port number' })
  @Min(1, { message: 'AIRLOCK_HEALTH_PORT must be between 1 and 65535' })
  @Max(65535, { message: 'AIRLOCK_HEALTH_PORT must be between 1 and 65535' })
  AIRLOCK_HEALTH_PORT?: number;

  /** Partitions of the topics a service creates when they are missing: the most consumers a gate can spread over. */
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'AIRLOCK_TOPIC_PARTITIONS must be a whole number' })
  @Min(1, { message: 'AIRLOCK_TOPIC_PARTITIONS must be at least 1' })
  @Max(1000, { message: 'AIRLOCK_TOPIC_PARTITIONS must be at most 1000' })
  AIRLOCK_TOPIC_PARTITIONS: number = 3;

  /** Replication factor of the topics a service creates: 1 on a single local broker, 3 in production. */
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'AIRLOCK_TOPIC_REPLICATION must be a whole number' })
  @Min(1, { message: 'AIRLOCK_TOPIC_REPLICATION must be at least 1' })
  @Max(10, { message: 'AIRLOCK_TOPIC_REPLICATION must be at most 10' })
  AIRLOCK_TOPIC_REPLICATION: number = 1;

  /** `debug` adds Nest's debug lines to the JSON log. */
  @IsOptional()
  @IsIn(['info', 'debug'], { message: 'AIRLOCK_LOG_LEVEL must be info or debug' })
  AIRLOCK_LOG_LEVEL: 'info' | 'debug' = 'info';
}

/**
 * Where store tests and tools find the local infrastructure that deploy/local starts: the same
 * defaults as deploy/local/env.sh, overridden by the same variables.
 */
export class LocalInfraConfig {
  @IsOptional()
  @IsString()
  AIRLOCK_POSTGRES_URL: string = 'postgres://postgres@127.0.0.1:5432/airlock';

  @IsOptional()
  @IsUrl(
    { require_protocol: true, require_tld: false, protocols: ['http', 'https'] },
    { message: 'AIRLOCK_CLICKHOUSE_URL must be the ClickHouse HTTP URL, e.g. http://127.0.0.1:18123' },
  )
  AIRLOCK_CLICKHOUSE_URL: string = 'http://127.0.0.1:18123';

  @IsOptional()
  @Matches(/^[a-z0-9_]{0,40}$/, { message: 'AIRLOCK_NAMESPACE may hold only a-z, 0-9 and _ (at most 40)' })
  AIRLOCK_NAMESPACE: string = '';
}

/**
 * Validates the environment at start-up; a misconfigured service refuses to start and says which
 * variable is wrong instead of failing later on the first message.
 */
export function loadConfig<T extends object>(
  configClass: new () => T,
  env: NodeJS.ProcessEnv = process.env,
): T {
  const config = plainToInstance(configClass, { ...env }, { enableImplicitConversion: true });
  const errors = validateSync(config, { whitelist: false });
  if (errors.length > 0) {
    const problems = errors.flatMap((error) =>
      Object.values(error.constraints ?? {}).map((message) => `  - ${error.property}: ${message}`),
    );
    throw new ConfigError(`invalid configuration:\n${problems.join('\n')}`);
  }
  return config;
}

/** The stack's namespace: '' when AIRLOCK_NAMESPACE is unset. */
export function namespaceOf(config: BaseServiceConfig): string {
  return config.AIRLOCK_NAMESPACE ?? '';
}

export function brokersOf(config: BaseServiceConfig): string[] {
  return config.AIRLOCK_KAFKA_BROKERS.split(',')
    .map((broker) => broker.trim())
    .filter(Boolean);
}

/** Settings of a service that keeps durable state in PostgreSQL. */
export class StatefulServiceConfig extends BaseServiceConfig {
  @IsString()
  @IsNotEmpty({
    message: 'AIRLOCK_POSTGRES_URL must point at PostgreSQL, e.g. postgres://postgres@127.0.0.1:5432/airlock',
  })
  AIRLOCK_POSTGRES_URL!: string;

  /** How long one SQL statement may wait before it fails and its message is retried (ADR 0006). */
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'AIRLOCK_POSTGRES_STATEMENT_TIMEOUT_MS must be a whole number of milliseconds' })
  @Min(100, { message: 'AIRLOCK_POSTGRES_STATEMENT_TIMEOUT_MS must be at least 100 ms' })
  @Max(600_000, { message: 'AIRLOCK_POSTGRES_STATEMENT_TIMEOUT_MS must be at most 600000 ms' })
  AIRLOCK_POSTGRES_STATEMENT_TIMEOUT_MS: number = 15000;
}
