import { join } from 'node:path';
import type { Browser } from 'puppeteer-core';
import { outcomeEnvelope } from '@airlock/contracts';
import { useAirlockStack } from '@airlock/testing';
import {
  cookieHeaderOf,
  launchChromium,
  reloadUntil,
  screenshots,
  signInWith,
  textOf,
} from './support/console-browser';

/**
 * The console's pages for operators and analysts in a real headless Chromium, over what the real
 * stack recorded: an operator resolves an unknown outcome (an approver may not), a run's timeline
 * and its verification (and a run whose record holds a forgery), and the gates charted per day.
 */
describe('the operators’ console', () => {
  const airlock = useAirlockStack({
    // A tool that answers after a second leaves its call's outcome unknown.
    env: { AIRLOCK_TOOL_TIMEOUT_MS: '1000' },
  });

  let browser: Browser;
  const url = (path: string) => `${airlock.stack.approvalUrl}${path}`;

  beforeAll(async () => {
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('lets an operator record what happened to an unknown outcome, and no approver', async () => {
    airlock.stack.standIn.delayResponses(3000);
    const slow = airlock.agent.proposal('run-ops-unknown', 'tickets.create', {
      title: 'Slow desk',
      priority: 'low',
    });
    try {
      await airlock.agent.submit(slow);
      expect(await airlock.stack.watcher.waitForVerdict(slow.proposal_id)).toMatch(/^unknown\//);
    } finally {
      airlock.stack.standIn.delayResponses(0);
    }

    const olivia = await signInWith(
      browser,
      airlock.stack.approvalUrl,
      airlock.stack.operatorToken('olivia'),
    );
    expect(await textOf(olivia, '#account')).toBe('olivia');
    const row = `#unknown-${slow.proposal_id}`;
    await reloadUntil(olivia, url('/console/unknown-outcomes'), row);
    expect(await textOf(olivia, row)).toContain('tickets.create');
    await olivia.screenshot({ path: join(screenshots, 'unknown-outcomes.png'), fullPage: true });

    // An approver sees the queue but has no form, and a post in her name is refused by the server.
    const bob = await signInWith(browser, airlock.stack.approvalUrl, airlock.stack.approverToken('bob'));
    await bob.goto(url('/console/unknown-outcomes'));
    expect(await textOf(bob, row)).toContain('an operator resolves it');
    const bobsCsrf = await bob.$eval('input[name=csrf]', (input) => input.getAttribute('value') ?? '');
    const byApprover = await fetch(url(`/console/unknown-outcomes/${slow.proposal_id}`), {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: await cookieHeaderOf(bob) },
      body: new URLSearchParams({ csrf: bobsCsrf, happened: 'failed', note: 'I think so' }).toString(),
      redirect: 'manual',
    });
    expect(byApprover.status).toBe(403);
    expect(await byApprover.text()).toContain('only an operator resolves an unknown outcome');

    await olivia.type(`${row} input.note`, 'no ticket in the desk for it');
    await Promise.all([olivia.waitForNavigation(), olivia.click(`${row} button.failed`)]);
    expect(await textOf(olivia, '#notice')).toBe(`${slow.proposal_id} is resolved as failed.`);
    expect(await olivia.$(row)).toBeNull();
    expect(await textOf(olivia, '#resolved')).toContain('no ticket in the desk for it');
    expect(await textOf(olivia, '#resolved')).toContain('olivia');
    // Resolved once: the same form posted again (a second tab) is told who answered first.
    const again = await fetch(url(`/console/unknown-outcomes/${slow.proposal_id}`), {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: await cookieHeaderOf(olivia) },
      body: new URLSearchParams({
        csrf: await olivia.$eval('input[name=csrf]', (input) => input.getAttribute('value') ?? ''),
        happened: 'succeeded',
        note: 'second look',
      }).toString(),
    });
    expect(again.status).toBe(409);
    expect(await again.text()).toContain('already resolved as failed by olivia');
    await olivia.screenshot({ path: join(screenshots, 'unknown-outcome-resolved.png'), fullPage: true });
  });

  it('shows a run’s timeline with its verification, and marks a run whose record holds a forgery', async () => {
    const ticket = airlock.agent.proposal('run-ops', 'tickets.create', { title: 'Printer', priority: 'low' });
    const tooBig = airlock.agent.proposal('run-ops', 'payments.refund', {
      charge_id: 'ch_big',
      amount_cents: 90000,
      reason: 'too much',
    });
    await airlock.agent.submit(ticket);
    expect(await airlock.stack.watcher.waitForVerdict(ticket.proposal_id)).toBe(
      'executed/tool_call_succeeded',
    );
    await airlock.agent.submit(tooBig);
    expect(await airlock.stack.watcher.waitForVerdict(tooBig.proposal_id)).toMatch(/^denied\//);

    const olivia = await signInWith(
      browser,
      airlock.stack.approvalUrl,
      airlock.stack.operatorToken('olivia'),
    );
    await reloadUntil(olivia, url('/console/runs'), 'a[href="/console/runs/run-ops"]');
    await olivia.screenshot({ path: join(screenshots, 'runs.png'), fullPage: true });
    // Audit records a run's events as they come: wait for the denial's outcome before reading it.
    await reloadUntil(olivia, url('/console/runs/run-ops'), '#timeline tr.event:nth-of-type(11)');
    const timeline = await textOf(olivia, '#timeline');
    expect(timeline).toContain('airlock.action.executed');
    expect(timeline).toContain('refund-ceiling');
    expect(timeline).toContain('tool_call_succeeded');
    expect(await olivia.$eval('#verification', (element) => element.className)).toBe('ok');
    expect(await textOf(olivia, '#verification')).toContain('chain intact, every gate event attested');
    await olivia.screenshot({ path: join(screenshots, 'run-timeline.png'), fullPage: true });

    // An outcome nobody attested, written straight onto the topic: the run no longer verifies.
    const forged = outcomeEnvelope({
      proposal_id: 'p-forged',
      run_id: 'run-ops-forged',
      agent_id: 'support-triage',
      tool: 'payments.refund',
      outcome: 'executed',
      reason_code: 'tool_call_succeeded',
      reason: 'trust me',
      decided_by: 'executor',
    });
    await airlock.agent.sendRaw('run-ops-forged', JSON.stringify(forged), 'outcomes');
    await reloadUntil(olivia, url('/console/runs/run-ops-forged'), '#timeline tr.event');
    expect(await olivia.$eval('#verification', (element) => element.className)).toBe('alarm');
    expect(await textOf(olivia, '#verification')).toContain('without a valid gate attestation');
    expect(await textOf(olivia, '#timeline')).toContain('missing');
    await olivia.screenshot({ path: join(screenshots, 'run-forged.png'), fullPage: true });

    // The box on the runs page opens any run by id.
    await olivia.goto(url('/console/runs'));
    await olivia.type('#run-id', 'run-ops');
    await Promise.all([olivia.waitForNavigation(), olivia.click('#open-run button')]);
    expect(new URL(olivia.url()).pathname).toBe('/console/runs/run-ops');
  });

  it('charts the gates per day from ClickHouse, narrowed to an agent or a tool, with spend against the caps', async () => {
    const olivia = await signInWith(
      browser,
      airlock.stack.approvalUrl,
      airlock.stack.operatorToken('olivia'),
    );
    const today = new Date().toISOString().slice(0, 10);
    await reloadUntil(olivia, url('/console/gates?days=7'), '#completion-rate g.bar[data-value]');
    // Today: the ticket and the slow ticket of the earlier tests, a denied refund; two executed or
    // unknown writes, of which one unknown: a critical error, drawn in the alarm colour.
    const completion = await olivia.$$eval('#completion-rate g.bar[data-value]', (bars) =>
      bars.map((bar) => Number(bar.getAttribute('data-value'))),
    );
    expect(completion).toHaveLength(1);
    expect(completion[0]).toBeGreaterThan(0);
    expect(completion[0]).toBeLessThan(1);
    expect(await olivia.$$('#critical-error-rate g.bar.alarm')).toHaveLength(1);
    expect(await textOf(olivia, '#critical-error-rate')).toContain(`${today}:`);
    expect(await olivia.$$('#cost-per-success g.bar[data-value]')).toHaveLength(1);
    expect(await olivia.$$('#trace-coverage g.bar[data-value]')).toHaveLength(1);
    expect(await olivia.$$('#completion-rate g.bar')).toHaveLength(7);
    expect(await textOf(olivia, '#by-agent')).toContain('support-triage');
    expect(await textOf(olivia, '#by-tool')).toContain('payments.refund');
    expect(await textOf(olivia, '#spend')).toContain('team-spend-per-month');
    await olivia.screenshot({ path: join(screenshots, 'gates.png'), fullPage: true });

    // Narrowed to the refund tool: only its denial, so nothing executed today.
    await olivia.select('#tool', 'payments.refund');
    await Promise.all([olivia.waitForNavigation(), olivia.click('#gate-filter button')]);
    expect(new URL(olivia.url()).searchParams.get('tool')).toBe('payments.refund');
    expect(
      await olivia.$$eval('#completion-rate g.bar[data-value]', (bars) =>
        bars.map((bar) => bar.getAttribute('data-value')),
      ),
    ).toEqual(['0']);
    expect(await textOf(olivia, '#by-tool')).not.toContain('tickets.create');
  });
});
