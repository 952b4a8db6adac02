import { signStatement, type SigningKey } from '@airlock/attestation';
import {
  validateUsageReport,
  type AgentRecord,
  type LauncherRecord,
  type RunFacts,
  type UsageReport,
} from '@airlock/contracts';
import { verifyRun } from './run-tickets';
import { verifySignedBy } from './signed-by';

/** Distinguishes an agent's usage report from its proposals and every other JWS Airlock reads. */
export const usageReportJwsType = 'airlock-usage+jws';

const usageReports = {
  type: usageReportJwsType,
  validate: validateUsageReport,
  name: 'the usage report',
  invalidCode: 'invalid_usage_report',
};

export type UsageVerdict =
  | { ok: true; report: UsageReport; agent: AgentRecord; run: RunFacts }
  | { ok: false; code: string; reason: string };

/** What an agent does after a model call: sign what it consumed, with the key it proposes with. */
export function signUsageReport(report: UsageReport, key: SigningKey): string {
  return signStatement(key, usageReportJwsType, report);
}

/**
 * Whether a usage report is the named agent's, for a run a launcher opened for it (or one it may
 * open itself). An expired run's report is still verified: the tokens were spent while it ran, or
 * they were spent anyway, and either way the spend must be counted. Never throws.
 */
export function verifyUsageReport(
  jws: string,
  agents: ReadonlyMap<string, AgentRecord>,
  launchers: ReadonlyMap<string, LauncherRecord>,
): UsageVerdict {
  const signed = verifySignedBy(jws, usageReports, agents);
  if (!signed.ok) return signed;
  const { statement: report, signer: agent } = signed;
  if (agent.id !== report.agent_id) {
    return {
      ok: false,
      code: 'agent_mismatch',
      reason: `the usage report names agent ${report.agent_id} but is signed by another agent's key`,
    };
  }
  const run = verifyRun(report, agent, launchers, new Date(), { countsAfterExpiry: true });
  return run.ok ? { ok: true, report, agent, run: run.facts } : run;
}
