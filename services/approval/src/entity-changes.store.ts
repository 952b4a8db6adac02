import type { Pool } from 'pg';
import type { EntityChange, EntityUid, PolicyEntity } from '@airlock/contracts';
import { inTransaction } from '@airlock/postgres';

export const entityChangesMigrations = [
  // Every change operators made to the policy entities, in the order they were published: the
  // version is the row's place in that order, and the latest row per uid is the entity's state.
  `CREATE TABLE IF NOT EXISTS entity_changes (
     version     bigserial PRIMARY KEY,
     entity_type text NOT NULL,
     entity_id   text NOT NULL,
     state       text NOT NULL CHECK (state IN ('set', 'removed')),
     entity      jsonb,
     operator_id text NOT NULL,
     reason      text NOT NULL,
     changed_at  timestamptz NOT NULL
   )`,
  `CREATE INDEX IF NOT EXISTS entity_changes_by_uid ON entity_changes (entity_type, entity_id, version DESC)`,
];

/** What an operator asks for: the entity set as given, or removed. */
export type EntityChangeRequest = Omit<EntityChange, 'version' | 'changed_at'>;

/** An entity in force over the bundle's, with the change that put it there. */
export interface OperatorEntity {
  entity: PolicyEntity;
  version: number;
  operator_id: string;
  reason: string;
  changed_at: string;
}

interface ChangeRow {
  version: string;
  entity_type: string;
  entity_id: string;
  state: EntityChange['state'];
  entity: PolicyEntity | null;
  operator_id: string;
  reason: string;
  changed_at: Date;
}

/**
 * The operators' entity changes in PostgreSQL. A change is numbered and published inside one
 * transaction that holds an advisory lock, so versions reach airlock.entities in increasing order
 * (a gate at version N has read every change up to N), and a change that could not be published is
 * rolled back rather than recorded.
 */
export class EntityChangesStore {
  constructor(private readonly pool: Pool) {}

  async record(
    request: EntityChangeRequest,
    publish: (change: EntityChange) => Promise<void>,
  ): Promise<EntityChange> {
    return inTransaction(this.pool, async (client) => {
      // One change at a time between its number and its publication, across instances of this
      // namespace's approval service (the schema names the namespace).
      await client.query(`SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.entity_changes'))`);
      const changedAt = new Date();
      const inserted = await client.query<{ version: string }>(
        `INSERT INTO entity_changes (entity_type, entity_id, state, entity, operator_id, reason, changed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING version`,
        [
          request.uid.type,
          request.uid.id,
          request.state,
          request.entity === undefined ? null : JSON.stringify(request.entity),
          request.operator_id,
          request.reason,
          changedAt,
        ],
      );
      const change: EntityChange = {
        ...request,
        version: Number(inserted.rows[0]?.version),
        changed_at: changedAt.toISOString(),
      };
      await publish(change);
      return change;
    });
  }

  /** The entities operators set and did not remove since, and the latest version of all. */
  async current(): Promise<{ version: number; entities: OperatorEntity[] }> {
    const latest = await this.pool.query<ChangeRow>(
      `SELECT DISTINCT ON (entity_type, entity_id) *
         FROM entity_changes ORDER BY entity_type, entity_id, version DESC`,
    );
    const highest = await this.pool.query<{ version: string | null }>(
      'SELECT max(version) AS version FROM entity_changes',
    );
    return {
      version: Number(highest.rows[0]?.version ?? 0),
      entities: latest.rows.flatMap((row) =>
        row.state === 'set' && row.entity !== null
          ? [
              {
                entity: row.entity,
                version: Number(row.version),
                operator_id: row.operator_id,
                reason: row.reason,
                changed_at: row.changed_at.toISOString(),
              },
            ]
          : [],
      ),
    };
  }

  /** Every change of one entity, newest first. */
  async history(uid: EntityUid): Promise<EntityChange[]> {
    const rows = await this.pool.query<ChangeRow>(
      `SELECT * FROM entity_changes WHERE entity_type = $1 AND entity_id = $2 ORDER BY version DESC`,
      [uid.type, uid.id],
    );
    return rows.rows.map((row) => ({
      uid: { type: row.entity_type, id: row.entity_id },
      state: row.state,
      ...(row.entity === null ? {} : { entity: row.entity }),
      version: Number(row.version),
      operator_id: row.operator_id,
      reason: row.reason,
      changed_at: row.changed_at.toISOString(),
    }));
  }
}
