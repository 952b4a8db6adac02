// Jest loads global setup outside its module mapper, so this imports by path, not by alias.
import { buildServices, ensureLocalInfra } from '../../libs/testing/src/local-infra';

/** Runs once before the end-to-end tests: the real PostgreSQL, Kafka and ClickHouse, and the compiled services. */
export default async function globalSetup(): Promise<void> {
  ensureLocalInfra();
  buildServices();
}
