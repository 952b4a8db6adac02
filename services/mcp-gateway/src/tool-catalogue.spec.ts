import { loadBundle } from '@airlock/bundle';
import { createPolicyEngine } from '@airlock/policy-engine';
import { join } from 'node:path';
import { callableTools } from './tool-catalogue';

describe('callableTools on the example bundle', () => {
  const bundle = loadBundle(join(__dirname, '../../../deploy/bundle'));
  const engine = createPolicyEngine({ policies: bundle.policies, tools: bundle.tools });

  it('shows the support agent what policy does not deny it outright, with schema and description', () => {
    const tools = callableTools(bundle.tools, engine, bundle.agents.get('support-triage')!);
    expect(tools.map((tool) => tool.name).sort()).toEqual(['payments.refund', 'tickets.create']);
    const tickets = tools.find((tool) => tool.name === 'tickets.create');
    expect(tickets).toEqual({
      name: 'tickets.create',
      description: bundle.tools.get('tickets.create')?.description,
      inputSchema: bundle.tools.get('tickets.create')?.arguments_schema,
    });
  });

  it('shows nothing to an agent no policy permits anything', () => {
    const stranger = { id: 'stranger', owner: 'alice', public_keys: [] };
    expect(callableTools(bundle.tools, engine, stranger)).toEqual([]);
  });
});
