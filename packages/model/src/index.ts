/**
 * @lifeboat/model — the vocabulary the other packages share and nothing else: the records
 * a connector reads from a tenant and the engine stores (`records.ts`), and the ports
 * between them (`ports.ts`: `TenantReader`, `RestoreTarget`). Types only; it imports
 * nothing, so every package may import it.
 *
 * ```ts
 * import type { TenantReader, UserRecord } from "@lifeboat/model";
 * ```
 */
export type * from "./records.ts";
export type * from "./ports.ts";
