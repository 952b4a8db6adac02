import type { ToolDefinition } from '@airlock/contracts';
import { estimateCostUsd } from './cost-estimate';

describe('estimateCostUsd', () => {
  it('charges the per-call price of the tool', () => {
    const tool = { cost: { per_call_usd: 0.05 } } as ToolDefinition;
    expect(estimateCostUsd(tool)).toBe(0.05);
  });
});
