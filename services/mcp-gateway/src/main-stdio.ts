import 'reflect-metadata';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { loadBundle, secretsLayout } from '@airlock/bundle';
import { AirlockAgent } from '@airlock/sdk';
import {
  brokersOf,
  flushLogLines,
  JsonLogger,
  loadConfig,
  namespaceOf,
  startOrExit,
} from '@airlock/service-runtime';
import { AgentConnections } from './agent-connections';
import { runTicketClaims } from './caller-identity';
import { McpStdioConfig } from './mcp-gateway.config';
import { toolServersFrom } from './tool-servers-setup';

/**
 * The MCP front door over stdio: the agent host starts it as its own child process, so it runs
 * where the agent's key already is and signs as the agent itself (no submitter, no token). stdout
 * carries MCP, so the log goes to stderr.
 */
startOrExit(
  'mcp-gateway',
  async (logger) => {
    const config = loadConfig(McpStdioConfig);
    logger.setLevel(config.AIRLOCK_LOG_LEVEL);
    const bundle = loadBundle(config.AIRLOCK_BUNDLE_DIR);
    const agentId = config.AIRLOCK_MCP_AGENT_ID;
    if (!bundle.agents.has(agentId)) {
      throw new Error(`AIRLOCK_MCP_AGENT_ID: the bundle has no agents/${agentId}.json`);
    }
    const claims = runTicketClaims(config.AIRLOCK_MCP_RUN_TICKET);
    if (!claims.ok) throw new Error(`AIRLOCK_MCP_RUN_TICKET: ${claims.message}`);
    if (claims.agentId !== agentId) {
      throw new Error(`AIRLOCK_MCP_RUN_TICKET opens a run for agent ${claims.agentId}, not ${agentId}`);
    }
    const keyFile =
      config.AIRLOCK_MCP_AGENT_KEY_FILE ?? secretsLayout(config.AIRLOCK_SECRETS_DIR).agentKeyFile(agentId);
    const connections = await AgentConnections.open([agentId], () =>
      AirlockAgent.connect({
        brokers: brokersOf(config),
        namespace: namespaceOf(config),
        clientId: `airlock-mcp-stdio-${agentId}`,
        agentId,
        key: keyFile,
        watchPolicyDecisions: true,
      }),
    );
    const server = toolServersFrom(bundle, config, connections, logger).serverFor({
      agentId,
      runId: claims.runId,
      runTicket: config.AIRLOCK_MCP_RUN_TICKET,
    });
    const stop = async () => {
      await server.close();
      await connections.close();
      flushLogLines();
      process.exit(0);
    };
    // The host ends the child by closing its stdin, or by a signal.
    server.onclose = () => void stop();
    process.once('SIGTERM', () => void stop());
    process.once('SIGINT', () => void stop());
    await server.connect(new StdioServerTransport());
    logger.event('info', 'service ready', { transport: 'stdio', agent_id: agentId, run_id: claims.runId });
  },
  new JsonLogger('mcp-gateway', (line) => process.stderr.write(line)),
);
