import type { TimelineEvent } from '@airlock/audit-record';
import type { PreviewShown } from '../approval-previews';
import type { ApprovalView } from '../approval-view';
import { liveStateOf, liveStateScript } from './approval-live-state';
import { dollars } from './console-charts';
import {
  csrfField,
  html,
  noticeLine,
  page,
  SafeHtml,
  type PageNotice,
  type PageSession,
} from './console-html';

export interface ApprovalPageContext {
  /** Cedar text of the bundle's policies by @id, so the approver reads why policy asked. */
  policyTexts: Readonly<Record<string, string>>;
  /** Its values must already have the tool's sensitive fields masked. */
  preview: PreviewShown;
  /** The outcomes of the run's other proposals so far, as audit recorded them, or why not. */
  runSoFar: { outcomes: readonly TimelineEvent[] } | { missing: string };
  notice?: PageNotice;
}

/** `view.arguments` must already have the tool's sensitive fields masked. */
export function approvalPage(view: ApprovalView, session: PageSession, context: ApprovalPageContext): string {
  const approvals = view.approvals.map(
    (approval) =>
      html`<li>
        ${approval.approver_id} at
        ${approval.approved_at}${approval.comment === null ? '' : `: ${approval.comment}`}
      </li>`,
  );
  const pageUrl = `/console/approvals/${encodeURIComponent(view.proposal_id)}`;
  const body = html`${noticeLine(context.notice)}
    <p>
      Status: <b id="status">${view.status}</b>${view.decided_by === null ? '' : ` by ${view.decided_by}`}
    </p>
    <table>
      <tr>
        <th>Agent</th>
        <td>${view.agent_id}</td>
      </tr>
      <tr>
        <th>Run</th>
        <td><a href="/console/runs/${encodeURIComponent(view.run_id)}">${view.run_id}</a></td>
      </tr>
      <tr>
        <th>Tool</th>
        <td>${view.tool}</td>
      </tr>
      <tr>
        <th>Policies asking</th>
        <td>${view.policy_ids.join(', ')}</td>
      </tr>
      <tr>
        <th>Requested</th>
        <td>${view.requested_at}</td>
      </tr>
      <tr>
        <th>Expires</th>
        <td>${view.expires_at}</td>
      </tr>
    </table>
    <h2>Arguments</h2>
    <pre id="arguments">${JSON.stringify(view.arguments, null, 2)}</pre>
    <h2>What the call would change</h2>
    ${previewSection(context.preview)}
    <h2>The run so far</h2>
    ${runSoFarSection(view, context.runSoFar)}
    <h2>Why policy asked</h2>
    <div id="policies">${view.policy_ids.map((id) => policySection(id, context.policyTexts[id]))}</div>
    <h2>Needs</h2>
    <ul id="needs">
      ${view.needs.map((need) => html`<li>${need}</li>`)}
    </ul>
    <h2>Approvals so far (${view.approvals.length})</h2>
    <ul id="approvals">
      ${approvals}
    </ul>
    ${view.status === 'pending' ? answerForm(view, session, pageUrl) : ''} ${liveState(view, pageUrl)}`;
  // No meta refresh here: it would wipe a comment being typed. The live-state script reloads instead.
  return page(`Approval of ${view.tool}`, body, session);
}

/** What the agent did before in this run: the context a reviewer reads a change in. */
function runSoFarSection(view: ApprovalView, runSoFar: ApprovalPageContext['runSoFar']): SafeHtml {
  if ('missing' in runSoFar) return html`<p id="run-so-far-missing">Not shown: ${runSoFar.missing}</p>`;
  const earlier = runSoFar.outcomes.filter((event) => event.proposal_id !== view.proposal_id);
  if (earlier.length === 0) return html`<p id="run-so-far-empty">Nothing else has ended in this run yet.</p>`;
  const rows = earlier.map(
    (event) =>
      html`<tr>
        <td>${event.time}</td>
        <td>${event.tool}</td>
        <td>${event.outcome}</td>
        <td>${event.reason_code}</td>
        <td>${event.cost_usd > 0 ? dollars(event.cost_usd) : ''}</td>
      </tr>`,
  );
  return html`<table id="run-so-far">
    <tr>
      <th>Ended (UTC)</th>
      <th>Tool</th>
      <th>Outcome</th>
      <th>Reason</th>
      <th>Cost</th>
    </tr>
    ${rows}
  </table>`;
}

/** Like a pull request's diff: every field read, those the call changes highlighted. */
function previewSection(preview: PreviewShown): SafeHtml {
  if ('missing' in preview) return html`<p id="preview-missing">no preview: ${preview.missing}</p>`;
  const rows = preview.rows.map(
    (row) =>
      html`<tr class="${row.changed ? 'changed' : 'unchanged'}">
        <td>${row.field}</td>
        <td>${shownValue(row.before)}</td>
        <td>${shownValue(row.after)}</td>
        <td>${row.changed ? 'changed' : ''}</td>
      </tr>`,
  );
  return html`<style>
      #preview tr.changed td {
        background: #fff3b0;
        font-weight: bold;
      }
    </style>
    <table id="preview">
      <tr>
        <th>Field</th>
        <th>Before</th>
        <th>After</th>
        <th></th>
      </tr>
      ${rows}
    </table>`;
}

function shownValue(value: unknown): string {
  return value === undefined ? '(absent)' : JSON.stringify(value);
}

function policySection(id: string, text: string | undefined): SafeHtml {
  const shown =
    text === undefined
      ? html`<p>(not in the active bundle: it changed since policy asked)</p>`
      : html`<pre>${text}</pre>`;
  return html`<section class="policy">
    <h3>${id}</h3>
    ${shown}
  </section>`;
}

function answerForm(view: ApprovalView, session: PageSession, action: string): SafeHtml {
  const paths = view.approval_for_run;
  // Offered where policy allows it; the desk still refuses it where one answer cannot stand for
  // more (a quorum), and the page shows its reason.
  const forRestOfRun =
    paths === null
      ? ''
      : html`<p>
          <label
            ><input type="checkbox" name="for_rest_of_run" value="true" id="for-rest-of-run" /> approve for
            the rest of this run (calls with equal ${paths.join(', ')})</label
          >
        </p>`;
  return html`<form method="post" action="${action}">
    ${csrfField(session)}
    <label>Comment <input name="comment" id="comment" /></label>
    ${forRestOfRun}
    <button name="verdict" value="approved" id="approve">Approve</button>
    <button name="verdict" value="denied" id="deny">Deny</button>
  </form>`;
}

/** Built outside any template: the text between the tags must be byte for byte what the CSP hashed. */
const liveStateScriptElement = new SafeHtml(`<script>${liveStateScript}</script>`);

/** What the live-state script compares the polled state with, and where it reloads from. */
function liveState(view: ApprovalView, pageUrl: string): SafeHtml {
  const state = liveStateOf(view);
  return html`<div
      id="live-state"
      hidden
      data-url="${pageUrl}/state"
      data-page="${pageUrl}"
      data-status="${state.status}"
      data-approvals="${state.approvals}"
    ></div>
    ${liveStateScriptElement}`;
}
