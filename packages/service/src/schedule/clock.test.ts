import { afterEach, describe, expect, it, vi } from "vitest";
import { ManualClock, systemClock } from "./clock.ts";

describe("systemClock", () => {
  afterEach(() => {
    vi.useRealTimers();
  });
  it("waits longer than setTimeout's 24.8-day limit by chaining, and fires once", () => {
    vi.useFakeTimers({ now: new Date("2026-01-01T00:00:00Z") });
    const clock = systemClock();
    const fired: string[] = [];
    clock.setTimer(new Date("2026-02-15T00:00:00Z"), () => fired.push(new Date().toISOString())); // 45 days
    vi.advanceTimersByTime(30 * 86_400_000);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(15 * 86_400_000);
    expect(fired).toEqual(["2026-02-15T00:00:00.000Z"]);
    vi.advanceTimersByTime(60 * 86_400_000);
    expect(fired).toHaveLength(1);
  });
  it("does not fire a cleared timer, even mid-chain", () => {
    vi.useFakeTimers({ now: new Date("2026-01-01T00:00:00Z") });
    const clock = systemClock();
    let fired = 0;
    const h = clock.setTimer(new Date("2026-03-01T00:00:00Z"), () => fired++);
    vi.advanceTimersByTime(30 * 86_400_000); // past the first link of the chain
    clock.clearTimer(h);
    vi.advanceTimersByTime(60 * 86_400_000);
    expect(fired).toBe(0);
  });
});

describe("ManualClock", () => {
  it("fires due timers in time order, reading each timer's time, and refuses to go back", async () => {
    const clock = new ManualClock("2026-01-01T00:00:00Z");
    const seen: string[] = [];
    clock.setTimer(new Date("2026-01-01T02:00:00Z"), () => seen.push(`b ${clock.now().toISOString()}`));
    clock.setTimer(new Date("2026-01-01T01:00:00Z"), () => {
      seen.push(`a ${clock.now().toISOString()}`);
      clock.setTimer(new Date("2026-01-01T01:30:00Z"), () => seen.push(`c ${clock.now().toISOString()}`));
    });
    await clock.advanceTo("2026-01-01T03:00:00Z");
    expect(seen).toEqual(["a 2026-01-01T01:00:00.000Z", "c 2026-01-01T01:30:00.000Z", "b 2026-01-01T02:00:00.000Z"]);
    expect(clock.now().toISOString()).toBe("2026-01-01T03:00:00.000Z");
    await expect(clock.advanceTo("2026-01-01T00:00:00Z")).rejects.toThrow(/cannot go back/);
  });
});
