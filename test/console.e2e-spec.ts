import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { readStringMap } from '@airlock/bundle';
import { useAirlockStack } from '@airlock/testing';
import { cookieHeaderOf, launchChromium, screenshots, signInWith, textOf } from './support/console-browser';

/**
 * The console in a real headless Chromium: two approvers of finance approve a big refund through
 * their browsers, the agent's owner is refused on hers, and the refund executes once.
 */
describe('the approvers’ console', () => {
  const airlock = useAirlockStack({
    editBundle: (dir) => {
      const policyFile = join(dir, 'policies', 'support.cedar');
      // Refunds over $100 need two of finance; smaller ones one of finance. Both name the charge
      // for the rest of the run, which the desk refuses where a quorum is needed.
      const policies = readFileSync(policyFile, 'utf8')
        .replace(
          '@id("support-refunds-need-approval")',
          '@id("support-refunds-need-approval")\n@approvers("finance")\n@quorum("2")\n@approval_for_run("$.charge_id")',
        )
        .replace(
          'when { context.arguments.amount_cents <= 50000 };',
          'when { context.arguments.amount_cents > 10000 && context.arguments.amount_cents <= 50000 };',
        );
      const perCharge = [
        '@id("small-refunds-approved-per-charge")',
        '@approval("required")',
        '@approvers("finance")',
        '@approval_for_run("$.charge_id")',
        'permit (principal in Team::"support", action == Action::"payments.refund", resource)',
        'when { context.arguments.amount_cents <= 10000 };',
      ].join('\n');
      writeFileSync(policyFile, `${policies}\n${perCharge}\n`);
      // The refund's reason is masked on the console, as audit masks it.
      const toolFile = join(dir, 'tools', 'payments.refund.json');
      const tool = JSON.parse(readFileSync(toolFile, 'utf8'));
      tool.sensitive_fields = ['reason'];
      // The approver sees the charge before and after the refund, read by the executor.
      tool.preview = {
        path: '/charges/{charge_id}',
        after: { amount_refunded_cents: { add: '$.amount_cents' } },
      };
      writeFileSync(toolFile, JSON.stringify(tool));
      const approversFile = join(dir, 'approvers.json');
      const registry = JSON.parse(readFileSync(approversFile, 'utf8'));
      const person = (id: string, name: string, extra: object) => ({ id, name, token_sha256: '', ...extra });
      registry.exclude_owner_team = true;
      registry.approvers = [
        person('alice', 'Alice (support lead, owns support-triage)', { team: 'support' }),
        person('bob', 'Bob (finance)', { team: 'finance', groups: ['finance'] }),
        person('carol', 'Carol (finance)', { team: 'finance', groups: ['finance'] }),
      ];
      writeFileSync(approversFile, JSON.stringify(registry));
    },
  });

  let browser: Browser;
  const cspViolations: string[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
  });

  /** A browser context of its own: its own cookies, as another person's browser. */
  async function signIn(approver: string, screenshot?: string): Promise<Page> {
    const page = await signInWith(
      browser,
      airlock.stack.approvalUrl,
      airlock.stack.approverToken(approver),
      async (form) => {
        // A script or request the page's CSP blocks is reported on the browser's console.
        form.on('console', (message) => {
          if (message.text().includes('Content Security Policy')) cspViolations.push(message.text());
        });
        if (screenshot) await form.screenshot({ path: join(screenshots, screenshot) });
      },
    );
    expect(new URL(page.url()).pathname).toBe('/console/approvals');
    expect(await page.$eval('#account', (element) => element.textContent)).toBe(approver);
    return page;
  }

  /** `fresh`: load the page first; false answers on the page as it is (a checkbox ticked, say). */
  async function answer(
    page: Page,
    proposalId: string,
    verdict: 'approve' | 'deny',
    comment: string,
    fresh = true,
  ) {
    if (fresh) await page.goto(`${airlock.stack.approvalUrl}/console/approvals/${proposalId}`);
    await page.type('#comment', comment);
    await Promise.all([page.waitForNavigation(), page.click(`#${verdict}`)]);
  }

  it('refuses a sign-in posted without the sign-in form’s own token pair', async () => {
    const token = airlock.stack.approverToken('bob');
    const signIn = (headers: Record<string, string>, body: Record<string, string>) =>
      fetch(`${airlock.stack.approvalUrl}/console/sign-in`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams(body).toString(),
        redirect: 'manual',
      });
    // A foreign site's form: the right token, but neither the cookie nor the field.
    const foreign = await signIn({}, { token });
    expect(foreign.status).toBe(403);
    expect(await foreign.text()).toContain('was not sent from this console; nobody was signed in');
    expect(foreign.headers.get('set-cookie')).not.toContain('airlock_console=');

    const form = await fetch(`${airlock.stack.approvalUrl}/console/sign-in`);
    const cookie = (form.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const field = /name="sign_in_csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? '';
    expect(cookie).toBe(`airlock_console_sign_in=${field}`);
    // The cookie without the field, or with another form's field, is refused as well.
    expect((await signIn({ Cookie: cookie }, { token })).status).toBe(403);
    expect((await signIn({ Cookie: cookie }, { token, sign_in_csrf: `${field}x` })).status).toBe(403);
    // The pair signs in.
    const signedIn = await signIn({ Cookie: cookie }, { token, sign_in_csrf: field });
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get('set-cookie')).toContain('airlock_console=');
  });

  it('lets two of finance approve a refund in their browsers, refuses its owner, and executes it once', async () => {
    // Earlier in the run, a ticket: the approver sees it under "the run so far".
    const ticket = airlock.agent.proposal('run-console', 'tickets.create', {
      title: 'Billed twice',
      priority: 'high',
    });
    await airlock.agent.submit(ticket);
    expect(await airlock.stack.watcher.waitForVerdict(ticket.proposal_id)).toBe(
      'executed/tool_call_succeeded',
    );
    const proposal = airlock.agent.proposal('run-console', 'payments.refund', {
      charge_id: 'ch_console',
      amount_cents: 15000,
      reason: 'billed twice',
    });
    // The payments API's charge, as the executor's preview GET will read it.
    airlock.stack.standIn.setState('/charges/ch_console', {
      id: 'ch_console',
      amount_cents: 20000,
      amount_refunded_cents: 0,
      description: '<img src=x onerror=alert(1)>',
      reason: 'card reported stolen',
    });
    await airlock.agent.submit(proposal);
    const id = proposal.proposal_id;

    const bob = await signIn('bob', 'sign-in.png');
    // The list refreshes itself until policy's request arrives.
    await bob.waitForSelector(`a[href="/console/approvals/${id}"]`, { timeout: 30_000 });
    expect(await textOf(bob, 'tr.approval td.risk')).toBe('write');
    await bob.screenshot({ path: join(screenshots, 'list.png') });

    await bob.click(`a[href="/console/approvals/${id}"]`);
    await bob.waitForSelector('#arguments');
    // The executor's preview may land a moment after the request: the page says so until then.
    for (let tries = 0; (await bob.$('#preview')) === null && tries < 20; tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      await bob.reload();
    }
    const previewRows = await bob.$$eval('#preview tr', (rows) =>
      rows.slice(1).map((row) => ({
        cells: [...row.querySelectorAll('td')].map((cell) => cell.textContent ?? ''),
        changed: row.className === 'changed',
      })),
    );
    expect(previewRows).toEqual([
      { cells: ['id', '"ch_console"', '"ch_console"', ''], changed: false },
      { cells: ['amount_cents', '20000', '20000', ''], changed: false },
      { cells: ['amount_refunded_cents', '0', '15000', 'changed'], changed: true },
      {
        cells: ['description', '"<img src=x onerror=alert(1)>"', '"<img src=x onerror=alert(1)>"', ''],
        changed: false,
      },
      // Masked as the arguments are: the tool's sensitive fields.
      { cells: ['reason', '"[redacted]"', '"[redacted]"', ''], changed: false },
    ]);
    // The API shows the same preview to an approver's token.
    const overApi = (await (
      await airlock.stack.callApi(`/approvals/${id}`, { token: airlock.stack.approverToken('bob') })
    ).json()) as {
      preview: { rows: { field: string; before: unknown; after: unknown; changed: boolean }[] };
    };
    expect(overApi.preview.rows.filter((row) => row.changed)).toEqual([
      { field: 'amount_refunded_cents', before: 0, after: 15000, changed: true },
    ]);
    expect(await bob.$('#preview img')).toBeNull();
    // Read once, with the executor's credential for exactly this agent and tool.
    const previewReads = airlock.stack.standIn.requestsFor(id).filter((request) => request.method === 'GET');
    expect(previewReads.map((request) => request.path)).toEqual(['/charges/ch_console']);
    const credentials = readStringMap(airlock.stack.paths.toolCredentialsFile, 'tool credentials');
    expect(previewReads[0]?.headers['authorization']).toBe(
      `Bearer ${credentials['support-triage/payments.refund']}`,
    );
    const shownArguments = await textOf(bob, '#arguments');
    expect(shownArguments).toContain('ch_console');
    expect(shownArguments).toContain('[redacted]');
    expect(shownArguments).not.toContain('billed twice');
    expect(await textOf(bob, '#needs')).toContain('2 approvals from finance');
    // Why policy asked: the asking policy's id and its Cedar text from the bundle.
    const policies = await textOf(bob, '#policies');
    expect(policies).toContain('support-refunds-need-approval');
    expect(policies).toContain('@quorum("2")');
    expect(policies).toContain(
      'context.arguments.amount_cents > 10000 && context.arguments.amount_cents <= 50000',
    );
    expect(policies).not.toContain('small-refunds-approved-per-charge');
    // The run so far, from the audit record: the ticket, executed (audit records it within a second or so).
    for (let tries = 0; (await bob.$('#run-so-far')) === null && tries < 20; tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      await bob.reload();
    }
    const runSoFar = await textOf(bob, '#run-so-far');
    expect(runSoFar).toContain('tickets.create');
    expect(runSoFar).toContain('executed');
    expect(runSoFar).not.toContain('payments.refund');
    await bob.screenshot({ path: join(screenshots, 'detail.png'), fullPage: true });

    // The page's state, for its script: session-protected.
    const anonymous = await fetch(`${airlock.stack.approvalUrl}/console/approvals/${id}/state`);
    expect(anonymous.status).toBe(401);
    const state = await fetch(`${airlock.stack.approvalUrl}/console/approvals/${id}/state`, {
      headers: { Cookie: await cookieHeaderOf(bob) },
    });
    expect(await state.json()).toEqual({ status: 'pending', approvals: 0 });

    // A form posted with bob's cookie but without his session's CSRF token reaches no desk.
    const forged = await fetch(`${airlock.stack.approvalUrl}/console/approvals/${id}`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Cookie: await cookieHeaderOf(bob),
      },
      body: 'verdict=approved&csrf=forged',
      redirect: 'manual',
    });
    expect(forged.status).toBe(403);
    expect(await forged.text()).toContain('the form is stale');
    // With the session's token, an answer the approval event could not carry is refused, not counted.
    const csrf = await bob.$eval('input[name=csrf]', (input) => input.getAttribute('value') ?? '');
    const tooLong = await fetch(`${airlock.stack.approvalUrl}/console/approvals/${id}`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Cookie: await cookieHeaderOf(bob),
      },
      body: new URLSearchParams({ verdict: 'approved', csrf, comment: 'x'.repeat(2001) }).toString(),
      redirect: 'manual',
    });
    expect(tooLong.status).toBe(400);
    expect(await tooLong.text()).toContain('a comment may hold at most 2000 characters');

    // One answer cannot stand for a quorum on the calls to come: the desk's refusal is shown.
    await bob.goto(`${airlock.stack.approvalUrl}/console/approvals/${id}`);
    await bob.click('#for-rest-of-run');
    await answer(bob, id, 'approve', 'for the whole run', false);
    expect(await textOf(bob, '#refusal')).toContain(
      'cannot approve for the rest of the run: this request needs several approvers',
    );
    expect(await textOf(bob, '#approvals')).not.toContain('bob');

    await answer(bob, id, 'approve', 'the charge was billed twice');
    expect(await textOf(bob, '#status')).toBe('pending');
    expect(await textOf(bob, '#notice')).toContain('still pending, 1 approved');
    expect(await textOf(bob, '#approvals')).toContain('bob');

    // Bob starts a second comment. The page polls its state and, with nothing new, does not
    // reload: the comment survives (a meta refresh every 5 s would have wiped it).
    await bob.goto(`${airlock.stack.approvalUrl}/console/approvals/${id}`);
    await bob.type('#comment', 'half-typed thought');
    await bob.evaluate('window.loadedOnce = true');
    await new Promise((resolve) => setTimeout(resolve, 7_000));
    expect(await bob.$eval('#comment', (input) => (input as unknown as { value: string }).value)).toBe(
      'half-typed thought',
    );
    expect(await bob.evaluate('window.loadedOnce')).toBe(true);

    // Separation of duties: the agent's owner may not approve, and the page says why.
    const alice = await signIn('alice');
    await answer(alice, id, 'approve', 'mine, fine');
    expect(await textOf(alice, '#refusal')).toContain('alice owns agent support-triage and may not approve');
    await alice.screenshot({ path: join(screenshots, 'refusal.png') });
    expect(await textOf(alice, '#status')).toBe('pending');

    const carol = await signIn('carol');
    await answer(carol, id, 'approve', 'agreed');
    expect(await textOf(carol, '#status')).toBe('approved');
    await carol.screenshot({ path: join(screenshots, 'approved.png') });

    expect(await airlock.stack.watcher.waitForVerdict(id)).toBe('executed/tool_call_succeeded');
    const calls = airlock.stack.standIn.requestsFor(id);
    expect(calls.filter((request) => request.method === 'POST')).toHaveLength(1);
    expect(calls.filter((request) => request.method === 'GET')).toHaveLength(1);
    // Bob's page notices carol's decision and reloads itself to show it.
    await bob.waitForFunction(`document.querySelector('#status')?.textContent === 'approved'`, {
      timeout: 15_000,
    });
    expect(await bob.evaluate('window.loadedOnce')).toBeUndefined();
    expect(cspViolations).toEqual([]);
  });

  it('approves a charge for the rest of the run from the browser, covering a second call', async () => {
    const refund = (amount_cents: number) =>
      airlock.agent.proposal('run-console-charge', 'payments.refund', {
        charge_id: 'ch_perrun',
        amount_cents,
        reason: 'late delivery',
      });
    const first = refund(900);
    await airlock.agent.submit(first);
    const bob = await signIn('bob');
    await bob.waitForSelector(`a[href="/console/approvals/${first.proposal_id}"]`, { timeout: 30_000 });
    await bob.goto(`${airlock.stack.approvalUrl}/console/approvals/${first.proposal_id}`);
    expect(await textOf(bob, '#policies')).toContain('small-refunds-approved-per-charge');
    // A preview that fails says so, and the request is answered all the same.
    const noPreview = 'no preview: payments.refund answered the preview with HTTP 404';
    for (
      let tries = 0;
      !(await textOf(bob, '#preview-missing')).includes(noPreview) && tries < 20;
      tries += 1
    ) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      await bob.reload();
    }
    expect(await textOf(bob, '#preview-missing')).toBe(noPreview);
    const offer = await bob.$eval('label:has(#for-rest-of-run)', (label) => label.textContent ?? '');
    expect(offer.replace(/\s+/g, ' ')).toContain(
      'approve for the rest of this run (calls with equal $.charge_id)',
    );
    await bob.click('#for-rest-of-run');
    await bob.screenshot({ path: join(screenshots, 'for-rest-of-run.png'), fullPage: true });
    await answer(bob, first.proposal_id, 'approve', 'this charge, for the run', false);
    expect(await textOf(bob, '#status')).toBe('approved');
    expect(await airlock.stack.watcher.waitForVerdict(first.proposal_id)).toBe(
      'executed/tool_call_succeeded',
    );

    // The second call on the same charge needs nobody: bob's answer covers it.
    const second = refund(700);
    await airlock.agent.submit(second);
    expect(await airlock.stack.watcher.waitForVerdict(second.proposal_id)).toBe(
      'executed/tool_call_succeeded',
    );
    await bob.goto(`${airlock.stack.approvalUrl}/console/approvals/${second.proposal_id}`);
    expect(await textOf(bob, '#status')).toBe('approved');
    expect((await textOf(bob, 'p:has(#status)')).replace(/\s+/g, ' ')).toContain('Status: approved by bob');
  });
});
