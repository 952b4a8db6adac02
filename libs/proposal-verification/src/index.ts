export { verifySubmission, type SubmissionVerdict } from './submission-verification';
export { signProposal, proposalJwsType } from './proposal-signing';
