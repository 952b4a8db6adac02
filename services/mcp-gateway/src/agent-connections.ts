import type { AirlockAgent } from '@airlock/sdk';

/**
 * One SDK client per agent the gateway speaks for, connected at start: connecting joins a consumer
 * group, which takes seconds, and the first call should not pay for it. One client per agent, not
 * per MCP session, so that a call made again after a timeout finds the proposal it resumes.
 */
export class AgentConnections {
  private constructor(private readonly byAgent: ReadonlyMap<string, AirlockAgent>) {}

  static async open(
    agentIds: readonly string[],
    connect: (agentId: string) => Promise<AirlockAgent>,
  ): Promise<AgentConnections> {
    const clients = new Map<string, AirlockAgent>();
    try {
      for (const agentId of agentIds) clients.set(agentId, await connect(agentId));
    } catch (error) {
      await Promise.all([...clients.values()].map((client) => client.close()));
      throw error;
    }
    return new AgentConnections(clients);
  }

  of(agentId: string): AirlockAgent {
    const client = this.byAgent.get(agentId);
    if (client === undefined) throw new Error(`the gateway has no connection for agent ${agentId}`);
    return client;
  }

  async close(): Promise<void> {
    await Promise.all([...this.byAgent.values()].map((client) => client.close()));
  }
}
