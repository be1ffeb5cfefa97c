/**
 * Qlik's rate limits: counted per tier, per user, per tenant over a sliding 5-minute
 * window (API-FACTS §2). A tier of N requests/minute allows 5·N requests in any 5-minute
 * window. A refused request answers 429 with an integer `Retry-After` (real seconds,
 * at least 1, after time scaling).
 *
 * UNCONFIRMED behaviours are switches:
 * - `blockWholeTier` (default true): after a 429 every endpoint of that tier is refused
 *   for the Retry-After period, even if the window frees up earlier.
 * - `tenantCeiling` (default true): a tenant-wide limit per tier of
 *   per-user limit × number of users × 0.5.
 */
import type { Clock } from "./clock.ts";
import { QlikError } from "./errors.ts";
import type { TierInfo } from "./tiers.ts";

export interface RateLimitOptions {
  blockWholeTier: boolean;
  tenantCeiling: boolean;
  /** Window length in emulated milliseconds (Qlik: 5 minutes). */
  windowMs: number;
}

export const defaultRateLimitOptions: RateLimitOptions = { blockWholeTier: true, tenantCeiling: true, windowMs: 5 * 60_000 };

/** Timestamps (real ms) in a growable ring, oldest first. */
class Window {
  private times: number[] = [];
  private head = 0;
  count(now: number, windowReal: number): number {
    while (this.head < this.times.length && (this.times[this.head] ?? 0) <= now - windowReal) this.head++;
    if (this.head > 4096 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
    return this.times.length - this.head;
  }
  oldest(): number | undefined {
    return this.times[this.head];
  }
  add(now: number): void {
    this.times.push(now);
  }
}

export class RateLimiter {
  private readonly windows = new Map<string, Window>();
  private readonly blockedUntil = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly options: RateLimitOptions,
    private readonly userCount: () => number,
  ) {}

  /** Counts one request, or throws a 429 `QlikError` when it exceeds the limit. */
  hit(tenantId: string, userId: string, tier: TierInfo): void {
    const now = this.clock.nowMs();
    const windowReal = this.clock.real(this.options.windowMs);
    const userKey = `${tenantId}|${userId}|${tier.bucket}`;
    const tenantKey = `${tenantId}|*|${tier.bucket}`;
    const blocked = this.blockedUntil.get(userKey);
    if (blocked !== undefined && blocked > now) throw this.tooMany(blocked - now);
    const perWindow = Math.round((tier.perMinute * this.options.windowMs) / 60_000);
    const user = this.window(userKey);
    if (user.count(now, windowReal) >= perWindow) {
      const waitReal = (user.oldest() ?? now) + windowReal - now;
      return this.refuse(userKey, now, waitReal);
    }
    if (this.options.tenantCeiling) {
      const ceiling = Math.max(perWindow, Math.floor(perWindow * this.userCount() * 0.5));
      const tenant = this.window(tenantKey);
      if (tenant.count(now, windowReal) >= ceiling) {
        const waitReal = (tenant.oldest() ?? now) + windowReal - now;
        return this.refuse(userKey, now, waitReal);
      }
      tenant.add(now);
    }
    user.add(now);
  }

  reset(): void {
    this.windows.clear();
    this.blockedUntil.clear();
  }

  private refuse(userKey: string, now: number, waitReal: number): never {
    const seconds = Math.max(1, Math.ceil(waitReal / 1000));
    if (this.options.blockWholeTier) this.blockedUntil.set(userKey, now + seconds * 1000);
    throw this.tooMany(seconds * 1000);
  }

  private tooMany(waitRealMs: number): QlikError {
    const seconds = Math.max(1, Math.ceil(waitRealMs / 1000));
    return new QlikError(429, "HTTP-429", "API rate limit reached.", `You need to wait ${seconds} seconds until limit is lifted.`, {
      "retry-after": String(seconds),
    });
  }

  private window(key: string): Window {
    let w = this.windows.get(key);
    if (!w) {
      w = new Window();
      this.windows.set(key, w);
    }
    return w;
  }
}
