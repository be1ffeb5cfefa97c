/**
 * A resource kind declared as data (issue 12): what the engine must know of a kind of tenant
 * content beyond apps, spaces and people — where it lives in a snapshot, which of its fields
 * are secrets, which point at other things, how the same item is found in a target, and what
 * a restore can do with it. `resourceKind(def)` (kind.ts) turns a declaration into a
 * `ResourceKind` of the registry: one generic capture, index, plan fragment, step runner and
 * verification serve every declared kind; the connector (`@lifeboat/qlik` resources/) does
 * the kind's Qlik calls behind `TenantReader.listResources` and `RestoreTarget.createResource`.
 *
 * ```ts
 * export const dataConnections = resourceKind({
 *   layer: "dataConnections", noun: "data connection", path: "data-connections", group: "data",
 *   phase: "before-apps", match: "name-in-space", where: "Management Console › Data connections",
 *   secrets: [{ field: "qPassword", label: "password", when: (r) => r.secrets?.includes("qPassword") ?? false }],
 *   refs: [{ path: "qCredentialsID", to: "dataCredentials", optional: true }],
 *   volatile: ["qID", "qEngineObjectID", "created", "updated", "privileges", "tenant"],
 *   classify: (r) => (r.secrets?.length ? { class: "input", reason: "its password is never returned by Qlik" } : { class: "direct", reason: "no secret" }),
 * });
 * ```
 */
import type { ResourceKindName, ResourceRecord } from "@lifeboat/model";

/**
 * What a restore can do with an item (the plan prints it with its reason, before anything changes):
 * - `direct`: put back as it was;
 * - `input`: recreated, but it needs something only the operator can give (a secret, an id of
 *   another system, an interactive sign-in); without it, it is created where Qlik accepts that
 *   (disabled, where the kind has a state) and listed in the re-entry checklist;
 * - `reference`: Qlik's API cannot write it; the snapshot holds its readable configuration and
 *   the checklist says where to redo it by hand.
 */
export type ResourceClass = "direct" | "input" | "reference";

export interface Classification {
  class: ResourceClass;
  reason: string;
}

/** A secret field of a kind (API-FACTS §7): never stored; asked for at restore. */
export interface SecretDecl {
  /** The field in Qlik's write body (a dotted path for nested ones: "options.clientSecret"). */
  field: string;
  /** How people call it ("password", "client secret"). */
  label: string;
  /** Whether this item has it set (default: the record's `secrets` lists the field). */
  when?: (r: ResourceRecord) => boolean;
  /**
   * Body fields that follow from it and differ when an item is written without it (a webhook
   * created without its signing secret: `secretKeyAdded` false, `enabled` false): not compared
   * by verification for an item whose secret was not given (the checklist asks for it). What
   * the target leaves different for any other reason the connector reports at run time
   * (`ResourceWriteResult.unrestored`: an automation disabled because a connection is not
   * connected, a setting Qlik refuses); the two never name the same cause.
   */
  affects?: readonly string[];
}

/** What a reference field names: a target id is found for it at restore. */
export type RefTarget = "app" | "space" | "user" | "group" | ResourceKindName;

/** A field of `body` that names another thing by its id in the source tenant. */
export interface RefDecl {
  /** Dotted path into `body`; `[]` for each element of an array ("recipients.users[].id"). */
  path: string;
  to: RefTarget;
  /** The item can be restored without it (the field is left out when it cannot be mapped). */
  optional?: boolean;
}

export type ResourceGroup = "data" | "automation" | "integration" | "scheduling" | "organisation" | "appearance" | "knowledge" | "identity";

export interface ResourceKindDef {
  /** Manifest layer and registry key (never renamed). */
  layer: ResourceKindName;
  /** Singular noun for messages and `ls` ("data connection"). */
  noun: string;
  /** Plural where it is not the noun and "s" ("glossaries"). */
  plural?: string;
  /** The snapshot's root entry (a tree: one document per item, its files beside it). Never renamed. */
  path: string;
  group: ResourceGroup;
  /**
   * When its restore steps run: `before-apps` for what apps need (connections, themes,
   * extensions, roles), `after-apps` for what points at apps or needs everything else
   * (tasks, alerts, automations, webhooks, collections, settings; IP policies last).
   */
  phase: "before-apps" | "after-apps";
  /**
   * How the same item is found in a target: by id (ids Qlik keeps, or the same tenant only —
   * `id-or-name` tries the id, then the name), by name (in its space for space-scoped kinds),
   * or the one item of a singleton (settings).
   */
  match: "id" | "id-or-name" | "name" | "name-in-space" | "singleton";
  /** The item's class and why (see `ResourceClass`). */
  classify(r: ResourceRecord): Classification;
  /** Where a person does what a restore cannot, for the checklist ("Management Console › Data connections"). */
  where: string;
  /** What a restore must be given again for this kind (the manifest's `restoreNeeds`). */
  restoreNote: string;
  /**
   * What of this kind a backup cannot see, said as the manifest's coverage gap of every backup
   * that lists it (items Qlik shows their owners only: other users' data credentials, private
   * collections, …). Absent: the caller sees every item.
   */
  unseen?: string;
  secrets?: readonly SecretDecl[];
  refs?: readonly RefDecl[];
  /**
   * Fields Qlik sets itself (ids, dates, counts, derived state, who changed it last): left out
   * of the comparison that decides "unchanged" at restore, of verification, and of `diff`'s
   * changed fields. Dotted paths.
   */
  volatile?: readonly string[];
  /** Names of the files an item holds (themes: "archive.zip"); each stored byte for byte. */
  files?: readonly string[];
  /**
   * Set when Qlik makes whoever creates an item its owner and no call of its API hands it to
   * another user (reload tasks, report templates, tags, …): why, as people read it. A restore
   * then cannot give the item back its owner — the plan names whose it was (`ownerByHand`), the
   * owner is not compared (unchanged, verification), and where a person can hand it over the
   * connector's note puts that on the checklist.
   */
  ownerByCreator?: string;
}
