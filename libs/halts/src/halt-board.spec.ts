import fc from 'fast-check';
import type { ControlChange, HaltScope } from '@airlock/contracts';
import {
  controlKeyOf,
  describeHalt,
  HaltBoard,
  runControlEnvelope,
  scopeProblem,
  type HaltTarget,
} from './halt-board';

function change(scope: HaltScope, state: ControlChange['state'], reason = 'because'): ControlChange {
  return { scope, state, reason, operator_id: 'olivia', changed_at: '2026-11-25T10:00:00.000Z' };
}

const target: HaltTarget = {
  runId: 'run-1',
  agentId: 'support-triage',
  tool: 'payments.refund',
  team: 'support',
};

describe('HaltBoard', () => {
  it('halts what a scope covers, and nothing else', () => {
    const board = new HaltBoard();
    board.apply(change({ kind: 'tool', id: 'payments.refund' }, 'halted'));
    expect(board.haltOf(target)?.reasonCode).toBe('tool_halted');
    expect(board.haltOf({ ...target, tool: 'tickets.create' })).toBeUndefined();
  });

  it('lets the last change of a scope win, so a resume lifts the halt', () => {
    const board = new HaltBoard();
    board.apply(change({ kind: 'agent', id: 'support-triage' }, 'halted'));
    board.apply(change({ kind: 'agent', id: 'support-triage' }, 'resumed'));
    expect(board.haltOf(target)).toBeUndefined();
    expect(board.list()).toEqual([]);
  });

  it('names the widest halt when several cover a proposal', () => {
    const board = new HaltBoard();
    board.apply(change({ kind: 'run', id: 'run-1' }, 'halted'));
    board.apply(change({ kind: 'team', id: 'support' }, 'halted'));
    expect(board.haltOf(target)?.reasonCode).toBe('team_halted');
    board.apply(change({ kind: 'global' }, 'halted', 'incident 42'));
    const halt = board.haltOf(target);
    expect(halt?.reasonCode).toBe('everything_halted');
    expect(describeHalt(halt!)).toBe(
      'everything was halted by olivia at 2026-11-25T10:00:00.000Z: incident 42',
    );
  });

  it('keeps a closed run closed, whatever changes of its scope come after', () => {
    const board = new HaltBoard();
    board.apply({
      ...change({ kind: 'run', id: 'run-1' }, 'closed', 'the user ended the chat'),
      operator_id: 'launcher:desk',
    });
    board.apply(change({ kind: 'run', id: 'run-1' }, 'resumed'));
    board.apply(change({ kind: 'run', id: 'run-1' }, 'halted', 'loop'));
    const halt = board.haltOf(target);
    expect(halt?.reasonCode).toBe('run_closed');
    expect(describeHalt(halt!)).toBe(
      'run run-1 was closed by launcher:desk at 2026-11-25T10:00:00.000Z: the user ended the chat',
    );
  });

  it('builds the control event that halts one run, keyed by the run', () => {
    const envelope = runControlEnvelope('airlock/budget', 'run-1', {
      state: 'halted',
      reason: 'x'.repeat(3000),
      operatorId: 'airlock-budget',
    });
    expect(envelope.runid).toBe(controlKeyOf({ kind: 'run', id: 'run-1' }));
    expect(envelope.data).toMatchObject({ scope: { kind: 'run', id: 'run-1' }, state: 'halted' });
    expect(envelope.data.reason).toHaveLength(2000);
  });

  it('does not halt an agent without a team when a team is halted', () => {
    const board = new HaltBoard();
    board.apply(change({ kind: 'team', id: 'support' }, 'halted'));
    expect(board.haltOf({ ...target, team: undefined })).toBeUndefined();
  });

  it('never lets a run named like another scope share its key', () => {
    const keys = [
      controlKeyOf({ kind: 'global' }),
      controlKeyOf({ kind: 'run', id: 'global' }),
      controlKeyOf({ kind: 'run', id: 'agent:x' }),
      controlKeyOf({ kind: 'agent', id: 'x' }),
    ];
    expect(new Set(keys).size).toBe(keys.length);
    const long = controlKeyOf({ kind: 'run', id: 'r'.repeat(128) });
    expect(long.length).toBeLessThanOrEqual(128);
    expect(long).not.toBe(controlKeyOf({ kind: 'run', id: `${'r'.repeat(127)}s` }));
  });

  it('says which scopes are incomplete', () => {
    expect(scopeProblem({ kind: 'global' })).toBeUndefined();
    expect(scopeProblem({ kind: 'global', id: 'x' })).toMatch(/names no id/);
    expect(scopeProblem({ kind: 'agent' })).toMatch(/needs the agent's id/);
    expect(scopeProblem({ kind: 'run', id: 'run-1' })).toBeUndefined();
  });

  it('agrees with a model: halted exactly when the last change of some covering scope was a halt', () => {
    const ids = fc.constantFrom('a', 'b', 'global');
    const scope: fc.Arbitrary<HaltScope> = fc.oneof(
      fc.constant<HaltScope>({ kind: 'global' }),
      fc.record({ kind: fc.constantFrom<HaltScope['kind']>('team', 'agent', 'tool', 'run'), id: ids }),
    );
    const changes = fc.array(
      fc.record({ scope, state: fc.constantFrom<ControlChange['state']>('halted', 'resumed') }),
      { maxLength: 30 },
    );
    const targets = fc.record({
      runId: ids,
      agentId: ids,
      tool: ids,
      team: fc.option(ids, { nil: undefined }),
    });
    fc.assert(
      fc.property(changes, targets, (sequence, probe) => {
        const board = new HaltBoard();
        const last = new Map<string, ControlChange['state']>();
        for (const { scope: changed, state } of sequence) {
          board.apply(change(changed, state));
          last.set(JSON.stringify(changed), state);
        }
        const covering: HaltScope[] = [
          { kind: 'global' },
          ...(probe.team === undefined ? [] : [{ kind: 'team' as const, id: probe.team }]),
          { kind: 'agent', id: probe.agentId },
          { kind: 'tool', id: probe.tool },
          { kind: 'run', id: probe.runId },
        ];
        const halted = covering.some((covered) => last.get(JSON.stringify(covered)) === 'halted');
        expect(board.haltOf(probe) !== undefined).toBe(halted);
      }),
      { numRuns: Number(process.env['AIRLOCK_PROPERTY_RUNS'] ?? 300) },
    );
  });
});
