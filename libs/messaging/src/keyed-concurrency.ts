export type KeyedResult<R> = { ok: true; value: R } | { ok: false; error: unknown };

/**
 * Runs `work` over items grouped by key: different keys side by side (at most `concurrency` at a
 * time), the items of one key strictly one after another, in their order. Kafka orders a
 * partition; Airlock needs order only within a run, so runs sharing a partition need not wait for
 * each other. A key stops at its first failure: its later items are left undone (`undefined`), as
 * they must not overtake the one that failed. Results come back in the items' order.
 */
export async function runInOrderPerKey<T, R>(
  items: readonly T[],
  keyOf: (item: T) => string,
  concurrency: number,
  work: (item: T) => Promise<R>,
): Promise<(KeyedResult<R> | undefined)[]> {
  const results: (KeyedResult<R> | undefined)[] = items.map(() => undefined);
  const queues = new Map<string, number[]>();
  for (const [index, item] of items.entries()) {
    const key = keyOf(item);
    queues.set(key, [...(queues.get(key) ?? []), index]);
  }
  const pending = [...queues.values()];
  const drain = async (): Promise<void> => {
    for (let queue = pending.shift(); queue !== undefined; queue = pending.shift()) {
      for (const index of queue) {
        try {
          results[index] = { ok: true, value: await work(items[index]) };
        } catch (error) {
          results[index] = { ok: false, error };
          break;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, pending.length)) }, drain));
  return results;
}
