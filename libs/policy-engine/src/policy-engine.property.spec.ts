import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { reasonCodes, type AgentRecord, type ToolDefinition } from '@airlock/contracts';
import { createPolicyEngine } from './index';

const bundleDir = join(__dirname, '../../../deploy/bundle');
const read = (folder: string) =>
  readdirSync(join(bundleDir, folder)).map((name) => [
    name,
    readFileSync(join(bundleDir, folder, name), 'utf8'),
  ]);
const tools = new Map(
  read('tools').map(([, text]) => {
    const tool = JSON.parse(text) as ToolDefinition;
    return [tool.name, tool] as const;
  }),
);
const engine = createPolicyEngine({ policies: Object.fromEntries(read('policies')), tools });
const agent: AgentRecord = { id: 'support-triage', owner: 'alice', team: 'support', public_keys: [] };

/** Argument values of every JSON shape, including Cedar's reserved keys and near-miss field names. */
const argumentsArbitrary = fc.dictionary(
  fc.oneof(
    fc.constantFrom(
      'title',
      'priority',
      'amount_cents',
      'charge_id',
      'reason',
      'to',
      'body',
      '__entity',
      '__extn',
    ),
    fc.string({ maxLength: 8 }),
  ),
  fc.jsonValue({ maxDepth: 3 }),
  { maxKeys: 6 },
);

describe('policy engine on arbitrary proposals', () => {
  it('answers every proposal with one verdict, a known reason code on a deny, and never throws', () => {
    const runs = Number(process.env['AIRLOCK_PROPERTY_RUNS'] ?? 500);
    fc.assert(
      fc.property(
        fc.constantFrom(...tools.keys(), 'no.such.tool'),
        argumentsArbitrary,
        fc.option(fc.string({ maxLength: 20 }), { nil: undefined }),
        (tool, args, workflow) => {
          const verdict = engine.decide(
            {
              proposal_id: 'p-1',
              run_id: 'run-1',
              agent_id: agent.id,
              tool,
              arguments: args as Record<string, unknown>,
              issued_at: '2026-01-01T00:00:00Z',
              ...(workflow === undefined ? {} : { workflow }),
            },
            agent,
          );
          expect(['allow', 'deny', 'approval_required']).toContain(verdict.decision);
          if (verdict.decision === 'deny') expect(reasonCodes).toContain(verdict.reason_code);
          // Whatever the agent sends, the email tool stays forbidden to support agents.
          if (tool === 'email.send') expect(verdict.decision).toBe('deny');
        },
      ),
      { numRuns: runs },
    );
  });

  it('never fails to evaluate well-formed arguments under a policy that permits everything', () => {
    const open: ToolDefinition = {
      ...[...tools.values()][0],
      name: 'anything',
      arguments_schema: { type: 'object' },
    };
    const permissive = createPolicyEngine({
      policies: { 'all.cedar': '@id("all") permit (principal, action, resource);' },
      tools: new Map([[open.name, open]]),
    });
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 4 }), { maxKeys: 6 }),
        (args) => {
          fc.pre(!JSON.stringify(args).match(/"__(entity|extn|expr)"/));
          const verdict = permissive.decide(
            {
              proposal_id: 'p-1',
              run_id: 'run-1',
              agent_id: agent.id,
              tool: 'anything',
              arguments: args as Record<string, unknown>,
              issued_at: '2026-01-01T00:00:00Z',
            },
            agent,
            { opened_by: 'launcher', user_id: 'u-1', labels: ['x'] },
          );
          // Allowed, or refused by name for a number Cedar cannot hold exactly: never an evaluation error.
          if (verdict.decision === 'deny') expect(verdict.reason_code).toBe('invalid_arguments');
          else expect(verdict.decision).toBe('allow');
        },
      ),
      { numRuns: Number(process.env['AIRLOCK_PROPERTY_RUNS'] ?? 500) },
    );
  });
});
