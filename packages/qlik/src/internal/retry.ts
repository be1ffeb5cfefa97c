/**
 * Retries with exponential backoff and jitter, bounded. What is retried is decided by the
 * error's kind (`errors.ts`): transient failures (500/502/503/504, resets, truncated
 * downloads) and 429s. A 429 waits its `Retry-After` (the limiter pauses the tier so other
 * callers wait too); other retries wait `@lifeboat/kit`'s `backoffDelay` (`base·2^(n-1)` capped at
 * `maxMs`, with "equal jitter": half fixed, half random, so a crowd of retries spreads out).
 *
 * Non-idempotent writes (`idempotent: false`) are retried only after a 429, which Qlik
 * answers before doing anything; after a 5xx or a reset we cannot know whether the write
 * happened, so the caller (restore's journal) decides.
 */
import { backoffDelay, retry, type Backoff, type Clock } from "@lifeboat/kit";
import { classify, type QlikApiError } from "../errors.ts";

export interface RetryPolicy extends Backoff {
  /** Attempts in total for transient failures (default 5). */
  attempts: number;
  /** Attempts in total when the failures are 429s (default 12; each waits Retry-After). */
  rateLimitAttempts: number;
}

export const defaultRetryPolicy: RetryPolicy = { attempts: 5, rateLimitAttempts: 12, baseMs: 250, maxMs: 8_000 };

export interface RetryContext {
  operation: string;
  host: string;
  object?: string;
  clock: Clock;
  policy: RetryPolicy;
  /** Uniform [0, 1); injectable for deterministic tests. */
  random?: () => number;
  idempotent?: boolean;
  /** Before waiting for another attempt. */
  onRetry?: (error: QlikApiError, attempt: number, delayMs: number) => void;
  /** On every 429 (before waiting). */
  onRateLimited?: (error: QlikApiError) => void;
}

export async function withRetry<T>(fn: (attempt: number) => Promise<T>, ctx: RetryContext): Promise<T> {
  const random = ctx.random ?? Math.random;
  let transientFailures = 0;
  let rateLimited = 0;
  return retry(fn, {
    clock: ctx.clock,
    delayAfter: (e, attempt) => {
      const err = classify(e, { operation: ctx.operation, host: ctx.host, object: ctx.object, nowMs: ctx.clock.now() });
      let delay: number;
      if (err.kind === "rate-limited") {
        rateLimited++;
        ctx.onRateLimited?.(err);
        if (rateLimited >= ctx.policy.rateLimitAttempts) throw err.with({ attempts: attempt });
        // Retry-After plus a little jitter so paused callers do not return in lockstep.
        delay = (err.retryAfterMs ?? 1000) + Math.round(random() * 100);
      } else if (err.kind === "transient" && ctx.idempotent !== false) {
        transientFailures++;
        if (transientFailures >= ctx.policy.attempts) throw err.with({ attempts: attempt });
        delay = backoffDelay(transientFailures, ctx.policy, random);
      } else {
        throw attempt > 1 ? err.with({ attempts: attempt }) : err;
      }
      ctx.onRetry?.(err, attempt, delay);
      return delay;
    },
  });
}
