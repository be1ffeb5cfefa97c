/**
 * `@lifeboat/kit` — one of each runtime mechanism several packages use: the concurrency pool,
 * the retry loop and its backoff, the clock, the tenant address normaliser. It imports none of
 * our packages. Test helpers (`ManualClock`, `deferred`) are in `@lifeboat/kit/testing`.
 *
 * @example
 * import { createPool, retry, backoffDelay, systemClock, tenantKey } from "@lifeboat/kit";
 * const pool = createPool(8);
 * await Promise.all(items.map((i) => pool.run(() => work(i))));
 */
export { systemClock, type Clock } from "./clock.ts";
export { createPool, mapPool, type Pool } from "./pool.ts";
export { backoffDelay, retry, type Backoff, type RetryLoop } from "./retry.ts";
export { snapshotTenantKey, tenantKey, tenantOrigin, tenantUrl } from "./host.ts";
