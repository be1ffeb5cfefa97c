/**
 * `@lifeboat/qlik` — the only package that talks to Qlik (through `@qlik/api`).
 *
 * @example
 * import { createTenantClient } from "@lifeboat/qlik";
 * const tenant = createTenantClient({ host: "https://acme.eu.qlikcloud.com", auth: { type: "apikey", apiKey } });
 * const me = await tenant.whoAmI();
 * for await (const app of tenant.listApps()) { … }
 * console.log(tenant.stats().callsPerTier);
 * await tenant.close();
 *
 * Only what other packages use is exported.
 */
export {
  createRateLimiter,
  createTenantClient,
  PRIVATE_CONTENT_BOT_SCOPE,
  type ClientStats,
  type ConcurrencyOptions,
  type QlikClientEvent,
  type TenantAuth,
  type TenantClient,
  type TenantClientConfig,
  waitingMessage,
} from "./client.ts";
export type { RateLimiter } from "./internal/limiter.ts";
export { DEFAULT_TIMEOUTS, type Timeouts } from "./internal/timeouts.ts";
export { createRestoreTarget } from "./restore-target.ts";
export { createQrsReader, type QrsCertificateAuth, type QrsHeaderAuth, type QrsReaderConfig } from "./qrs.ts";
export { QlikApiError, unreachableReason } from "./errors.ts";
