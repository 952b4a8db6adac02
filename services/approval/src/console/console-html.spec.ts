import { approvalsPage, describeDuration, escapeHtml, html, signInPage } from './console-html';
import { bobsSession, pendingRefund } from './console-test-fixtures';

const session = bobsSession;
const view = pendingRefund;

describe('console pages', () => {
  it('escapes every character that could open markup or leave an attribute', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });

  it('escapes interpolated values but not fragments already escaped', () => {
    const inner = html`<b>${'<i>'}</b>`;
    expect(html`<p>${inner}${'<u>'}</p>`.text).toBe('<p><b>&lt;i&gt;</b>&lt;u&gt;</p>');
  });

  it('lists waiting requests with their age and the time left', () => {
    const page = approvalsPage(
      [view],
      session,
      new Date('2026-01-01T00:03:20.000Z'),
      new Map([['payments.refund', 'write']]),
    );
    expect(page).toContain('href="/console/approvals/p-1"');
    expect(page).toContain('<td class="risk">write</td>');
    expect(page).toContain('3m 20s');
    expect(page).toContain('56m 40s');
  });

  it('shows why a sign-in was refused, escaped', () => {
    expect(signInPage('form-token', '<no>')).toContain('&lt;no&gt;');
  });

  it('posts the sign-in form’s token back with the form', () => {
    expect(signInPage('form-token-1')).toContain('name="sign_in_csrf" value="form-token-1"');
  });

  it('keeps the list page’s refresh', () => {
    expect(approvalsPage([], session, new Date(), new Map())).toContain(
      '<meta http-equiv="refresh" content="5; url=/console/approvals" />',
    );
  });

  it('describes durations and never a negative one', () => {
    expect(describeDuration(-5000)).toBe('0s');
    expect(describeDuration(3_720_000)).toBe('1h 2m');
  });
});
