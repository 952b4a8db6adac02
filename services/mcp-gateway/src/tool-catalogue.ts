import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { AgentRecord, ToolDefinition } from '@airlock/contracts';
import type { PolicyEngine } from '@airlock/policy-engine';

/**
 * The tools an agent is shown in tools/list: those the policies do not deny outright for it
 * (Cedar's partial evaluation, whoCan). A tool that depends on the arguments or the run is shown:
 * policy decides each call. Hiding a tool is a courtesy to the model, never the enforcement; a call
 * to a hidden tool is still proposed, and policy denies it.
 */
export function callableTools(
  tools: ReadonlyMap<string, ToolDefinition>,
  engine: Pick<PolicyEngine, 'whoCan'>,
  agent: AgentRecord,
): Tool[] {
  return [...tools.values()]
    .filter((tool) => engine.whoCan(tool.name, agent).decision !== 'deny')
    .map((tool) => ({
      name: tool.name,
      description: tool.description,
      inputSchema: tool.arguments_schema as Tool['inputSchema'],
    }));
}
