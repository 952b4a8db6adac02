import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  ListToolsRequestSchema,
  type CallToolRequest,
  type CallToolResult,
  type ServerNotification,
} from '@modelcontextprotocol/sdk/types.js';
import type { AgentRecord, ToolDefinition } from '@airlock/contracts';
import type { PolicyEngine } from '@airlock/policy-engine';
import { AirlockClientError, ProposalTimeoutError } from '@airlock/sdk';
import type { JsonLogger } from '@airlock/service-runtime';
import type { AgentConnections } from './agent-connections';
import type { CallerIdentity } from './caller-identity';
import { CallLedger, type ToolCall } from './call-ledger';
import { callResultOf, pendingResultOf, unproposableResultOf } from './call-results';
import { ApprovalProgress, type ProgressSender } from './approval-progress';
import { callableTools } from './tool-catalogue';

export interface ToolServerSettings {
  agents: ReadonlyMap<string, AgentRecord>;
  tools: ReadonlyMap<string, ToolDefinition>;
  engine: Pick<PolicyEngine, 'whoCan'>;
  connections: AgentConnections;
  ledger: CallLedger;
  callTimeoutMs: number;
  progressIntervalMs: number;
  logger: JsonLogger;
}

/**
 * Builds the MCP server a caller talks to: tools/list shows the bundle's tools its agent may call,
 * tools/call proposes the call in the caller's run and answers with how it ended. One per HTTP
 * request (the HTTP transport is stateless) or one per stdio process; what outlives a request (the
 * SDK clients, the ledger) is shared.
 */
export class McpToolServers {
  constructor(private readonly settings: ToolServerSettings) {}

  serverFor(caller: CallerIdentity): Server {
    const server = new Server({ name: 'airlock', version: '0.1.0' }, { capabilities: { tools: {} } });
    server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: this.toolsOf(caller) }));
    server.setRequestHandler(CallToolRequestSchema, (request, extra) =>
      this.call(caller, request, (notification) => extra.sendNotification(notification)),
    );
    return server;
  }

  private toolsOf(caller: CallerIdentity) {
    const agent = this.settings.agents.get(caller.agentId);
    return agent === undefined ? [] : callableTools(this.settings.tools, this.settings.engine, agent);
  }

  private async call(
    caller: CallerIdentity,
    request: CallToolRequest,
    notify: (notification: ServerNotification) => Promise<void>,
  ): Promise<CallToolResult> {
    const { ledger, logger } = this.settings;
    const call: ToolCall = {
      agentId: caller.agentId,
      runId: caller.runId,
      tool: request.params.name,
      args: request.params.arguments ?? {},
    };
    let proposalId: string;
    try {
      proposalId = ledger.proposalIdFor(call);
    } catch (error) {
      return unproposableResultOf(
        `its arguments cannot be written as canonical JSON: ${(error as Error).message}`,
      );
    }
    const progressToken = request.params._meta?.progressToken;
    const send: ProgressSender | undefined =
      progressToken === undefined
        ? undefined
        : (progress, message) =>
            notify({ method: 'notifications/progress', params: { progressToken, progress, message } });
    const progress = new ApprovalProgress(proposalId, ledger, send, this.settings.progressIntervalMs);
    try {
      const result = await this.settings.connections.of(caller.agentId).propose(call.tool, call.args, {
        runId: caller.runId,
        ticket: caller.runTicket,
        proposalId,
        timeoutMs: this.settings.callTimeoutMs,
        onDecision: (decision) => progress.decided(decision),
      });
      ledger.markAnswered(call, proposalId);
      logger.event('info', 'tool call answered', {
        run_id: caller.runId,
        agent_id: caller.agentId,
        proposal_id: proposalId,
        tool: call.tool,
        outcome: result.outcome,
        reason_code: result.reasonCode,
      });
      return callResultOf(result);
    } catch (error) {
      if (error instanceof ProposalTimeoutError) {
        logger.event('info', 'tool call still pending', { run_id: caller.runId, proposal_id: proposalId });
        return pendingResultOf(error);
      }
      // A retry cannot help (e.g. a message over the protocol's size limit): say so as a result.
      if (error instanceof AirlockClientError && !error.retriable) return unproposableResultOf(error.message);
      throw error;
    } finally {
      progress.stop();
    }
  }
}
