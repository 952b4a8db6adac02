import type { ControlChange, PolicyDecision } from '@airlock/contracts';
import { approvalWaitingNotice, haltNotice, webhookProblem } from './notices';

const now = new Date('2026-11-26T12:00:00Z');
const halt = (changes: Partial<ControlChange>): ControlChange => ({
  scope: { kind: 'agent', id: 'support-triage' },
  state: 'halted',
  reason: 'incident 7: the agent loops',
  operator_id: 'olivia',
  changed_at: '2026-11-26T11:59:00Z',
  ...changes,
});

describe('notices', () => {
  it('says which proposal waits for whom, until when, once per proposal', () => {
    const decision = {
      proposal: { proposal_id: 'p-1', run_id: 'r-1', agent_id: 'support-triage', tool: 'payments.refund' },
      policy_ids: ['support-refunds-need-approval'],
    } as PolicyDecision;
    const notice = approvalWaitingNotice(decision, new Date('2026-11-26T13:00:00Z'));
    expect(notice.key).toBe('approval-waiting:p-1');
    expect(notice.text).toBe(
      'Approval waiting: support-triage wants payments.refund in run r-1 (asked by support-refunds-need-approval). Decide before 2026-11-26T13:00:00.000Z: proposal p-1.',
    );
  });

  it('tells of a fresh halt, and not of resumes, closes or halts replayed from long ago', () => {
    expect(haltNotice(halt({}), now)).toMatchObject({
      key: 'halted:agent:support-triage:2026-11-26T11:59:00Z',
      text: 'Halted: agent support-triage, by olivia: incident 7: the agent loops',
    });
    expect(haltNotice(halt({ scope: { kind: 'global' } }), now)?.text).toMatch(
      /^Halted: everything, by olivia/,
    );
    expect(haltNotice(halt({ state: 'resumed' }), now)).toBeUndefined();
    expect(haltNotice(halt({ state: 'closed' }), now)).toBeUndefined();
    expect(haltNotice(halt({ changed_at: '2026-11-26T11:40:00Z' }), now)).toBeUndefined();
  });

  it('allows a webhook only on a host the bundle lists', () => {
    expect(webhookProblem('https://hooks.slack.com/services/T0/B0/x', ['hooks.slack.com'])).toBeUndefined();
    expect(webhookProblem('http://127.0.0.1:9000/hook', ['127.0.0.1'])).toBeUndefined();
    expect(webhookProblem('https://evil.example/hook', ['hooks.slack.com'])).toBe(
      'AIRLOCK_NOTIFY_WEBHOOK_URL points at evil.example, which approvers.json notifications.allowed_hosts does not list',
    );
    expect(webhookProblem('https://hooks.slack.com.evil.example/x', ['hooks.slack.com'])).toBeDefined();
  });
});
