/**
 * The rate-limit floor: the least wall time in which a given set of REST calls can be
 * made against Qlik Cloud's published limits (docs/qlik-surface.md, "Rate limits, retries, errors"), whatever the client does.
 *
 * Qlik counts per tier, per user, per tenant, over a sliding 5-minute window: a bucket of
 * L requests/minute admits B = 5·L requests in any 5 minutes (Tier 1: 5,000; Tier 2: 500).
 * Take the send times t_0 ≤ t_1 ≤ … of N calls of one bucket. Calls k … k+B are B+1
 * calls; they cannot all lie inside one window, so t_{k+B} − t_k ≥ W (W = 5 min). By
 * induction t_{N−1} ≥ ⌊(N−1)/B⌋·W, and bursting B calls at 0, W, 2W, … reaches it. So
 *
 *     floor(bucket) = ⌊(N − 1) / B⌋ · W      (0 when N ≤ B: the burst allowance covers it)
 *     floor(run)    = max over buckets
 *
 * measured from the run's first call, with a fresh window. The latency of the last
 * call and anything not rate-limited (QIX calls) are not in the floor, so it is a
 * lower bound that no client can beat. Emulated time: divide by the emulator's
 * `timeScale` to compare with a real wall clock.
 */
import { realisticLatency, type LatencyModel } from "@lifeboat/emulator";

/** Qlik's counting window. */
export const QLIK_WINDOW_MS = 5 * 60_000;

/** Published per-minute limits of the buckets the connector counts in ("1", "2", "special:<METHOD path>"). */
export function publishedPerMinute(bucket: string): number {
  if (bucket === "1") return 1000;
  if (bucket === "2") return 100;
  const special: Record<string, number> = {
    "special:POST /api/v1/users/actions/filter": 200,
    "special:POST /api/v1/groups/actions/filter": 200,
    "special:POST /api/v1/temp-contents/files": 800,
    "special:PATCH /api/v1/temp-contents/files/{id}": 800,
    "special:POST /api/v1/reloads": 50,
    // Deletion events, read when a restore looks for soft-deleted apps (qlik.dev changelog 225; docs/qlik-surface.md, "REST calls": audits GETs 1000/min).
    "special:GET /api/v1/audits": 1000,
  };
  const limit = special[bucket];
  if (limit === undefined) throw new Error(`no published limit known for bucket "${bucket}"; add it to bench/floor.ts`);
  return limit;
}

export interface BucketFloor {
  bucket: string;
  calls: number;
  perMinute: number;
  /** Calls admitted per window (5·perMinute). */
  perWindow: number;
  floorMs: number;
}

export interface Floor {
  /** The binding bucket's floor, in emulated (Qlik) milliseconds. */
  floorMs: number;
  /** The bucket that sets it (undefined when no bucket exceeds its burst allowance). */
  binding: string | undefined;
  buckets: BucketFloor[];
}

/** Floor of one bucket: ⌊(N − 1) / B⌋ · W. */
export function bucketFloorMs(calls: number, perMinute: number, windowMs = QLIK_WINDOW_MS): number {
  if (!Number.isInteger(calls) || calls < 0) throw new Error(`calls must be a non-negative integer, got ${calls}`);
  if (!(perMinute > 0)) throw new Error(`perMinute must be positive, got ${perMinute}`);
  if (calls === 0) return 0;
  const perWindow = Math.round((perMinute * windowMs) / 60_000);
  return Math.floor((calls - 1) / perWindow) * windowMs;
}

/** The floor of a run from its calls per bucket (e.g. the connector's `stats().callsPerTier`). */
export function rateLimitFloor(callsPerBucket: Record<string, number>, limits: (bucket: string) => number = publishedPerMinute, windowMs = QLIK_WINDOW_MS): Floor {
  const buckets: BucketFloor[] = Object.entries(callsPerBucket)
    .filter(([, n]) => n > 0)
    .map(([bucket, calls]) => {
      const perMinute = limits(bucket);
      return { bucket, calls, perMinute, perWindow: Math.round((perMinute * windowMs) / 60_000), floorMs: bucketFloorMs(calls, perMinute, windowMs) };
    })
    .sort((a, b) => (a.bucket < b.bucket ? -1 : 1));
  let binding: BucketFloor | undefined;
  for (const b of buckets) if (b.floorMs > 0 && (!binding || b.floorMs > binding.floorMs)) binding = b;
  return { floorMs: binding?.floorMs ?? 0, binding: binding?.bucket, buckets };
}

/** Wall time ÷ floor, with the floor scaled to real time; undefined when the floor is 0. */
export function floorRatio(wallMsReal: number, floorMsEmulated: number, timeScale: number): number | undefined {
  if (floorMsEmulated <= 0) return undefined;
  return wallMsReal / (floorMsEmulated / timeScale);
}

/**
 * The latency model of issue 6 (emulated ms): the emulator's own `realisticLatency`, so the
 * bench's arithmetic and the emulator's waits cannot drift apart.
 */
export type { LatencyModel };
export const ISSUE_LATENCY: LatencyModel = realisticLatency;

export interface SequentialWork {
  tier1Calls: number;
  tier2Calls: number;
  exports: number;
  exportedBytes: number;
  appOpens: number;
  /** QIX calls other than opening the app. */
  qixCalls: number;
}

/**
 * The time a strictly sequential client needs at least, in emulated ms: the sum of the
 * latencies of everything it does one after the other (no CPU time, no rate-limit
 * waits). The peer is such a client, so this is a lower bound of its wall time at any
 * time scale; it is used to check the peer's measurement and for the conservative P2 ratio.
 */
export function sequentialLatencyMs(work: SequentialWork, m: LatencyModel = ISSUE_LATENCY): number {
  const mb = work.exportedBytes / (1024 * 1024);
  return (
    work.tier1Calls * m.tier1Ms +
    work.tier2Calls * m.tier2Ms +
    work.exports * m.exportBaseMs +
    mb * m.exportMsPerMB +
    (work.exportedBytes / m.downloadBytesPerSecond) * 1000 +
    work.appOpens * m.openAppMs +
    work.qixCalls * m.qixCallMs
  );
}

/**
 * The calls that count against Qlik's limits, from the connector's stats: its per-tier
 * counts less the OAuth token requests, which it books as Tier 2 but which go to
 * `/oauth/token`, outside `/api` — Qlik publishes no tier for them and the emulator does
 * not count them (they are few: one per client per token lifetime).
 */
export function limitedCalls(callsPerTier: Record<string, number>, callsPerOperation: Record<string, number> = {}): Record<string, number> {
  const out = { ...callsPerTier };
  const tokens = callsPerOperation.oauthToken ?? 0;
  if (tokens > 0 && out["2"] !== undefined) out["2"] = Math.max(0, out["2"] - tokens);
  return out;
}
