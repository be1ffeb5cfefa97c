/** A bounded pool: at most `size` tasks run at once; others wait in FIFO order. */
export interface Pool {
  run<T>(task: () => Promise<T>): Promise<T>;
}

export function createPool(size: number): Pool {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`pool size must be a positive integer, got ${size}`);
  let active = 0;
  const waiting: (() => void)[] = [];
  // A finished task hands its slot straight to the first waiter (`active` stays as it is).
  // Decrementing and letting the waiter increment again when it wakes would leave a gap of
  // a microtask in which a newcomer sees a free slot and takes it too: size + 1 in flight.
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else active--;
  };
  return {
    async run<T>(task: () => Promise<T>): Promise<T> {
      if (active < size) active++;
      else await new Promise<void>((resolve) => waiting.push(resolve));
      try {
        return await task();
      } finally {
        release();
      }
    },
  };
}
