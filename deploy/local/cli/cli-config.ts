import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { IsOptional, IsString, IsUrl } from 'class-validator';
import { LocalInfraConfig } from '@airlock/service-runtime';

/**
 * The checkout this CLI belongs to, found from this file, which runs both as deploy/local/cli (ts-node)
 * and as dist/deploy/local/cli (compiled): `npx airlock` may be typed in any directory of it.
 */
export function checkoutRoot(start: string = __dirname): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir)
      throw new Error(`no package.json above ${start}: run airlock from its checkout`);
  }
}

const localUrl = { require_protocol: true, require_tld: false, protocols: ['http', 'https'] };

/**
 * Every setting the CLI reads from the environment, validated once: where the APIs, ClickHouse and
 * the local secrets are, and tokens to use instead of a local operator's or approver's.
 */
export class CliConfig extends LocalInfraConfig {
  @IsOptional()
  @IsUrl(localUrl, {
    message: 'AIRLOCK_APPROVAL_URL must be the approval service URL, e.g. http://127.0.0.1:7300',
  })
  AIRLOCK_APPROVAL_URL: string = 'http://127.0.0.1:7300';

  @IsOptional()
  @IsUrl(localUrl, {
    message: 'AIRLOCK_BUDGET_URL must be the budget service URL, e.g. http://127.0.0.1:7301',
  })
  AIRLOCK_BUDGET_URL: string = 'http://127.0.0.1:7301';

  /** The local operator and approver tokens, and agent keys, that `npm start` generates. */
  @IsOptional()
  @IsString()
  AIRLOCK_SECRETS_DIR: string = join(checkoutRoot(), 'deploy', 'local', '.generated', 'secrets');

  /** Where agents and launchers send: `run close` and `propose` speak Kafka, as an agent does. */
  @IsOptional()
  @IsString({ message: 'AIRLOCK_KAFKA_BROKERS must list the Kafka bootstrap servers, e.g. 127.0.0.1:19092' })
  AIRLOCK_KAFKA_BROKERS: string = '127.0.0.1:19092';

  @IsOptional()
  @IsString()
  AIRLOCK_OPERATOR_TOKEN?: string;

  @IsOptional()
  @IsString()
  AIRLOCK_APPROVER_TOKEN?: string;
}
