import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { eventually, useAirlockStack } from '@airlock/testing';

interface Ran {
  status: number;
  stdout: string;
  stderr: string;
}

/**
 * `npx airlock` against a real stack, as an operator would type it. Each start costs a second or
 * more, so every spawn here checks several things at once.
 */
describe('the airlock command line', () => {
  const airlock = useAirlockStack();

  /** Asynchronous, so the test's Kafka watcher keeps consuming while the CLI runs. */
  const run = (file: string, args: string[]) =>
    new Promise<Ran>((resolve) => {
      execFile(
        file,
        args,
        {
          cwd: join(__dirname, '..'),
          encoding: 'utf8',
          env: {
            ...process.env,
            AIRLOCK_APPROVAL_URL: airlock.stack.approvalUrl,
            AIRLOCK_BUDGET_URL: airlock.stack.budgetUrl,
            // The stack's own operator and approver tokens, as `npm start` keeps them locally.
            AIRLOCK_SECRETS_DIR: airlock.stack.paths.secretsDir,
            AIRLOCK_NAMESPACE: airlock.stack.namespace,
          },
        },
        (error, stdout, stderr) =>
          resolve({ status: error === null ? 0 : Number(error.code), stdout, stderr }),
      );
    });
  const cli = (...args: string[]) => run('npx', ['airlock', ...args]);

  const events = (runId: string, where: string) =>
    airlock.stack.clickhouse.select<{ n: string }>(
      `SELECT count() AS n FROM ${airlock.stack.database}.events FINAL WHERE run_id = '${runId}' AND ${where}`,
    );

  it('lists a waiting refund, refuses its owner, approves it as another approver, and shows and verifies the run', async () => {
    const proposal = airlock.agent.proposal('run-cli', 'payments.refund', {
      charge_id: 'ch_cli',
      amount_cents: 2500,
      reason: 'duplicate',
    });
    await airlock.agent.submit(proposal);
    const id = proposal.proposal_id;
    await eventually(
      async () => {
        const listed = await cli('approvals', '--json');
        const { approvals } = JSON.parse(listed.stdout) as { approvals: { proposal_id: string }[] };
        return approvals.some((view) => view.proposal_id === id);
      },
      30_000,
      () => `${id} never waited for approval`,
    );

    const human = await cli('approvals', '--as', 'bob');
    expect(human.status).toBe(0);
    expect(human.stdout).toMatch(/^proposal +run +agent +tool +status +expires +arguments$/m);
    expect(human.stdout).toContain(`${id}  run-cli  support-triage  payments.refund  pending`);
    const detail = await cli('approval', id, '--as', 'bob');
    expect(detail.stdout).toContain('"charge_id": "ch_cli"');
    expect(detail.stdout).toContain('no preview: payments.refund declares no way to preview it');

    const byOwner = await cli('approve', id, '--as', 'alice');
    expect(byOwner.status).toBe(2);
    expect(byOwner.stderr).toMatch(/\(403\); answer as another approver: --as <approver> \(alice, bob\)/);

    const approved = await cli('approve', id, '--as', 'bob', '--comment', 'checked the charge');
    expect(approved.stderr).toBe('');
    expect(approved.stdout).toMatch(new RegExp(`^${id} approved`));
    expect((await airlock.stack.watcher.waitForOutcome(id)).envelope.data['outcome']).toBe('executed');
    await eventually(
      async () => {
        const [outcome] = await events(
          'run-cli',
          `topic = 'airlock.proposals.outcomes' AND outcome = 'executed'`,
        );
        const [action] = await events('run-cli', `topic = 'airlock.actions.executed'`);
        return Number(outcome?.n) === 1 && Number(action?.n) === 1;
      },
      30_000,
      () => 'the audit never recorded the execution',
    );

    const timeline = await cli('timeline', 'run-cli');
    expect(timeline.status).toBe(0);
    const lines = timeline.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^run run-cli: \d+ events, 1 proposals, /);
    const order = [
      'airlock.proposal.accepted',
      'airlock.policy.decided',
      'airlock.approval.decided',
      'airlock.budget.reserved',
      'airlock.action.executed',
      'airlock.proposal.outcome',
    ];
    const at = order.map((type) => lines.findIndex((line) => line.includes(type)));
    expect(at).toEqual([...at].sort((a, b) => a - b));
    expect(lines.find((line) => line.includes('airlock.policy.decided'))).toMatch(
      /approval_required .*support-refunds-need-approval .*verified/,
    );
    expect(lines.find((line) => line.includes('airlock.proposal.outcome'))).toMatch(
      /payments\.refund +executed +tool_call_succeeded .*verified +[0-9a-f]{32}$/,
    );

    const verified = await cli('verify', 'run-cli', '--json');
    expect(JSON.parse(verified.stdout)).toEqual({
      run_id: 'run-cli',
      ok: true,
      report: [expect.stringMatching(/^run run-cli: \d+ events, chain intact, every gate event attested$/)],
    });
    expect(verified.status).toBe(0);
    // The README's command still answers the same.
    const script = await run('npm', ['run', '-s', 'verify-run', '--', 'run-cli']);
    expect(script).toEqual({ status: 0, stdout: `${JSON.parse(verified.stdout).report[0]}\n`, stderr: '' });

    const unknown = await cli('verify', 'run-never-opened');
    expect(unknown.status).toBe(1);
    expect(unknown.stdout).toContain('run run-never-opened: no events recorded');
  });

  it('opens a run as its launcher, proposes in it as the agent, and closes it', async () => {
    const opened = await cli('run', 'open', 'run-cli-own', '--agent', 'support-triage', '--json');
    expect(opened.stderr).toBe('');
    const { ticket } = JSON.parse(opened.stdout) as { ticket: string };
    const propose = (tool: string, args: object) =>
      cli('propose', tool, '--run', 'run-cli-own', '--ticket', ticket, '--args', JSON.stringify(args));

    const executed = await propose('tickets.create', { title: 'Printer on fire', priority: 'low' });
    expect(executed.status).toBe(0);
    expect(executed.stdout).toMatch(/^p-\S+ executed\/tool_call_succeeded \(decided by executor\): /);
    expect(executed.stdout).toMatch(/^ {2}result \{/m);
    const denied = await propose('email.send', { to: 'a@example.com', subject: 'hi', body: 'hello' });
    expect(denied.status).toBe(1);
    expect(denied.stdout).toMatch(/ denied\/policy_denied \(decided by policy\)/);
    const notJson = await cli('propose', 'tickets.create', '--run', 'run-cli-own', '--args', '{oops');
    expect(notJson.status).toBe(2);
    expect(notJson.stderr).toContain('--args must be JSON');

    const closed = await cli(
      'run',
      'close',
      'run-cli-own',
      '--ticket',
      ticket,
      '--reason',
      'the task is done',
    );
    expect(closed.status).toBe(0);
    expect(closed.stdout).toContain('closed run run-cli-own (launcher support-desk)');
    let after: Ran | undefined;
    await eventually(
      async () => {
        after = await propose('tickets.create', { title: 'One more', priority: 'low' });
        return after.stdout.includes('run_closed');
      },
      30_000,
      () => `a proposal after the close was not refused: ${after?.stdout ?? ''}${after?.stderr ?? ''}`,
    );
    expect(after?.status).toBe(1);
  });

  it("lists halts with the first local operator's token, as JSON", async () => {
    const halted = await cli('halt', 'agent', 'support-triage', '--reason', 'incident 7', '--json');
    expect(halted.status).toBe(0);
    expect(JSON.parse(halted.stdout)).toMatchObject({ state: 'halted', operator_id: 'olivia' });
    // The board shows the halt once the approval service has read it back from airlock.control.
    // The run closed earlier in this file is on the board too, for good: look for the agent's halt.
    let halts: { scope: { kind: string } }[] = [];
    await eventually(
      async () => {
        halts = (JSON.parse((await cli('halts', '--json')).stdout) as { halts: typeof halts }).halts;
        return halts.some((halt) => halt.scope.kind === 'agent');
      },
      15_000,
      () => 'the halt never showed',
    );
    expect(halts.filter((halt) => halt.scope.kind === 'agent')).toEqual([
      expect.objectContaining({ scope: { kind: 'agent', id: 'support-triage' }, reason: 'incident 7' }),
    ]);
    expect((await cli('resume', 'agent', 'support-triage', '--reason', 'fixed')).status).toBe(0);
  });
});
