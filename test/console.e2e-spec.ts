import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { useAirlockStack } from '@airlock/testing';

/** Where the run leaves a screenshot of each console page (git-ignored), for a human to look at. */
const screenshots = join(__dirname, '..', 'test-artifacts', 'console');

/** Debian's chromium, which deploy/local/chromium.sh installs; AIRLOCK_CHROMIUM overrides it there and here. */
const chromium = process.env['AIRLOCK_CHROMIUM'] ?? '/usr/bin/chromium';

/**
 * The console in a real headless Chromium: two approvers of finance approve a big refund through
 * their browsers, the agent's owner is refused on hers, and the refund executes once.
 */
describe('the approvers’ console', () => {
  const airlock = useAirlockStack({
    editBundle: (dir) => {
      const policyFile = join(dir, 'policies', 'support.cedar');
      writeFileSync(
        policyFile,
        readFileSync(policyFile, 'utf8').replace(
          '@id("support-refunds-need-approval")',
          '@id("support-refunds-need-approval")\n@approvers("finance")\n@quorum("2")',
        ),
      );
      // The refund's reason is masked on the console, as audit masks it.
      const toolFile = join(dir, 'tools', 'payments.refund.json');
      const tool = JSON.parse(readFileSync(toolFile, 'utf8'));
      tool.sensitive_fields = ['reason'];
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

  beforeAll(async () => {
    mkdirSync(screenshots, { recursive: true });
    // Tests run as root, where Chromium's sandbox cannot start.
    browser = await puppeteer.launch({ executablePath: chromium, headless: true, args: ['--no-sandbox'] });
  });

  afterAll(async () => {
    await browser?.close();
  });

  /** A browser context of its own: its own cookies, as another person's browser. */
  async function signIn(approver: string, screenshot?: string): Promise<Page> {
    const context = await browser.createBrowserContext();
    const page = await context.newPage();
    await page.goto(`${airlock.stack.approvalUrl}/console/sign-in`);
    if (screenshot) await page.screenshot({ path: join(screenshots, screenshot) });
    await page.type('#token', airlock.stack.approverToken(approver));
    await Promise.all([page.waitForNavigation(), page.click('#sign-in')]);
    expect(new URL(page.url()).pathname).toBe('/console/approvals');
    expect(await page.$eval('#account', (element) => element.textContent)).toBe(approver);
    return page;
  }

  async function answer(page: Page, proposalId: string, verdict: 'approve' | 'deny', comment: string) {
    await page.goto(`${airlock.stack.approvalUrl}/console/approvals/${proposalId}`);
    await page.type('#comment', comment);
    await Promise.all([page.waitForNavigation(), page.click(`#${verdict}`)]);
  }

  const text = (page: Page, selector: string) => page.$eval(selector, (element) => element.textContent ?? '');

  it('lets two of finance approve a refund in their browsers, refuses its owner, and executes it once', async () => {
    const proposal = airlock.agent.proposal('run-console', 'payments.refund', {
      charge_id: 'ch_console',
      amount_cents: 1500,
      reason: 'billed twice',
    });
    await airlock.agent.submit(proposal);
    const id = proposal.proposal_id;

    const bob = await signIn('bob', 'sign-in.png');
    // The list refreshes itself until policy's request arrives.
    await bob.waitForSelector(`a[href="/console/approvals/${id}"]`, { timeout: 30_000 });
    await bob.screenshot({ path: join(screenshots, 'list.png') });

    await bob.click(`a[href="/console/approvals/${id}"]`);
    await bob.waitForSelector('#arguments');
    const shownArguments = await text(bob, '#arguments');
    expect(shownArguments).toContain('ch_console');
    expect(shownArguments).toContain('[redacted]');
    expect(shownArguments).not.toContain('billed twice');
    expect(await text(bob, '#needs')).toContain('2 approvals from finance');
    await bob.screenshot({ path: join(screenshots, 'detail.png') });

    // A form posted with bob's cookie but without his session's CSRF token reaches no desk.
    const cookies = await bob.browserContext().cookies();
    const forged = await fetch(`${airlock.stack.approvalUrl}/console/approvals/${id}`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Cookie: cookies.map((cookie) => `${cookie.name}=${cookie.value}`).join('; '),
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
        Cookie: cookies.map((cookie) => `${cookie.name}=${cookie.value}`).join('; '),
      },
      body: new URLSearchParams({ verdict: 'approved', csrf, comment: 'x'.repeat(2001) }).toString(),
      redirect: 'manual',
    });
    expect(tooLong.status).toBe(400);
    expect(await tooLong.text()).toContain('a comment may hold at most 2000 characters');

    await answer(bob, id, 'approve', 'the charge was billed twice');
    expect(await text(bob, '#status')).toBe('pending');
    expect(await text(bob, '#notice')).toContain('still pending, 1 approved');
    expect(await text(bob, '#approvals')).toContain('bob');

    // Separation of duties: the agent's owner may not approve, and the page says why.
    const alice = await signIn('alice');
    await answer(alice, id, 'approve', 'mine, fine');
    expect(await text(alice, '#refusal')).toContain('alice owns agent support-triage and may not approve');
    await alice.screenshot({ path: join(screenshots, 'refusal.png') });
    expect(await text(alice, '#status')).toBe('pending');

    const carol = await signIn('carol');
    await answer(carol, id, 'approve', 'agreed');
    expect(await text(carol, '#status')).toBe('approved');
    await carol.screenshot({ path: join(screenshots, 'approved.png') });

    expect(await airlock.stack.watcher.waitForVerdict(id)).toBe('executed/tool_call_succeeded');
    expect(airlock.stack.standIn.requestsFor(id)).toHaveLength(1);
    // Bob's page refreshes itself and shows carol's decision.
    await bob.waitForFunction(`document.querySelector('#status')?.textContent === 'approved'`, {
      timeout: 15_000,
    });
  });
});
