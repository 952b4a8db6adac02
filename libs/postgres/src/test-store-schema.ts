import type { Pool } from 'pg';
import { openServiceStore, storeSchemaName } from './service-store';

let opened = 0;

/**
 * For store tests: a service's store in a schema of its own on the real PostgreSQL, opened as
 * often as the test needs (two pools stand for two instances), and dropped with its pools after.
 */
export class TestStoreSchema {
  readonly namespace = `store_test_${process.pid}_${Date.now()}_${(opened += 1)}`;
  private readonly pools: Pool[] = [];

  constructor(
    readonly service: string,
    private readonly migrations: readonly string[],
    /** The PostgreSQL to use: LocalInfraConfig's, in the store tests of services. */
    private readonly url: string,
  ) {}

  get schema(): string {
    return storeSchemaName(this.service, this.namespace);
  }

  async open(): Promise<Pool> {
    const pool = await openServiceStore({
      url: this.url,
      service: this.service,
      namespace: this.namespace,
      migrations: this.migrations,
    });
    this.pools.push(pool);
    return pool;
  }

  async drop(): Promise<void> {
    await this.pools[0]?.query(`DROP SCHEMA IF EXISTS ${this.schema} CASCADE`);
    await Promise.all(this.pools.map((pool) => pool.end()));
  }
}
