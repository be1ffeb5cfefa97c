import { describe, expect, it } from "vitest";
import { createPool, mapPool } from "./pool.ts";
import { deferred, seededRandom } from "./testing.ts";

const ticks = async (n: number): Promise<void> => {
  for (let i = 0; i < n; i++) await Promise.resolve();
};

describe("createPool", () => {
  it("refuses a size that is not a positive integer", () => {
    for (const size of [0, -1, 1.5, Number.NaN]) expect(() => createPool(size)).toThrow(/positive integer/);
  });

  it("a task submitted while a released slot is being handed to a waiter waits its turn", async () => {
    const pool = createPool(1);
    let active = 0;
    let peak = 0;
    const task = async (): Promise<void> => {
      active++;
      peak = Math.max(peak, active);
      await ticks(3);
      active--;
    };
    const first = deferred();
    const running = pool.run(() => first.promise);
    const waiter = pool.run(task); // queued behind `first`
    // The first task ends, and in the very next microtask someone else asks for a slot:
    // the freed slot belongs to the waiter, not to the newcomer.
    first.resolve();
    const newcomer = Promise.resolve().then(() => pool.run(task));
    await Promise.all([running, waiter, newcomer]);
    expect(peak).toBe(1);
  });

  it("many tasks submitted at random moments: never more than size in flight", async () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const random = seededRandom(seed);
      const size = 3;
      const pool = createPool(size);
      let active = 0;
      let peak = 0;
      const runs: Promise<void>[] = [];
      const task = async (): Promise<void> => {
        active++;
        peak = Math.max(peak, active);
        await ticks(1 + Math.floor(random() * 6));
        active--;
      };
      // Producers submit 300 tasks in all, each after a random number of microtasks, so
      // submissions land between a slot's release and its waiter's wake-up.
      await Promise.all(
        Array.from({ length: 6 }, async () => {
          for (let i = 0; i < 50; i++) {
            await ticks(Math.floor(random() * 4));
            runs.push(pool.run(task));
          }
        }),
      );
      await Promise.all(runs);
      expect({ seed, peak }).toEqual({ seed, peak: size });
    }
  });

  it("starts waiters in FIFO order", async () => {
    const pool = createPool(1);
    const gate = deferred();
    const order: number[] = [];
    const first = pool.run(() => gate.promise);
    const rest = [1, 2, 3].map((n) => pool.run(async () => void order.push(n)));
    gate.resolve();
    await Promise.all([first, ...rest]);
    expect(order).toEqual([1, 2, 3]);
  });

  it("propagates a task's failure and frees its slot", async () => {
    const pool = createPool(1);
    await expect(pool.run(async () => Promise.reject(new Error("x")))).rejects.toThrow("x");
    expect(await pool.run(async () => 7)).toBe(7);
    expect(pool.inUse).toBe(0);
  });

  it("acquire holds a slot until released; a second release does nothing", async () => {
    const pool = createPool(2);
    const a = await pool.acquire();
    const b = await pool.acquire();
    expect(pool.inUse).toBe(2);
    let third = false;
    const c = pool.acquire().then((release) => {
      third = true;
      return release;
    });
    await ticks(5);
    expect(third).toBe(false);
    a();
    a(); // idempotent: must not free b's slot as well
    const releaseC = await c;
    expect(third).toBe(true);
    expect(pool.inUse).toBe(2);
    b();
    releaseC();
    expect(pool.inUse).toBe(0);
  });
});

describe("mapPool", () => {
  it("keeps input order and never runs more than the limit", async () => {
    let active = 0;
    let peak = 0;
    const out = await mapPool([5, 1, 4, 2, 3, 0, 6], 3, async (n, i) => {
      active++;
      peak = Math.max(peak, active);
      await ticks(n);
      active--;
      return `${i}:${n}`;
    });
    expect(out).toEqual(["0:5", "1:1", "2:4", "3:2", "4:3", "5:0", "6:6"]);
    expect(peak).toBe(3);
  });

  it("starts nothing after a failure and rejects with it once the items in flight settle", async () => {
    const started: number[] = [];
    const slow = deferred();
    let slowDone = false;
    const p = mapPool([0, 1, 2, 3, 4], 2, async (n) => {
      started.push(n);
      if (n === 0) {
        await slow.promise;
        slowDone = true;
      }
      if (n === 1) throw new Error("item 1 failed");
    });
    const settled = p.catch((e: unknown) => e);
    await ticks(10);
    expect(started).toEqual([0, 1]);
    slow.resolve();
    expect(((await settled) as Error).message).toBe("item 1 failed");
    expect(slowDone).toBe(true);
    expect(started).toEqual([0, 1]);
  });

  it("handles an empty list and a limit below one", async () => {
    expect(await mapPool([], 4, async () => 1)).toEqual([]);
    expect(await mapPool([1, 2], 0, async (n) => n * 2)).toEqual([2, 4]);
  });
});
