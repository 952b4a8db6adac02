export {
  storedEventKey,
  toAuditRow,
  type AuditRow,
  type AuditRowContext,
  type AuditRowResult,
  type AuditableEnvelope,
  type RowRefusalCode,
} from './audit-row';
export {
  attestationColumnsOf,
  attestationStatuses,
  type AttestationColumns,
  type AttestationStatus,
} from './attestation-columns';
export { toQuarantineRow, type QuarantineRow, type QuarantineSource } from './quarantine-row';
export {
  firstStorableSecond,
  lastStorableSecond,
  storableText,
  toClickHouseDateTime,
  unstorableText,
  type UnstorableTextCode,
} from './storable-text';
export { redact, redactedMarker } from './redaction';
export {
  auditRowColumns,
  laterAuditRowColumns,
  chainRow,
  verifyChain,
  genesisHash,
  type ChainedAuditRow,
  type ChainVerification,
} from './hash-chain';
export { verifyRunRecord, type RunVerification, type UnattestedEvent } from './run-verification';
export { runReport, type QuarantinedMessage, type RunReport } from './run-report';
export { timelineOf, type TimelineEvent } from './run-timeline';
