export {
  AuditReader,
  auditDatabaseName,
  type GateBreakdown,
  type GateDay,
  type GateQuery,
  type RunSummary,
} from './audit-reader';
