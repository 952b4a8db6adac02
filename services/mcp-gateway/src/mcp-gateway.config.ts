import { Type } from 'class-transformer';
import { IsInt, IsNotEmpty, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { BaseServiceConfig } from '@airlock/service-runtime';

/** What both modes of the MCP front door need: Kafka, the bundle, and how long a call may wait. */
export class McpGatewayConfig extends BaseServiceConfig {
  /**
   * How long a tools/call waits for its proposal's outcome before answering "still pending" (the
   * client calls again to keep waiting). MCP clients give up on a request after a while of their
   * own, often 60 s; an answer before then says what happened rather than nothing.
   */
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'AIRLOCK_MCP_CALL_TIMEOUT_MS must be a whole number of milliseconds' })
  @Min(1000, { message: 'AIRLOCK_MCP_CALL_TIMEOUT_MS must be at least 1000 ms' })
  @Max(3_600_000, { message: 'AIRLOCK_MCP_CALL_TIMEOUT_MS must be at most 3600000 ms (an hour)' })
  AIRLOCK_MCP_CALL_TIMEOUT_MS: number = 50_000;

  /** How often a call waiting for a human reports progress (to a client that sent a progressToken). */
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'AIRLOCK_MCP_PROGRESS_INTERVAL_MS must be a whole number of milliseconds' })
  @Min(100, { message: 'AIRLOCK_MCP_PROGRESS_INTERVAL_MS must be at least 100 ms' })
  @Max(600_000, { message: 'AIRLOCK_MCP_PROGRESS_INTERVAL_MS must be at most 600000 ms' })
  AIRLOCK_MCP_PROGRESS_INTERVAL_MS: number = 5_000;
}

/** Streamable HTTP: the gateway is a submitter, signing for the agents whose tokens it checks. */
export class McpHttpConfig extends McpGatewayConfig {
  /** The gateway listens on 127.0.0.1 only: a remote client reaches it through the operator's own proxy. */
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'AIRLOCK_MCP_PORT must be a whole port number' })
  @Min(1, { message: 'AIRLOCK_MCP_PORT must be between 1 and 65535' })
  @Max(65535, { message: 'AIRLOCK_MCP_PORT must be between 1 and 65535' })
  AIRLOCK_MCP_PORT: number = 7302;

  /** Which submitters/<id>.json this gateway is; its private key is in the secrets directory. */
  @IsOptional()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, {
    message: 'AIRLOCK_MCP_SUBMITTER_ID must be the id of a submitter of the bundle (submitters/<id>.json)',
  })
  AIRLOCK_MCP_SUBMITTER_ID: string = 'mcp-gateway';
}

/** stdio: the gateway is the agent host's child process and signs as the agent, with its own key. */
export class McpStdioConfig extends McpGatewayConfig {
  @IsString()
  @IsNotEmpty({
    message: 'AIRLOCK_MCP_AGENT_ID must name the agent this process speaks for (agents/<id>.json)',
  })
  AIRLOCK_MCP_AGENT_ID!: string;

  @IsString()
  @IsNotEmpty({ message: 'AIRLOCK_MCP_RUN_TICKET must hold the run ticket the launcher signed for this run' })
  AIRLOCK_MCP_RUN_TICKET!: string;

  /** The agent's private JWK; by default agents/<id>.private.jwk.json in the secrets directory. */
  @IsOptional()
  @IsString()
  AIRLOCK_MCP_AGENT_KEY_FILE?: string;
}
