import type { ToolDefinition } from '@airlock/contracts';

/**
 * What one call of a tool is expected to cost, in USD. Budget reserves this amount before
 * execution; it lives here so that the cost model can grow (per-argument pricing) in one place.
 */
export function estimateCostUsd(tool: ToolDefinition): number {
  return tool.cost.per_call_usd;
}
