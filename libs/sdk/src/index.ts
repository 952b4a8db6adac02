export {
  AirlockAgent,
  type AgentClientOptions,
  type ProposeOptions,
  type UsageToReport,
} from './agent-client';
export { AirlockLauncher, type LauncherClientOptions, type RunToOpen } from './launcher-client';
export { verifyExecutedAction, fetchJwks, type VerifiedAction } from './executed-action-verification';
export type { ExecutedResult, OutcomeKind, ProposalResult, RejectedResult } from './proposal-results';
export {
  AirlockClientError,
  ProposalTimeoutError,
  type ClientErrorCode,
  type PendingPart,
} from './client-errors';
export {
  proposalEnvelope,
  usageEnvelope,
  newTraceparent,
  type SubmissionIdentity,
} from './agent-submissions';
export { runCloseEnvelope, signedRunTicket, type RunFactsToSign } from './launcher-statements';
export type { KafkaTarget } from './kafka-channel';
export type { KeySource } from './signing-key-source';
export type { Jwks } from '@airlock/attestation';
export type { SigningKey } from '@airlock/attestation';
