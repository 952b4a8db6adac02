import type { ApprovalRequirement, ApproverRegistry } from '@airlock/contracts';
import { checkRequirementFit, quorumStanding, requirementsOf } from './quorum';

const registry: ApproverRegistry = {
  approval_timeout_seconds: 600,
  approvers: [
    { id: 'bob', name: 'Bob', token_sha256: '', groups: ['finance'] },
    { id: 'carol', name: 'Carol', token_sha256: '', groups: ['finance', 'legal'] },
    { id: 'dave', name: 'Dave', token_sha256: '' },
    { id: 'u-1', name: 'Emma, whose assistant it is', token_sha256: '' },
  ],
};
const twoFromFinance: ApprovalRequirement = { policy_id: 'refunds', quorum: 2, groups: ['finance'] };
const theUser: ApprovalRequirement = { policy_id: 'her-money', quorum: 1, groups: [], run_user: 'u-1' };

describe('quorum', () => {
  it('needs one approval from anyone when the decision states no requirement', () => {
    const requirements = requirementsOf(undefined);
    expect(quorumStanding([], requirements, registry).met).toBe(false);
    expect(quorumStanding(['dave'], requirements, registry)).toEqual({ met: true, missing: [] });
  });

  it('counts distinct approvers of the named groups until the quorum', () => {
    const requirements = [twoFromFinance];
    expect(quorumStanding(['bob'], requirements, registry)).toEqual({
      met: false,
      missing: ['policy refunds needs 2 approvals from finance (1 so far)'],
    });
    expect(quorumStanding(['bob', 'bob'], requirements, registry).met).toBe(false);
    expect(quorumStanding(['bob', 'dave'], requirements, registry).met).toBe(false);
    expect(quorumStanding(['bob', 'carol'], requirements, registry).met).toBe(true);
  });

  it('needs every requirement met, one approver counting toward several', () => {
    const requirements = [twoFromFinance, theUser];
    expect(quorumStanding(['bob', 'carol'], requirements, registry)).toEqual({
      met: false,
      missing: ["policy her-money needs 1 approval from the run's user u-1 (0 so far)"],
    });
    expect(quorumStanding(['bob', 'carol', 'u-1'], requirements, registry).met).toBe(true);
  });

  it('refuses an answer from someone who counts toward nothing the request needs', () => {
    expect(checkRequirementFit('carol', [twoFromFinance], registry)).toEqual({ ok: true });
    expect(checkRequirementFit('u-1', [twoFromFinance, theUser], registry)).toEqual({ ok: true });
    expect(checkRequirementFit('dave', [twoFromFinance, theUser], registry)).toEqual({
      ok: false,
      reason:
        "approver dave counts toward none of what this request needs: policy refunds needs 2 approvals from finance; policy her-money needs 1 approval from the run's user u-1",
    });
    // Only the run's user, and the run has none: nobody may.
    const unmeetable: ApprovalRequirement = { policy_id: 'her-money', quorum: 1, groups: [] };
    expect(checkRequirementFit('bob', [unmeetable], registry).ok).toBe(false);
  });
});
