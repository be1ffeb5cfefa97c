/**
 * The connector half of the resource kinds (`@lifeboat/model` resources.ts): per kind, the
 * Qlik calls that list, read, create and update it through `@qlik/api`, each through the
 * core's `call` (rate-limit tier, retries, error classes) with its row in `operations.ts`.
 * One file per group of kinds (`data.ts`, `automation.ts`, …) exports its `ResourceApi`s;
 * `index.ts` collects them. The client (`listResources`, `readResourceFile`) and the restore
 * target (`createResource`, `updateResource`) dispatch here and name no kind.
 *
 * A `ResourceApi` never returns a secret (API-FACTS §7): fields Qlik might echo are dropped
 * in `toRecord`, and the secrets Qlik holds but does not return are *named* in
 * `ResourceRecord.secrets` (from what the answer says: `secretKeyAdded`, a password-typed
 * parameter, `qSeparateCredentials`, …) so the manifest can say what a restore needs.
 */
import type { ResourceKindName, ResourceRecord, ResourceWrite, ResourceWriteResult } from "@lifeboat/model";
import type { TenantCore } from "../client.ts";

export interface ResourceApi {
  readonly kind: ResourceKindName;
  /**
   * Every item the caller can see. Records are complete unless `detail` is set: then each is a
   * summary that `get` completes (skipped for items the caller calls unchanged).
   */
  list(core: TenantCore): AsyncIterable<ResourceRecord>;
  /** The listing lacks fields a backup needs: `get` reads each item. */
  readonly detail?: boolean;
  /**
   * One item in full (needed with `detail`; also used by verification). `summary` is the
   * listing's record when the listing asks: a kind whose detail only some callers may read
   * (an automation's definition: its owner or an `admin.automations` bot) returns it then.
   */
  get?(core: TenantCore, id: string, summary?: ResourceRecord): Promise<ResourceRecord>;
  /** One of an item's files, byte for byte. */
  readFile?(core: TenantCore, id: string, file: string): AsyncIterable<Uint8Array>;
  /** Creates an item (not retried after an unanswered request: see `RestoreTarget`). */
  create?(core: TenantCore, input: ResourceWrite): Promise<ResourceWriteResult>;
  /** Brings an existing item to `input`. */
  update?(core: TenantCore, id: string, input: ResourceWrite): Promise<ResourceWriteResult>;
}
