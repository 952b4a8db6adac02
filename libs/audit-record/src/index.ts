export { toAuditRow, toClickHouseDateTime, type AuditRow, type AuditableEnvelope } from './audit-row';
export { redact, redactedMarker } from './redaction';
export {
  auditRowColumns,
  chainRow,
  verifyChain,
  genesisHash,
  type ChainedAuditRow,
  type ChainVerification,
} from './hash-chain';
