import fc from 'fast-check';
import { runInOrderPerKey } from './keyed-concurrency';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('runInOrderPerKey', () => {
  it('handles the items of one key in order while other keys run alongside', async () => {
    const log: string[] = [];
    const items = ['a1', 'b1', 'a2', 'b2', 'a3'];
    const results = await runInOrderPerKey(
      items,
      (item) => item[0],
      2,
      async (item) => {
        log.push(`start ${item}`);
        await tick();
        log.push(`end ${item}`);
        return item.toUpperCase();
      },
    );
    expect(results.map((result) => (result?.ok ? result.value : undefined))).toEqual([
      'A1',
      'B1',
      'A2',
      'B2',
      'A3',
    ]);
    // Keys overlap: b1 starts before a1 ends.
    expect(log.indexOf('start b1')).toBeLessThan(log.indexOf('end a1'));
    expect(log.indexOf('end a1')).toBeLessThan(log.indexOf('start a2'));
  });

  it('stops a key at its first failure and leaves its later items undone, other keys unaffected', async () => {
    const results = await runInOrderPerKey(
      ['a1', 'b1', 'a2', 'a3', 'b2'],
      (item) => item[0],
      4,
      async (item) => {
        if (item === 'a2') throw new Error('away');
        return item;
      },
    );
    expect(results.map((result) => (result === undefined ? 'undone' : result.ok ? 'ok' : 'failed'))).toEqual([
      'ok',
      'ok',
      'failed',
      'undone',
      'ok',
    ]);
  });

  it('never runs two items of a key at once and never exceeds the concurrency, whatever the keys', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom('r1', 'r2', 'r3', 'r4', 'r5'), { maxLength: 40 }),
        fc.integer({ min: 1, max: 4 }),
        async (keys, concurrency) => {
          const running = new Set<string>();
          let peak = 0;
          const items = keys.map((key, index) => ({ key, index }));
          const seenOrder = new Map<string, number[]>();
          await runInOrderPerKey(
            items,
            (item) => item.key,
            concurrency,
            async (item) => {
              expect(running.has(item.key)).toBe(false);
              running.add(item.key);
              peak = Math.max(peak, running.size);
              seenOrder.set(item.key, [...(seenOrder.get(item.key) ?? []), item.index]);
              await tick();
              running.delete(item.key);
            },
          );
          expect(peak).toBeLessThanOrEqual(concurrency);
          for (const order of seenOrder.values()) expect(order).toEqual([...order].sort((a, b) => a - b));
        },
      ),
      { numRuns: 100 },
    );
  });
});
