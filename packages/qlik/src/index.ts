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
 */
export {
  createTenantClient,
  DEFAULT_CONCURRENCY,
  isPrivateContentBot,
  PRIVATE_CONTENT_BOT_SCOPE,
  type ClientStats,
  type ConcurrencyOptions,
  type LimitOptions,
  type QlikClientEvent,
  type TenantAuth,
  type TenantClient,
  type TenantClientConfig,
  waitingMessage,
} from "./client.ts";
export { DEFAULT_TIMEOUTS, TIMEOUT_KINDS, type TimeoutKind, type Timeouts } from "./internal/timeouts.ts";
export {
  stateSteps,
  type AppEditor,
  type CreateUserInput,
  type ImportAppInput,
  type ObjectInput,
  type StateStep,
  type TenantWriter,
} from "./writer.ts";
export { createRestoreTarget } from "./restore-target.ts";
export { createQrsReader, type QrsCertificateAuth, type QrsHeaderAuth, type QrsReader, type QrsReaderConfig } from "./qrs.ts";
export { QlikApiError, isQlikApiError, type QlikErrorKind, type QlikErrorFields } from "./errors.ts";
export { OPERATIONS, type OperationInfo, type OperationName } from "./operations.ts";
export type { RetryPolicy } from "./internal/retry.ts";
