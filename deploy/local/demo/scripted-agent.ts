// `npm run demo`: a scripted support agent drives the running local Airlock through five runs and
// prints what happens at each step, then shows the audit rows ClickHouse recorded for them.
import { join, resolve } from 'node:path';
import { readSigningKey, readStringMap, secretsLayout } from '@airlock/bundle';
import {
  EventWatcher,
  TestAgent,
  TestLauncher,
  testKafka,
  type SeenEvent,
} from '../../../libs/testing/src/kafka-test-clients';

const repoRoot = resolve(process.argv[2] ?? process.cwd());
const secretsDir = join(repoRoot, 'deploy', 'local', '.generated', 'secrets');
const brokers = process.env['AIRLOCK_KAFKA_BROKERS'] ?? '127.0.0.1:19092';
const clickhouseUrl = process.env['AIRLOCK_CLICKHOUSE_URL'] ?? 'http://127.0.0.1:18123';
const approvalUrl = process.env['AIRLOCK_APPROVAL_URL'] ?? 'http://127.0.0.1:7300';
const timeoutMs = 30000;

const say = (text: string): void => void process.stdout.write(`${text}\n`);
const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

function describe(outcome: SeenEvent): string {
  const data = outcome.envelope.data;
  const policies =
    Array.isArray(data['policy_ids']) && data['policy_ids'].length > 0
      ? ` policies=[${data['policy_ids'].join(', ')}]`
      : '';
  const approver = data['approver_id'] ? ` approver=${String(data['approver_id'])}` : '';
  return `outcome=${String(data['outcome'])} reason_code=${String(data['reason_code'])} decided_by=${String(data['decided_by'])}${policies}${approver}\n      "${String(data['reason'])}"`;
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
  const kafka = testKafka(brokers);
  const producer = kafka.producer();
  const watcher = new EventWatcher(kafka, '', ['outcomes', 'usageAccounted']);
  const layout = secretsLayout(secretsDir);
  const key = readSigningKey(layout.agentKeyFile('support-triage'));
  const bobToken = readStringMap(layout.approverTokensFile, 'approver tokens')['bob'];
  if (!bobToken) throw new Error(`no token for approver bob in ${layout.approverTokensFile}`);
  const oliviaToken = readStringMap(layout.operatorTokensFile, 'operator tokens')['olivia'];
  if (!oliviaToken) throw new Error(`no token for operator olivia in ${layout.operatorTokensFile}`);
  // The support desk starts the agent for a customer and opens each run with a signed ticket,
  // which the agent carries in every proposal of the run (ADR 0011).
  const launcher = new TestLauncher(
    'support-desk',
    readSigningKey(layout.launcherKeyFile('support-desk')),
    producer,
  );
  const agent = new TestAgent(producer, '', 'support-triage', key, launcher);

  say(`[demo] connecting to Kafka at ${brokers}`);
  await producer.connect();
  await watcher.start();
  try {
    const opened = new Set<string>();
    const submit = async (runId: string, tool: string, args: Record<string, unknown>): Promise<string> => {
      if (!opened.has(runId)) {
        opened.add(runId);
        say(`  launcher support-desk opened run ${runId} for user u-1 (team support), for an hour`);
      }
      const proposal = agent.proposal(runId, tool, args);
      await agent.submit(proposal);
      say(`  -> submitted ${tool} ${JSON.stringify(args)} (proposal ${proposal.proposal_id})`);
      return proposal.proposal_id;
    };
    const outcomeOf = async (proposalId: string): Promise<SeenEvent> => {
      const outcome = await watcher.waitForOutcome(proposalId, timeoutMs).catch(() => {
        throw new Error(
          `no outcome for proposal ${proposalId} within ${timeoutMs / 1000} s; check the service logs`,
        );
      });
      say(`  <- ${describe(outcome)}`);
      return outcome;
    };

    say(`\n[demo] a) run ${runs.allowed}: open a ticket (policy permits it)`);
    await outcomeOf(
      await submit(runs.allowed, 'tickets.create', { title: 'Customer cannot log in', priority: 'high' }),
    );

    say(`\n[demo] b) run ${runs.denied}: email the customer directly (policy forbids it)`);
    await outcomeOf(
      await submit(runs.denied, 'email.send', {
        to: 'customer@example.com',
        subject: 'Your refund',
        body: 'Hello!',
      }),
    );

    say(`\n[demo] c) run ${runs.approval}: refund $25.00 (policy requires a human approval)`);
    const refundId = await submit(runs.approval, 'payments.refund', {
      charge_id: 'ch_demo123',
      amount_cents: 2500,
      reason: 'double charge',
    });
    await waitForPendingApproval(refundId, bobToken);
    say(`  .. waiting for approval: ${refundId} is listed in GET ${approvalUrl}/approvals?status=pending`);
    const answer = await approvalApi(`/approvals/${refundId}/approve`, bobToken, {
      method: 'POST',
      body: { comment: 'Checked the double charge in the payments dashboard (demo).' },
    });
    say(`  .. bob approved it: ${JSON.stringify(answer)}`);
    await outcomeOf(refundId);

    say(`\n[demo] d) run ${runs.budget}: four tickets in one run (the bundle allows 3 tool calls per run)`);
    for (let call = 1; call <= 4; call += 1) {
      say(`  call ${call}/4`);
      await outcomeOf(
        await submit(runs.budget, 'tickets.create', { title: `Follow-up #${call}`, priority: 'normal' }),
      );
    }

    say(`\n[demo] e) run ${runs.halted}: operator olivia halts the run (the kill switch), then resumes it`);
    const scope = { kind: 'run', id: runs.halted };
    await approvalApi('/operator/halts', oliviaToken, {
      method: 'POST',
      body: { ...scope, reason: 'the user asked to stop (demo)' },
    });
    await waitForHalt(runs.halted, oliviaToken, true);
    say(`  .. halted: run ${runs.halted} is listed in GET ${approvalUrl}/operator/halts`);
    await outcomeOf(
      await submit(runs.halted, 'tickets.create', { title: 'Reset my password', priority: 'normal' }),
    );
    await approvalApi('/operator/resumes', oliviaToken, {
      method: 'POST',
      body: { ...scope, reason: 'the user asked to go on (demo)' },
    });
    await waitForHalt(runs.halted, oliviaToken, false);
    say('  .. resumed');

    say(
      `\n[demo] f) run ${runs.closed}: the agent reports its model's tokens, then the support desk closes the run`,
    );
    await outcomeOf(
      await submit(runs.closed, 'tickets.create', { title: 'Invoice missing', priority: 'low' }),
    );
    const usage = { model: 'gpt-4o-mini', input_tokens: 12_000, output_tokens: 3_000 };
    await agent.reportUsage(runs.closed, usage);
    const accounted = await watcher.waitFor(
      'usageAccounted',
      (event) => event.envelope.data['run_id'] === runs.closed,
      timeoutMs,
    );
    say(`  -> reported ${JSON.stringify(usage)} on agent.usage`);
    say(
      `  <- budget priced it at $${String(accounted.envelope.data['cost_usd'])} (prices.json) and counted it`,
    );
    await launcher.close(runs.closed, 'support-triage', 'the customer closed the chat (demo)');
    say('  .. support-desk closed the run on airlock.runs');
    await waitForHalt(runs.closed, oliviaToken, true);
    await outcomeOf(
      await submit(runs.closed, 'tickets.create', { title: 'One more thing', priority: 'low' }),
    );
  } finally {
    await watcher.stop().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
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
