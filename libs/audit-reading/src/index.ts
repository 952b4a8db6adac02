export {
  AuditReader,
  auditDatabaseName,
  emptyGateDay,
  type GateBreakdown,
  type GateDay,
  type GateQuery,
  type RunSummary,
} from './audit-reader';
