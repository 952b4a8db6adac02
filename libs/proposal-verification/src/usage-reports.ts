import type { JsonWebKey } from 'node:crypto';
import { signStatement, verifyStatement, type SigningKey } from '@airlock/attestation';
import {
  checkJsonHygiene,
  proposalJsonLimits,
  validateUsageReport,
  type AgentRecord,
  type LauncherRecord,
  type RunFacts,
  type UsageReport,
} from '@airlock/contracts';
import { verifyRun } from './run-tickets';

/** Distinguishes an agent's usage report from its proposals and every other JWS Airlock reads. */
export const usageReportJwsType = 'airlock-usage+jws';

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
  const signers = new Map<string, AgentRecord>();
  const keyOf = (kid: string) => {
    for (const agent of agents.values()) {
      const key = agent.public_keys.find((candidate) => candidate.kid === kid);
      if (key !== undefined) {
        signers.set(kid, agent);
        return key as JsonWebKey;
      }
    }
    return undefined;
  };
  const checked = verifyStatement(jws, usageReportJwsType, keyOf);
  if (!checked.ok) return { ok: false, code: 'bad_signature', reason: `the usage report: ${checked.reason}` };
  const hygiene = checkJsonHygiene(checked.statement, proposalJsonLimits);
  if (!hygiene.ok) return { ok: false, code: hygiene.code, reason: `in the usage report, ${hygiene.reason}` };
  const validated = validateUsageReport(checked.statement);
  if (!validated.ok) {
    return {
      ok: false,
      code: 'invalid_usage_report',
      reason: `the usage report is invalid: ${validated.errors}`,
    };
  }
  const report = validated.value;
  const agent = signers.get(checked.kid);
  if (agent === undefined || agent.id !== report.agent_id) {
    return {
      ok: false,
      code: 'agent_mismatch',
      reason: `the usage report names agent ${report.agent_id} but is signed by another agent's key`,
    };
  }
  const run = verifyRun(report, agent, launchers, new Date(), { countsAfterExpiry: true });
  return run.ok ? { ok: true, report, agent, run: run.facts } : run;
}
