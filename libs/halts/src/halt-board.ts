import { createHash } from 'node:crypto';
import {
  buildEnvelope,
  type ControlChange,
  type Envelope,
  type HaltScope,
  type Proposal,
  type ReasonCode,
} from '@airlock/contracts';

/** What a proposal is, as far as halts go: each field is matched against scopes of its kind. */
export interface HaltTarget {
  runId: string;
  agentId: string;
  tool: string;
  /** The run's team (its ticket's, else the agent's in the bundle); without one, no team halt applies. */
  team?: string;
}

/** A halt in force: the operator's change that set it, with the reason code refusals carry. */
export interface Halt {
  scope: HaltScope;
  reasonCode: HaltReasonCode;
  reason: string;
  operatorId: string;
  changedAt: string;
}

export const haltReasonCodes = {
  global: 'everything_halted',
  team: 'team_halted',
  agent: 'agent_halted',
  tool: 'tool_halted',
  run: 'run_halted',
} as const satisfies Record<HaltScope['kind'], ReasonCode>;

/** A run its launcher closed is refused like a halted one, under a code of its own. */
export const closedRunReasonCode = 'run_closed' satisfies ReasonCode;

export type HaltReasonCode =
  (typeof haltReasonCodes)[keyof typeof haltReasonCodes] | typeof closedRunReasonCode;

const haltCodes: ReadonlySet<string> = new Set([...Object.values(haltReasonCodes), closedRunReasonCode]);

export function isHaltReasonCode(code: string): code is HaltReasonCode {
  return haltCodes.has(code);
}

/** The widest scope first: a refusal names the halt that covers the most. */
const precedence: readonly HaltScope['kind'][] = ['global', 'team', 'agent', 'tool', 'run'];

/** Kafka keys are identifiers of at most 128 characters; a longer scope id is keyed by its hash. */
const maxKeyLength = 128;

/**
 * The Kafka key of a scope on airlock.control: one key per scope, so that compaction keeps each
 * scope's last change, and no scope can share a key with another (a run named "global" is keyed
 * `run:global`).
 */
export function controlKeyOf(scope: HaltScope): string {
  if (scope.kind === 'global') return 'global';
  const key = `${scope.kind}:${scope.id ?? ''}`;
  if (key.length <= maxKeyLength) return key;
  return `${scope.kind}#${createHash('sha256')
    .update(scope.id ?? '', 'utf8')
    .digest('hex')}`;
}

/** Why a scope cannot be halted as given; undefined when it can. */
export function scopeProblem(scope: HaltScope): string | undefined {
  if (scope.kind === 'global') return scope.id === undefined ? undefined : 'a global halt names no id';
  return scope.id === undefined || scope.id === ''
    ? `a ${scope.kind} halt needs the ${scope.kind}'s id`
    : undefined;
}

/**
 * The halts in force, as the control topic says: the last change per scope wins, and a proposal is
 * halted when any scope covering it is. Every gate that acts on proposals keeps one, fed from
 * airlock.control (ADR 0009).
 */
export class HaltBoard {
  private readonly halts = new Map<string, Halt>();

  /** A run its launcher closed stays closed: no later change of its scope, resume or halt, applies. */
  apply(change: ControlChange): void {
    const key = controlKeyOf(change.scope);
    if (this.halts.get(key)?.reasonCode === closedRunReasonCode) return;
    if (change.state === 'resumed') {
      this.halts.delete(key);
      return;
    }
    this.halts.set(key, {
      scope: change.scope,
      reasonCode:
        change.state === 'closed' && change.scope.kind === 'run'
          ? closedRunReasonCode
          : haltReasonCodes[change.scope.kind],
      reason: change.reason,
      operatorId: change.operator_id,
      changedAt: change.changed_at,
    });
  }

  /** The widest halt covering the target, if any. */
  haltOf(target: HaltTarget): Halt | undefined {
    const ids: Record<HaltScope['kind'], string | undefined> = {
      global: undefined,
      team: target.team,
      agent: target.agentId,
      tool: target.tool,
      run: target.runId,
    };
    for (const kind of precedence) {
      const id = ids[kind];
      if (kind !== 'global' && id === undefined) continue;
      const halt = this.halts.get(controlKeyOf(kind === 'global' ? { kind } : { kind, id }));
      if (halt !== undefined) return halt;
    }
    return undefined;
  }

  list(): Halt[] {
    return [...this.halts.values()];
  }
}

/** The sentence a refusal carries: which halt, who set it, and why. */
export function describeHalt(halt: Halt): string {
  const what = halt.scope.kind === 'global' ? 'everything' : `${halt.scope.kind} ${halt.scope.id}`;
  const how = halt.reasonCode === closedRunReasonCode ? 'closed' : 'halted';
  return `${what} was ${how} by ${halt.operatorId} at ${halt.changedAt}: ${halt.reason}`.slice(0, 2000);
}

/** The target of a proposal: its run, agent and tool, and the run's team (see runTeamOf). */
export function haltTargetOf(
  proposal: Pick<Proposal, 'run_id' | 'agent_id' | 'tool'>,
  team: string | undefined,
): HaltTarget {
  return { runId: proposal.run_id, agentId: proposal.agent_id, tool: proposal.tool, team };
}

/** What a gate's `halted` outcome says: the halt's reason code and sentence. */
export function haltedDecision(halt: Halt): {
  outcome: 'halted';
  reason_code: HaltReasonCode;
  reason: string;
} {
  return { outcome: 'halted', reason_code: halt.reasonCode, reason: describeHalt(halt) };
}

/**
 * The control event by which a gate halts (or closes) one run: a stopping rule fired, or the run's
 * launcher closed it. `operatorId` names who, as the audit and the operator API show it.
 */
export function runControlEnvelope(
  source: string,
  runId: string,
  change: { state: 'halted' | 'closed'; reason: string; operatorId: string },
): Envelope<'control'> {
  const scope = { kind: 'run', id: runId } as const;
  return buildEnvelope(
    'control',
    source,
    { runId: controlKeyOf(scope) },
    {
      scope,
      state: change.state,
      reason: change.reason.slice(0, 2000),
      operator_id: change.operatorId,
      changed_at: new Date().toISOString(),
    },
  );
}
