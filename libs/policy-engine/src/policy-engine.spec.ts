import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentRecord, Proposal, ToolDefinition } from '@airlock/contracts';
import {
  createPolicyEngine,
  EntityOverlay,
  PolicyLoadError,
  policyTextsById,
  type PolicySources,
  type PolicyVerdict,
} from './index';

const bundleDir = join(__dirname, '../../../deploy/bundle');

function readBundlePolicies(): PolicySources {
  const dir = join(bundleDir, 'policies');
  return Object.fromEntries(readdirSync(dir).map((name) => [name, readFileSync(join(dir, name), 'utf8')]));
}

function readBundleTools(): Map<string, ToolDefinition> {
  const dir = join(bundleDir, 'tools');
  const tools = readdirSync(dir).map(
    (name) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as ToolDefinition,
  );
  return new Map(tools.map((tool) => [tool.name, tool]));
}

const supportAgent: AgentRecord = { id: 'support-triage', owner: 'alice', team: 'support', public_keys: [] };
const loneAgent: AgentRecord = { id: 'freelancer', owner: 'alice', public_keys: [] };

function proposal(tool: string, args: Record<string, unknown>): Proposal {
  return {
    proposal_id: 'p-1',
    run_id: 'run-1',
    agent_id: 'support-triage',
    tool,
    arguments: args,
    issued_at: '2025-01-01T00:00:00Z',
  };
}

const refund = (amount_cents: unknown) =>
  proposal('payments.refund', { charge_id: 'ch_123', amount_cents, reason: 'damaged item' });

describe('policy engine on the example bundle', () => {
  const engine = createPolicyEngine({ policies: readBundlePolicies(), tools: readBundleTools() });

  it('allows a support agent to open a ticket, citing the permitting policy', () => {
    const verdict = engine.decide(
      proposal('tickets.create', { title: 'Broken order', priority: 'high' }),
      supportAgent,
    );
    expect(verdict).toEqual(
      expect.objectContaining({ decision: 'allow', policy_ids: ['support-may-open-tickets'] }),
    );
    expect(verdict.reason_code).toBeUndefined();
  });

  it('sends a refund up to the ceiling for approval', () => {
    const verdict = engine.decide(refund(50000), supportAgent);
    expect(verdict.decision).toBe('approval_required');
    expect(verdict.policy_ids).toEqual(['support-refunds-need-approval']);
  });

  it('denies a refund above the ceiling with the forbidding policy id', () => {
    const verdict = engine.decide(refund(50001), supportAgent);
    expect(verdict).toEqual(
      expect.objectContaining({
        decision: 'deny',
        reason_code: 'policy_denied',
        policy_ids: ['refund-ceiling'],
      }),
    );
  });

  it('denies a support agent sending email with the forbidding policy id', () => {
    const verdict = engine.decide(
      proposal('email.send', { to: 'c@example.com', subject: 'hi', body: 'x' }),
      supportAgent,
    );
    expect(verdict).toEqual(
      expect.objectContaining({
        reason_code: 'policy_denied',
        policy_ids: ['support-never-emails-customers'],
      }),
    );
  });

  it('denies an agent without a team because no policy permits it', () => {
    const verdict = engine.decide(proposal('tickets.create', { title: 'x', priority: 'low' }), loneAgent);
    expect(verdict).toEqual({
      decision: 'deny',
      reason_code: 'no_policy_permits',
      policy_ids: [],
      reasons: ['no policy permits this agent to call tickets.create'],
    });
  });

  it('denies a tool that is not in the bundle', () => {
    const verdict = engine.decide(proposal('db.drop', {}), supportAgent);
    expect(verdict).toEqual(
      expect.objectContaining({
        reason_code: 'unknown_tool',
        reasons: ['tool db.drop is not in the bundle'],
      }),
    );
  });

  it('denies arguments missing a required field, naming the field', () => {
    const verdict = engine.decide(
      proposal('payments.refund', { charge_id: 'ch_1', reason: 'r' }),
      supportAgent,
    );
    expect(verdict.reason_code).toBe('invalid_arguments');
    expect(verdict.reasons.join(' ')).toContain('amount_cents');
  });

  it('denies arguments with an unexpected field, naming the field', () => {
    const verdict = engine.decide(
      proposal('tickets.create', { title: 't', priority: 'low', cc: 'boss' }),
      supportAgent,
    );
    expect(verdict.reason_code).toBe('invalid_arguments');
    expect(verdict.reasons.join(' ')).toContain('"cc"');
  });

  it('denies arguments of the wrong type before Cedar sees them', () => {
    const verdict = engine.decide(refund('50000'), supportAgent);
    expect(verdict.reason_code).toBe('invalid_arguments');
    expect(verdict.reasons).toContain('arguments/amount_cents must be integer');
  });

  it('reports every argument problem at once', () => {
    const verdict = engine.decide(
      proposal('payments.refund', { charge_id: 'nope', amount_cents: 0 }),
      supportAgent,
    );
    expect(verdict.reasons).toHaveLength(3);
  });
});

describe('who can call a tool, before any call is known', () => {
  const engine = createPolicyEngine({ policies: readBundlePolicies(), tools: readBundleTools() });

  it('answers allow or deny where the call cannot change it, naming the policy', () => {
    expect(engine.whoCan('tickets.create', supportAgent)).toEqual({
      decision: 'allow',
      policy_ids: ['support-may-open-tickets'],
    });
    expect(engine.whoCan('email.send', supportAgent)).toEqual({
      decision: 'deny',
      policy_ids: ['support-never-emails-customers'],
    });
    expect(engine.whoCan('tickets.create', loneAgent)).toEqual({ decision: 'deny', policy_ids: [] });
  });

  it('names who a policy asking for approval lets approve, and how many', () => {
    const asking = createPolicyEngine({
      tools: readBundleTools(),
      approverGroups: new Set(['finance']),
      policies: {
        'r.cedar':
          '@id("tickets-by-two") @approval("required") @approvers("finance, run_user") @quorum("2") permit (principal, action == Action::"tickets.create", resource);',
      },
    });
    expect(asking.whoCan('tickets.create', supportAgent)).toEqual({
      decision: 'approval_required',
      policy_ids: ['tickets-by-two'],
      approvals: { 'tickets-by-two': { approvers: ['finance', 'run_user'], quorum: 2 } },
    });
  });

  it('answers deny when no permit can apply, though a forbid still depends on the arguments', () => {
    expect(engine.whoCan('payments.refund', loneAgent)).toEqual({ decision: 'deny', policy_ids: [] });
  });

  it('lists the conditions that remain on the arguments, with the approval they need', () => {
    expect(engine.whoCan('payments.refund', supportAgent)).toEqual({
      decision: 'depends',
      conditions: expect.arrayContaining([
        {
          policy_id: 'support-refunds-need-approval',
          effect: 'permit',
          approval_required: true,
          approval: { quorum: 1 },
          condition: 'context.arguments.amount_cents <= 50000',
        },
        {
          policy_id: 'refund-ceiling',
          effect: 'forbid',
          approval_required: false,
          condition: '!(context.arguments.amount_cents <= 50000)',
        },
      ]),
    });
  });
});

describe('policy engine evaluation edge cases', () => {
  const looseTool: ToolDefinition = {
    name: 'notes.add',
    description: 'Add a note.',
    risk: 'write',
    idempotent: true,
    arguments_schema: { type: 'object' },
    cost: { per_call_usd: 0 },
    adapter: { type: 'http', destination: 'notes', method: 'POST', path: '/notes' },
    allowed_hosts: ['localhost'],
    sensitive_fields: [],
  };
  const policies = {
    'notes.cedar': `
      @id("anyone-may-add-notes")
      permit (principal, action == Action::"notes.add", resource);
      @id("no-huge-notes")
      forbid (principal, action == Action::"notes.add", resource) when { context.arguments.size > 10 };
      @id("only-in-triage-workflow")
      forbid (principal, action == Action::"notes.add", resource) when { context has workflow && context.workflow == "billing" };`,
  };
  const engine = createPolicyEngine({ policies, tools: new Map([[looseTool.name, looseTool]]) });

  it('denies instead of allowing when a forbid policy errors', () => {
    const verdict = engine.decide(proposal('notes.add', { size: 'large' }), loneAgent);
    expect(verdict).toEqual(
      expect.objectContaining({ reason_code: 'policy_evaluation_error', policy_ids: ['no-huge-notes'] }),
    );
  });

  it('denies with an evaluation error when a policy reads context.workflow that the proposal lacks', () => {
    const careless = {
      'w.cedar':
        '@id("billing-only") permit (principal, action, resource) when { context.workflow == "billing" };',
    };
    const strict = createPolicyEngine({ policies: careless, tools: new Map([[looseTool.name, looseTool]]) });
    const verdict = strict.decide(proposal('notes.add', { size: 1 }), loneAgent);
    expect(verdict).toEqual(
      expect.objectContaining({ reason_code: 'policy_evaluation_error', policy_ids: ['billing-only'] }),
    );
  });

  it('fails closed when a policy compares a decimal argument as a Long', () => {
    const verdict = engine.decide(proposal('notes.add', { size: 1.5 }), loneAgent);
    expect(verdict).toEqual(
      expect.objectContaining({ reason_code: 'policy_evaluation_error', policy_ids: ['no-huge-notes'] }),
    );
  });

  it('refuses arguments that would be read as a Cedar entity reference', () => {
    const smuggled = { owner: { __entity: { type: 'Team', id: 'support' } }, size: 1 };
    const verdict = engine.decide(proposal('notes.add', smuggled), loneAgent);
    expect(verdict.reason_code).toBe('invalid_arguments');
    expect(verdict.reasons).toEqual(['arguments/owner uses the reserved key "__entity"']);
  });

  it('passes the proposal workflow to policies as context.workflow', () => {
    const inBilling = { ...proposal('notes.add', { size: 1 }), workflow: 'billing' };
    expect(engine.decide(inBilling, loneAgent).policy_ids).toEqual(['only-in-triage-workflow']);
    expect(engine.decide(proposal('notes.add', { size: 1 }), loneAgent).decision).toBe('allow');
  });

  it('passes the submitter that signed for the agent to policies as context.submitted_by', () => {
    const onlyDirect = {
      's.cedar':
        '@id("notes-only-direct") permit (principal, action, resource) unless { context has submitted_by };',
    };
    const direct = createPolicyEngine({
      policies: onlyDirect,
      tools: new Map([[looseTool.name, looseTool]]),
    });
    const viaGateway = { ...proposal('notes.add', { size: 1 }), submitted_by: 'mcp-gateway' };
    expect(direct.decide(proposal('notes.add', { size: 1 }), loneAgent).decision).toBe('allow');
    expect(direct.decide(viaGateway, loneAgent)).toEqual(
      expect.objectContaining({ decision: 'deny', reason_code: 'no_policy_permits' }),
    );
  });

  it('decides by precedence: a forbid, then a permit asking for approval, then a plain permit', () => {
    const layered = (...layers: string[]) =>
      createPolicyEngine({
        policies: {
          'p.cedar': [
            '@id("plain") permit (principal, action, resource);',
            '@id("asks") @approval("required") permit (principal, action, resource) when { context.arguments.size > 10 };',
            '@id("too-big") forbid (principal, action, resource) when { context.arguments.size > 100 };',
          ]
            .filter((_, index) => layers.includes(['plain', 'asks', 'too-big'][index] ?? ''))
            .join('\n'),
        },
        tools: new Map([[looseTool.name, looseTool]]),
      });
    const all = layered('plain', 'asks', 'too-big');
    const decided = (size: number) => {
      const verdict = all.decide(proposal('notes.add', { size }), loneAgent);
      return `${verdict.decision} ${[...verdict.policy_ids].sort().join(',')}`;
    };
    // Every permit that applied is named; the reasons and requirements name the one asking.
    expect([decided(1), decided(50), decided(500)]).toEqual([
      'allow plain',
      'approval_required asks,plain',
      'deny too-big',
    ]);
    expect(all.decide(proposal('notes.add', { size: 50 }), loneAgent)).toMatchObject({
      reasons: ["policy asks permits notes.add only with a human's approval"],
      approval_requirements: [expect.objectContaining({ policy_id: 'asks' })],
    });
    // Without the plain permit, the approval permit still asks; without any permit, nothing allows.
    expect(layered('asks').decide(proposal('notes.add', { size: 50 }), loneAgent).decision).toBe(
      'approval_required',
    );
    expect(layered('too-big').decide(proposal('notes.add', { size: 1 }), loneAgent)).toMatchObject({
      decision: 'deny',
      reason_code: 'no_policy_permits',
    });
  });

  it('keeps two engines with different policies apart', () => {
    const denyAll = { 'deny.cedar': '@id("nothing") forbid (principal, action, resource);' };
    const other = createPolicyEngine({ policies: denyAll, tools: new Map([[looseTool.name, looseTool]]) });
    expect(other.decide(proposal('notes.add', { size: 1 }), loneAgent).policy_ids).toEqual(['nothing']);
    expect(engine.decide(proposal('notes.add', { size: 1 }), loneAgent).decision).toBe('allow');
  });
});

describe('policy loading', () => {
  const tools = new Map<string, ToolDefinition>();
  const load = (policies: PolicySources) => () => createPolicyEngine({ policies, tools });

  it('rejects a policy file that does not parse, naming the file and the position', () => {
    const broken = { 'broken.cedar': '@id("a")\npermit (principal, action, resource) when { context.x ' };
    expect(load(broken)).toThrow(PolicyLoadError);
    expect(load(broken)).toThrow(/^broken\.cedar: .*line 2/);
  });

  it('rejects a policy without an @id annotation', () => {
    expect(load({ 'anon.cedar': 'permit (principal, action, resource);' })).toThrow(
      /anon\.cedar: .*has no @id/,
    );
  });

  it('rejects an @id used twice, naming both files', () => {
    const twice = {
      'a.cedar': '@id("same") permit (principal, action, resource);',
      'b.cedar': '@id("same") forbid (principal, action, resource);',
    };
    expect(load(twice)).toThrow('b.cedar: policy id "same" is already used in a.cedar');
  });

  it('rejects an @approval value it does not understand', () => {
    const typo = { 't.cedar': '@id("x") @approval("requried") permit (principal, action, resource);' };
    expect(load(typo)).toThrow(/t\.cedar: policy "x" has @approval\("requried"\)/);
  });

  it.each([
    [
      '@approval_for_run on a plain permit',
      '@id("x") @approval_for_run("$.to") permit (principal, action, resource);',
      /policy "x" has @approval_for_run but is not a permit with @approval\("required"\)/,
    ],
    [
      '@approval_for_run on a forbid',
      '@id("x") @approval("required") @approval_for_run("$.to") forbid (principal, action, resource);',
      /has @approval_for_run but is not a permit with @approval\("required"\)/,
    ],
    [
      '@approval_for_run naming no argument path',
      '@id("x") @approval("required") @approval_for_run("$.to, recipient") permit (principal, action, resource);',
      /"recipient" is not an argument path such as \$\.recipient/,
    ],
    [
      '@approvers naming no group',
      '@id("x") @approval("required") @approvers("finance, ops team") permit (principal, action, resource);',
      /"ops team" is not a group name or run_user/,
    ],
    [
      '@quorum that is no count',
      '@id("x") @approval("required") @quorum("two") permit (principal, action, resource);',
      /@quorum\("two"\); a quorum is a number of approvers from 1 to 10/,
    ],
    [
      '@quorum on a plain permit',
      '@id("x") @quorum("2") permit (principal, action, resource);',
      /has @quorum but is not a permit with @approval\("required"\)/,
    ],
  ])('rejects %s', (_where, text, message) => {
    expect(load({ 'r.cedar': text })).toThrow(message);
  });

  it('rejects a policy naming an approver group approvers.json does not define', () => {
    const policies = {
      'r.cedar': '@id("x") @approval("required") @approvers("fnance") permit (principal, action, resource);',
    };
    const engine = () => createPolicyEngine({ policies, tools, approverGroups: new Set(['finance']) });
    expect(engine).toThrow(
      'r.cedar: policy x: @approvers names "fnance", which no approver in approvers.json belongs to',
    );
  });

  it.each([
    [
      'an action that is no tool',
      'permit (principal, action == Action::"payments.refnud", resource);',
      'Action::"payments.refnud" is not a tool of the bundle',
    ],
    [
      'an argument the tool does not declare',
      'permit (principal, action == Action::"payments.refund", resource) when { context.arguments.amount < 5 };',
      'context.arguments.amount: no tool this policy applies to declares the argument amount',
    ],
    [
      'a run fact that does not exist',
      'permit (principal, action, resource) when { context.run has tenant };',
      'context.run.tenant: a run has no fact tenant',
    ],
    [
      'a history counter of no tool',
      'forbid (principal, action, resource) when { context.history.calls has "payments.refunds" };',
      'context.history.calls.payments.refunds: payments.refunds is not a tool',
    ],
    [
      'a context attribute Airlock never sets',
      'permit (principal, action, resource) when { context.args has x };',
      'context.args: Airlock sets no context.args',
    ],
  ])('rejects a policy naming %s, naming the file, the policy and the typo', (_what, body, message) => {
    const load = () =>
      createPolicyEngine({ policies: { 'typo.cedar': `@id("typo")\n${body}` }, tools: readBundleTools() });
    expect(load).toThrow(PolicyLoadError);
    expect(load).toThrow(`typo.cedar: policy typo: ${message}`);
  });

  it('accepts arguments a tool with an open schema may take', () => {
    const open = {
      ...readBundleTools().get('tickets.create')!,
      name: 'notes.add',
      arguments_schema: { type: 'object' },
    };
    const policies = {
      'notes.cedar':
        '@id("n") permit (principal, action == Action::"notes.add", resource) when { context.arguments has anything };',
    };
    expect(() => createPolicyEngine({ policies, tools: new Map([[open.name, open]]) })).not.toThrow();
  });

  it('rejects an empty policy set', () => {
    expect(load({ 'empty.cedar': '// nothing yet\n' })).toThrow(/no policies/);
  });

  it('rejects a tool whose arguments schema does not compile, naming the tool', () => {
    const badTool = { name: 'x.y', arguments_schema: { type: 'nonsense' } } as unknown as ToolDefinition;
    const create = () =>
      createPolicyEngine({ policies: readBundlePolicies(), tools: new Map([[badTool.name, badTool]]) });
    expect(create).toThrow(/tools\/x\.y\.json: arguments_schema does not compile/);
  });
});

describe('argument values and run facts as policies see them', () => {
  const refundTool: ToolDefinition = {
    name: 'refunds.issue',
    description: 'Refund an amount in dollars.',
    risk: 'write',
    idempotent: true,
    arguments_schema: {
      type: 'object',
      properties: {
        amount: { type: 'number' },
        note: { type: ['string', 'null'] },
        tip: { type: ['number', 'null'] },
        fee: { anyOf: [{ type: 'number' }, { type: 'null' }] },
      },
      required: ['amount'],
    },
    cost: { per_call_usd: 0 },
    adapter: { type: 'http', destination: 'payments', method: 'POST', path: '/refunds' },
    allowed_hosts: ['localhost'],
    sensitive_fields: [],
  };
  const looseTool: ToolDefinition = { ...refundTool, name: 'anything', arguments_schema: { type: 'object' } };
  const tools = new Map([
    [refundTool.name, refundTool],
    [looseTool.name, looseTool],
  ]);
  const policies = {
    'refunds.cedar': `
      @id("anyone-may-do-anything")
      permit (principal, action == Action::"anything", resource);
      @id("refunds-for-the-support-team")
      permit (principal, action == Action::"refunds.issue", resource)
      when { context.run has team && context.run.team == "support" && context.run.labels.contains("refund-request") };
      @id("refunds-up-to-100")
      forbid (principal, action == Action::"refunds.issue", resource)
      when { context.arguments.amount.greaterThan(decimal("100.0")) };
      @id("no-notes")
      forbid (principal, action == Action::"refunds.issue", resource) when { context.arguments has note };
      @id("only-payees-the-user-named")
      forbid (principal, action == Action::"anything", resource)
      when { context.arguments has payee && !(context.run.named has payees && context.run.named.payees.contains(context.arguments.payee)) };
      @id("only-the-task-tools")
      forbid (principal, action, resource) when { context.run has tools && !context.run.tools.contains("anything") && action == Action::"anything" };`,
  };
  const engine = createPolicyEngine({ policies, tools });
  const run = { opened_by: 'launcher' as const, user_id: 'u-1', team: 'support', labels: ['refund-request'] };
  const issue = (args: Record<string, unknown>) => proposal('refunds.issue', args);

  it('evaluates a permit-all policy over decimals, nulls and nested values without an error', () => {
    const args = { a: 1.5, b: null, c: [1, null, 2.25], d: { e: null, f: -0.0001 }, g: 2 ** 53 - 1 };
    expect(engine.decide(proposal('anything', args), loneAgent).decision).toBe('allow');
  });

  it('compares a number the schema types "number" as a decimal, whether or not it is integral', () => {
    expect(engine.decide(issue({ amount: 99.99 }), loneAgent, run).decision).toBe('allow');
    expect(engine.decide(issue({ amount: 100 }), loneAgent, run).decision).toBe('allow');
    expect(engine.decide(issue({ amount: 100.01 }), loneAgent, run).policy_ids).toEqual([
      'refunds-up-to-100',
    ]);
  });

  it('compares an optional number (with null, or through anyOf) as a decimal too', () => {
    const decimals = createPolicyEngine({
      tools,
      policies: {
        'tips.cedar': `@id("small-tips") permit (principal, action == Action::"refunds.issue", resource)
          when { context.arguments has tip && context.arguments.tip.lessThan(decimal("10.0"))
              && context.arguments has fee && context.arguments.fee.lessThan(decimal("10.0")) };`,
      },
    });
    expect(decimals.decide(issue({ amount: 1, tip: 5, fee: 2 }), loneAgent).decision).toBe('allow');
    expect(decimals.decide(issue({ amount: 1, tip: 5.5, fee: 12 }), loneAgent).reason_code).toBe(
      'no_policy_permits',
    );
  });

  it('names the tool in context.tool, so one rule can compare it with the tools the task may use', () => {
    const scoped = createPolicyEngine({
      tools,
      policies: {
        's.cedar': `@id("all") permit (principal, action, resource);
          @id("task-tools-only") forbid (principal, action, resource)
          when { context.run has tools && !context.run.tools.contains(context.tool) };`,
      },
    });
    const task = { ...run, tools: ['refunds.issue'] };
    expect(scoped.decide(issue({ amount: 1 }), loneAgent, task).decision).toBe('allow');
    expect(scoped.decide(proposal('anything', {}), loneAgent, task).policy_ids).toEqual(['task-tools-only']);
  });

  it('reads null as absent', () => {
    expect(engine.decide(issue({ amount: 5, note: null }), loneAgent, run).decision).toBe('allow');
    expect(engine.decide(issue({ amount: 5, note: 'hi' }), loneAgent, run).policy_ids).toEqual(['no-notes']);
  });

  it('refuses, by name, a number no Cedar value holds exactly instead of rounding it', () => {
    const verdict = engine.decide(proposal('anything', { rate: 0.00001, big: 2 ** 60 }), loneAgent);
    expect(verdict.reason_code).toBe('invalid_arguments');
    expect(verdict.reasons).toEqual([
      'arguments/rate (0.00001) needs more than 4 decimal places or is beyond ±922337203685477, which policies cannot compare exactly',
      'arguments/big is an integer beyond ±2^53, which JSON does not carry exactly',
    ]);
  });

  it('reads the identifiers the user named and the tools the task may use', () => {
    const pay = proposal('anything', { payee: 'DE89 3704' });
    const named = { ...run, named: { payees: ['DE89 3704'] } };
    expect(engine.decide(pay, loneAgent, named).decision).toBe('allow');
    expect(engine.decide(pay, loneAgent, run).policy_ids).toEqual(['only-payees-the-user-named']);
    expect(engine.decide(pay, loneAgent).policy_ids).toEqual(['only-payees-the-user-named']);
    expect(engine.decide(pay, loneAgent, { ...named, tools: ['refunds.issue'] }).policy_ids).toEqual([
      'only-the-task-tools',
    ]);
  });

  it("reads the run's trusted facts as context.run, absent facts absent", () => {
    expect(engine.decide(issue({ amount: 5 }), loneAgent, run).policy_ids).toEqual([
      'refunds-for-the-support-team',
    ]);
    expect(engine.decide(issue({ amount: 5 }), loneAgent, { ...run, team: 'billing' }).reason_code).toBe(
      'no_policy_permits',
    );
    const { team: _none, ...teamless } = run;
    expect(engine.decide(issue({ amount: 5 }), loneAgent, teamless).reason_code).toBe('no_policy_permits');
    expect(engine.decide(issue({ amount: 5 }), loneAgent).reason_code).toBe('no_policy_permits');
  });
});

describe('approvals that may cover the rest of a run', () => {
  const tools = readBundleTools();
  const policies = (secondForRun: string) => ({
    'r.cedar': `
      @id("refunds-per-charge") @approval("required") @approval_for_run("$.charge_id")
      permit (principal, action == Action::"payments.refund", resource);
      @id("big-refunds") @approval("required") ${secondForRun}
      permit (principal, action == Action::"payments.refund", resource) when { context.arguments.amount_cents > 100 };`,
  });

  it('names the paths an approver may approve for the run, all of them when several policies ask', () => {
    const engine = createPolicyEngine({ policies: policies('@approval_for_run("$.reason")'), tools });
    expect(engine.decide(refund(50), supportAgent)).toMatchObject({
      decision: 'approval_required',
      approval_for_run: ['$.charge_id'],
    });
    expect(engine.decide(refund(500), supportAgent)).toMatchObject({
      decision: 'approval_required',
      approval_for_run: ['$.charge_id', '$.reason'],
    });
  });

  it('names none when one policy asking wants an answer per call', () => {
    const engine = createPolicyEngine({ policies: policies(''), tools });
    expect(engine.decide(refund(50), supportAgent)).toMatchObject({ approval_for_run: ['$.charge_id'] });
    expect(engine.decide(refund(500), supportAgent)).not.toHaveProperty('approval_for_run');
  });
});

describe('who must approve', () => {
  const tools = readBundleTools();
  const engine = createPolicyEngine({
    tools,
    approverGroups: new Set(['finance']),
    policies: {
      'r.cedar': `
        @id("refunds-by-finance") @approval("required") @approvers("finance") @quorum("2")
        permit (principal, action == Action::"payments.refund", resource);
        @id("big-refunds-by-the-user-too") @approval("required") @approvers("run_user")
        permit (principal, action == Action::"payments.refund", resource) when { context.arguments.amount_cents > 100 };
        @id("tickets-by-anyone") @approval("required")
        permit (principal, action == Action::"tickets.create", resource);`,
    },
  });
  const run = { opened_by: 'launcher' as const, user_id: 'u-1' };
  const requirementsOf = (verdict: PolicyVerdict) =>
    verdict.decision === 'deny' ? undefined : verdict.approval_requirements;

  it('states the quorum and groups of each policy asking, and the run user where one is named', () => {
    expect(requirementsOf(engine.decide(refund(500), supportAgent, run))).toEqual([
      { policy_id: 'big-refunds-by-the-user-too', quorum: 1, groups: [], run_user: 'u-1' },
      { policy_id: 'refunds-by-finance', quorum: 2, groups: ['finance'] },
    ]);
    expect(
      requirementsOf(
        engine.decide(proposal('tickets.create', { title: 't', priority: 'low' }), supportAgent, run),
      ),
    ).toEqual([{ policy_id: 'tickets-by-anyone', quorum: 1 }]);
  });

  it('leaves a requirement naming only the run user unmeetable in a run without a user', () => {
    const [userOnly] = requirementsOf(engine.decide(refund(500), supportAgent)) ?? [];
    expect(userOnly).toEqual({ policy_id: 'big-refunds-by-the-user-too', quorum: 1, groups: [] });
  });
});

describe('entities policies read', () => {
  const payTool: ToolDefinition = {
    name: 'bank.transfer',
    description: 'Send money.',
    risk: 'write',
    idempotent: false,
    arguments_schema: { type: 'object', properties: { iban: { type: 'string' } }, required: ['iban'] },
    cost: { per_call_usd: 0 },
    adapter: { type: 'http', destination: 'bank', method: 'POST', path: '/transfers' },
    allowed_hosts: ['localhost'],
    sensitive_fields: [],
  };
  const policies = {
    'pay.cedar': `
      @id("pay-saved-payees")
      permit (principal, action == Action::"bank.transfer", resource)
      when { context has user && context.user has payees && context.user.payees.contains(context.arguments.iban) };
      @id("never-to-blocked-countries")
      forbid (principal, action == Action::"bank.transfer", resource)
      when { Org::"acme".blocked_prefixes.contains(context.arguments.iban) };`,
  };
  const entities = [
    { uid: { type: 'User', id: 'u-1' }, attrs: { payees: ['DE89', 'XX00'] } },
    { uid: { type: 'Org', id: 'acme' }, attrs: { blocked_prefixes: ['XX00'] } },
  ];
  const engine = createPolicyEngine({ policies, tools: new Map([[payTool.name, payTool]]), entities });
  const pay = (iban: string) => proposal('bank.transfer', { iban });
  const run = (userId: string) => ({ opened_by: 'launcher' as const, user_id: userId });

  it("permits a transfer to one of the run user's saved payees, and only that", () => {
    expect(engine.decide(pay('DE89'), loneAgent, run('u-1')).decision).toBe('allow');
    expect(engine.decide(pay('FR76'), loneAgent, run('u-1')).reason_code).toBe('no_policy_permits');
    // A user the bundle does not list has no payees: nothing is permitted, nothing fails.
    expect(engine.decide(pay('DE89'), loneAgent, run('u-2')).reason_code).toBe('no_policy_permits');
    expect(engine.decide(pay('DE89'), loneAgent).reason_code).toBe('no_policy_permits');
  });

  it('reads an entity by its uid in the policy text', () => {
    expect(engine.decide(pay('XX00'), loneAgent, run('u-1')).policy_ids).toEqual([
      'never-to-blocked-countries',
    ]);
  });

  it('refuses entities Cedar cannot read when the engine is created', () => {
    const broken = [{ uid: { type: 'User', id: 'u-1' }, attrs: { amount: 1.5 } }];
    const tools = new Map([[payTool.name, payTool]]);
    expect(() => createPolicyEngine({ policies, tools, entities: broken })).toThrow(/^entities\//);
  });

  it("decides with what operators changed over the bundle's entities, and without it when not given", () => {
    const overlay = new EntityOverlay();
    const change = (version: number, entity: { uid: { type: string; id: string }; attrs: object }) =>
      overlay.apply({
        uid: entity.uid,
        state: 'set',
        entity,
        version,
        reason: 'test',
        operator_id: 'olga',
        changed_at: '2026-11-26T00:00:00Z',
      });
    expect(change(1, { uid: { type: 'User', id: 'u-1' }, attrs: { payees: ['FR76'] } })).toBeUndefined();
    // The operator's u-1 replaces the bundle's: FR76 is a payee now, DE89 no longer.
    expect(engine.decide(pay('FR76'), loneAgent, run('u-1'), undefined, overlay).decision).toBe('allow');
    expect(engine.decide(pay('DE89'), loneAgent, run('u-1'), undefined, overlay).decision).toBe('deny');
    expect(engine.decide(pay('DE89'), loneAgent, run('u-1')).decision).toBe('allow');
    // An operator's Org::"acme" without blocked prefixes lifts the forbid that read them.
    overlay.apply({
      uid: { type: 'Org', id: 'acme' },
      state: 'set',
      entity: { uid: { type: 'Org', id: 'acme' }, attrs: { blocked_prefixes: [] } },
      version: 2,
      reason: 'test',
      operator_id: 'olga',
      changed_at: '2026-11-26T00:00:00Z',
    });
    change(3, { uid: { type: 'User', id: 'u-1' }, attrs: { payees: ['XX00'] } });
    expect(engine.decide(pay('XX00'), loneAgent, run('u-1'), undefined, overlay).decision).toBe('allow');
    expect(engine.decide(pay('XX00'), loneAgent, run('u-1')).policy_ids).toEqual([
      'never-to-blocked-countries',
    ]);
    // Removed, it is no entity at all: the forbid reading it cannot be evaluated, and that denies.
    overlay.apply({
      uid: { type: 'Org', id: 'acme' },
      state: 'removed',
      version: 4,
      reason: 'test',
      operator_id: 'olga',
      changed_at: '2026-11-26T00:00:00Z',
    });
    expect(engine.decide(pay('XX00'), loneAgent, run('u-1'), undefined, overlay).reason_code).toBe(
      'policy_evaluation_error',
    );
  });
});

describe('policy text by id', () => {
  it('gives each policy its own text as written, annotations and comments of others left out', () => {
    const texts = policyTextsById(readBundlePolicies());
    expect(Object.keys(texts).sort()).toEqual([
      'refund-ceiling',
      'support-may-open-tickets',
      'support-never-emails-customers',
      'support-refunds-need-approval',
    ]);
    const asking = texts['support-refunds-need-approval'];
    expect(asking).toMatch(/^@id\("support-refunds-need-approval"\)\n@approval\("required"\)\npermit/);
    expect(asking).toContain('when { context.arguments.amount_cents <= 50000 };');
    expect(asking).not.toContain('refund-ceiling');
  });
});
