/**
 * What every route of every tenant shares: the clock, the latency model, the rate limiter,
 * fault injection, the UNCONFIRMED-behaviour switches and the persistence hook.
 */
import { randomBytes, randomUUID } from "node:crypto";
import type { Clock } from "./clock.ts";
import type { FaultInjector } from "./faults.ts";
import type { LatencyModel } from "./latency.ts";
import type { RateLimiter } from "./ratelimit.ts";
import type { Tenant } from "../model.ts";

/**
 * Switches for behaviours API-FACTS.md marks UNCONFIRMED. Defaults are the cautious reading
 * (what makes a client robust), documented in the README.
 */
export interface Quirks {
  /** Import straight into a managed space: refused with 403 (default) or allowed. */
  importIntoManagedSpace: "refuse" | "allow";
  /** Import keeps object owners from the file (true) or resets them to the importer (default). */
  importKeepsObjectOwners: boolean;
  /**
   * Export by a private-content bot carries every user's private and community objects
   * (default true); anyone else's export carries base and community objects and the
   * exporter's own private objects only.
   */
  botExportIncludesAllPrivate: boolean;
  /**
   * A non-bot export carries other users' community (published) objects (default false:
   * help.qlik.com export-apps-cloud-hub lists "public content, private content belonging
   * to you, media, data" only).
   */
  exportIncludesCommunity: boolean;
  /**
   * Whether `GET /apps/{id}` reports `attributes.spaceId` (default true: the import response
   * carries it, qlik.dev deploy-tabular-reports; qlik-cloud-examples `tenant_deploy_content.sh`
   * tests `.attributes | has("spaceId")`).
   */
  appInfoIncludesSpaceId: boolean;
  /** Whether editing a private object bumps the app's `modifiedDate` (default false). */
  privateEditBumpsAppModified: boolean;
  /** Whether objects' `qMeta` carries `createdDate` / `modifiedDate` (default true). */
  objectMetaDates: boolean;
  /**
   * `Doc.DoSave` in a session opened without data (`OpenDoc` qNoData) saves the app without
   * its data model (default true: the reading that hurts most; Qlik documents only that such a
   * session's objects "contain no data").
   */
  noDataSaveDropsData: boolean;
  /**
   * What `/oauth/token` does with requested scopes not assigned to the client: `drop` them
   * and grant the rest (default; the response's `scope` tells what was granted), or `refuse`
   * the request with 400 (`invalid_scope`, RFC 6749 §5.2). Qlik documents only that requested
   * scopes "should already be assigned to the OAuth client" (FIDELITY-AUDIT #23).
   */
  unassignedScopes: "drop" | "refuse";
  /**
   * Whether the item listing without a `spaceType`/`spaceId` filter includes other users'
   * personal-space apps (default false: undocumented; Qlik's private-content-bots tutorial
   * lists them with `spaceType=personal`, FIDELITY-AUDIT #25). A filtered listing always does.
   */
  itemsListIncludesOthersPersonal: boolean;
  /**
   * Whether editing a chart (or any child object) moves its top-level object's (its sheet's)
   * `qMeta.modifiedDate` too (default false: in Qlik a child's qMeta carries no dates, and
   * whether its parent's date moves is not documented).
   */
  childEditMovesParentDate: boolean;
  /**
   * What a single `GET /data-connections/{qID}` returns of a stored `qConnectionSecret`:
   * `plaintext` (default: the reading that hurts a client most — @qlik/api 2.19's ConnectionGet
   * documents the field as "included in the response of GET /data-connections/{qID}", whether in
   * clear is UNCONFIRMED, API-FACTS §6.6) or `absent`. Lists never carry it.
   */
  connectionSecretOnGet: "plaintext" | "absent";
  /** A 429 blocks the whole tier for Retry-After (default true). */
  rateLimitBlocksWholeTier: boolean;
  /** Tenant-wide ceiling = user limit × users × 0.5 (default true). */
  rateLimitTenantCeiling: boolean;
  /** How a `+` in a query string reads: as a space (default, form decoding) or as a plus (rest/query.ts). */
  queryPlus: "space" | "literal";
  /**
   * `PATCH /api-keys/configs/{tenantId}` with `path: "/api_keys_enabled"`: the 2025 spec lists
   * that path, `@qlik/api` 2.19 `api-keys.d.ts` (`ApiKeyConfigPatch`) no longer does. Default
   * `refuse` (400, the reading that hurts a client most); `accept` follows the 2025 spec.
   */
  apiKeysEnabledPatch: "refuse" | "accept";
  /**
   * Whether a tenant admin's listing of report templates includes other users' templates
   * (default false: `@qlik/api` 2.19 report-templates.d.ts calls a template "scoped to" its
   * owner and documents no admin view — the reading that hides the most from a backup).
   */
  reportTemplatesAdminSeesAll: boolean;
  /**
   * Whether a tenant admin's listing of data alerts includes alerts it neither owns nor
   * receives (default false: undocumented for data alerts, while sharing tasks document that
   * TenantAdmin / AnalyticsAdmin "can view all tasks", `@qlik/api` 2.19 sharing-tasks.d.ts).
   */
  dataAlertsAdminSeesAll: boolean;
  /**
   * Whether an interactive identity provider created with `options` and `skipVerify: true` is
   * active at once when no other interactive one is (default true: the reading that hurts a
   * client most — qlik-cli's identity-provider-create page says only that it skips the
   * verification; whether Qlik then activates it is UNCONFIRMED, API-FACTS §6.19).
   */
  idpSkipVerifyActivates: boolean;
  /**
   * Whether `GET /brands/{id}/files/{fileId}` answers with `content-disposition: attachment`
   * (default false: UNCONFIRMED; the file's own content type then decides how @qlik/api reads
   * it, and a `styles` file served as `application/json` comes back parsed, not as bytes).
   */
  brandFileAttachment: boolean;
  /**
   * Whether `POST /glossaries/actions/import` updates the glossary of the same name in the
   * same space (default false: UNCONFIRMED which glossary the import's "creates a new or
   * updates an existing" means — the body has no id; false creates a second glossary, the
   * reading that hurts a client most).
   */
  glossaryImportUpdatesByName: boolean;
}

export const defaultQuirks: Quirks = {
  importIntoManagedSpace: "refuse",
  importKeepsObjectOwners: false,
  botExportIncludesAllPrivate: true,
  exportIncludesCommunity: false,
  appInfoIncludesSpaceId: true,
  privateEditBumpsAppModified: false,
  objectMetaDates: true,
  noDataSaveDropsData: true,
  unassignedScopes: "drop",
  itemsListIncludesOthersPersonal: false,
  childEditMovesParentDate: false,
  connectionSecretOnGet: "plaintext",
  rateLimitBlocksWholeTier: true,
  rateLimitTenantCeiling: true,
  queryPlus: "space",
  apiKeysEnabledPatch: "refuse",
  reportTemplatesAdminSeesAll: false,
  dataAlertsAdminSeesAll: false,
  idpSkipVerifyActivates: true,
  brandFileAttachment: false,
  glossaryImportUpdatesByName: false,
};

export interface Runtime {
  clock: Clock;
  latency: LatencyModel;
  limiter: RateLimiter | undefined;
  faults: FaultInjector;
  quirks: Quirks;
  /** Real seconds an export's temp file lives (not time-scaled). */
  exportTtlSeconds: number;
  /** Schedules a save of `--state` after a change. */
  changed(tenant: Tenant): void;
}

export const newHexId = (): string => randomBytes(12).toString("hex");
export const newGuid = (): string => randomUUID();
export const nowIso = (): string => new Date().toISOString();
