import type { ApprovalRequirement, ApproverRegistry } from '@airlock/contracts';

/**
 * What a request needs when its decision states no requirement (a policy without @approvers or
 * @quorum, or a decision from before they existed): one approval, from any approver.
 */
const anyOneApprover: ApprovalRequirement = { policy_id: '', quorum: 1 };

export function requirementsOf(stated: readonly ApprovalRequirement[] | undefined): ApprovalRequirement[] {
  return stated === undefined || stated.length === 0 ? [anyOneApprover] : [...stated];
}

/** Whether an approval by `approverId` counts toward one requirement. */
export function countsToward(
  approverId: string,
  requirement: ApprovalRequirement,
  registry: ApproverRegistry,
): boolean {
  if (requirement.run_user !== undefined && requirement.run_user === approverId) return true;
  if (requirement.groups === undefined) return true;
  const groups = registry.approvers.find((approver) => approver.id === approverId)?.groups ?? [];
  return requirement.groups.some((group) => groups.includes(group));
}

/** Who counts toward a requirement, in words: "2 approvals from finance or the run's user u-1". */
export function describeRequirement(requirement: ApprovalRequirement): string {
  const who = [
    ...(requirement.groups === undefined ? ['any approver'] : requirement.groups.map((group) => group)),
    ...(requirement.run_user === undefined ? [] : [`the run's user ${requirement.run_user}`]),
  ];
  const count = requirement.quorum === 1 ? '1 approval' : `${requirement.quorum} approvals`;
  const policy = requirement.policy_id === '' ? '' : `policy ${requirement.policy_id} needs `;
  return `${policy}${count} from ${who.length === 0 ? 'nobody who may' : who.join(' or ')}`;
}

/** Whether an approver counts toward any requirement: otherwise their answer is refused. */
export function checkRequirementFit(
  approverId: string,
  requirements: readonly ApprovalRequirement[],
  registry: ApproverRegistry,
): { ok: true } | { ok: false; reason: string } {
  if (requirements.some((requirement) => countsToward(approverId, requirement, registry)))
    return { ok: true };
  return {
    ok: false,
    reason: `approver ${approverId} counts toward none of what this request needs: ${requirements.map(describeRequirement).join('; ')}`,
  };
}

/**
 * Whether the distinct approvers so far meet every requirement (one approver may count toward
 * several), and what is still missing.
 */
export function quorumStanding(
  approverIds: readonly string[],
  requirements: readonly ApprovalRequirement[],
  registry: ApproverRegistry,
): { met: boolean; missing: string[] } {
  const distinct = [...new Set(approverIds)];
  const missing = requirements.flatMap((requirement) => {
    const counted = distinct.filter((id) => countsToward(id, requirement, registry)).length;
    return counted >= requirement.quorum ? [] : [`${describeRequirement(requirement)} (${counted} so far)`];
  });
  return { met: missing.length === 0, missing };
}
