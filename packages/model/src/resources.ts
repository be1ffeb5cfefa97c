/**
 * Tenant resources beyond apps, spaces and people (issue 12): data connections, automations,
 * tasks, webhooks, themes, settings, … Each kind is one name of `RESOURCE_KINDS`; a connector
 * reads and writes every kind through the same record (`ResourceRecord`) and the same port
 * methods (`TenantReader.listResources`, `RestoreTarget.createResource`, …), and the engine
 * declares per kind what it means (`@lifeboat/engine` kinds/resources: class, secrets,
 * references, match).
 *
 * The order of `RESOURCE_KINDS` is the registry's order for these kinds (manifest order, and
 * the order a restore's steps of one phase run in): a kind that refers to another comes
 * after it (an automation after its connections, a reload task after… apps). Never reordered
 * or renamed: names are manifest layers.
 */
export const RESOURCE_KINDS = [
  // data (API-FACTS §6.6–6.7)
  "dataConnections",
  "dataCredentials",
  // appearance (§6.13, §6.18)
  "themes",
  "extensions",
  "brands",
  // integration (§6.10–6.12, §6.21, §6.23)
  "cspOrigins",
  "webIntegrations",
  "oauthClients",
  "apiKeyConfig",
  // automation (§6.9)
  "automationConnections",
  "automations",
  // scheduling and distribution (§6.14–6.15)
  "reloadTasks",
  "sharingTasks",
  "reportTemplates",
  "dataAlerts",
  "webhooks",
  // organisation (§6.16)
  "tags",
  "collections",
  "notes",
  // knowledge (§6.17)
  "glossaries",
  // identity and settings (§6.5, §6.19–6.24)
  "customRoles",
  "roleAssignments",
  "groupSettings",
  "identityProviders",
  "tenantSettings",
  "licenseAssignments",
  "ipPolicies",
] as const;

export type ResourceKindName = (typeof RESOURCE_KINDS)[number];

/**
 * One resource as a connector reads it: Qlik's fields (`body`) without any secret, with the
 * facts every kind shares lifted out (owner, space, change stamp).
 */
export interface ResourceRecord {
  kind: ResourceKindName;
  /** Qlik's id (a singleton's fixed key, e.g. "settings"). */
  id: string;
  /** The name people know it by (a singleton: what it is, e.g. "tenant settings"). */
  name: string;
  /** The owner's user id in its tenant, for kinds with owners. */
  ownerId?: string;
  /** The space it lives in; undefined for a personal or tenant-wide one. */
  spaceId?: string;
  /** The change stamp the listing reports (updatedAt, updated, modifiedDate, …): changed-only capture compares it. */
  stamp?: string;
  /**
   * Every field Qlik returns for it, as Qlik names them — never a secret (API-FACTS §7): the
   * connector leaves out what Qlik would not give back, and whatever the engine's kind
   * declares as a secret is removed again before anything is stored.
   */
  body: Record<string, unknown>;
  /** Files it holds besides its JSON (a theme's archive, a brand's logo): names for `readResourceFile`. */
  files?: string[];
  /** Secret fields Qlik holds for it that no read returns (set, but unreadable): what a restore needs re-entered. */
  secrets?: string[];
  /** The reader skipped the detail read because `unchanged` said so: `body` is the listing's only. */
  summaryOnly?: true;
}

/** What a restore writes of one resource. */
export interface ResourceWrite {
  /** The fields to create it with or bring back (references already mapped to the target's ids). */
  body: Record<string, unknown>;
  /** The target owner's user id, for kinds with owners. */
  ownerId?: string;
  /** The target space id; undefined for a personal or tenant-wide one. */
  spaceId?: string;
  /** Secret field → value, from the operator (`--secrets` or a prompt); never stored or logged. */
  secrets?: Record<string, string>;
  /** Its files (name → bytes), as the snapshot holds them. */
  files?: Record<string, () => AsyncIterable<Uint8Array>>;
  /**
   * Its id in the snapshot. A kind whose ids a client may choose keeps it on create (a data
   * connection's `qID`: the same id in every tenant); the id fields themselves are volatile,
   * so `body` lacks them.
   */
  sourceId?: string;
}

export interface ResourceWriteResult {
  /** The target id of what was created or updated ("" when `skipped`). */
  id: string;
  /**
   * Nothing was written, and why, with the next step ("no free professional licence: free one in
   * Management Console › Licenses, then run the restore again"): what the target cannot take now
   * and a person settles. The item goes on the re-entry checklist; the restore is not failed.
   */
  skipped?: string;
  /** What the target could not do as asked (an owner Qlik gives the caller instead): shown on the step. */
  notes?: string[];
  /**
   * Fields of `body` the target was left with other values than asked, on purpose and said in
   * `notes` (a webhook created disabled because its secret was not given; a setting Qlik
   * refuses): verification does not compare them for this item. Top-level field names.
   */
  unrestored?: string[];
}
