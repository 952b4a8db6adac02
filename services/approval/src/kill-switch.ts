import { Inject, Injectable } from '@nestjs/common';
import { buildEnvelope, type ControlChange, type HaltScope } from '@airlock/contracts';
import { closedRunReasonCode, controlKeyOf, HaltBoard, type Halt } from '@airlock/halts';
import { EventPublisher } from '@airlock/messaging';
import { JsonLogger } from '@airlock/service-runtime';

/** What the operator API shows of a halt in force. */
export interface HaltView {
  scope: HaltScope;
  reason_code: string;
  reason: string;
  operator_id: string;
  changed_at: string;
}

/**
 * The operator's side of the kill switch: a halt or resume is an attested event on airlock.control,
 * keyed by its scope (ADR 0009). The gates obey it from their own boards; this service's board
 * answers what is halted now.
 */
@Injectable()
export class KillSwitch {
  constructor(
    @Inject(EventPublisher) private readonly publisher: EventPublisher,
    @Inject(HaltBoard) private readonly halts: HaltBoard,
    @Inject(JsonLogger) private readonly logger: JsonLogger,
  ) {}

  async change(
    scope: HaltScope,
    state: ControlChange['state'],
    operatorId: string,
    reason: string,
  ): Promise<ControlChange & { key: string }> {
    const change: ControlChange = {
      scope,
      state,
      reason,
      operator_id: operatorId,
      changed_at: new Date().toISOString(),
    };
    const key = controlKeyOf(scope);
    await this.publisher.publish(
      'control',
      buildEnvelope('control', 'airlock/operator-api', { runId: key }, change),
    );
    this.logger.event('warn', `operator ${state} ${scope.kind}`, { scope, operator_id: operatorId, reason });
    return { ...change, key };
  }

  /** Whether the scope is a run its launcher closed (ADR 0012), which no operator change reopens. */
  isClosedRun(scope: HaltScope): boolean {
    if (scope.kind !== 'run' || scope.id === undefined) return false;
    const halt = this.halts.list().find((candidate) => controlKeyOf(candidate.scope) === controlKeyOf(scope));
    return halt?.reasonCode === closedRunReasonCode;
  }

  list(): HaltView[] {
    return this.halts.list().map((halt: Halt) => ({
      scope: halt.scope,
      reason_code: halt.reasonCode,
      reason: halt.reason,
      operator_id: halt.operatorId,
      changed_at: halt.changedAt,
    }));
  }
}
