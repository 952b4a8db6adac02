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
  runTicketJwsType,
  signRunTicket,
  verifyRun,
  type RunVerdict,
} from './run-tickets';
