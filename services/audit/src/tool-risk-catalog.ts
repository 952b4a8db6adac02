import type { Bundle } from '@airlock/bundle';
import type { ClickHouseHttp } from '@airlock/clickhouse';

/**
 * Copies each tool's risk class from the bundle into ClickHouse at start-up: the analytics views
 * need it to tell write actions apart, and events do not carry it.
 */
export async function recordToolRisks(
  client: ClickHouseHttp,
  database: string,
  bundle: Bundle,
): Promise<void> {
  const rows = [...bundle.tools.values()].map((tool) => ({
    tool: tool.name,
    risk: tool.risk,
    bundle_hash: bundle.hash,
  }));
  await client.insert(`${database}.tool_risk`, rows);
}
