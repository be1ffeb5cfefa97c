/**
 * The one retry mechanism: a bounded loop that waits on an injected clock, and one backoff
 * policy — exponential, capped, with "equal jitter" (half the delay fixed, half random) so a
 * crowd of retries spreads out. What is retried, and how many times, stays with the caller
 * (the connector retries by its error kinds and honours `Retry-After`; the storage wrapper
 * retries whatever is not a permanent answer): `delayAfter` decides for each failure.
 *
 * @example
 * const body = await retry((attempt) => backend.load(h), {
 *   clock,
 *   delayAfter: (error, attempt) => {
 *     if (attempt >= 4 || !isTransient(error)) throw error;   // give up: rethrow (or wrap)
 *     return backoffDelay(attempt, { baseMs: 200, maxMs: 8_000 }, random);
 *   },
 * });
 */
import type { Clock } from "./clock.ts";

export interface Backoff {
  /** The delay after the first failure, before jitter; it doubles with each further failure. */
  baseMs: number;
  /** The cap on the doubled delay (before jitter); `Infinity` for none. */
  maxMs: number;
}

/**
 * The delay after the `failure`-th failure (1-based): `min(maxMs, baseMs·2^(failure-1))`, of
 * which the first half is fixed and the second half scaled by `random()` (uniform [0, 1)).
 */
export function backoffDelay(failure: number, backoff: Backoff, random: () => number): number {
  const cap = Math.min(backoff.maxMs, backoff.baseMs * 2 ** (failure - 1));
  return Math.round(cap / 2 + random() * (cap / 2));
}

export interface RetryLoop {
  clock: Clock;
  /**
   * Called with each failure and its attempt number (1-based): returns how long to wait before
   * the next attempt, or throws (the error itself, or a wrapped one) to give up.
   */
  delayAfter(error: unknown, attempt: number): number;
}

/** Runs `fn` until it succeeds or `delayAfter` gives up, sleeping on `clock` in between. */
export async function retry<T>(fn: (attempt: number) => Promise<T>, loop: RetryLoop): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      await loop.clock.sleep(loop.delayAfter(error, attempt));
    }
  }
}
