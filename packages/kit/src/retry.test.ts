import { describe, expect, it } from "vitest";
import { backoffDelay, retry } from "./retry.ts";
import { ManualClock } from "./testing.ts";

describe("backoffDelay", () => {
  const backoff = { baseMs: 250, maxMs: 8_000 };

  it("doubles per failure, half fixed and half jitter, capped", () => {
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, backoff, () => 0))).toEqual([125, 250, 500, 1000]);
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, backoff, () => 0.999999))).toEqual([250, 500, 1000, 2000]);
    expect(backoffDelay(10, backoff, () => 0)).toBe(4_000);
    expect(backoffDelay(10, backoff, () => 0.999999)).toBe(8_000);
  });

  it("without a cap keeps doubling", () => {
    expect(backoffDelay(10, { baseMs: 200, maxMs: Infinity }, () => 0)).toBe(51_200);
  });
});

describe("retry", () => {
  it("sleeps on the injected clock the delays delayAfter returns, then succeeds", async () => {
    const clock = new ManualClock();
    const seen: [string, number, number][] = [];
    const p = retry(
      async (attempt) => {
        if (attempt < 3) throw new Error(`fail ${attempt}`);
        return clock.now();
      },
      {
        clock,
        delayAfter: (error, attempt) => {
          seen.push([(error as Error).message, attempt, clock.now()]);
          return 100 * attempt;
        },
      },
    );
    await clock.runAll();
    expect(await p).toBe(300);
    expect(seen).toEqual([
      ["fail 1", 1, 0],
      ["fail 2", 2, 100],
    ]);
  });

  it("gives up with what delayAfter throws", async () => {
    const clock = new ManualClock();
    let calls = 0;
    const p = retry(
      async () => {
        calls++;
        throw new Error("down");
      },
      {
        clock,
        delayAfter: (error, attempt) => {
          if (attempt >= 2) throw new Error(`gave up after ${attempt}: ${(error as Error).message}`);
          return 10;
        },
      },
    );
    const settled = p.catch((e: unknown) => e);
    await clock.runAll();
    expect(((await settled) as Error).message).toBe("gave up after 2: down");
    expect(calls).toBe(2);
  });
});

describe("ManualClock", () => {
  it("wakes sleepers in deadline order and only when time passes their deadline", async () => {
    const clock = new ManualClock(1_000);
    const woke: string[] = [];
    void clock.sleep(50).then(() => woke.push(`b@${clock.now()}`));
    void clock.sleep(10).then(() => woke.push(`a@${clock.now()}`));
    expect(clock.pending).toBe(2);
    await clock.advance(9);
    expect(woke).toEqual([]);
    await clock.advance(100);
    expect(woke).toEqual(["a@1010", "b@1050"]);
    expect(clock.now()).toBe(1_109);
    expect(clock.pending).toBe(0);
  });
});
