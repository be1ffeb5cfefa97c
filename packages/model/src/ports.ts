/**
 * The ports between the engine and a tenant connector: what a backup reads of a tenant
 * (`TenantReader`) and what a restore reads of and does to a target tenant
 * (`RestoreTarget`). `@lifeboat/qlik` implements both over `@qlik/api` (and a reader over
 * QRS); the engine's tests implement them in memory (`@lifeboat/engine/testing`).
 *
 * `RestoreTarget` contracts the executor relies on:
 * - `getApp` resolves `undefined` (never throws) when the app does not exist;
 * - creating calls (`createUser`, `createSpace`, `importApp`, `copyApp`) are not retried by
 *   the implementation after an unanswered request; the executor's journal decides;
 * - `RestoreAppEditor.upsertObject` returns the id the engine actually used (it may differ from
 *   the wanted one when that id is taken);
 * - every QIX change is lost unless `RestoreAppEditor.save()` is called;
 * - `withApp` is for writes: it opens the app *with its data*, so that `save()` never stores
 *   the app without its data model (docs/restore.md, "Writing into an app"); reads go
 *   through `readObjects`, which opens it without data.
 */
import type {
  AppContent,
  AppExport,
  AppSummary,
  AssignmentRecord,
  CallerInfo,
  GroupRecord,
  ObjectRecord,
  ObjectStamp,
  RoleRecord,
  ScriptVersionInfo,
  SpaceRecord,
  UserRecord,
} from "./records.ts";
import type { ResourceKindName, ResourceRecord, ResourceWrite, ResourceWriteResult } from "./resources.ts";

export interface TenantReader extends TenantStatsSource {
  readonly host: string;
  /**
   * Optional: what this reader cannot capture by its nature (e.g. a client-managed site read
   * through QRS has no script or property-tree endpoint). Each becomes a coverage gap of the
   * manifest and a warning, so a snapshot never looks more complete than it is.
   */
  coverageGaps?(): { layer: "tenant" | "users" | "groups" | "roles" | "spaces" | "apps" | "objects" | ResourceKindName; description: string }[];
  whoAmI(): Promise<CallerInfo>;
  listUsers(): AsyncIterable<UserRecord>;
  listGroups(): AsyncIterable<GroupRecord>;
  listRoles(): AsyncIterable<RoleRecord>;
  listSpaces(): AsyncIterable<SpaceRecord>;
  listSpaceAssignments(spaceId: string): AsyncIterable<AssignmentRecord>;
  listApps(): AsyncIterable<AppSummary>;
  /** `GET /apps/{id}`: `{ attributes, privileges }` as Qlik returns it. */
  getAppInfo(appId: string): Promise<{ attributes: Record<string, unknown> }>;
  getAppScript(appId: string): Promise<string>;
  getAppScriptHistory(appId: string): Promise<ScriptVersionInfo[]>;
  exportApp(appId: string, opts: { withData: boolean }): Promise<AppExport>;
  /** Every object the caller can see, read through one QIX session. */
  readAppObjects(appId: string): Promise<ObjectRecord[]>;
  /**
   * Optional, one QIX session: the objects' stamps (cheap list calls), then — unless
   * `unchanged(stamps)` returns true — every object as `readAppObjects` reads them, and
   * the load script when `script` is set. Readers without it are read through
   * `readAppObjects` and `getAppScript` every run.
   */
  readAppContent?(appId: string, opts: { unchanged?: (stamps: ObjectStamp[]) => boolean; script?: boolean }): Promise<AppContent>;
  /**
   * Optional (a client-managed site has none of these kinds): the resource kinds this reader
   * can list. A kind it cannot list is a coverage gap of the manifest.
   */
  resourceKinds?(): readonly ResourceKindName[];
  /**
   * Every resource of a kind the caller can see, secrets left out. Where the listing lacks
   * fields and a detail read per item is needed, `unchanged(summary)` returning true skips
   * that read (the record comes back `summaryOnly`): changed-only capture.
   */
  listResources?(kind: ResourceKindName, opts?: { unchanged?: (summary: ResourceRecord) => boolean }): AsyncIterable<ResourceRecord>;
  /** One of a resource's `files`, byte for byte. */
  readResourceFile?(kind: ResourceKindName, id: string, file: string): AsyncIterable<Uint8Array>;
}

/**
 * Optional: what the client reports about the calls it made (e.g. per rate-limit
 * tier). The backup stores it in the manifest as `apiCalls`, as is.
 */
export interface TenantStatsSource {
  stats?(): unknown;
}

export interface ObjectWrite {
  id: string;
  type: string;
  genericType: ObjectRecord["genericType"];
  /** `{ qProperty, qChildren, qEmbeddedSnapshotRef }` as the backup recorded it. */
  propertyTree: unknown;
}

export interface RestoreAppEditor {
  /** Objects as the backup reader records them (top-level objects with their trees). */
  readObjects(): Promise<ObjectRecord[]>;
  /**
   * Creates the object (with its children) or replaces its properties. The engine may give a
   * created object another id when the wanted one is taken; the id used is returned.
   */
  upsertObject(obj: ObjectWrite): Promise<{ id: string; created: boolean }>;
  /** Brings publish/approve state to the wanted values (only the calls needed). */
  setState(id: string, genericType: ObjectRecord["genericType"], state: { published: boolean; approved: boolean }): Promise<void>;
  destroyObject(id: string, genericType: ObjectRecord["genericType"]): Promise<void>;
  /** `Doc.DoSave()`: every change above is lost without it. */
  save(): Promise<void>;
}

/** An app in Qlik's soft-delete state (qlik.dev changelog 225; docs/qlik-surface.md, "REST calls"), restorable until `purgeAt`. */
export interface SoftDeletedApp {
  appId: string;
  name?: string;
  spaceId?: string;
  deletedAt: string;
  purgeAt: string;
}

/**
 * What the restore planner knows of an object of a target app, read before planning: enough
 * to plan every change to it (create, update, delete, owner, state) and to notice, before
 * writing, that someone changed it since (`modifiedDate`, else `fingerprint`).
 */
export interface TargetObject {
  id: string;
  type: string;
  genericType: ObjectRecord["genericType"];
  title: string;
  ownerId: string;
  approved?: boolean;
  published?: boolean;
  /** The engine's fingerprint of its property tree (children included). */
  fingerprint?: string;
  /** A bookmark's fingerprint without its selections (compared with a snapshot that has none). */
  fingerprintWithoutSelections?: string;
  /** `qMeta.modifiedDate` when the engine reports one (UNCONFIRMED for Qlik Cloud). */
  modifiedDate?: string;
}

export interface RestoreTarget {
  readonly host: string;
  whoAmI(): Promise<CallerInfo>;
  listUsers(): AsyncIterable<UserRecord>;
  listGroups(): AsyncIterable<GroupRecord>;
  listSpaces(): AsyncIterable<SpaceRecord>;
  listSpaceAssignments(spaceId: string): AsyncIterable<AssignmentRecord>;
  listApps(): AsyncIterable<AppSummary>;
  /** `GET /apps/{id}` attributes, or undefined when the app does not exist. */
  getApp(appId: string): Promise<{ attributes: Record<string, unknown> } | undefined>;

  findUserBySubject(subject: string): Promise<UserRecord | undefined>;
  findSpaceByName(name: string): Promise<SpaceRecord | undefined>;

  /** An invited user (Qlik cannot create active users). */
  createUser(input: { subject: string; name?: string; email?: string }): Promise<UserRecord>;
  createSpace(input: { name: string; type: "shared" | "managed" | "data"; description?: string }): Promise<SpaceRecord>;
  createSpaceAssignment(spaceId: string, input: { type: "user" | "group"; assigneeId: string; roles: string[] }): Promise<AssignmentRecord>;
  /** Hands a space to another user (`PATCH /spaces/{id}`, `replace /ownerId`). */
  updateSpaceOwner(spaceId: string, ownerId: string): Promise<void>;
  /** Uploads and imports a .qvf: a new app id. `spaceId` undefined = the caller's personal space. */
  importApp(input: { name: string; spaceId?: string; body: () => AsyncIterable<Uint8Array> }): Promise<{ appId: string }>;
  copyApp(appId: string, input: { name?: string; spaceId?: string }): Promise<{ appId: string }>;
  /** Publishes by *moving* the app into a managed space, naming its origin (development) app. */
  moveToManagedSpace(appId: string, input: { spaceId: string; originAppId: string }): Promise<void>;
  moveAppToSpace(appId: string, spaceId: string): Promise<void>;
  updateAppOwner(appId: string, ownerId: string): Promise<void>;
  updateObjectOwner(appId: string, objectId: string, ownerId: string): Promise<void>;
  deleteApp(appId: string): Promise<void>;
  /** One QIX session on the app, opened with its data, for the duration of `fn` (writes). */
  withApp<T>(appId: string, fn: (app: RestoreAppEditor) => Promise<T>): Promise<T>;
  /** The app's objects as the backup reader records them (a session without data: reads). */
  readObjects(appId: string): Promise<ObjectRecord[]>;
  /**
   * Optional: the stamps of the app's top-level objects (`qMeta.modifiedDate`, owner, state) from
   * cheap list calls, or `undefined` when the engine reports no date for some of them. The
   * restore compares them, before writing into a live app, with what it read when planning;
   * without them (or without dates) it compares content fingerprints.
   */
  readObjectStamps?(appId: string): Promise<ObjectStamp[] | undefined>;
  /** The current load script. */
  getAppScript(appId: string): Promise<string>;
  /** Sets the load script (a new script version with `versionMessage`). */
  setAppScript(appId: string, script: string, versionMessage: string): Promise<void>;
  /**
   * Soft-deleted apps Qlik can still restore (from the deletion events), or `undefined` when
   * the caller may not read them (deletion events need the Tenant Admin or Audit Admin role).
   */
  listSoftDeletedApps(): Promise<SoftDeletedApp[] | undefined>;
  /** Qlik's own restore of a soft-deleted app: the same app id, into the same space. */
  restoreDeletedApp(appId: string): Promise<void>;

  /** Optional, as on `TenantReader`: the resource kinds this target can read and write. */
  resourceKinds?(): readonly ResourceKindName[];
  /** Every resource of a kind in the target, read in full (no summaries), secrets left out. */
  listResources?(kind: ResourceKindName): AsyncIterable<ResourceRecord>;
  /** One of a target resource's `files`, byte for byte (verification). */
  readResourceFile?(kind: ResourceKindName, id: string, file: string): AsyncIterable<Uint8Array>;
  /**
   * Creates a resource. Not retried by the implementation after an unanswered request (the
   * executor's journal decides, as for the other creating calls).
   */
  createResource?(kind: ResourceKindName, input: ResourceWrite): Promise<ResourceWriteResult>;
  /** Brings an existing resource to `input` (only the calls needed); idempotent. */
  updateResource?(kind: ResourceKindName, id: string, input: ResourceWrite): Promise<ResourceWriteResult>;
}
