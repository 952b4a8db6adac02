import type { IncomingMessage, ServerResponse } from 'node:http';
import { All, Controller, Inject, Post, Req, Res } from '@nestjs/common';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { SubmitterRecord } from '@airlock/contracts';
import { bearerTokenOf, JsonLogger } from '@airlock/service-runtime';
import { identifyHttpCaller, runTicketHeader } from './caller-identity';
import { McpToolServers } from './mcp-tool-server';

/** The submitter this gateway is (submitters/<id>.json), injected by its class. */
export class GatewaySubmitter {
  constructor(readonly record: SubmitterRecord) {}
}

type JsonBodyRequest = IncomingMessage & { body?: unknown };

/**
 * MCP over streamable HTTP at /mcp, stateless: every POST is authenticated on its own (bearer token
 * and run ticket) and served by a fresh MCP server, so no session state can be confused between
 * clients. A tools/call's answer streams as server-sent events, progress notifications first.
 */
@Controller('mcp')
export class McpHttpController {
  constructor(
    @Inject(McpToolServers) private readonly servers: McpToolServers,
    @Inject(GatewaySubmitter) private readonly submitter: GatewaySubmitter,
    @Inject(JsonLogger) private readonly logger: JsonLogger,
  ) {}

  @Post()
  async post(@Req() request: JsonBodyRequest, @Res() response: ServerResponse): Promise<void> {
    const ticket = request.headers[runTicketHeader.toLowerCase()];
    const identified = identifyHttpCaller(
      this.submitter.record,
      bearerTokenOf(request.headers['authorization']),
      typeof ticket === 'string' ? ticket : undefined,
    );
    if (!identified.ok) {
      this.logger.event('warn', 'mcp request refused', {
        status: identified.status,
        reason: identified.message,
      });
      const challenge: Record<string, string> =
        identified.status === 401 ? { 'www-authenticate': 'Bearer' } : {};
      writeJsonRpcError(response, identified.status, identified.message, challenge);
      return;
    }
    const server = this.servers.serverFor(identified.caller);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    response.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(request, response, request.body);
  }

  /** Without sessions there is no stream to open (GET) or session to end (DELETE). */
  @All()
  other(@Res() response: ServerResponse): void {
    writeJsonRpcError(response, 405, 'this MCP endpoint is stateless: send each JSON-RPC message as a POST', {
      allow: 'POST',
    });
  }
}

function writeJsonRpcError(
  response: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string>,
): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }));
}
