import { randomBytes } from 'node:crypto';
import {
  buildEnvelope,
  maxSubmissionBytes,
  type Envelope,
  type Proposal,
  type UsageReport,
} from '@airlock/contracts';
import type { SigningKey } from '@airlock/attestation';
import { signProposal, signUsageReport } from '@airlock/proposal-verification';
import { AirlockClientError } from './client-errors';

/** Which CloudEvent id and time a submission gets; by default both derive from what was signed. */
export interface SubmissionIdentity {
  id?: string;
  time?: Date;
}

/**
 * A signed proposal in its CloudEvent, as it goes on agent.proposals. Unless told otherwise, the
 * envelope's id derives from the JWS and its time is the proposal's issued_at, so the same proposal
 * signed again with the same key (Ed25519 signatures are deterministic) is the same message, byte
 * for byte: intake treats it as a redelivery and never as a second proposal (docs/protocol.md,
 * "Ids, redelivery and replays"). Different content always gets a different id.
 */
export async function proposalEnvelope(
  proposal: Proposal,
  key: SigningKey,
  identity: SubmissionIdentity = {},
): Promise<Envelope<'proposals'>> {
  const jws = await signProposal(proposal, key);
  const envelope = buildEnvelope(
    'proposals',
    `agent/${proposal.agent_id}`,
    {
      runId: proposal.run_id,
      proposalId: proposal.proposal_id,
      agentId: proposal.agent_id,
      dedupKey: jws,
    },
    { jws },
    identity.time ?? issuedAtOrNow(proposal.issued_at),
  );
  return identity.id === undefined ? envelope : { ...envelope, id: identity.id };
}

/** An issued_at that names no instant is intake's to refuse (invalid_proposal), not a crash here. */
function issuedAtOrNow(issuedAt: string): Date {
  const time = new Date(issuedAt);
  return Number.isNaN(time.getTime()) ? new Date() : time;
}

/** A usage report signed with the agent's key, in its CloudEvent for agent.usage (ADR 0012). */
export function usageEnvelope(report: UsageReport, key: SigningKey): Envelope<'usage'> {
  return buildEnvelope(
    'usage',
    `agent/${report.agent_id}`,
    { runId: report.run_id, agentId: report.agent_id },
    { jws: signUsageReport(report, key) },
  );
}

/**
 * The Kafka value of a submission, refused here when intake would refuse it for its size: the
 * answer to an oversized message names no proposal, only Kafka coordinates.
 */
export function submissionValue(envelope: Envelope<'proposals'>): string {
  const value = JSON.stringify(envelope);
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > maxSubmissionBytes) {
    throw new AirlockClientError(
      'oversized_message',
      `proposal ${envelope.proposalid ?? ''} makes a ${bytes}-byte message, over the protocol's ${maxSubmissionBytes}-byte limit`,
      false,
    );
  }
  return value;
}

/** A fresh W3C traceparent: each proposal starts a trace, which every gate continues. */
export function newTraceparent(): string {
  return `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
}
