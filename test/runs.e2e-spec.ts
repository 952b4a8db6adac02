import { appendFileSync, cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSigningKey } from '@airlock/bundle';
import { eventually, TestLauncher, useAirlockStack } from '@airlock/testing';

/** A candidate bundle for shadow mode: the example's, except that it refuses high-priority tickets. */
function candidateBundle(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'airlock-candidate-')), 'bundle');
  cpSync(join(__dirname, '..', 'deploy', 'bundle'), dir, { recursive: true });
  appendFileSync(
    join(dir, 'policies', 'support.cedar'),
    '\n@id("no-high-priority-tickets")\nforbid (principal, action == Action::"tickets.create", resource) when { context.arguments.priority == "high" };\n',
  );
  return dir;
}

/** Runs are opened by launchers (ADR 0011): an agent cannot invent one, nor change what it says. */
describe('runs opened by launchers', () => {
  const candidateDir = candidateBundle();
  const airlock = useAirlockStack({
    // The policy service also evaluates a candidate bundle in shadow, acting on none of its answers.
    env: { AIRLOCK_SHADOW_BUNDLE_DIR: candidateDir },
    // Policies that read the run's trusted facts and its history: a run the launcher labelled
    // read-only opens nothing, and a run that read the knowledge base (text from outside) opens no
    // ticket.
    editBundle: (dir) => {
      writeFileSync(
        join(dir, 'policies', 'runs.cedar'),
        [
          '@id("read-only-runs-write-nothing")',
          'forbid (principal, action, resource) when { context.run.labels.contains("read-only") };',
          '@id("support-may-search-the-knowledge-base")',
          'permit (principal in Team::"support", action == Action::"kb.search", resource);',
          '@id("no-tickets-after-untrusted-content")',
          'forbid (principal, action == Action::"tickets.create", resource) when { context.history.tainted };',
        ].join('\n'),
      );
      const ticketTool = JSON.parse(readFileSync(join(dir, 'tools', 'tickets.create.json'), 'utf8'));
      const search = {
        ...ticketTool,
        name: 'kb.search',
        description: 'Search the public knowledge base.',
        risk: 'read',
        arguments_schema: { type: 'object', required: ['query'], properties: { query: { type: 'string' } } },
        adapter: { ...ticketTool.adapter, path: '/search' },
        sensitive_fields: [],
        returns_untrusted_content: true,
      };
      writeFileSync(join(dir, 'tools', 'kb.search.json'), JSON.stringify(search));
    },
  });

  const ticket = { title: 'Printer on fire', priority: 'high' };

  it("executes a proposal carrying its launcher's ticket, and hands the run's facts to the gates", async () => {
    const proposal = airlock.agent.proposal('run-opened', 'tickets.create', ticket);
    await airlock.agent.submit(proposal);
    expect((await airlock.stack.watcher.waitForOutcome(proposal.proposal_id)).envelope.data['outcome']).toBe(
      'executed',
    );
    const rows = await waitForRows(
      `run_id = 'run-opened' AND event_type = 'airlock.proposal.accepted' AND attestation = 'verified'`,
    );
    expect(JSON.parse(rows[0].payload)).toMatchObject({
      run: { opened_by: 'launcher', launcher_id: 'support-desk', user_id: 'u-1', team: 'support' },
    });
  });

  it("lets policies read the run's facts as its launcher stated them", async () => {
    airlock.agent.launcher!.openRun('run-read-only', 'support-triage', { labels: ['read-only'] });
    const proposal = airlock.agent.proposal('run-read-only', 'tickets.create', ticket);
    await airlock.agent.submit(proposal);
    expect((await airlock.stack.watcher.waitForOutcome(proposal.proposal_id)).envelope.data).toMatchObject({
      outcome: 'denied',
      reason_code: 'policy_denied',
      policy_ids: ['read-only-runs-write-nothing'],
    });
  });

  it('refuses a ticket in a run that has read untrusted content, from the history the policy gate kept', async () => {
    const search = airlock.agent.proposal('run-tainted', 'kb.search', { query: 'refund policy' });
    await airlock.agent.submit(search);
    expect(await airlock.stack.watcher.waitForVerdict(search.proposal_id)).toBe(
      'executed/tool_call_succeeded',
    );
    const ticketAfter = airlock.agent.proposal('run-tainted', 'tickets.create', ticket);
    await airlock.agent.submit(ticketAfter);
    expect((await airlock.stack.watcher.waitForOutcome(ticketAfter.proposal_id)).envelope.data).toMatchObject(
      {
        outcome: 'denied',
        policy_ids: ['no-tickets-after-untrusted-content'],
      },
    );
    expect(airlock.stack.standIn.requestsFor(ticketAfter.proposal_id)).toHaveLength(0);
  });

  it.each([
    [
      'without a ticket',
      () => airlock.agent.proposal('run-invented', 'tickets.create', ticket, { run_ticket: undefined }),
      'run_not_opened',
    ],
    [
      "with another run's ticket",
      () =>
        airlock.agent.proposal('run-borrowed', 'tickets.create', ticket, {
          run_ticket: airlock.stack.launcher().ticketFor('run-someone-else', 'support-triage'),
        }),
      'run_ticket_mismatch',
    ],
    [
      'after its run ended',
      () =>
        airlock.agent.proposal('run-ended', 'tickets.create', ticket, {
          run_ticket: airlock.stack
            .launcher()
            .open(
              { run_id: 'run-ended', agent_id: 'support-triage', user_id: 'u-1' },
              60,
              new Date(Date.now() - 120_000),
            ),
        }),
      'run_expired',
    ],
    [
      'with a ticket the agent signed itself',
      () =>
        airlock.agent.proposal('run-self-signed', 'tickets.create', ticket, {
          // The agent's own key, claiming to be the support desk.
          run_ticket: new TestLauncher(
            'support-desk',
            readSigningKey(airlock.stack.paths.agentKeyFiles['support-triage'] ?? ''),
          ).ticketFor('run-self-signed', 'support-triage'),
        }),
      'bad_run_ticket',
    ],
  ])('rejects a proposal %s and calls nothing', async (_what, make, code) => {
    const proposal = make();
    await airlock.agent.submit(proposal);
    const outcome = await airlock.stack.watcher.waitForRunOutcome(proposal.run_id);
    expect(outcome).toMatchObject({ outcome: 'rejected', reason_code: code, decided_by: 'intake' });
    expect(airlock.stack.standIn.requestsFor(proposal.proposal_id)).toHaveLength(0);
  });

  it('records in ClickHouse where a candidate bundle in shadow would decide otherwise, acting on the active one', async () => {
    const urgent = airlock.agent.proposal('run-shadowed', 'tickets.create', ticket);
    await airlock.agent.submit(urgent);
    expect(await airlock.stack.watcher.waitForVerdict(urgent.proposal_id)).toBe(
      'executed/tool_call_succeeded',
    );
    let rows: { active_decision: string; candidate_decision: string; proposals: number }[] = [];
    await eventually(
      async () => {
        rows = await airlock.stack.clickhouse.select(
          `SELECT active_decision, candidate_decision, proposals FROM ${airlock.stack.database}.shadow_disagreements WHERE tool = 'tickets.create'`,
        );
        // Earlier tests' refusals disagree too, on policy ids only (deny and deny): look for this one.
        return rows.some((row) => row.active_decision === 'allow');
      },
      20_000,
      () => `shadow_disagreements shows the ticket allowed by the active bundle: ${JSON.stringify(rows)}`,
    );
    expect(rows.find((row) => row.active_decision === 'allow')).toMatchObject({ candidate_decision: 'deny' });
    const [event] = await waitForRows(
      `topic = 'airlock.policy.shadow' AND proposal_id = '${urgent.proposal_id}' AND attestation = 'verified'`,
    );
    expect(JSON.parse(event.payload)).toMatchObject({ candidate_policy_ids: ['no-high-priority-tickets'] });
  });

  it("backtests the recorded runs from the command line, replaying each run's history", async () => {
    // The ticket refused after untrusted content must be in the audit before the backtest reads it.
    await waitForRows(`run_id = 'run-tainted' AND topic = 'airlock.policy.decisions' AND decision = 'deny'`);
    const backtest = (bundleDir: string) =>
      airlock.stack.runCli([
        ...['policy', 'backtest', '--bundle', bundleDir, '--database', airlock.stack.database],
        ...['--since', new Date(Date.now() - 3_600_000).toISOString()],
      ]);
    // The active bundle decides as it did: the refusal that read the run's history is replayed
    // with that history, so it is no change (judged as the run's first call, it would be allowed).
    const same = await backtest(airlock.stack.paths.bundleDir);
    expect(same.stderr).toBe('');
    expect(same.stdout).toMatch(/^\d+ proposals decided from .* decides 0 otherwise$/m);
    // The shadow candidate lacks this bundle's run policies and refuses high-priority tickets.
    const candidate = await backtest(candidateDir);
    expect(candidate.stdout).toContain(
      'tickets.create: allow [support-may-open-tickets] -> deny [no-high-priority-tickets]',
    );
  });

  async function waitForRows(where: string) {
    let rows: { payload: string }[] = [];
    for (let attempt = 0; attempt < 100 && rows.length === 0; attempt += 1) {
      rows = await airlock.stack.clickhouse.select<{ payload: string }>(
        `SELECT payload FROM ${airlock.stack.database}.events FINAL WHERE ${where}`,
      );
      if (rows.length === 0) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return rows;
  }
});
