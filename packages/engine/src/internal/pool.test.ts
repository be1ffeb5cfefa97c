import { describe, expect, it } from "vitest";
import { createPool } from "./pool.ts";
import { seededRandom } from "../testing.ts";

const ticks = async (n: number): Promise<void> => {
  for (let i = 0; i < n; i++) await Promise.resolve();
};

describe("createPool", () => {
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
    let finishFirst!: () => void;
    const first = pool.run(() => new Promise<void>((resolve) => (finishFirst = resolve)));
    const waiter = pool.run(task); // queued behind `first`
    // The first task ends, and in the very next microtask someone else asks for a slot:
    // the freed slot belongs to the waiter, not to the newcomer.
    finishFirst();
    const newcomer = Promise.resolve().then(() => pool.run(task));
    await Promise.all([first, waiter, newcomer]);
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

  it("propagates a task's failure and frees its slot", async () => {
    const pool = createPool(1);
    await expect(pool.run(async () => Promise.reject(new Error("x")))).rejects.toThrow("x");
    expect(await pool.run(async () => 7)).toBe(7);
  });
});
