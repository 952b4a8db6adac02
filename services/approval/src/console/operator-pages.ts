import type { GateBreakdown, GateDay, GateQuery, RunSummary } from '@airlock/audit-reading';
import type { RunReport, TimelineEvent } from '@airlock/audit-record';
import type { SpendStanding } from '@airlock/budget-ledger';
import type { UnknownOutcome } from '../unknown-outcomes.store';
import { barChart, dollars, percent, type ChartBar } from './console-charts';
import {
  csrfField,
  headerRow,
  html,
  noticeLine,
  page,
  type PageNotice,
  type PageSession,
  type SafeHtml,
} from './console-html';

const runLink = (runId: string) => html`<a href="/console/runs/${encodeURIComponent(runId)}">${runId}</a>`;

/** The runs of the last days, latest first, and a box to open any run by id. */
export function runsPage(runs: readonly RunSummary[], days: number, session: PageSession): string {
  const rows = runs.map(
    (run) =>
      html`<tr class="run">
        <td>${runLink(run.run_id)}</td>
        <td>${run.agent_id}</td>
        <td>${run.team}</td>
        <td>${run.first_event}</td>
        <td>${run.last_event}</td>
        <td>${run.events}</td>
        <td>${run.proposals}</td>
        <td>${run.executed}</td>
        <td>${run.not_executed}</td>
        <td class="${run.unverified > 0 ? 'alarm' : ''}">${run.unverified}</td>
      </tr>`,
  );
  const body = html`<form method="get" action="/console/runs" id="open-run">
      <label>Run id <input name="run" id="run-id" required /></label>
      <button>Open</button>
    </form>
    ${
      runs.length === 0
        ? html`<p id="empty">No run recorded an event in the last ${days} days.</p>`
        : html`<table id="runs">
            ${headerRow('Run', 'Agent', 'Team', 'First event (UTC)', 'Last event (UTC)', 'Events', 'Proposals', 'Executed', 'Not executed', 'Unverified events')}
            ${rows}
          </table>`
    }`;
  return page(`Runs of the last ${days} days`, body, session);
}

/** One run as an analyst checks it: is the record intact, and what happened, in order. */
export function runPage(
  runId: string,
  events: readonly TimelineEvent[],
  report: RunReport,
  session: PageSession,
): string {
  const verification = html`<div id="verification" class="${report.ok ? 'ok' : 'alarm'}">
    <b>${report.ok ? 'Verified' : 'Not verified'}</b>
    <pre>${report.lines.join('\n')}</pre>
  </div>`;
  const rows = events.map(
    (event) =>
      html`<tr class="event">
        <td>${event.seq}</td>
        <td>${event.time}</td>
        <td>${event.event_type}</td>
        <td>${event.proposal_id}</td>
        <td>${event.agent_id}</td>
        <td>${event.tool}</td>
        <td>${event.outcome || event.decision}</td>
        <td>${event.reason_code}</td>
        <td>${event.policy_ids.join(', ')}</td>
        <td>${event.cost_usd > 0 ? dollars(event.cost_usd) : ''}</td>
        <td class="${attestationFine(event) ? '' : 'alarm'}">
          ${attestationFine(event) ? event.attestation : `${event.attestation}: ${event.attestation_error}`}
        </td>
        <td><code>${event.trace_id}</code></td>
      </tr>`,
  );
  const timeline =
    events.length === 0
      ? html`<p id="empty">No events recorded for this run.</p>`
      : html`<table id="timeline">
          ${headerRow('Seq', 'Time (UTC)', 'Event', 'Proposal', 'Agent', 'Tool', 'Result', 'Reason', 'Policies', 'Cost', 'Attestation', 'Trace')}
          ${rows}
        </table>`;
  return page(`Run ${runId}`, html`${verification}${timeline}`, session);
}

function attestationFine(event: TimelineEvent): boolean {
  return event.attestation === 'verified' || event.attestation === 'agent_signed';
}

/** Calls cut off mid-flight: what a human must find out, and what others already found. */
export function unknownOutcomesPage(
  open: readonly UnknownOutcome[],
  resolved: readonly UnknownOutcome[],
  session: PageSession & { role: string },
  notice?: PageNotice,
): string {
  const canResolve = session.role === 'operator';
  const openRows = open.map((outcome) => {
    const form = canResolve
      ? html`<form
          method="post"
          action="/console/unknown-outcomes/${encodeURIComponent(outcome.proposal_id)}"
        >
          ${csrfField(session)}
          <label>What happened <input name="note" class="note" required maxlength="2000" /></label>
          <button name="happened" value="succeeded" class="succeeded">It succeeded</button>
          <button name="happened" value="failed" class="failed">It failed</button>
        </form>`
      : html`<i>an operator resolves it</i>`;
    return html`<tr class="unknown" id="unknown-${outcome.proposal_id}">
      <td>${outcome.proposal_id}</td>
      <td>${runLink(outcome.run_id)}</td>
      <td>${outcome.agent_id}</td>
      <td>${outcome.tool}</td>
      <td>${outcome.reason}</td>
      <td>${outcome.reported_at.toISOString()}</td>
      <td>${form}</td>
    </tr>`;
  });
  const resolvedRows = resolved.map(
    (outcome) =>
      html`<tr class="resolved">
        <td>${outcome.proposal_id}</td>
        <td>${runLink(outcome.run_id)}</td>
        <td>${outcome.tool}</td>
        <td>${outcome.happened ?? ''}</td>
        <td>${outcome.note ?? ''}</td>
        <td>${outcome.resolved_by ?? ''}</td>
        <td>${outcome.resolved_at?.toISOString() ?? ''}</td>
      </tr>`,
  );
  const body = html`${noticeLine(notice)}
    <p>
      A call was cut off after it may have reached the tool, on a tool that cannot safely be called twice.
      Check the downstream system, then record what happened: budget gives back a call that failed, and the
      resolution is published and audited in your name.
    </p>
    ${
      open.length === 0
        ? html`<p id="empty">No outcome waits to be resolved.</p>`
        : html`<table id="open">
            ${headerRow('Proposal', 'Run', 'Agent', 'Tool', 'Why unknown', 'Reported', 'Resolve')} ${openRows}
          </table>`
    }
    <h2>Resolved (${resolved.length})</h2>
    <table id="resolved">
      ${headerRow('Proposal', 'Run', 'Tool', 'Happened', 'Note', 'By', 'At')} ${resolvedRows}
    </table>`;
  return page('Unknown outcomes', body, session);
}

/** Everything the gates page shows, read before rendering. */
export interface GatesView {
  query: GateQuery;
  days: readonly GateDay[];
  byAgent: readonly GateBreakdown[];
  byTool: readonly GateBreakdown[];
  standings: readonly SpendStanding[];
  agents: readonly string[];
  tools: readonly string[];
  now: Date;
}

/** The `days` calendar days ending today (UTC), oldest first: a chart shows a day without data as a gap. */
export function lastDays(days: number, now: Date): string[] {
  return Array.from({ length: days }, (_, index) =>
    new Date(now.getTime() - (days - 1 - index) * 86_400_000).toISOString().slice(0, 10),
  );
}

const ratio = (part: number, whole: number) => (whole === 0 ? undefined : part / whole);

/** The four production gates per day, as bars: each day of the period, measured or not. */
export function gateCharts(view: Pick<GatesView, 'query' | 'days' | 'now'>): SafeHtml[] {
  const byDay = new Map(view.days.map((day) => [day.day, day]));
  const period = lastDays(view.query.days, view.now).map((day) => ({ day, gate: byDay.get(day) }));
  const bars = (value: (gate: GateDay) => number | undefined, title: (gate: GateDay) => string): ChartBar[] =>
    period.map(({ day, gate }) => ({
      label: day.slice(5),
      value: gate === undefined ? undefined : value(gate),
      title: gate === undefined ? `${day}: no events` : `${day}: ${title(gate)}`,
    }));
  return [
    barChart({
      id: 'completion-rate',
      title: 'Completion rate: proposals that ended executed',
      max: 1,
      format: percent,
      bars: bars(
        (gate) => ratio(gate.executed, gate.proposals),
        (gate) => `${gate.executed} of ${gate.proposals} executed`,
      ),
    }),
    barChart({
      id: 'critical-error-rate',
      title: 'Critical error rate: write actions that ended failed or unknown',
      max: 1,
      format: percent,
      alarmAbove: 0,
      bars: bars(
        (gate) => ratio(gate.critical_errors, gate.write_proposals),
        (gate) => `${gate.critical_errors} of ${gate.write_proposals} write actions failed or unknown`,
      ),
    }),
    barChart({
      id: 'cost-per-success',
      title: 'Cost per successful action',
      format: dollars,
      bars: bars(
        (gate) => ratio(gate.action_cost_usd, gate.executed_actions),
        (gate) => `${dollars(gate.action_cost_usd)} over ${gate.executed_actions} executed actions`,
      ),
    }),
    barChart({
      id: 'trace-coverage',
      title: 'Trace coverage: attested events carrying a trace (all agents and tools)',
      max: 1,
      format: percent,
      bars: bars(
        (gate) => ratio(gate.traced_events, gate.attested_events),
        (gate) => `${gate.traced_events} of ${gate.attested_events} events traced`,
      ),
    }),
  ];
}

function breakdownTable(id: string, heading: string, rows: readonly GateBreakdown[]): SafeHtml {
  const shown = rows.map((row) => {
    const completion = ratio(row.executed, row.proposals);
    const critical = ratio(row.critical_errors, row.write_proposals);
    return html`<tr>
      <td>${row.name}</td>
      <td>${row.proposals}</td>
      <td>${completion === undefined ? '–' : percent(completion)}</td>
      <td class="${row.critical_errors > 0 ? 'alarm' : ''}">
        ${critical === undefined ? '–' : `${percent(critical)} (${row.critical_errors} of ${row.write_proposals})`}
      </td>
    </tr>`;
  });
  return html`<table id="${id}">
    ${headerRow(heading, 'Proposals', 'Completion', 'Critical errors on writes')} ${shown}
  </table>`;
}

function spendBars(standings: readonly SpendStanding[]): SafeHtml {
  if (standings.length === 0)
    return html`<p id="no-spend">No spend recorded against a daily or monthly money cap.</p>`;
  const rows = standings.map((standing) => {
    const share = standing.max_usd > 0 ? standing.spent_usd / standing.max_usd : 1;
    const widthPx = Math.round(Math.min(share, 1) * 200);
    const colour = share >= 1 ? '#c0392b' : share >= 0.8 ? '#e67e22' : '#27ae60';
    return html`<tr class="standing">
      <td>${standing.limit_id}</td>
      <td>${standing.scope} ${standing.subject}</td>
      <td>${standing.measure} per ${standing.window} since ${standing.window_start}</td>
      <td>
        <svg
          xmlns="http://www.w3.org/2000/svg"
          width="204"
          height="14"
          role="img"
          aria-label="${percent(share)} of the cap"
        >
          <rect x="0" y="0" width="204" height="14" fill="#eee" />
          <rect x="2" y="2" width="${widthPx}" height="10" fill="${colour}" />
        </svg>
      </td>
      <td>${dollars(standing.spent_usd)} of ${dollars(standing.max_usd)} (${percent(share)})</td>
    </tr>`;
  });
  return html`<table id="spend">
    ${headerRow('Limit', 'Whose', 'Counts', 'Used', 'Spent of cap')} ${rows}
  </table>`;
}

function choice(
  name: string,
  label: string,
  options: readonly string[],
  chosen: string | undefined,
): SafeHtml {
  return html`<label
    >${label}
    <select name="${name}" id="${name}">
      <option value="">all</option>
      ${options.map(
        (option) =>
          html`<option value="${option}" ${option === chosen ? html`selected` : ''}>${option}</option>`,
      )}
    </select></label
  >`;
}

/** The production gates per day, narrowed to an agent or tool, and spend against the bundle's caps. */
export function gatesPage(view: GatesView, session: PageSession): string {
  const { query } = view;
  const filter = html`<form method="get" action="/console/gates" id="gate-filter">
    ${choice('agent', 'Agent', view.agents, query.agentId)} ${choice('tool', 'Tool', view.tools, query.tool)}
    <label>Days <input name="days" type="number" min="1" max="90" value="${query.days}" /></label>
    <button>Show</button>
  </form>`;
  const body = html`${filter}
    <p>
      From the audit record in ClickHouse; only events whose gate attestation verified count. Gaps are days
      without proposals (or without write actions, for the critical error rate).
    </p>
    ${gateCharts(view)}
    <h2>Per agent</h2>
    ${breakdownTable('by-agent', 'Agent', view.byAgent)}
    <h2>Per tool</h2>
    ${breakdownTable('by-tool', 'Tool', view.byTool)}
    <h2>Spend against budgets (current window)</h2>
    ${spendBars(view.standings)}`;
  return page('Gates', body, session);
}

/** ClickHouse did not answer: what the reader can do about it. */
export function auditUnavailablePage(problem: string, session: PageSession): string {
  return page(
    'The audit record cannot be read now',
    html`<p class="refusal" id="audit-unavailable">${problem}</p>
      <p>
        Runs and gates are read from ClickHouse (AIRLOCK_CLICKHOUSE_URL of the approval service). Try again in
        a moment; approvals do not need it.
      </p>`,
    session,
  );
}
