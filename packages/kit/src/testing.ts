/**
 * Test helpers of `@lifeboat/kit` (for tests only: the layering test refuses them in sources).
 *
 * @example
 * const clock = new ManualClock();
 * const done = retry(load, { clock, delayAfter: () => 100 });  // sleeps wait on `clock`
 * await clock.runAll();                                        // every pending sleep ends, in deadline order
 */
import type { Clock } from "./clock.ts";

/**
 * A clock that only moves when told to: `sleep` resolves once `advance` passes its
 * deadline. Deterministic tests of limiters, retry loops and anything else that waits.
 */
export class ManualClock implements Clock {
  private t: number;
  private sleepers: { until: number; resolve: () => void }[] = [];

  constructor(start = 0) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => this.sleepers.push({ until: this.t + ms, resolve }));
  }

  /** Number of pending sleeps. */
  get pending(): number {
    return this.sleepers.length;
  }

  /** Moves time forward by `ms`, waking sleepers in deadline order and letting their continuations run. */
  async advance(ms: number): Promise<void> {
    const target = this.t + ms;
    for (;;) {
      await flush();
      this.sleepers.sort((a, b) => a.until - b.until);
      const next = this.sleepers[0];
      if (!next || next.until > target) break;
      this.sleepers.shift();
      this.t = Math.max(this.t, next.until);
      next.resolve();
    }
    this.t = target;
    await flush();
  }

  /** Advances to each pending deadline until nothing sleeps (bounded). */
  async runAll(maxSteps = 10_000): Promise<void> {
    for (let i = 0; i < maxSteps; i++) {
      await flush();
      this.sleepers.sort((a, b) => a.until - b.until);
      const next = this.sleepers[0];
      if (!next) return;
      await this.advance(Math.max(0, next.until - this.t));
    }
    throw new Error("ManualClock.runAll: sleepers keep coming");
  }
}

/**
 * A clock whose time passes only by sleeping, at once: `sleep(ms)` yields one turn of the event
 * loop and wakes with the time at least `ms` later. For runs against a server that reads the
 * same clock (the emulator's `nowMs`): a rate-limit window of five minutes costs no real time,
 * and no real delay (an event loop busy on a loaded machine) moves either side's notion of time.
 */
export class VirtualClock implements Clock {
  constructor(private t = 0) {}

  now(): number {
    return this.t;
  }

  async sleep(ms: number): Promise<void> {
    if (ms <= 0) return;
    const until = this.t + ms;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.t = Math.max(this.t, until);
  }
}

/** Lets queued promise continuations (and one macrotask turn) run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
  await new Promise<void>((resolve) => setImmediate(resolve));
}

/** A promise with its resolve/reject in hand: lets a test decide when a task ends. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A small seeded generator (mulberry32) in [0, 1), so a failing interleaving of a concurrency test can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
