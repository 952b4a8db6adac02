export { canonicalJson } from './canonical-json';
export { proposalHash } from './proposal-hash';
export { generateSigningKey, type ServiceKeyring, type SigningKey } from './signing-keys';
export type { AttestationClaims, BoundClaims, SignedClaims } from './attestation-claims';
export {
  attestationJwsType,
  signAttestation,
  verifyAttestation,
  type AttestationVerification,
} from './attestation-jws';
export {
  checkExecutionProof,
  checkGateProof,
  type ExecutionProof,
  type ExecutionProofInput,
  type GateProof,
  type ProofStage,
} from './gate-proof';
export {
  attestEvent,
  eventAttestationJwsType,
  eventHash,
  verifyEventAttestation,
  type AttestableEvent,
  type EventAttestationCheck,
  type EventClaims,
} from './event-attestation';
export { keyringFromJwks, publishedJwks, verifyExecutedAction, type Jwks } from './published-keys';
export { generateGateKeys, type GateKeys } from './attestation-test-fixtures';
export {
  readStatementUnverified,
  signStatement,
  verifyStatement,
  type StatementCheck,
} from './signed-statements';
