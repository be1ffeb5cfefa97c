/**
 * Client-side rate limiter, one per tenant client (= one user on one tenant, the unit
 * Qlik counts by: per tier, per user, per tenant — docs/qlik-surface.md, "Rate limits, retries, errors").
 *
 * Qlik counts requests per tier over a 5-minute window: Tier 1 = 1,000/min, Tier 2 =
 * 100/min, so 5,000 and 500 requests in any 5 minutes. We keep a sliding log of our own
 * requests per tier (in flight, and answered with their answer times) and admit a request
 * only while the requests in flight plus those answered within the last window (plus a 2%
 * margin for clocks) are fewer than `headroom` × the window budget. So no 5-minute window ever sees more than the limit,
 * however bursty the callers are: a burst is admitted at once up to the budget (Qlik
 * tolerates bursts inside the window), then requests are spaced as old ones leave the
 * window, which makes the sustained rate the published one at most.
 *
 * When is a request "sent"? Qlik counts it when it arrives, which is some time after we
 * admit it: the caller may still wait for an OAuth token and for a concurrency slot, and
 * the request then travels. Stamping the admission time (as this limiter once did) lets
 * requests that queued behind a slow one arrive together later than their stamps say,
 * so a window at Qlik holds more than the budget (seen: 569–576 calls and 429s against a
 * budget of 500 under CPU load). So a request counts from its admission (`admit`, as in
 * flight) until it is answered, and its log entry is stamped with the time of the answer
 * (`Permit.done`), which is never earlier than Qlik's count. That bound holds whatever
 * the delays: of the requests Qlik counts in any window, the last one admitted found all
 * the others either still in flight or answered after its window began, so it was
 * admitted only if they were fewer than the budget.
 *
 * A 429 pauses the whole tier for its `Retry-After` (a secondary source says a 429 blocks
 * every endpoint of the tier; pausing just the one endpoint would only earn more 429s).
 */
import type { Clock } from "@lifeboat/kit";

export interface LimiterOptions {
  clock: Clock;
  /** Requests per minute for a tier bucket ("1", "2", "special:…"). */
  perMinute: (bucket: string) => number;
  /** Qlik's counting window in Qlik time (5 minutes). */
  windowMs?: number;
  /** Fraction of the published budget we allow ourselves (default 1; the 2% window margin protects). */
  headroom?: number;
  /**
   * How much faster the tenant's clock runs than ours (the emulator's `timeScale`; 1 for
   * Qlik Cloud): windows shrink by this factor. Retry-After is real time already.
   */
  timeScale?: number;
  /** false: no client-side throttling (429s are still honoured by pausing). */
  enabled?: boolean;
  /** Told whenever a request had to wait, with how long. */
  onThrottle?: (bucket: string, waitMs: number, reason: "window" | "retry-after") => void;
}

interface Bucket {
  /** Answer times, oldest first; `head` is the first one still in the window. */
  times: number[];
  head: number;
  pausedUntil: number;
  /** Requests admitted and not yet answered. */
  inFlight: number;
  /** Woken when an in-flight request is answered. */
  answered: (() => void)[];
}

/** An admitted request: call `done()` once it is answered (or failed), exactly once. */
export interface Permit {
  /** How long admission waited (window or Retry-After), in ms. */
  waitedMs: number;
  done(): void;
}

/**
 * What a tenant client needs of a rate limiter (`TenantClientConfig.limiter`). One limiter
 * stands for one budget: one user on one tenant (docs/qlik-surface.md, "Rate limits, retries, errors"). The default is this
 * process's `TierLimiter`; workers in several processes sharing one tenant credential bring
 * one that counts in a shared store.
 */
export interface RateLimiter {
  /**
   * Waits until a request of `bucket` ("1", "2", "special:…") may be sent and counts it as
   * in flight until `done()`. Rejects with the signal's reason once `signal` aborts.
   */
  admit(bucket: string, signal?: AbortSignal): Promise<Permit>;
  /** A 429 said: nothing of this bucket for `ms` (Retry-After). */
  pause(bucket: string, ms: number): void;
  /** Requests counted in the bucket's current window, in flight included (stats and tests). */
  inWindow(bucket: string): number;
}

/** `clock.sleep(ms)`, ended early (rejecting with the signal's reason) when `signal` aborts. */
function sleepUnless(clock: Clock, ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return clock.sleep(ms);
  signal.throwIfAborted();
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    clock.sleep(ms).then(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, reject);
  });
}

export class TierLimiter implements RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly windowReal: number;
  private readonly headroom: number;
  private readonly enabled: boolean;
  private readonly windowMsQlik: number;

  constructor(private readonly options: LimiterOptions) {
    const scale = options.timeScale ?? 1;
    if (!(scale > 0)) throw new Error(`limits.timeScale must be positive, got ${scale}`);
    const windowMs = options.windowMs ?? 5 * 60_000;
    // 2% margin: a request we send at the window's edge may be counted a little later.
    this.windowReal = (windowMs / scale) * 1.02;
    this.headroom = options.headroom ?? 1;
    if (!(this.headroom > 0 && this.headroom <= 1)) throw new Error(`limits.headroom must be in (0, 1], got ${this.headroom}`);
    this.enabled = options.enabled ?? true;
    this.windowMsQlik = windowMs;
  }

  /** Requests allowed per window for a bucket. */
  budget(bucket: string): number {
    const perWindow = (this.options.perMinute(bucket) * this.windowMsQlik) / 60_000;
    return Math.max(1, Math.floor(perWindow * this.headroom));
  }

  /**
   * Waits until a request of `bucket` may be sent and counts it as in flight until
   * `done()` is called, which stamps it with the time of its answer. Rejects with the
   * signal's reason when `signal` aborts while it waits.
   */
  async admit(bucket: string, signal?: AbortSignal): Promise<Permit> {
    const { clock } = this.options;
    const b = this.bucket(bucket);
    const start = clock.now();
    for (;;) {
      signal?.throwIfAborted();
      const now = clock.now();
      if (b.pausedUntil > now) {
        const wait = b.pausedUntil - now;
        this.options.onThrottle?.(bucket, wait, "retry-after");
        await sleepUnless(clock, wait, signal);
        continue;
      }
      if (!this.enabled) return { waitedMs: clock.now() - start, done: () => undefined };
      this.expire(b, now);
      const answeredInWindow = b.times.length - b.head;
      if (answeredInWindow + b.inFlight < this.budget(bucket)) {
        b.inFlight++;
        let finished = false;
        return {
          waitedMs: now - start,
          done: () => {
            if (finished) return;
            finished = true;
            b.inFlight--;
            b.times.push(clock.now());
            for (const wake of b.answered.splice(0)) wake();
          },
        };
      }
      if (answeredInWindow === 0) {
        // Every slot of the window is in flight: nothing leaves the window before one of them is answered.
        await new Promise<void>((resolve, reject) => {
          const wake = () => {
            signal?.removeEventListener("abort", onAbort);
            resolve();
          };
          const onAbort = () => {
            const i = b.answered.indexOf(wake);
            if (i >= 0) b.answered.splice(i, 1);
            reject(signal!.reason);
          };
          signal?.addEventListener("abort", onAbort, { once: true });
          b.answered.push(wake);
        });
        continue;
      }
      const oldest = b.times[b.head] ?? now;
      const wait = Math.max(1, oldest + this.windowReal - now);
      this.options.onThrottle?.(bucket, wait, "window");
      await sleepUnless(clock, wait, signal);
    }
  }

  /** `admit` for a request answered at once (counted from now). Returns the time waited. */
  async acquire(bucket: string): Promise<number> {
    const permit = await this.admit(bucket);
    permit.done();
    return permit.waitedMs;
  }

  /** A 429 said: nothing of this tier for `ms`. */
  pause(bucket: string, ms: number): void {
    const b = this.bucket(bucket);
    b.pausedUntil = Math.max(b.pausedUntil, this.options.clock.now() + ms);
  }

  /** Requests counted in the current window, in flight included (for tests and stats). */
  inWindow(bucket: string): number {
    const b = this.bucket(bucket);
    this.expire(b, this.options.clock.now());
    return b.times.length - b.head + b.inFlight;
  }

  private expire(b: Bucket, now: number): void {
    while (b.head < b.times.length && (b.times[b.head] ?? 0) <= now - this.windowReal) b.head++;
    if (b.head > 1024 && b.head * 2 > b.times.length) {
      b.times = b.times.slice(b.head);
      b.head = 0;
    }
  }

  private bucket(name: string): Bucket {
    let b = this.buckets.get(name);
    if (!b) {
      b = { times: [], head: 0, pausedUntil: 0, inFlight: 0, answered: [] };
      this.buckets.set(name, b);
    }
    return b;
  }
}
