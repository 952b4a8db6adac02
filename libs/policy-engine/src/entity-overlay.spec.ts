import type { EntityChange } from '@airlock/contracts';
import { EntityOverlay, entityKeyOf, entityProblem, entityTopicKeyOf, toEntityJson } from './entity-overlay';

const base = [
  toEntityJson({ uid: { type: 'User', id: 'u-1' }, attrs: { payees: ['DE89'] } }),
  toEntityJson({ uid: { type: 'Org', id: 'acme' }, attrs: { domains: ['acme.example'] } }),
];

function set(version: number, id: string, attrs: Record<string, unknown>): EntityChange {
  const uid = { type: 'User', id };
  return {
    uid,
    state: 'set',
    entity: { uid, attrs },
    version,
    reason: 'saved a payee',
    operator_id: 'olga',
    changed_at: '2026-11-26T00:00:00Z',
  };
}

const idsOf = (entities: readonly { uid: { type: string; id: string } }[]) =>
  entities.map((entity) => entityKeyOf(entity.uid)).sort();

describe('EntityOverlay', () => {
  it('is the bundle itself at version 0', () => {
    const overlay = new EntityOverlay();
    expect(overlay.version).toBe(0);
    expect(overlay.over(base)).toBe(base);
  });

  it("replaces the bundle's entity with the operator's, adds new ones and removes", () => {
    const overlay = new EntityOverlay();
    expect(overlay.apply(set(1, 'u-1', { payees: ['FR76'] }))).toBeUndefined();
    expect(overlay.apply(set(2, 'u-2', { payees: [] }))).toBeUndefined();
    const merged = overlay.over(base);
    expect(idsOf(merged)).toEqual(['Org::"acme"', 'User::"u-1"', 'User::"u-2"']);
    expect(merged.find((entity) => entity.uid.id === 'u-1')?.attrs).toEqual({ payees: ['FR76'] });
    expect(
      overlay.apply({
        ...set(3, 'acme', {}),
        uid: { type: 'Org', id: 'acme' },
        state: 'removed',
        entity: undefined,
      }),
    ).toBeUndefined();
    expect(idsOf(overlay.over(base))).toEqual(['User::"u-1"', 'User::"u-2"']);
    expect(overlay.version).toBe(3);
  });

  it('keeps the latest change of an entity when an older one arrives again', () => {
    const overlay = new EntityOverlay();
    overlay.apply(set(5, 'u-1', { payees: ['FR76'] }));
    expect(overlay.apply(set(4, 'u-1', { payees: ['EVIL'] }))).toMatch(/already at version 5/);
    expect(overlay.apply(set(5, 'u-1', { payees: ['EVIL'] }))).toMatch(/already at version 5/);
    expect(overlay.over(base).find((entity) => entity.uid.id === 'u-1')?.attrs).toEqual({ payees: ['FR76'] });
  });

  it('computes a merge once per version and base', () => {
    const overlay = new EntityOverlay();
    overlay.apply(set(1, 'u-1', { payees: ['FR76'] }));
    const first = overlay.over(base);
    expect(overlay.over(base)).toBe(first);
    overlay.apply(set(2, 'u-1', { payees: ['GB29'] }));
    expect(overlay.over(base)).not.toBe(first);
  });

  it.each([
    [
      'an agent, which only agents/ defines',
      { ...set(1, 'x', {}), uid: { type: 'Agent', id: 'x' }, entity: { uid: { type: 'Agent', id: 'x' } } },
      /agents come from/,
    ],
    [
      'an entity under another uid',
      { ...set(1, 'u-1', {}), entity: { uid: { type: 'User', id: 'u-9' } } },
      /is not User::"u-1"/,
    ],
    ['a set without the entity', { ...set(1, 'u-1', {}), entity: undefined }, /needs the entity/],
    ['a value Cedar cannot read (a float)', set(1, 'u-1', { limit: 1.5 }), /.+/],
  ])('refuses %s and changes nothing', (_what, change, reason) => {
    const overlay = new EntityOverlay();
    expect(overlay.apply(change as EntityChange)).toMatch(reason);
    expect(overlay.version).toBe(0);
    expect(overlay.over(base)).toBe(base);
  });

  it('names what Cedar cannot read in an entity', () => {
    expect(entityProblem({ uid: { type: 'User', id: 'u-1' }, attrs: { payees: ['DE89'] } })).toBeUndefined();
    expect(entityProblem({ uid: { type: 'User', id: 'u-1' }, attrs: { limit: 1.5 } })).toBeDefined();
  });

  it('keys the changes of each uid apart, as an identifier even for ids that are not one', () => {
    expect(entityTopicKeyOf({ type: 'User', id: 'u-1' })).toBe('entity:User:u-1');
    const mail = entityTopicKeyOf({ type: 'User', id: 'alice@example.com' });
    const long = entityTopicKeyOf({ type: 'User', id: 'x'.repeat(500) });
    for (const key of [mail, long]) expect(key).toMatch(/^entity-sha256:[0-9a-f]{64}$/);
    expect(mail).not.toBe(entityTopicKeyOf({ type: 'Team', id: 'alice@example.com' }));
  });
});
