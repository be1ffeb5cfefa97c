import { describe, expect, it } from "vitest";
import { ManualClock } from "@lifeboat/kit/testing";
import { TierLimiter } from "./limiter.ts";

function limiter(clock: ManualClock, perMinute = 100, extra: Partial<ConstructorParameters<typeof TierLimiter>[0]> = {}) {
  return new TierLimiter({ clock, perMinute: () => perMinute, windowMs: 60_000, headroom: 1, ...extra });
}

describe("TierLimiter", () => {
  it("admits a burst up to the window budget at once", async () => {
    const clock = new ManualClock();
    const l = limiter(clock, 10);
    const waits = await Promise.all(Array.from({ length: 10 }, () => l.acquire("2")));
    expect(waits).toEqual(Array(10).fill(0));
    expect(l.inWindow("2")).toBe(10);
  });

  it("never lets any window hold more than the budget, and sustains about the limit", async () => {
    const clock = new ManualClock();
    const l = limiter(clock, 10);
    const sent: number[] = [];
    const all = Promise.all(
      Array.from({ length: 35 }, async () => {
        await l.acquire("2");
        sent.push(clock.now());
      }),
    );
    await clock.runAll();
    await all;
    expect(sent).toHaveLength(35);
    // Window is 60 s (+2% margin): every 60 s span holds at most 10 sends.
    for (const t of sent) expect(sent.filter((s) => s >= t && s < t + 60_000).length).toBeLessThanOrEqual(10);
    // 35 requests at 10/min need a bit more than 3 windows, not much more.
    const last = Math.max(...sent);
    expect(last).toBeGreaterThanOrEqual(3 * 60_000);
    expect(last).toBeLessThan(3 * 61_200 + 1);
  });

  it("counts a request from admission until a window after its answer: a late send cannot crowd a window", async () => {
    const clock = new ManualClock();
    const l = limiter(clock, 3); // 3 per 60 s (61.2 s with the margin)
    const permits = await Promise.all([l.admit("2"), l.admit("2"), l.admit("2")]);
    let fourth: Awaited<ReturnType<TierLimiter["admit"]>> | undefined;
    void l.admit("2").then((p) => (fourth = p));
    // The three are still on their way (waiting for a token or a slot): nothing is freed by time alone.
    await clock.advance(120_000);
    expect(fourth).toBeUndefined();
    expect(l.inWindow("2")).toBe(3);
    // Answered at t = 120 s: they count until a window after that, however early they were admitted.
    for (const p of permits) p.done();
    await clock.advance(61_199);
    expect(fourth).toBeUndefined();
    await clock.advance(2);
    expect(fourth).toBeDefined();
    fourth!.done();
    fourth!.done(); // a second done() is ignored
    expect(l.inWindow("2")).toBe(1);
  });

  it("keeps tiers apart", async () => {
    const clock = new ManualClock();
    const l = new TierLimiter({ clock, perMinute: (b) => (b === "1" ? 1000 : 1), windowMs: 60_000, headroom: 1 });
    await l.acquire("2");
    let second = false;
    void l.acquire("2").then(() => (second = true));
    expect(await l.acquire("1")).toBe(0);
    await clock.advance(1000);
    expect(second).toBe(false);
    await clock.advance(61_200);
    expect(second).toBe(true);
  });

  it("pauses a tier for Retry-After", async () => {
    const clock = new ManualClock();
    const l = limiter(clock, 1000);
    l.pause("1", 5000);
    let done = false;
    void l.acquire("1").then(() => (done = true));
    await clock.advance(4999);
    expect(done).toBe(false);
    await clock.advance(1);
    expect(done).toBe(true);
  });

  it("applies headroom and the 5-minute window to the published per-minute figure", () => {
    const clock = new ManualClock();
    expect(new TierLimiter({ clock, perMinute: () => 100 }).budget("2")).toBe(500); // 100/min × 5 min, whole budget by default
    expect(new TierLimiter({ clock, perMinute: () => 100, headroom: 0.9 }).budget("2")).toBe(450); // × 0.9
  });

  it("shrinks the window by timeScale", async () => {
    const clock = new ManualClock();
    const l = limiter(clock, 1, { timeScale: 60 }); // 1 per (60 s / 60) = 1 per ~1 s
    await l.acquire("2");
    let done = false;
    void l.acquire("2").then(() => (done = true));
    await clock.advance(1019);
    expect(done).toBe(false);
    await clock.advance(2);
    expect(done).toBe(true);
  });

  it("does not throttle when disabled but still honours pauses", async () => {
    const clock = new ManualClock();
    const l = limiter(clock, 1, { enabled: false });
    expect(await Promise.all([l.acquire("2"), l.acquire("2"), l.acquire("2")])).toEqual([0, 0, 0]);
    l.pause("2", 100);
    let done = false;
    void l.acquire("2").then(() => (done = true));
    await clock.advance(99);
    expect(done).toBe(false);
    await clock.advance(1);
    expect(done).toBe(true);
  });
});
