import type { ApprovalView } from '../approval-view';

/** Markup that is already escaped; only `html` and `raw` make one, so nothing reaches a page unescaped. */
export class SafeHtml {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const entities: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Agents choose argument values and comments are free text: every one is escaped before it is shown. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (char) => entities[char] ?? char);
}

type Interpolated = SafeHtml | string | number | readonly SafeHtml[] | undefined;

/** A template whose interpolated values are escaped, except fragments that are SafeHtml already. */
export function html(strings: TemplateStringsArray, ...values: Interpolated[]): SafeHtml {
  let text = strings[0] ?? '';
  values.forEach((value, index) => {
    const shown = Array.isArray(value)
      ? value.map(String).join('')
      : value instanceof SafeHtml
        ? value.text
        : escapeHtml(value ?? '');
    text += shown + (strings[index + 1] ?? '');
  });
  return new SafeHtml(text);
}

/** What a page shows of who is signed in; `csrf` goes into every form it renders. */
export interface PageSession {
  accountId: string;
  csrf: string;
}

/** Seconds between reloads of a page that shows what other approvers may change. */
const refreshSeconds = 5;

/** `refreshUrl`: reloaded with a GET, so the page after an answer never posts the answer again. */
export function page(title: string, body: SafeHtml, session?: PageSession, refreshUrl?: string): string {
  const refresh =
    refreshUrl === undefined
      ? ''
      : html`<meta http-equiv="refresh" content="${refreshSeconds}; url=${refreshUrl}" />`;
  const header =
    session === undefined
      ? ''
      : html`<header>
          Signed in as <b id="account">${session.accountId}</b>
          <form method="post" action="/console/sign-out" class="inline">
            ${csrfField(session)}<button>Sign out</button>
          </form>
          <nav>
            <a href="/console/approvals">Pending approvals</a> ·
            <a href="/console/unknown-outcomes">Unknown outcomes</a> · <a href="/console/runs">Runs</a> ·
            <a href="/console/gates">Gates</a>
          </nav>
        </header>`;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        ${refresh}
        <title>${title} · Airlock</title>
        <style>
          body {
            font-family: sans-serif;
            margin: 2em;
          }
          table {
            border-collapse: collapse;
          }
          td,
          th {
            border: 1px solid #ccc;
            padding: 4px 8px;
            text-align: left;
          }
          .inline {
            display: inline;
          }
          .refusal {
            color: #a00;
          }
          .notice,
          .ok {
            color: #060;
          }
          .alarm {
            color: #a00;
          }
          figure.chart {
            display: inline-block;
            margin: 0 1em 1em 0;
          }
          figcaption {
            font-weight: bold;
          }
          pre {
            background: #f4f4f4;
            padding: 1em;
          }
        </style>
      </head>
      <body>
        ${header}
        <h1>${title}</h1>
        ${body}
      </body>
    </html>`.text;
}

export function csrfField(session: PageSession): SafeHtml {
  return html`<input type="hidden" name="csrf" value="${session.csrf}" />`;
}

/**
 * `signInCsrf` is the value of the sign-in cookie (signInCookie): posted back beside it, it proves
 * the form was filled in on this console, not on another site signing the victim in as someone else.
 */
export function signInPage(signInCsrf: string, problem?: string): string {
  const shown = problem === undefined ? '' : html`<p class="refusal" id="problem">${problem}</p>`;
  return page(
    'Sign in',
    html`${shown}
      <form method="post" action="/console/sign-in">
        <input type="hidden" name="sign_in_csrf" value="${signInCsrf}" />
        <label
          >Approver or operator token
          <input type="password" name="token" id="token" autocomplete="off" required
        /></label>
        <button id="sign-in">Sign in</button>
      </form>`,
  );
}

/** "3m 20s": how long ago, or how long is left. */
export function describeDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  const minutes = Math.floor(seconds / 60);
  const hours = Math.floor(minutes / 60);
  if (hours > 0) return `${hours}h ${minutes % 60}m`;
  return minutes > 0 ? `${minutes}m ${seconds % 60}s` : `${seconds}s`;
}

/** A table's header row. */
export function headerRow(...names: string[]): SafeHtml {
  return html`<tr>
    ${names.map((name) => html`<th>${name}</th>`)}
  </tr>`;
}

/** `risks`: each tool's risk class from the bundle, so the riskiest requests stand out. */
export function approvalsPage(
  approvals: readonly ApprovalView[],
  session: PageSession,
  now: Date,
  risks: ReadonlyMap<string, string>,
): string {
  const rows = approvals.map(
    (approval) =>
      html`<tr class="approval">
        <td>
          <a href="/console/approvals/${encodeURIComponent(approval.proposal_id)}">${approval.proposal_id}</a>
        </td>
        <td>${approval.agent_id}</td>
        <td>${approval.run_id}</td>
        <td>${approval.tool}</td>
        <td class="risk">${risks.get(approval.tool) ?? 'unknown'}</td>
        <td>${approval.policy_ids.join(', ')}</td>
        <td>${describeDuration(now.getTime() - Date.parse(approval.requested_at))}</td>
        <td>${describeDuration(Date.parse(approval.expires_at) - now.getTime())}</td>
      </tr>`,
  );
  const body =
    approvals.length === 0
      ? html`<p id="empty">Nothing waits for an approver.</p>`
      : html`<table>
          ${headerRow('Proposal', 'Agent', 'Run', 'Tool', 'Risk', 'Policies', 'Waiting', 'Expires in')}
          ${rows}
        </table>`;
  // Another approver's decision, or a new request, shows without a click.
  return page('Pending approvals', body, session, '/console/approvals');
}

/** What the last form posted on a page did: refused, with the reason, or done. */
export type PageNotice = { refused: string } | { done: string };

export function noticeLine(notice: PageNotice | undefined): SafeHtml | '' {
  if (notice === undefined) return '';
  return 'refused' in notice
    ? html`<p class="refusal" id="refusal">Refused: ${notice.refused}</p>`
    : html`<p class="notice" id="notice">${notice.done}</p>`;
}
