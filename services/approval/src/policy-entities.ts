import { Inject, Injectable } from '@nestjs/common';
import {
  buildEnvelope,
  checkJsonHygiene,
  proposalJsonLimits,
  validatePayload,
  type EntityChange,
  type EntityUid,
} from '@airlock/contracts';
import { EventPublisher } from '@airlock/messaging';
import { entityKeyOf, entityProblem, entityTopicKeyOf } from '@airlock/policy-engine';
import { JsonLogger } from '@airlock/service-runtime';
import { EntityChangesStore, type EntityChangeRequest, type OperatorEntity } from './entity-changes.store';

/** Why a change cannot be made; the operator API answers 400 with it. */
export class EntityChangeRefused extends Error {}

/**
 * The operators' side of the policy entities: a change is checked as the policy gate will read it
 * (the event's schema, then Cedar), numbered and published on airlock.entities, and recorded with
 * who made it and why. The policy gate applies it without a restart.
 */
@Injectable()
export class PolicyEntities {
  constructor(
    @Inject(EntityChangesStore) private readonly store: EntityChangesStore,
    @Inject(EventPublisher) private readonly publisher: EventPublisher,
    @Inject(JsonLogger) private readonly logger: JsonLogger,
  ) {}

  async change(request: EntityChangeRequest): Promise<EntityChange> {
    // An entity is bounded like a proposal's arguments: Ajv and Cedar walk it on every change.
    const bounded = checkJsonHygiene(request.entity ?? {}, proposalJsonLimits);
    if (!bounded.ok) throw new EntityChangeRefused(`${bounded.code}: ${bounded.reason}`);
    // Checked with a placeholder version and time: the store assigns both once the change is sure.
    const valid = validatePayload('entities', {
      ...request,
      version: 1,
      changed_at: new Date().toISOString(),
    });
    if (!valid.ok) throw new EntityChangeRefused(valid.errors);
    const problem = request.entity === undefined ? undefined : entityProblem(request.entity);
    if (problem !== undefined) throw new EntityChangeRefused(problem);
    const change = await this.store.record(request, (numbered) =>
      this.publisher.publish(
        'entities',
        buildEnvelope(
          'entities',
          'airlock/operator-api',
          { runId: entityTopicKeyOf(numbered.uid) },
          numbered,
        ),
      ),
    );
    this.logger.event('warn', `operator ${change.state} entity ${entityKeyOf(change.uid)}`, {
      version: change.version,
      operator_id: change.operator_id,
      reason: change.reason,
    });
    return change;
  }

  current(): Promise<{ version: number; entities: OperatorEntity[] }> {
    return this.store.current();
  }

  history(uid: EntityUid): Promise<EntityChange[]> {
    return this.store.history(uid);
  }
}
