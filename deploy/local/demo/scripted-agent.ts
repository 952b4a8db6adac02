// `npm run demo`: a scripted support agent drives the running local Airlock through five runs and
// prints what happens at each step, then shows the audit rows ClickHouse recorded for them.
import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import { readStringMap, secretsLayout } from '@airlock/bundle';
import { AirlockAgent, AirlockLauncher, type ProposalResult } from '@airlock/sdk';

const repoRoot = resolve(process.argv[2] ?? process.cwd());
const secretsDir = join(repoRoot, 'deploy', 'local', '.generated', 'secrets');
const brokers = process.env['AIRLOCK_KAFKA_BROKERS'] ?? '127.0.0.1:19092';
const clickhouseUrl = process.env['AIRLOCK_CLICKHOUSE_URL'] ?? 'http://127.0.0.1:18123';
const approvalUrl = process.env['AIRLOCK_APPROVAL_URL'] ?? 'http://127.0.0.1:7300';
const timeoutMs = 30000;

const say = (text: string): void => void process.stdout.write(`${text}\n`);
const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

function describe(result: ProposalResult): string {
  const { policy_ids: policyIds, approver_id: approverId } = result.event;
  const policies = policyIds && policyIds.length > 0 ? ` policies=[${policyIds.join(', ')}]` : '';
  const approver = approverId ? ` approver=${approverId}` : '';
  const answer = result.outcome === 'executed' ? ` result=${JSON.stringify(result.result)}` : '';
  return `outcome=${result.outcome} reason_code=${result.reasonCode} decided_by=${result.decidedBy}${policies}${approver}${answer}\n      "${result.reason}"`;
}

async function approvalApi(
  path: string,
  token: string,
  init: { method?: string; body?: unknown } = {},
): Promise<unknown> {
  const response = await fetch(`${approvalUrl}${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    signal: AbortSignal.timeout(5000),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${path} answered ${response.status}: ${text}`);
  return JSON.parse(text) as unknown;
}

async function waitForPendingApproval(proposalId: string, token: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const listed = (await approvalApi('/approvals?status=pending', token)) as {
      approvals: Array<{ proposal_id: string }>;
    };
    if (listed.approvals.some((approval) => approval.proposal_id === proposalId)) return;
    await sleep(300);
  }
  throw new Error(
    `proposal ${proposalId} did not appear in GET /approvals?status=pending within ${timeoutMs / 1000} s`,
  );
}

/** Waits until the operator API shows the run halted (or no longer halted); gates read the same topic. */
async function waitForHalt(runId: string, token: string, halted: boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const listed = (await approvalApi('/operator/halts', token)) as {
      halts: Array<{ scope: { kind: string; id?: string } }>;
    };
    const found = listed.halts.some((halt) => halt.scope.kind === 'run' && halt.scope.id === runId);
    if (found === halted) return sleep(300);
    await sleep(200);
  }
  throw new Error(`run ${runId} was not ${halted ? 'halted' : 'resumed'} within ${timeoutMs / 1000} s`);
}

async function clickhouse(query: string): Promise<string> {
  // Bold column headers only make sense on a terminal.
  const url = process.stdout.isTTY ? clickhouseUrl : `${clickhouseUrl}/?output_format_pretty_color=0`;
  const response = await fetch(url, { method: 'POST', body: query, signal: AbortSignal.timeout(10000) });
  const text = await response.text();
  if (!response.ok) throw new Error(`ClickHouse answered ${response.status}: ${text.trim()}`);
  return text;
}

async function main(): Promise<void> {
  const stamp = new Date()
    .toISOString()
    .replace(/[-:.TZ]/g, '')
    .slice(0, 14);
  const runs = {
    allowed: `demo-${stamp}-allowed`,
    denied: `demo-${stamp}-denied`,
    approval: `demo-${stamp}-approval`,
    budget: `demo-${stamp}-budget`,
    halted: `demo-${stamp}-halted`,
    closed: `demo-${stamp}-closed`,
  };
  const layout = secretsLayout(secretsDir);
  const bobToken = readStringMap(layout.approverTokensFile, 'approver tokens')['bob'];
  if (!bobToken) throw new Error(`no token for approver bob in ${layout.approverTokensFile}`);
  const oliviaToken = readStringMap(layout.operatorTokensFile, 'operator tokens')['olivia'];
  if (!oliviaToken) throw new Error(`no token for operator olivia in ${layout.operatorTokensFile}`);
  // The support desk starts the agent for a customer and opens each run with a signed ticket,
  // which the agent carries in every proposal of the run (ADR 0011).
  const launcher = new AirlockLauncher({
    brokers,
    launcherId: 'support-desk',
    key: layout.launcherKeyFile('support-desk'),
  });

  say(`[demo] connecting to Kafka at ${brokers}`);
  const agent = await AirlockAgent.connect({
    brokers,
    agentId: 'support-triage',
    key: layout.agentKeyFile('support-triage'),
  });
  try {
    const tickets = new Map<string, string>();
    const ticketOf = (runId: string): string => {
      const opened = tickets.get(runId);
      if (opened !== undefined) return opened;
      const ticket = launcher.openRun({ runId, agentId: 'support-triage', userId: 'u-1', team: 'support' });
      tickets.set(runId, ticket);
      say(`  launcher support-desk opened run ${runId} for user u-1 (team support), for an hour`);
      return ticket;
    };
    const propose = async (
      runId: string,
      tool: string,
      args: Record<string, unknown>,
      beforeAnswer?: (proposalId: string) => Promise<void>,
    ): Promise<ProposalResult> => {
      const proposalId = `p-${randomUUID()}`;
      say(`  -> proposing ${tool} ${JSON.stringify(args)} (proposal ${proposalId})`);
      const answer = agent.propose(tool, args, { runId, ticket: ticketOf(runId), proposalId, timeoutMs });
      if (beforeAnswer) await beforeAnswer(proposalId);
      const result = await answer;
      say(`  <- ${describe(result)}`);
      return result;
    };

    say(`\n[demo] a) run ${runs.allowed}: open a ticket (policy permits it)`);
    await propose(runs.allowed, 'tickets.create', { title: 'Customer cannot log in', priority: 'high' });

    say(`\n[demo] b) run ${runs.denied}: email the customer directly (policy forbids it)`);
    await propose(runs.denied, 'email.send', {
      to: 'customer@example.com',
      subject: 'Your refund',
      body: 'Hello!',
    });

    say(`\n[demo] c) run ${runs.approval}: refund $25.00 (policy requires a human approval)`);
    // The agent's call waits for the outcome while a human decides.
    await propose(
      runs.approval,
      'payments.refund',
      { charge_id: 'ch_demo123', amount_cents: 2500, reason: 'double charge' },
      async (refundId) => {
        await waitForPendingApproval(refundId, bobToken);
        say(
          `  .. waiting for approval: ${refundId} is listed in GET ${approvalUrl}/approvals?status=pending`,
        );
        const answer = await approvalApi(`/approvals/${refundId}/approve`, bobToken, {
          method: 'POST',
          body: { comment: 'Checked the double charge in the payments dashboard (demo).' },
        });
        say(`  .. bob approved it: ${JSON.stringify(answer)}`);
      },
    );

    say(`\n[demo] d) run ${runs.budget}: four tickets in one run (the bundle allows 3 tool calls per run)`);
    for (let call = 1; call <= 4; call += 1) {
      say(`  call ${call}/4`);
      await propose(runs.budget, 'tickets.create', { title: `Follow-up #${call}`, priority: 'normal' });
    }

    say(`\n[demo] e) run ${runs.halted}: operator olivia halts the run (the kill switch), then resumes it`);
    const scope = { kind: 'run', id: runs.halted };
    await approvalApi('/operator/halts', oliviaToken, {
      method: 'POST',
      body: { ...scope, reason: 'the user asked to stop (demo)' },
    });
    await waitForHalt(runs.halted, oliviaToken, true);
    say(`  .. halted: run ${runs.halted} is listed in GET ${approvalUrl}/operator/halts`);
    await propose(runs.halted, 'tickets.create', { title: 'Reset my password', priority: 'normal' });
    await approvalApi('/operator/resumes', oliviaToken, {
      method: 'POST',
      body: { ...scope, reason: 'the user asked to go on (demo)' },
    });
    await waitForHalt(runs.halted, oliviaToken, false);
    say('  .. resumed');

    say(
      `\n[demo] f) run ${runs.closed}: the agent reports its model's tokens, then the support desk closes the run`,
    );
    await propose(runs.closed, 'tickets.create', { title: 'Invoice missing', priority: 'low' });
    const usage = { model: 'gpt-4o-mini', inputTokens: 12_000, outputTokens: 3_000 };
    const { usageId } = await agent.reportUsage({ runId: runs.closed, ...usage });
    say(`  -> reported ${JSON.stringify(usage)} on agent.usage`);
    const accounted = await agent.usageAccounted(usageId, timeoutMs);
    say(`  <- budget priced it at $${accounted.cost_usd} (prices.json) and counted it`);
    await launcher.closeRun(runs.closed, 'the customer closed the chat (demo)');
    say('  .. support-desk closed the run on airlock.runs');
    await waitForHalt(runs.closed, oliviaToken, true);
    await propose(runs.closed, 'tickets.create', { title: 'One more thing', priority: 'low' });
  } finally {
    await agent.close().catch(() => undefined);
    await launcher.close().catch(() => undefined);
  }

  // Halts, resumes and closes are audited under their scope's key, run:<id>.
  const runIds = [...Object.values(runs), `run:${runs.halted}`, `run:${runs.closed}`];
  const inList = runIds.map((id) => `'${id}'`).join(', ');
  say(`\n[demo] audit trail in ClickHouse (${clickhouseUrl}, database airlock):`);
  const deadline = Date.now() + timeoutMs;
  const expectedOutcomes = 1 + 1 + 1 + 4 + 1 + 2;
  for (;;) {
    const counted = await clickhouse(
      `SELECT count() FROM airlock.events FINAL WHERE run_id IN (${inList}) AND notEmpty(ifNull(toString(outcome), '')) FORMAT TSV`,
    );
    if (Number(counted.trim()) >= expectedOutcomes) break;
    if (Date.now() > deadline) {
      say(
        `[demo] WARNING: only ${counted.trim()} of ${expectedOutcomes} outcome rows reached ClickHouse within ${timeoutMs / 1000} s; showing what is there`,
      );
      break;
    }
    await sleep(500);
  }
  say(
    await clickhouse(
      `SELECT run_id, event_type, decision, outcome, reason_code, tool, attestation, trace_id FROM airlock.events FINAL WHERE run_id IN (${inList}) ORDER BY run_id, seq FORMAT PrettyCompactMonoBlock`,
    ),
  );
  say(`[demo] spend today by team, agent and tool or model (the view spend_by_day):`);
  say(
    await clickhouse(
      `SELECT team, agent_id, tool, model, tool_calls, usage_reports, round(spend_usd, 6) AS spend_usd FROM airlock.spend_by_day WHERE day = today() ORDER BY tool, model FORMAT PrettyCompactMonoBlock`,
    ),
  );
  say('[demo] done');
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`[demo] ERROR: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
