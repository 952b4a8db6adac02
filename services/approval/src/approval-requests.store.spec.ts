import type { ApproverRegistry, PolicyDecision } from '@airlock/contracts';
import { TestStoreSchema } from '@airlock/postgres';
import { LocalInfraConfig, loadConfig } from '@airlock/service-runtime';
import { ApprovalRequestsStore, approvalRequestsMigrations } from './approval-requests.store';

// A store test runs against the real PostgreSQL, in a schema of its own that it drops at the end.
const schema = new TestStoreSchema(
  'approval',
  approvalRequestsMigrations,
  loadConfig(LocalInfraConfig).AIRLOCK_POSTGRES_URL,
);
const registry: ApproverRegistry = {
  approval_timeout_seconds: 60,
  max_pending_per_agent: 3,
  max_pending_per_run: 2,
  approvers: [],
};

jest.setTimeout(20_000);

let store: ApprovalRequestsStore;

function decisionFor(proposalId: string, runId: string, agentId = 'agent-1'): PolicyDecision {
  const hash = 'a'.repeat(64);
  return {
    proposal: {
      proposal_id: proposalId,
      run_id: runId,
      agent_id: agentId,
      tool: 'payments.refund',
      arguments: { note: 'any text PostgreSQL can hold' },
      issued_at: '2026-01-01T00:00:00.000Z',
    },
    proposal_hash: hash,
    attestations: [],
    decision: 'approval_required',
    policy_ids: ['refunds-need-approval'],
    reasons: [],
    bundle_hash: hash,
    entities_version: 0,
  };
}

const open = (proposalId: string, runId: string, agentId?: string) =>
  store.open(decisionFor(proposalId, runId, agentId), {}, new Date(), registry);

beforeAll(async () => {
  store = new ApprovalRequestsStore(await schema.open());
});

afterAll(() => schema.drop());

describe('ApprovalRequestsStore', () => {
  const halt = {
    operatorId: 'olivia',
    code: 'tool_halted',
    reason: 'tool payments.refund was halted by olivia',
  };

  it('records a request a halt closed before anyone saw it, once; a redelivery finds it', async () => {
    const closed = await store.openHalted(decisionFor('p-halted', 'run-halted'), {}, new Date(), halt);
    expect(closed).toMatchObject({ status: 'halted', decided_by: 'olivia', halt_code: 'tool_halted' });
    expect(
      await store.openHalted(decisionFor('p-halted', 'run-halted'), {}, new Date(), halt),
    ).toBeUndefined();
    expect(await open('p-halted', 'run-halted')).toBe('already_open');
  });

  it('closes a pending request for a halt once, and a later approve finds it no longer pending', async () => {
    expect(await open('p-halt-later', 'run-halt-later')).toBe('opened');
    expect(await store.closeHalted('p-halt-later', halt)).toMatchObject({
      status: 'halted',
      comment: halt.reason,
    });
    expect(await store.closeHalted('p-halt-later', halt)).toBeUndefined();
    expect(await store.close('p-halt-later', 'approved', 'bob', null)).toBeUndefined();
  });

  it('opens a request once; a redelivered decision finds it open', async () => {
    expect(await open('p-once', 'run-once')).toBe('opened');
    expect(await open('p-once', 'run-once')).toBe('already_open');
  });

  it('refuses a request past the per-run cap, and admits one again once a waiting one is decided', async () => {
    expect(await open('p-run-1', 'run-capped', 'agent-run')).toBe('opened');
    expect(await open('p-run-2', 'run-capped', 'agent-run')).toBe('opened');
    expect(await open('p-run-3', 'run-capped', 'agent-run')).toMatchObject({
      ok: false,
      code: 'run_pending_approvals_cap_reached',
    });
    await store.close('p-run-1', 'approved', 'bob', null);
    expect(await open('p-run-3', 'run-capped', 'agent-run')).toBe('opened');
  });

  it('admits exactly the per-agent cap when requests of one agent race', async () => {
    const opened = await Promise.all(
      Array.from({ length: 8 }, (_, index) => open(`p-agent-${index}`, `run-agent-${index}`, 'agent-racing')),
    );
    expect(opened.filter((result) => result === 'opened')).toHaveLength(3);
    expect(
      opened.filter(
        (result) => typeof result === 'object' && result.code === 'agent_pending_approvals_cap_reached',
      ),
    ).toHaveLength(5);
  });

  it('lets exactly one of two racing answers close a request', async () => {
    await open('p-race', 'run-race', 'agent-2');
    const [first, second] = await Promise.all([
      store.close('p-race', 'approved', 'bob', null),
      store.close('p-race', 'denied', 'carol', null),
    ]);
    expect([first, second].filter((closed) => closed !== undefined)).toHaveLength(1);
  });

  it('records an approval for the rest of the run only with the request it closed, and finds it by its values', async () => {
    await open('p-for-run', 'run-for-run', 'agent-3');
    const approval = {
      run_id: 'run-for-run',
      agent_id: 'agent-3',
      tool: 'payments.refund',
      paths: '["$.charge_id"]',
      approval_key: '["ch_1"]',
      approved_by: 'bob',
      origin_proposal_id: 'p-for-run',
    };
    const covered = { ...approval, approved_by: undefined, origin_proposal_id: undefined };
    expect(await store.closeApprovedForRun('p-for-run', 'same charge', approval)).toMatchObject({
      status: 'approved',
      decided_by: 'bob',
    });
    expect(await store.findRunApproval(covered)).toMatchObject({
      approved_by: 'bob',
      origin_proposal_id: 'p-for-run',
    });
    expect(await store.findRunApproval({ ...covered, approval_key: '["ch_2"]' })).toBeUndefined();
    expect(await store.findRunApproval({ ...covered, run_id: 'run-other' })).toBeUndefined();

    // A loser of the race for a request grants nothing.
    await open('p-lost', 'run-lost', 'agent-3');
    await store.close('p-lost', 'denied', 'carol', null);
    expect(
      await store.closeApprovedForRun('p-lost', null, {
        ...approval,
        run_id: 'run-lost',
        origin_proposal_id: 'p-lost',
      }),
    ).toBeUndefined();
    expect(await store.findRunApproval({ ...covered, run_id: 'run-lost' })).toBeUndefined();

    // A later proposal it covers is recorded approved in bob's name, once.
    const later = decisionFor('p-later', 'run-for-run', 'agent-3');
    expect(await store.openApprovedForRun(later, {}, new Date(), approval, 'covered')).toMatchObject({
      status: 'approved',
      decided_by: 'bob',
      comment: 'covered',
    });
    expect(await store.openApprovedForRun(later, {}, new Date(), approval, 'covered')).toBeUndefined();
  });

  it('adds each approver once toward a quorum, and nothing once the request is closed', async () => {
    await open('p-quorum', 'run-quorum', 'agent-4');
    const first = await store.addApproval('p-quorum', 'bob', 'looks right');
    expect(first).toMatchObject({
      status: 'pending',
      approvals: [{ approver_id: 'bob', comment: 'looks right' }],
    });
    expect(await store.addApproval('p-quorum', 'bob', 'again')).toBe('already_approved');
    const second = await store.addApproval('p-quorum', 'carol', null);
    expect(
      second !== 'already_approved' && second?.approvals.map((approval) => approval.approver_id),
    ).toEqual(['bob', 'carol']);
    await store.close('p-quorum', 'approved', 'carol', null);
    expect(await store.addApproval('p-quorum', 'dave', null)).toBeUndefined();
  });
});
