import { createHash, randomUUID } from 'node:crypto';
import type { CloudEventEnvelope, Proposal, ProposalOutcome } from './generated/events';
import definitions from '../../../schemas/events/definitions.schema.json';
import { topics, type TopicKey, type TopicPayloads } from './topics';

/** A CloudEvent whose data is the typed payload of one topic. */
export type Envelope<K extends TopicKey> = Omit<CloudEventEnvelope, 'data'> & { data: TopicPayloads[K] };

export interface EnvelopeIdentity {
  runId: string;
  proposalId?: string;
  agentId?: string;
  /**
   * What makes this event unique for its proposal. Gate events derive their id from it so that a
   * gate that re-emits after a crash produces the same id, and audit counts the event once.
   */
  dedupKey?: string;
}

const identifierPattern = new RegExp(definitions.definitions.Identifier.pattern);

/** Whether a value may serve as a run, proposal or agent id (see definitions.schema.json). */
export function isIdentifier(value: string | undefined): value is string {
  return value !== undefined && value.length <= 128 && identifierPattern.test(value);
}

export function deterministicEventId(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);
}

export function buildEnvelope<K extends TopicKey>(
  topic: K,
  source: string,
  identity: EnvelopeIdentity,
  data: TopicPayloads[K],
  now: Date = new Date(),
): Envelope<K> {
  const spec = topics[topic];
  const id =
    identity.dedupKey === undefined
      ? randomUUID()
      : deterministicEventId(spec.eventType, identity.runId, identity.dedupKey);
  return {
    specversion: '1.0',
    id,
    source,
    type: spec.eventType,
    time: now.toISOString(),
    datacontenttype: 'application/json',
    runid: identity.runId,
    ...(identity.proposalId === undefined
      ? {}
      : { proposalid: identity.proposalId, subject: identity.proposalId }),
    ...(identity.agentId === undefined ? {} : { agentid: identity.agentId }),
    data,
  };
}

/**
 * The terminal outcome of a proposal. Its id derives from the proposal id, so a gate that re-emits
 * after a crash repeats the same event rather than adding a second outcome; rejections of
 * submissions that intake refused are keyed by what intake passes as `rejectionKey`.
 */
export function outcomeEnvelope(
  outcome: ProposalOutcome,
  now: Date = new Date(),
  rejectionKey: string = `rejected/${outcome.submission_id ?? ''}`,
): Envelope<'outcomes'> {
  const dedupKey = outcome.outcome === 'rejected' ? rejectionKey : outcome.proposal_id;
  return buildEnvelope(
    'outcomes',
    `airlock/${outcome.decided_by}`,
    {
      runId: outcome.run_id,
      ...(isIdentifier(outcome.proposal_id) ? { proposalId: outcome.proposal_id } : {}),
      ...(isIdentifier(outcome.agent_id) ? { agentId: outcome.agent_id } : {}),
      dedupKey: `${dedupKey}`,
    },
    outcome,
    now,
  );
}

/** What a gate decides about a proposal's end; the ids come from the proposal itself. */
export type OutcomeDecision = Omit<
  ProposalOutcome,
  'proposal_id' | 'run_id' | 'agent_id' | 'tool' | 'submission_id'
>;

/** The terminal outcome of an accepted proposal, carrying the proposal's own ids. */
export function proposalOutcomeEnvelope(proposal: Proposal, decision: OutcomeDecision): Envelope<'outcomes'> {
  return outcomeEnvelope({
    proposal_id: proposal.proposal_id,
    run_id: proposal.run_id,
    agent_id: proposal.agent_id,
    tool: proposal.tool,
    ...decision,
  });
}
