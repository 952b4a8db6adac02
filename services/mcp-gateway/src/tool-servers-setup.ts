import type { Bundle } from '@airlock/bundle';
import { createPolicyEngine } from '@airlock/policy-engine';
import type { JsonLogger } from '@airlock/service-runtime';
import type { AgentConnections } from './agent-connections';
import { CallLedger } from './call-ledger';
import type { McpGatewayConfig } from './mcp-gateway.config';
import { McpToolServers } from './mcp-tool-server';

/** What both entry points build the same way from the bundle and the configuration. */
export function toolServersFrom(
  bundle: Bundle,
  config: McpGatewayConfig,
  connections: AgentConnections,
  logger: JsonLogger,
): McpToolServers {
  return new McpToolServers({
    agents: bundle.agents,
    tools: bundle.tools,
    engine: createPolicyEngine({ policies: bundle.policies, tools: bundle.tools, entities: bundle.entities }),
    connections,
    ledger: new CallLedger(),
    callTimeoutMs: config.AIRLOCK_MCP_CALL_TIMEOUT_MS,
    progressIntervalMs: config.AIRLOCK_MCP_PROGRESS_INTERVAL_MS,
    logger,
  });
}
