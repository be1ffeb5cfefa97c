/**
 * Smoke test of the floor formula and of the harness modules loading. Not part of the
 * vitest projects (timing and benchmarks stay out of the test suite); run it with
 *
 *     npx tsx --test bench/floor.test.ts
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { bucketFloorMs, floorRatio, rateLimitFloor, QLIK_WINDOW_MS } from "./floor.ts";

const MIN = 60_000;

test("a bucket's floor is ⌊(N−1)/B⌋ windows", () => {
  assert.equal(bucketFloorMs(0, 100), 0);
  assert.equal(bucketFloorMs(1, 100), 0);
  assert.equal(bucketFloorMs(500, 100), 0, "500 Tier-2 calls fit the burst allowance");
  assert.equal(bucketFloorMs(501, 100), 5 * MIN, "the 501st waits for the first to leave the window");
  assert.equal(bucketFloorMs(2000, 100), 15 * MIN, "2,000 exports: 500 at 0, 5, 10 and 15 minutes");
  assert.equal(bucketFloorMs(2001, 100), 20 * MIN);
  assert.equal(bucketFloorMs(5000, 1000), 0);
  assert.equal(bucketFloorMs(8007, 1000), 5 * MIN);
});

test("the run's floor is the binding bucket's", () => {
  const f = rateLimitFloor({ "1": 8007, "2": 2000 });
  assert.equal(f.floorMs, 15 * MIN);
  assert.equal(f.binding, "2");
  assert.deepEqual(
    f.buckets.map((b) => [b.bucket, b.perWindow, b.floorMs]),
    [
      ["1", 5000, 5 * MIN],
      ["2", 500, 15 * MIN],
    ],
  );
  assert.equal(rateLimitFloor({ "1": 40, "2": 3 }).floorMs, 0);
  assert.equal(rateLimitFloor({ "1": 40, "2": 3 }).binding, undefined);
  assert.throws(() => rateLimitFloor({ "special:GET /nowhere": 3 }), /no published limit/);
});

test("ratios compare real wall time with the floor scaled by the time scale", () => {
  // 15 emulated minutes at timeScale 20 = 45 real seconds; 54 s of wall time is 1.2×.
  assert.equal(floorRatio(54_000, 15 * MIN, 20), 1.2);
  assert.equal(floorRatio(54_000, 0, 20), undefined);
  assert.equal(QLIK_WINDOW_MS, 5 * MIN);
});

test("the harness modules load", async () => {
  await import("./peer.ts");
  await import("./churn.ts");
  await import("./child.ts");
});

test("a sequential client's latency sum", async () => {
  const { sequentialLatencyMs } = await import("./floor.ts");
  // One app: list (T1), export (T2 + 1 s + 1 s per 50 MiB), download (T1 + 50 MiB/s), open, 1 + 2·50 QIX calls.
  const ms = sequentialLatencyMs({ tier1Calls: 2, tier2Calls: 1, exports: 1, exportedBytes: 50 * 1024 * 1024, appOpens: 1, qixCalls: 101 });
  assert.equal(ms, 2 * 150 + 300 + 1000 + 1000 + 1000 + 300 + 101 * 20);
});

test("OAuth token requests are not rate-limited calls", async () => {
  const { limitedCalls } = await import("./floor.ts");
  assert.deepEqual(limitedCalls({ "1": 8066, "2": 2001 }, { oauthToken: 1, exportApp: 2000 }), { "1": 8066, "2": 2000 });
  assert.equal(rateLimitFloor(limitedCalls({ "1": 8066, "2": 2001 }, { oauthToken: 1 })).floorMs, 15 * MIN);
  assert.deepEqual(limitedCalls({ "1": 3 }), { "1": 3 });
});
