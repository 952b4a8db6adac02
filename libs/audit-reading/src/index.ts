export {
  AuditReader,
  auditDatabaseName,
  type GateBreakdown,
  type GateDay,
  type GateQuery,
  type RunSummary,
  type SpendRow,
} from './audit-reader';
