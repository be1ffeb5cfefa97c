/**
 * Bounded concurrency: one pool for every package. At most `size` tasks run at once; the
 * others wait in FIFO order.
 *
 * A finished task hands its slot straight to the first waiter (the count of slots in use
 * stays as it is). Decrementing and letting the waiter increment again when it wakes would
 * leave a gap of a microtask in which a newcomer sees a free slot and takes it too: size + 1
 * in flight.
 *
 * @example
 * const pool = createPool(8);
 * const apps = await Promise.all(ids.map((id) => pool.run(() => readApp(id))));
 * await mapPool(files, 8, (f) => upload(f));   // the same bound over a list, input order kept
 */
export interface Pool {
  readonly size: number;
  /** Slots taken now (running tasks and acquired, unreleased slots). */
  readonly inUse: number;
  /** Runs `task` in a slot, waiting for one first; the slot is freed when it settles. */
  run<T>(task: () => Promise<T>): Promise<T>;
  /** Waits for a slot and returns its release (idempotent): for work that does not fit one callback. */
  acquire(): Promise<() => void>;
}

export function createPool(size: number): Pool {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`pool size must be a positive integer, got ${size}`);
  let active = 0;
  const waiting: (() => void)[] = [];
  const release = (): void => {
    const next = waiting.shift();
    if (next) next();
    else active--;
  };
  const take = async (): Promise<void> => {
    if (active < size) active++;
    else await new Promise<void>((resolve) => waiting.push(resolve));
  };
  return {
    size,
    get inUse() {
      return active;
    },
    async run<T>(task: () => Promise<T>): Promise<T> {
      await take();
      try {
        return await task();
      } finally {
        release();
      }
    },
    async acquire(): Promise<() => void> {
      await take();
      let released = false;
      return () => {
        if (released) return;
        released = true;
        release();
      };
    },
  };
}

/**
 * Maps `items` through `fn` with at most `limit` in flight (a pool of that size); results keep
 * input order. After the first failure no further item starts; it rejects with that failure
 * once the items in flight have settled.
 */
export async function mapPool<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const pool = createPool(Math.max(1, Math.min(Math.floor(limit) || 1, items.length || 1)));
  let failed: { error: unknown } | undefined;
  const results: R[] = new Array(items.length);
  await Promise.all(
    items.map((item, i) =>
      pool.run(async () => {
        if (failed) return;
        try {
          results[i] = await fn(item, i);
        } catch (error) {
          failed ??= { error };
        }
      }),
    ),
  );
  if (failed) throw failed.error;
  return results;
}
