import { createHash } from 'node:crypto';
import { checkParseEntities, type CedarValueJson, type EntityJson } from '@cedar-policy/cedar-wasm/nodejs';
import type { EntityChange, EntityUid, PolicyEntity } from '@airlock/contracts';
import { describeCedarErrors } from './policy-set-loading';

/** An entity as Cedar reads it, with its uid in the plain `{type, id}` form Airlock writes. */
export type PolicyEntityJson = EntityJson & { uid: EntityUid };

/** How a uid is written in Cedar, and the key its changes are kept under: `User::"u-1"`. */
export const entityKeyOf = (uid: EntityUid): string => `${uid.type}::${JSON.stringify(uid.id)}`;

const identifier = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/**
 * The Kafka key (and run id column) of an entity's changes on airlock.entities, one per uid: an
 * envelope's key must be an identifier of at most 128 characters, and an entity id may be any
 * string (an e-mail address), so a uid that does not fit is named by its hash.
 */
export function entityTopicKeyOf(uid: EntityUid): string {
  const plain = `entity:${uid.type}:${uid.id}`;
  return identifier.test(plain)
    ? plain
    : `entity-sha256:${createHash('sha256').update(entityKeyOf(uid), 'utf8').digest('hex')}`;
}

export function toEntityJson(entity: PolicyEntity): PolicyEntityJson {
  return {
    uid: entity.uid,
    attrs: (entity.attrs ?? {}) as Record<string, CedarValueJson>,
    parents: entity.parents ?? [],
  };
}

/**
 * Why an entity cannot stand among the policies' data: agents are principals built from agents/
 * (an entity could otherwise give one a team), and Cedar must be able to read its attributes.
 */
export function entityProblem(entity: PolicyEntity): string | undefined {
  if (entity.uid.type === 'Agent') {
    return `${entityKeyOf(entity.uid)} is an agent: agents come from the bundle's agents/`;
  }
  const parsed = checkParseEntities({ entities: [toEntityJson(entity)] });
  return parsed.type === 'failure' ? describeCedarErrors(parsed.errors) : undefined;
}

/**
 * The entities operators changed over the bundle's (topic airlock.entities): the latest change of
 * each uid, and the highest version applied. Changes arrive in version order on one partition, so
 * a gate at version N has seen every change up to N; a change older than the one held for its uid
 * (a compacted topic replayed, a duplicate) changes nothing.
 */
export class EntityOverlay {
  private readonly latest = new Map<string, { version: number; entity?: PolicyEntityJson }>();
  private highest = 0;
  /** Per base entity list (the active bundle's, a shadow candidate's), the merge at a version. */
  private merged = new WeakMap<
    readonly PolicyEntityJson[],
    { version: number; entities: PolicyEntityJson[] }
  >();

  /** The version decisions record: every change up to it is in force; 0 before any. */
  get version(): number {
    return this.highest;
  }

  /** Applies a change; returns why it was refused, if it was. */
  apply(change: EntityChange): string | undefined {
    const key = entityKeyOf(change.uid);
    const held = this.latest.get(key);
    if (held !== undefined && held.version >= change.version) {
      return `${key} is already at version ${held.version}`;
    }
    if (change.state === 'set') {
      if (change.entity === undefined) return `setting ${key} needs the entity`;
      if (entityKeyOf(change.entity.uid) !== key) return `the entity is not ${key}`;
      const problem = entityProblem(change.entity);
      if (problem !== undefined) return problem;
      this.latest.set(key, { version: change.version, entity: toEntityJson(change.entity) });
    } else {
      this.latest.set(key, { version: change.version });
    }
    this.highest = Math.max(this.highest, change.version);
    this.merged = new WeakMap();
    return undefined;
  }

  /** `base` with every entity an operator changed replaced by its latest state (or left out). */
  over(base: readonly PolicyEntityJson[]): readonly PolicyEntityJson[] {
    if (this.latest.size === 0) return base;
    const cached = this.merged.get(base);
    if (cached?.version === this.highest) return cached.entities;
    const entities = [
      ...base.filter((entity) => !this.latest.has(entityKeyOf(entity.uid))),
      ...[...this.latest.values()].flatMap(({ entity }) => (entity === undefined ? [] : [entity])),
    ];
    this.merged.set(base, { version: this.highest, entities });
    return entities;
  }
}
