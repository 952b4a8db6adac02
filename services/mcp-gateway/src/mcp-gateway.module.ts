import { Module, type DynamicModule } from '@nestjs/common';
import type { SubmitterRecord } from '@airlock/contracts';
import { JsonLogger } from '@airlock/service-runtime';
import { GatewaySubmitter, McpHttpController } from './mcp-http.controller';
import { McpToolServers } from './mcp-tool-server';

export interface McpGatewayDependencies {
  servers: McpToolServers;
  submitter: SubmitterRecord;
  logger: JsonLogger;
}

/** The HTTP front door; the stdio mode needs no Nest (main-stdio.ts). */
@Module({})
export class McpGatewayModule {
  static register(deps: McpGatewayDependencies): DynamicModule {
    return {
      module: McpGatewayModule,
      controllers: [McpHttpController],
      providers: [
        { provide: McpToolServers, useValue: deps.servers },
        { provide: GatewaySubmitter, useValue: new GatewaySubmitter(deps.submitter) },
        { provide: JsonLogger, useValue: deps.logger },
      ],
    };
  }
}
