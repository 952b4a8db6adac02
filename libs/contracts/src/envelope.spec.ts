import { buildEnvelope, outcomeEnvelope } from './envelope';
import { validateEnvelope } from './payload-validation';

const outcome = {
  proposal_id: 'p-1',
  run_id: 'run-1',
  outcome: 'executed' as const,
  reason_code: 'tool_call_succeeded',
  reason: 'ok',
  decided_by: 'executor' as const,
};

describe('event envelopes', () => {
  it('give a re-emitted gate event the same id, so audit stores it once', () => {
    expect(outcomeEnvelope(outcome).id).toBe(outcomeEnvelope(outcome).id);
  });

  it('give each refused submission its own outcome id', () => {
    const first = outcomeEnvelope({ ...outcome, outcome: 'rejected', submission_id: 's-1' });
    const second = outcomeEnvelope({ ...outcome, outcome: 'rejected', submission_id: 's-2' });
    expect(first.id).not.toBe(second.id);
  });

  it('leave out ids that are not well-formed instead of producing an invalid CloudEvent', () => {
    const envelope = outcomeEnvelope({
      ...outcome,
      proposal_id: '../etc/passwd',
      outcome: 'rejected',
      submission_id: 's',
    });
    expect(envelope.proposalid).toBeUndefined();
    expect(validateEnvelope(envelope).ok).toBe(true);
  });

  it('are CloudEvents 1.0 keyed by run id', () => {
    const envelope = buildEnvelope(
      'dlq',
      'airlock/test',
      { runId: 'run-9' },
      {
        source_topic: 't',
        partition: 0,
        offset: '1',
        consumer: 'c',
        reason_code: 'malformed_envelope',
        error: 'e',
        raw_value: '',
      },
    );
    expect(envelope).toMatchObject({ specversion: '1.0', runid: 'run-9', type: 'airlock.dlq.dead_letter' });
    expect(validateEnvelope(envelope).ok).toBe(true);
  });
});
