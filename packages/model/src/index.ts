/**
 * @lifeboat/model — the vocabulary the other packages share and nothing else: the records
 * a connector reads from a tenant and the engine stores (`records.ts`), the ports between
 * them (`ports.ts`: `TenantReader`, `RestoreTarget`), and the error vocabulary
 * (`errors.ts`: `LifeboatError` and its codes), and the names of the resource kinds
 * (`resources.ts`). Types, plus the one error class and one list of names; it
 * imports nothing, so every package may import it.
 *
 * ```ts
 * import type { TenantReader, UserRecord } from "@lifeboat/model";
 * import { LifeboatError, errorCodeOf } from "@lifeboat/model";
 * ```
 */
export type * from "./records.ts";
export type * from "./ports.ts";
export type * from "./resources.ts";
export { RESOURCE_KINDS } from "./resources.ts";
export { ERROR_CODES, errorCodeOf, isErrorCode, isLifeboatError, LifeboatError, type ErrorCode, type ErrorFacts } from "./errors.ts";
