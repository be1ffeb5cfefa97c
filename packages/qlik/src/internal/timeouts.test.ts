import { describe, expect, it } from "vitest";
import { CallTimeoutError, DEFAULT_TIMEOUTS, resolveTimeouts, withDeadline } from "./timeouts.ts";

describe("withDeadline", () => {
  it("gives up on a call that never settles, aborting its signal, and names the call", async () => {
    let aborted: unknown;
    const started = Date.now();
    const err = await withDeadline(
      ({ signal }) =>
        new Promise<never>(() => {
          signal.addEventListener("abort", () => (aborted = signal.reason));
        }),
      { kind: "request", limitMs: 120, noticeMs: 0, what: "GET /api/v1/items on http://h" },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CallTimeoutError);
    expect((err as Error).message).toBe(
      "no answer for 0.1 s on GET /api/v1/items on http://h (timeout 'request'; change it with --timeout request=SECONDS or timeouts.request in lifeboat.yaml)",
    );
    expect(aborted).toBe(err);
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
  });

  it("idle: a call that keeps making progress runs past the limit; one that stops does not", async () => {
    const ok = await withDeadline(
      async ({ progress }) => {
        for (let i = 0; i < 8; i++) {
          await new Promise((r) => setTimeout(r, 40));
          progress();
        }
        return "done";
      },
      { kind: "idle", limitMs: 150, idle: true, noticeMs: 0, what: "upload" },
    );
    expect(ok).toBe("done"); // 320 ms in all, never 150 ms without progress
    const stalled = await withDeadline(
      async ({ progress, signal }) => {
        progress();
        await new Promise((_r, reject) => signal.addEventListener("abort", () => reject(new Error("aborted"))));
      },
      { kind: "idle", limitMs: 100, idle: true, noticeMs: 0, what: "upload" },
    ).catch((e: unknown) => e);
    expect(stalled).toBeInstanceOf(CallTimeoutError);
    expect((stalled as Error).message).toMatch(/^no progress for 0\.1 s on upload/);
  });

  it("says it is waiting every noticeMs, and stops once settled", async () => {
    const notices: number[] = [];
    await withDeadline(() => new Promise((r) => setTimeout(r, 260)), { kind: "request", limitMs: 5000, noticeMs: 100, onNotice: (w) => notices.push(w), what: "x" });
    // Timers may run late under load, never early: at least one notice, each at a multiple of ~100 ms.
    expect(notices.length).toBeGreaterThanOrEqual(1);
    expect(notices.length).toBeLessThanOrEqual(2);
    expect(notices[0]).toBeGreaterThanOrEqual(95);
    const seen = notices.length;
    await new Promise((r) => setTimeout(r, 250));
    expect(notices.length).toBe(seen);
  });

  it("passes results and errors through untouched", async () => {
    expect(await withDeadline(async () => 7, { kind: "request", limitMs: 1000, noticeMs: 0, what: "x" })).toBe(7);
    await expect(withDeadline(async () => Promise.reject(new Error("boom")), { kind: "request", limitMs: 1000, noticeMs: 0, what: "x" })).rejects.toThrow("boom");
  });

  it("resolveTimeouts fills defaults and refuses nonsense", () => {
    expect(resolveTimeouts(undefined)).toEqual(DEFAULT_TIMEOUTS);
    expect(resolveTimeouts({ requestMs: 5 }).requestMs).toBe(5);
    expect(() => resolveTimeouts({ requestMs: 0 })).toThrow(/timeouts.requestMs must be a positive number/);
    expect(() => resolveTimeouts({ idleMs: Number.NaN })).toThrow(/idleMs/);
    expect(resolveTimeouts({ noticeMs: 0 }).noticeMs).toBe(0);
  });
});
