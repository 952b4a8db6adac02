import { emptyGateDay, type GateDay } from '@airlock/audit-reading';
import type { TimelineEvent } from '@airlock/audit-record';
import type { UnknownOutcome } from '../unknown-outcomes.store';
import { barChart, dollars, percent } from './console-charts';
import { gateCharts, gatesPage, lastDays, runPage, runsPage, unknownOutcomesPage } from './operator-pages';

const session = { accountId: 'olivia', csrf: 'csrf-token-1', role: 'operator' };
const now = new Date('2026-11-25T12:00:00Z');
const hostile = '<img src=x onerror=alert(1)>';

const gateDay = (day: string, fields: Partial<GateDay>): GateDay => ({ ...emptyGateDay(day), ...fields });

const event: TimelineEvent = {
  seq: 1,
  time: '2026-11-25T10:00:01Z',
  topic: 'airlock.proposals.outcomes',
  event_type: 'airlock.proposal.outcome',
  proposal_id: 'p-1',
  agent_id: 'support-triage',
  tool: 'payments.refund',
  decision: '',
  outcome: 'failed',
  reason_code: 'tool_call_failed',
  policy_ids: [],
  cost_usd: 0,
  trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
  attestation: 'invalid',
  attestation_error: hostile,
  attested_by: 'executor',
};

const unknown: UnknownOutcome = {
  proposal_id: 'p-9',
  run_id: 'run-9',
  agent_id: 'support-triage',
  tool: 'payments.refund',
  reason_code: 'result_unknown_after_crash',
  reason: hostile,
  reported_at: now,
  happened: null,
  note: null,
  resolved_by: null,
  resolved_at: null,
};

describe('the operator pages', () => {
  it('list the days of a period oldest first, today last', () => {
    expect(lastDays(3, now)).toEqual(['2026-11-23', '2026-11-24', '2026-11-25']);
  });

  it('draw each gate per day, a day without data as a gap, and a critical error in the alarm colour', () => {
    const days = [
      gateDay('2026-11-24', { proposals: 4, executed: 3, write_proposals: 2, critical_errors: 1 }),
      gateDay('2026-11-25', {
        proposals: 2,
        executed: 2,
        executed_actions: 2,
        action_cost_usd: 0.5,
        attested_events: 10,
        traced_events: 10,
      }),
    ];
    const [completion, critical, cost, traces] = gateCharts({ query: { days: 3 }, days, now }).map(String);
    expect(completion).toContain('data-value="0.75"');
    // Each bar says its value, not only its height.
    expect(completion).toContain('75.0%');
    expect(completion).toContain('data-value="1"');
    expect(completion).toContain('2026-11-23: no events');
    // The 25th had no write action: no rate, not a rate of zero.
    expect(critical?.match(/data-value=/g)).toHaveLength(1);
    expect(critical).toContain('class="bar alarm" data-value="0.5"');
    expect(critical).toContain('1 of 2 write actions failed or unknown');
    expect(cost).toContain('data-value="0.25"');
    expect(traces).toContain('10 of 10 events traced');
  });

  it('say so when a chart has nothing to show', () => {
    expect(String(barChart({ id: 'x', title: 't', bars: [], format: percent }))).toContain(
      'No data in this period',
    );
  });

  it('write shares and dollars as people read them', () => {
    expect([percent(0), percent(1), percent(0.875)]).toEqual(['0%', '100%', '87.5%']);
    expect([dollars(12.5), dollars(0.0125), dollars(0.25)]).toEqual(['$12.50', '$0.0125', '$0.25']);
  });

  it('escape what agents and forgers wrote, wherever it is shown', () => {
    const pages = [
      runsPage(
        [
          {
            run_id: hostile,
            agent_id: hostile,
            team: '',
            first_event: '',
            last_event: '',
            events: 1,
            proposals: 0,
            executed: 0,
            not_executed: 0,
            unverified: 1,
          },
        ],
        14,
        session,
      ),
      runPage(hostile, [event], { ok: false, lines: [hostile] }, session),
      unknownOutcomesPage([unknown], [], session),
      gatesPage(
        {
          query: { days: 1, agentId: hostile },
          days: [],
          byAgent: [{ name: hostile, proposals: 1, executed: 0, write_proposals: 1, critical_errors: 1 }],
          byTool: [],
          standings: [],
          agents: [hostile],
          tools: [],
          now,
        },
        session,
      ),
    ];
    expect(pages[3]).toContain('<th>Agent</th>');
    for (const shown of pages) {
      expect(shown).not.toContain('<img');
      expect(shown).toContain('&lt;img src=x onerror=alert(1)&gt;');
    }
  });

  it('mark a run whose record does not verify, and each event at fault', () => {
    const shown = runPage(
      'run-1',
      [event],
      { ok: false, lines: ['run run-1: 1 event, chain intact'] },
      session,
    );
    expect(shown).toContain('id="verification" class="alarm"');
    expect(shown).toContain('Not verified');
    expect(runPage('run-1', [], { ok: true, lines: ['fine'] }, session)).toContain(
      'id="verification" class="ok"',
    );
  });

  it('offer the resolution form to operators only, with the session’s CSRF token', () => {
    const forOperator = unknownOutcomesPage([unknown], [], session);
    expect(forOperator).toContain('action="/console/unknown-outcomes/p-9"');
    expect(forOperator).toContain('value="csrf-token-1"');
    const forApprover = unknownOutcomesPage([unknown], [], { ...session, role: 'approver' });
    expect(forApprover).not.toContain('<form method="post" action="/console/unknown-outcomes');
    expect(forApprover).toContain('an operator resolves it');
  });
});
