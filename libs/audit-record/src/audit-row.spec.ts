import { buildEnvelope, topics, type Proposal } from '@airlock/contracts';
import type { AttestationColumns } from './attestation-columns';
import { storedEventKey, toAuditRow, type AuditableEnvelope, type AuditRow } from './audit-row';

const proposal: Proposal = {
  proposal_id: 'p1',
  run_id: 'r1',
  agent_id: 'a1',
  tool: 'issue_refund',
  arguments: { order_id: 'o1', card_number: '4111111111111111', customer: { email: 'x@y.z' } },
  issued_at: '2024-05-01T12:00:00Z',
};
const hash = 'a'.repeat(64);
const bundle = 'b'.repeat(64);
const at = new Date('2024-05-01T12:34:56.789Z');
const identity = { runId: 'r1', proposalId: 'p1', agentId: 'a1' };
const sensitiveFieldsOf = (tool: string): readonly string[] =>
  tool === 'issue_refund' ? ['card_number', 'email'] : [];

const verifiedByPolicy: AttestationColumns = {
  attested_by: 'policy',
  attestation: 'verified',
  attestation_error: '',
};

function resultOf(topic: string, envelope: AuditableEnvelope, attestation = verifiedByPolicy) {
  return toAuditRow(topic, envelope, { traceId: 'trace-1', attestation, sensitiveFieldsOf });
}

function rowOf(topic: string, envelope: AuditableEnvelope): AuditRow {
  const result = resultOf(topic, envelope);
  if (!result.ok) throw new Error(`expected a row, got ${result.code}: ${result.reason}`);
  return result.row;
}

describe('toAuditRow', () => {
  it('fills the envelope columns and the ClickHouse time of a policy decision', () => {
    const data = {
      proposal,
      proposal_hash: hash,
      attestations: [],
      decision: 'deny' as const,
      policy_ids: ['no-big-refunds'],
      reasons: ['amount over limit'],
      bundle_hash: bundle,
      entities_version: 0,
    };
    const envelope = buildEnvelope('policyDecisions', 'policy', identity, data, at);
    expect(rowOf(topics.policyDecisions.name, envelope)).toMatchObject({
      event_id: envelope.id,
      event_type: 'airlock.policy.decided',
      topic: 'airlock.policy.decisions',
      event_time: '2024-05-01 12:34:56',
      run_id: 'r1',
      proposal_id: 'p1',
      agent_id: 'a1',
      tool: 'issue_refund',
      decision: 'deny',
      outcome: '',
      reason_code: '',
      reasons: ['amount over limit'],
      policy_ids: ['no-big-refunds'],
      bundle_hash: bundle,
      cost_usd: 0,
      trace_id: 'trace-1',
    });
  });

  it('redacts the sensitive argument fields of the tool, at depth, in the payload only', () => {
    const envelope = buildEnvelope(
      'accepted',
      'intake',
      identity,
      { proposal, proposal_hash: hash, attestations: ['jws'], submission_id: 's1' },
      at,
    );
    const row = rowOf(topics.accepted.name, envelope);
    expect(row.decision).toBe('accepted');
    const payload = JSON.parse(row.payload);
    expect(payload.proposal.arguments).toEqual({
      order_id: 'o1',
      card_number: '[redacted]',
      customer: { email: '[redacted]' },
    });
    expect(row.payload).not.toContain('4111111111111111');
    expect(payload.submission_id).toBe('s1');
  });

  it('records the approval verdict', () => {
    const data = {
      proposal,
      proposal_hash: hash,
      attestations: [],
      decision: 'expired' as const,
      bundle_hash: bundle,
    };
    const row = rowOf(
      topics.approvalDecisions.name,
      buildEnvelope('approvalDecisions', 'approval', identity, data, at),
    );
    expect(row).toMatchObject({ decision: 'expired', bundle_hash: bundle, outcome: '', cost_usd: 0 });
  });

  it('records a preview as its status and reason, its states redacted like a response', () => {
    const preview = (data: object) =>
      rowOf(
        topics.approvalPreviews.name,
        buildEnvelope(
          'approvalPreviews',
          'executor',
          identity,
          {
            proposal_id: 'p1',
            run_id: 'r1',
            agent_id: 'a1',
            tool: 'issue_refund',
            proposal_hash: hash,
            previewed_at: at.toISOString(),
            ...data,
          } as never,
          at,
        ),
      );
    const read = preview({
      status: 'previewed',
      before: { email: 'x@y.z', refunded: 0 },
      after: { email: 'x@y.z', refunded: 5 },
    });
    expect(read).toMatchObject({ decision: 'previewed', reasons: [] });
    expect(read.payload).not.toContain('x@y.z');
    expect(preview({ status: 'unavailable', reason: 'HTTP 404' })).toMatchObject({
      decision: 'unavailable',
      reasons: ['HTTP 404'],
    });
  });

  it('records the reserved cost of a budget reservation', () => {
    const data = {
      proposal,
      proposal_hash: hash,
      attestations: [],
      reserved_cost_usd: 0.25,
      bundle_hash: bundle,
    };
    const row = rowOf(
      topics.budgetReservations.name,
      buildEnvelope('budgetReservations', 'budget', identity, data, at),
    );
    expect(row).toMatchObject({ decision: 'reserved', cost_usd: 0.25, tool: 'issue_refund' });
  });

  it('records an executed action with its cost and a redacted response', () => {
    const data = {
      proposal_id: 'p1',
      run_id: 'r1',
      agent_id: 'a1',
      tool: 'issue_refund',
      idempotency_key: 'k',
      status_code: 201,
      response: { refund_id: 'rf1', card_number: '4111' },
      cost_usd: 0.3,
      bundle_hash: bundle,
    };
    const row = rowOf(
      topics.actionsExecuted.name,
      buildEnvelope('actionsExecuted', 'executor', identity, data, at),
    );
    expect(row).toMatchObject({
      proposal_id: 'p1',
      agent_id: 'a1',
      tool: 'issue_refund',
      decision: 'executed',
      cost_usd: 0.3,
      bundle_hash: bundle,
    });
    expect(JSON.parse(row.payload).response).toEqual({ refund_id: 'rf1', card_number: '[redacted]' });
  });

  it('records a halt as its state and reason, keyed by its scope, with the operator in the payload', () => {
    const change = {
      scope: { kind: 'agent' as const, id: 'a1' },
      state: 'halted' as const,
      reason: 'incident 7',
      operator_id: 'olivia',
      changed_at: at.toISOString(),
    };
    const envelope = buildEnvelope('control', 'airlock/operator-api', { runId: 'agent:a1' }, change, at);
    const row = rowOf(topics.control.name, envelope);
    expect(row).toMatchObject({
      run_id: 'agent:a1',
      decision: 'halted',
      reasons: ['incident 7'],
      outcome: '',
    });
    expect(JSON.parse(row.payload)).toMatchObject({ operator_id: 'olivia' });
  });

  it('sets outcome, reason code and reason only for outcome events', () => {
    const data = {
      proposal_id: 'p1',
      run_id: 'r1',
      agent_id: 'a1',
      tool: 'issue_refund',
      outcome: 'denied' as const,
      reason_code: 'policy_denied',
      reason: 'Refunds over $100 need a human.',
      decided_by: 'policy' as const,
      policy_ids: ['no-big-refunds'],
      cost_usd: 0,
    };
    const row = rowOf(topics.outcomes.name, buildEnvelope('outcomes', 'policy', identity, data, at));
    expect(row).toMatchObject({
      decision: '',
      outcome: 'denied',
      reason_code: 'policy_denied',
      reasons: ['Refunds over $100 need a human.'],
      policy_ids: ['no-big-refunds'],
      bundle_hash: '',
    });
  });

  it("keeps only the envelope ids of an agent's submission and omits its JWS", () => {
    const envelope = buildEnvelope(
      'proposals',
      'agent',
      identity,
      { jws: 'header.payload-with-secrets.signature' },
      at,
    );
    const row = rowOf(topics.proposals.name, envelope);
    expect(row).toMatchObject({ run_id: 'r1', proposal_id: 'p1', agent_id: 'a1', tool: '', decision: '' });
    expect(row.payload).toBe('{"jws":"[omitted]"}');
  });

  it('omits the raw value of a dead letter, which may hold anything', () => {
    const data = {
      source_topic: 'agent.proposals',
      partition: 0,
      offset: '7',
      consumer: 'intake',
      reason_code: 'malformed_envelope',
      error: 'not JSON',
      raw_value: 'card 4111',
    };
    const row = rowOf(topics.dlq.name, buildEnvelope('dlq', 'intake', { runId: 'r1' }, data, at));
    expect(JSON.parse(row.payload)).toMatchObject({ error: 'not JSON', raw_value: '[omitted]' });
    expect(row).toMatchObject({
      proposal_id: '',
      agent_id: '',
      tool: '',
      cost_usd: 0,
      reasons: [],
      policy_ids: [],
    });
  });

  it('turns absent or mistyped fields of an unknown topic into empty columns', () => {
    const envelope = {
      ...buildEnvelope('proposals', 'agent', { runId: 'r1' }, { jws: '' }, at),
      data: { cost_usd: 'free', reasons: 'none' },
    };
    const row = rowOf('agent.usage', envelope);
    expect(row).toMatchObject({
      proposal_id: '',
      decision: '',
      outcome: '',
      reasons: [],
      policy_ids: [],
      cost_usd: 0,
      bundle_hash: '',
    });
  });
});

describe('toAuditRow on events that cannot be stored faithfully', () => {
  const decision = {
    proposal,
    proposal_hash: hash,
    attestations: [],
    decision: 'allow' as const,
    policy_ids: [],
    reasons: [],
    bundle_hash: bundle,
    entities_version: 0,
  };
  const policyEvent = (overrides: Partial<AuditableEnvelope>): AuditableEnvelope => ({
    ...buildEnvelope('policyDecisions', 'policy', identity, decision, at),
    ...overrides,
  });

  it('records the attestation columns it is given', () => {
    const forged = {
      attested_by: '',
      attestation: 'invalid' as const,
      attestation_error: 'the event differs',
    };
    const result = resultOf(topics.policyDecisions.name, policyEvent({}), forged);
    expect(result).toMatchObject({ ok: true, row: forged });
  });

  it.each(['0001-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '1970-01-01T00:00:00Z', '2106-02-07T06:28:15Z'])(
    'refuses the time %s, which ClickHouse DateTime would read back as another time',
    (time) => {
      expect(resultOf(topics.policyDecisions.name, policyEvent({ time }))).toMatchObject({
        ok: false,
        code: 'unrepresentable_time',
      });
    },
  );

  it('refuses an event id holding a lone surrogate, and names the column', () => {
    expect(resultOf(topics.policyDecisions.name, policyEvent({ id: 'e\ud800' }))).toEqual({
      ok: false,
      code: 'lone_surrogate',
      reason: 'column event_id would hold a lone UTF-16 surrogate',
    });
  });

  it('refuses a reason holding U+0000', () => {
    const envelope = policyEvent({ data: { ...decision, reasons: ['ok\u0000hidden'] } });
    expect(resultOf(topics.policyDecisions.name, envelope)).toMatchObject({
      ok: false,
      code: 'nul_character',
    });
  });

  it('keeps a lone surrogate inside the payload, where JSON writes it as an ASCII escape', () => {
    const envelope = policyEvent({ data: { ...decision, note: 'x\udc00' } });
    expect(rowOf(topics.policyDecisions.name, envelope).payload).toContain('"note":"x\\udc00"');
  });

  it('refuses, without throwing, an envelope whose attributes are not text', () => {
    const envelope = { ...policyEvent({}), id: 42 } as unknown as AuditableEnvelope;
    expect(resultOf(topics.policyDecisions.name, envelope)).toMatchObject({
      ok: false,
      code: 'unbuildable_row',
    });
  });

  it('refuses, without throwing, data that JSON cannot write', () => {
    const cyclic: Record<string, unknown> = { ...decision };
    cyclic['self'] = cyclic;
    expect(resultOf(topics.policyDecisions.name, policyEvent({ data: cyclic }))).toMatchObject({
      ok: false,
      code: 'unbuildable_row',
      reason: expect.stringMatching(/circular/i),
    });
  });
});

describe('storedEventKey', () => {
  const row = {
    run_id: 'r1',
    topic: 'airlock.policy.decisions',
    event_id: 'e1',
    attestation: 'verified' as const,
  };

  it('is the same for a redelivered event', () => {
    expect(storedEventKey({ ...row })).toBe(storedEventKey(row));
  });

  it('differs for the same id on another topic', () => {
    expect(storedEventKey({ ...row, topic: 'agent.proposals' })).not.toBe(storedEventKey(row));
  });

  it('differs for the same id in another run', () => {
    expect(storedEventKey({ ...row, run_id: 'r2' })).not.toBe(storedEventKey(row));
  });

  it('differs for an unverified copy of a verified event id', () => {
    expect(storedEventKey({ ...row, attestation: 'missing' })).not.toBe(storedEventKey(row));
  });

  it('cannot be forged by moving a separator between topic and id', () => {
    expect(storedEventKey({ ...row, topic: 'a', event_id: 'b,c' })).not.toBe(
      storedEventKey({ ...row, topic: 'a,b', event_id: 'c' }),
    );
  });
});
