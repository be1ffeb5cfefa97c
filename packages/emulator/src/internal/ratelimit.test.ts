/**
 * The limiter at Qlik's published limits (API-FACTS §2), on a fake clock: every tier and a
 * special bucket at exactly 5 × per-minute in the 5-minute window, the sliding window,
 * per-user and tenant-wide counting. (realism.test.ts checks Tier 2 over real sockets.)
 */
import { describe, expect, it } from "vitest";
import type { Clock } from "./clock.ts";
import { QlikError } from "./errors.ts";
import { RateLimiter, defaultRateLimitOptions } from "./ratelimit.ts";
import { tierOf } from "./tiers.ts";

function fakeClock(): Clock & { advance(ms: number): void } {
  let now = 1_000_000;
  return {
    timeScale: 1,
    setTimeScale: () => undefined,
    nowMs: () => now,
    real: (ms) => ms,
    sleep: async () => undefined,
    advance: (ms) => {
      now += ms;
    },
  };
}

/** How many calls pass before the first 429, and the 429 itself. */
function untilRefused(limiter: RateLimiter, user: string, method: string, path: string, max: number): { passed: number; error?: QlikError } {
  const tier = tierOf(method, path);
  for (let i = 0; i < max; i++) {
    try {
      limiter.hit("t1", user, tier);
    } catch (e) {
      return { passed: i, error: e as QlikError };
    }
  }
  return { passed: max };
}

describe("rate limiter at the published limits", () => {
  it("Tier 1 allows 5,000 GETs per user in the 5-minute window, Tier 2 500 writes, users/actions/filter 1,000; the next is a 429 with an integer Retry-After", () => {
    const cases: [string, string, number][] = [
      ["GET", "/api/v1/items", 5_000],
      ["POST", "/api/v1/spaces", 500],
      ["POST", "/api/v1/users/actions/filter", 1_000],
    ];
    for (const [method, path, limit] of cases) {
      const limiter = new RateLimiter(fakeClock(), { ...defaultRateLimitOptions, tenantCeiling: false }, () => 10);
      const { passed, error } = untilRefused(limiter, "u1", method, path, limit + 10);
      expect(passed, `${method} ${path}`).toBe(limit);
      expect(error).toBeInstanceOf(QlikError);
      expect(error!.status).toBe(429);
      const retryAfter = error!.headers?.["retry-after"];
      expect(retryAfter).toMatch(/^\d+$/);
      // All calls happened in the same instant: the window frees up in 5 minutes.
      expect(Number(retryAfter)).toBe(300);
    }
  });

  it("the window slides: calls spread over time free up as they age out", () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(clock, { ...defaultRateLimitOptions, tenantCeiling: false, blockWholeTier: false }, () => 10);
    const tier = tierOf("POST", "/api/v1/spaces");
    // 100 calls a minute for 5 minutes fill the window exactly.
    for (let minute = 0; minute < 5; minute++) {
      for (let i = 0; i < 100; i++) limiter.hit("t1", "u1", tier);
      clock.advance(60_000);
    }
    // Now the first minute's calls have aged out: another 100 pass, the 101st does not.
    for (let i = 0; i < 100; i++) limiter.hit("t1", "u1", tier);
    expect(() => limiter.hit("t1", "u1", tier)).toThrow(QlikError);
  });

  it("counts per user and per tier; the tenant-wide ceiling is the user limit × users × 0.5", () => {
    const limiter = new RateLimiter(fakeClock(), defaultRateLimitOptions, () => 4);
    const write = tierOf("POST", "/api/v1/spaces");
    // Tier-2 ceiling for 4 users: 500 × 4 × 0.5 = 1,000 per window.
    expect(untilRefused(limiter, "u1", "POST", "/api/v1/spaces", 600).passed).toBe(500);
    // u1's Tier 1 is untouched.
    expect(() => limiter.hit("t1", "u1", tierOf("GET", "/api/v1/items"))).not.toThrow();
    expect(untilRefused(limiter, "u2", "POST", "/api/v1/spaces", 600).passed).toBe(500);
    // The tenant has used its 1,000: a third user is refused at once.
    expect(() => limiter.hit("t1", "u3", write)).toThrow(QlikError);
  });
});
