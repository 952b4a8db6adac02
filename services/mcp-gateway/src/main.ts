import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { loadBundle, readSigningKey, secretsLayout } from '@airlock/bundle';
import { AirlockAgent } from '@airlock/sdk';
import { brokersOf, flushLogLines, loadConfig, namespaceOf, startOrExit } from '@airlock/service-runtime';
import { AgentConnections } from './agent-connections';
import { runTicketHeader } from './caller-identity';
import { McpHttpConfig } from './mcp-gateway.config';
import { McpGatewayModule } from './mcp-gateway.module';
import { toolServersFrom } from './tool-servers-setup';

/**
 * The MCP front door over streamable HTTP. It is a submitter (ADR 0015): it signs every proposal
 * with its own key, naming itself in submitted_by, for the agent whose bearer token the client
 * presented; agents' own keys never come here.
 */
startOrExit('mcp-gateway', async (logger) => {
  const config = loadConfig(McpHttpConfig);
  logger.setLevel(config.AIRLOCK_LOG_LEVEL);
  const bundle = loadBundle(config.AIRLOCK_BUNDLE_DIR);
  const submitter = bundle.submitters.get(config.AIRLOCK_MCP_SUBMITTER_ID);
  if (submitter === undefined) {
    throw new Error(
      `AIRLOCK_MCP_SUBMITTER_ID: the bundle has no submitters/${config.AIRLOCK_MCP_SUBMITTER_ID}.json`,
    );
  }
  const key = readSigningKey(secretsLayout(config.AIRLOCK_SECRETS_DIR).submitterKeyFile(submitter.id));
  const connections = await AgentConnections.open(
    submitter.agents.map((agent) => agent.id),
    (agentId) =>
      AirlockAgent.connect({
        brokers: brokersOf(config),
        namespace: namespaceOf(config),
        clientId: `airlock-mcp-gateway-${agentId}`,
        agentId,
        key,
        submittedBy: submitter.id,
        watchPolicyDecisions: true,
      }),
  );
  const servers = toolServersFrom(bundle, config, connections, logger);
  const app = await NestFactory.create(McpGatewayModule.register({ servers, submitter, logger }), { logger });
  await app.listen(config.AIRLOCK_MCP_PORT, '127.0.0.1');
  const stop = async (signal: string) => {
    logger.event('info', `stopping on ${signal}`);
    await app.close();
    await connections.close();
    flushLogLines();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
  logger.event('info', 'service ready', {
    http: `http://127.0.0.1:${config.AIRLOCK_MCP_PORT}/mcp`,
    submitter: submitter.id,
    agents: submitter.agents.map((agent) => agent.id),
    headers: ['Authorization: Bearer <agent token>', `${runTicketHeader}: <run ticket>`],
  });
});
