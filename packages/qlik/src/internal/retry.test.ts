import { describe, expect, it } from "vitest";
import { QlikApiError } from "../errors.ts";
import { ManualClock } from "@lifeboat/kit/testing";
import { backoffDelay } from "@lifeboat/kit";
import { defaultRetryPolicy, withRetry, type RetryContext } from "./retry.ts";

function httpError(status: number, headers: Record<string, string> = {}, data: unknown = undefined) {
  return Object.assign(new Error(`request failed with status ${status}`), { status, headers: new Headers(headers), data });
}

function ctx(clock: ManualClock, extra: Partial<RetryContext> = {}): RetryContext {
  return { operation: "getUsers", host: "http://t", clock, policy: defaultRetryPolicy, random: () => 0.5, ...extra };
}

describe("withRetry", () => {
  it("retries transient failures with growing delays and succeeds", async () => {
    const clock = new ManualClock();
    const delays: number[] = [];
    let calls = 0;
    const p = withRetry(
      async () => {
        calls++;
        if (calls < 4) throw httpError([500, 503, 502][calls - 1] ?? 500);
        return "ok";
      },
      ctx(clock, { random: () => 0, onRetry: (_e, _a, d) => delays.push(d) }),
    );
    await clock.runAll();
    expect(await p).toBe("ok");
    expect(calls).toBe(4);
    expect(delays).toEqual([backoffDelay(1, defaultRetryPolicy, () => 0), backoffDelay(2, defaultRetryPolicy, () => 0), backoffDelay(3, defaultRetryPolicy, () => 0)]);
    expect(delays[1]).toBe(2 * (delays[0] ?? 0));
  });

  it("gives up after the bounded number of attempts with a classified error", async () => {
    const clock = new ManualClock();
    let calls = 0;
    const p = withRetry(async () => {
      calls++;
      throw httpError(503);
    }, ctx(clock));
    const settled = p.catch((e: unknown) => e);
    await clock.runAll();
    const err = (await settled) as QlikApiError;
    expect(err).toBeInstanceOf(QlikApiError);
    expect(err.kind).toBe("transient");
    expect(err.attempts).toBe(5);
    expect(calls).toBe(5);
  });

  it("waits Retry-After on 429 and reports it", async () => {
    const clock = new ManualClock();
    const seen: number[] = [];
    let calls = 0;
    const p = withRetry(
      async () => {
        calls++;
        if (calls === 1) throw httpError(429, { "retry-after": "7" }, { errors: [{ code: "HTTP-429", title: "API rate limit reached." }] });
        return clock.now();
      },
      ctx(clock, { random: () => 0, onRateLimited: (e) => seen.push(e.retryAfterMs ?? -1) }),
    );
    await clock.runAll();
    expect(await p).toBe(7000);
    expect(seen).toEqual([7000]);
  });

  it("does not retry permanent, not-found, forbidden or unauthorized errors", async () => {
    for (const [status, kind] of [[400, "permanent"], [404, "not-found"], [403, "forbidden"], [401, "unauthorized"]] as const) {
      const clock = new ManualClock();
      let calls = 0;
      const err = (await withRetry(async () => {
        calls++;
        throw httpError(status);
      }, ctx(clock)).catch((e: unknown) => e)) as QlikApiError;
      expect(calls).toBe(1);
      expect(err.kind).toBe(kind);
      expect(err.status).toBe(status);
    }
  });

  it("retries a non-idempotent write only after 429", async () => {
    const clock = new ManualClock();
    let calls = 0;
    const err = (await withRetry(async () => {
      calls++;
      throw httpError(500);
    }, ctx(clock, { idempotent: false })).catch((e: unknown) => e)) as QlikApiError;
    expect(calls).toBe(1);
    expect(err.kind).toBe("transient");

    let calls2 = 0;
    const p = withRetry(async () => {
      calls2++;
      if (calls2 === 1) throw httpError(429, { "retry-after": "1" });
      return "done";
    }, ctx(clock, { idempotent: false }));
    await clock.runAll();
    expect(await p).toBe("done");
  });

  it("treats connection resets (status 0) as transient", async () => {
    const clock = new ManualClock();
    let calls = 0;
    const p = withRetry(async () => {
      calls++;
      if (calls === 1) throw Object.assign(new Error("fetch failed - other side closed"), { status: 0, headers: new Headers(), data: {} });
      return "ok";
    }, ctx(clock));
    await clock.runAll();
    expect(await p).toBe("ok");
  });
});
