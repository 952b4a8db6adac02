import type { ApprovalPreview, ApproverRegistry, PolicyDecision } from '@airlock/contracts';
import { TestStoreSchema } from '@airlock/postgres';
import { LocalInfraConfig, loadConfig } from '@airlock/service-runtime';
import { ApprovalPreviewsStore, approvalPreviewsMigrations } from './approval-previews.store';
import { ApprovalRequestsStore, approvalRequestsMigrations } from './approval-requests.store';

// A store test runs against the real PostgreSQL, in a schema of its own that it drops at the end.
const schema = new TestStoreSchema(
  'approval',
  [...approvalRequestsMigrations, ...approvalPreviewsMigrations],
  loadConfig(LocalInfraConfig).AIRLOCK_POSTGRES_URL,
);
const registry: ApproverRegistry = { approval_timeout_seconds: 60, approvers: [] };
const hash = 'a'.repeat(64);

jest.setTimeout(20_000);

afterAll(() => schema.drop());

function decisionFor(proposalId: string): PolicyDecision {
  return {
    proposal: {
      proposal_id: proposalId,
      run_id: 'run-1',
      agent_id: 'agent-1',
      tool: 'payments.refund',
      arguments: { charge_id: 'ch_1', amount_cents: 100 },
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

function previewFor(proposalId: string, refunded: number, proposalHash = hash): ApprovalPreview {
  return {
    proposal_id: proposalId,
    run_id: 'run-1',
    agent_id: 'agent-1',
    tool: 'payments.refund',
    proposal_hash: proposalHash,
    previewed_at: '2026-01-01T00:00:01.000Z',
    status: 'previewed',
    before: { refunded_cents: 0 },
    after: { refunded_cents: refunded },
  };
}

describe('ApprovalPreviewsStore', () => {
  it('keeps a preview that arrives before its request, and only the first of a proposal', async () => {
    const pool = await schema.open();
    const previews = new ApprovalPreviewsStore(pool);
    await previews.record(previewFor('p-early', 100));
    expect(await previews.find('p-early')).toBeUndefined();
    await new ApprovalRequestsStore(pool).open(decisionFor('p-early'), {}, new Date(), registry);
    await previews.record(previewFor('p-early', 999));
    expect(await previews.find('p-early')).toEqual(previewFor('p-early', 100));
  });

  it('keeps the fields in the order the downstream answered them', async () => {
    const pool = await schema.open();
    const previews = new ApprovalPreviewsStore(pool);
    await new ApprovalRequestsStore(pool).open(decisionFor('p-order'), {}, new Date(), registry);
    const answered = { ...previewFor('p-order', 1), before: { zeta: 1, id: 'x', amount_refunded_cents: 0 } };
    await previews.record(answered);
    expect(Object.keys((await previews.find('p-order'))?.before ?? {})).toEqual([
      'zeta',
      'id',
      'amount_refunded_cents',
    ]);
  });

  it('shows no preview read for other content than the request holds', async () => {
    const pool = await schema.open();
    const previews = new ApprovalPreviewsStore(pool);
    await new ApprovalRequestsStore(pool).open(decisionFor('p-other'), {}, new Date(), registry);
    await previews.record(previewFor('p-other', 100, 'b'.repeat(64)));
    expect(await previews.find('p-other')).toBeUndefined();
  });
});
