export {
  defaultFreshnessWindow,
  verifySubmission,
  type FreshnessWindow,
  type SubmissionVerdict,
  type SubmissionVerificationOptions,
} from './submission-verification';
export { signProposal, proposalJwsType } from './proposal-signing';
export {
  defaultMaxRunSeconds,
  maxTicketClockSkewMs,
  runTeamOf,
  runTicketJwsType,
  runTicketOf,
  signRunTicket,
  verifyRun,
  type RunVerdict,
} from './run-tickets';
export { signUsageReport, usageReportJwsType, verifyUsageReport, type UsageVerdict } from './usage-reports';
export { runCloseJwsType, signRunClose, verifyRunClose, type RunCloseVerdict } from './run-closes';
