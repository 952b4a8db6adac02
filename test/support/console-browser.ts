import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

/** Where a run leaves a screenshot of each console page (git-ignored), for a human to look at. */
export const screenshots = join(__dirname, '..', '..', 'test-artifacts', 'console');

/** Debian's chromium, which deploy/local/chromium.sh installs; AIRLOCK_CHROMIUM overrides it there and here. */
const chromium = process.env['AIRLOCK_CHROMIUM'] ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  mkdirSync(screenshots, { recursive: true });
  // Tests run as root, where Chromium's sandbox cannot start.
  return puppeteer.launch({ executablePath: chromium, headless: true, args: ['--no-sandbox'] });
}

/**
 * Signs in with `token` in a browser context of its own (its own cookies: another person's
 * browser). `beforeSignIn` sees the page first: to listen to it, or to take a picture of the form.
 */
export async function signInWith(
  browser: Browser,
  consoleUrl: string,
  token: string,
  beforeSignIn?: (page: Page) => Promise<void>,
): Promise<Page> {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  await page.goto(`${consoleUrl}/console/sign-in`);
  await beforeSignIn?.(page);
  await page.type('#token', token);
  await Promise.all([page.waitForNavigation(), page.click('#sign-in')]);
  return page;
}

export function textOf(page: Page, selector: string): Promise<string> {
  return page.$eval(selector, (element) => element.textContent ?? '');
}

/**
 * Reloads `url` until `selector` is on it: pages read from ClickHouse show what audit has recorded,
 * a second or so after the fact. Bounded by `timeoutMs`.
 */
export async function reloadUntil(
  page: Page,
  url: string,
  selector: string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await page.goto(url);
    if ((await page.$(selector)) !== null) return;
    if (Date.now() > deadline) throw new Error(`${url} never showed ${selector}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** The Cookie header of the page's session, for requests a browser would not make (forgeries). */
export async function cookieHeaderOf(page: Page): Promise<string> {
  const cookies = await page.browserContext().cookies();
  return cookies.map((cookie) => `${cookie.name}=${cookie.value}`).join('; ');
}
