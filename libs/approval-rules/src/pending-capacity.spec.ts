import type { ApproverRegistry } from '@airlock/contracts';
import { checkPendingCapacity, defaultMaxPendingPerAgent } from './pending-capacity';

const ids = { agentId: 'a1', runId: 'r1' };
const registry: ApproverRegistry = {
  approval_timeout_seconds: 60,
  max_pending_per_agent: 3,
  max_pending_per_run: 2,
  approvers: [],
};

describe('checkPendingCapacity', () => {
  it('admits a request while both counts are under their caps', () => {
    expect(checkPendingCapacity({ agent: 2, run: 1 }, registry, ids)).toEqual({ ok: true });
  });

  it('refuses at the agent cap with its own reason code', () => {
    expect(checkPendingCapacity({ agent: 3, run: 0 }, registry, ids)).toMatchObject({
      ok: false,
      code: 'agent_pending_approvals_cap_reached',
    });
  });

  it('refuses at the run cap with its own reason code', () => {
    expect(checkPendingCapacity({ agent: 0, run: 2 }, registry, ids)).toMatchObject({
      ok: false,
      code: 'run_pending_approvals_cap_reached',
    });
  });

  it('uses the documented default when the bundle sets no agent cap', () => {
    const open = { approval_timeout_seconds: 60, approvers: [] };
    expect(checkPendingCapacity({ agent: defaultMaxPendingPerAgent - 1, run: 0 }, open, ids).ok).toBe(true);
    expect(checkPendingCapacity({ agent: defaultMaxPendingPerAgent, run: 0 }, open, ids).ok).toBe(false);
  });

  it('halts the run under the stopping rule before any cap is looked at', () => {
    expect(checkPendingCapacity({ agent: 0, run: 0 }, registry, ids, 1)).toEqual({ ok: true });
    expect(checkPendingCapacity({ agent: 3, run: 1 }, registry, ids, 1)).toMatchObject({
      ok: false,
      code: 'too_many_pending_approvals',
    });
  });
});
