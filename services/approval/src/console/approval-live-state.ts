import { createHash } from 'node:crypto';
import type { ApprovalView } from '../approval-view';

/** What the detail page's script polls: enough to tell that another answer changed the request. */
export interface ApprovalLiveState {
  status: ApprovalView['status'];
  approvals: number;
}

export function liveStateOf(view: ApprovalView): ApprovalLiveState {
  return { status: view.status, approvals: view.approvals.length };
}

/** Milliseconds between two polls of the request's state. */
export const liveStatePollMs = 3000;

/**
 * The detail page's only script. It reloads the page (a GET of `data-page`, never a re-post of an
 * answer) only when the request's status or number of approvals differs from what the page shows,
 * so a comment being typed survives every poll that finds nothing new. It reads everything from
 * the `#live-state` element's data attributes, so its text never changes and one CSP hash allows it.
 */
export const liveStateScript = `(() => {
  const shown = document.getElementById('live-state').dataset;
  const poll = async () => {
    try {
      const answer = await fetch(shown.url, { cache: 'no-store', headers: { accept: 'application/json' } });
      if (answer.status === 401 || answer.status === 404) return location.assign(shown.page);
      if (answer.ok) {
        const state = await answer.json();
        if (state.status !== shown.status || String(state.approvals) !== shown.approvals) {
          return location.assign(shown.page);
        }
      }
    } catch (unreachable) {
      // The service may be restarting: try again at the next tick.
    }
    setTimeout(poll, ${liveStatePollMs});
  };
  setTimeout(poll, ${liveStatePollMs});
})();`;

/** The CSP source that allows exactly liveStateScript and no other inline script. */
export function scriptHashSource(script: string): string {
  return `'sha256-${createHash('sha256').update(script, 'utf8').digest('base64')}'`;
}

/**
 * Pages: only the live-state script may run, it may fetch only from here, nothing may frame them
 * (clickjacking an Approve button), forms post only here, and nothing is cached (a shared browser
 * must not show a request after sign-out).
 */
export const consoleContentSecurityPolicy = [
  "default-src 'none'",
  `script-src ${scriptHashSource(liveStateScript)}`,
  "connect-src 'self'",
  "style-src 'unsafe-inline'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');
