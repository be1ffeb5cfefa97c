/**
 * The narrow view of a *target* tenant that restore needs: what the planner reads and
 * what the executor changes. `@lifeboat/qlik` satisfies it (`createRestoreTarget`) over
 * `@qlik/api`; engine tests satisfy it in memory.
 *
 * Contracts the executor relies on:
 * - `getApp` resolves `undefined` (never throws) when the app does not exist;
 * - creating calls (`createUser`, `createSpace`, `importApp`, `copyApp`) are not retried by
 *   the implementation after an unanswered request; the executor's journal decides;
 * - `AppEditor.upsertObject` returns the id the engine actually used (it may differ from
 *   the wanted one when that id is taken);
 * - every QIX change is lost unless `AppEditor.save()` is called;
 * - `withApp` is for writes: it opens the app *with its data*, so that `save()` never stores
 *   the app without its data model (docs/restore.md, "Writing into an app"); reads go
 *   through `readObjects`, which opens it without data.
 */
import type {
  AppSummary,
  AssignmentRecord,
  CallerInfo,
  GroupRecord,
  ObjectRecord,
  SpaceRecord,
  UserRecord,
} from "../tenant.ts";

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
  upsertObject(obj: ObjectWrite): Promise<{ id: string; created: boolean }>;
  setState(id: string, genericType: ObjectRecord["genericType"], state: { published: boolean; approved: boolean }): Promise<void>;
  destroyObject(id: string, genericType: ObjectRecord["genericType"]): Promise<void>;
  save(): Promise<void>;
}

/** An app in Qlik's soft-delete state (API-FACTS §6.1b), restorable until `purgeAt`. */
export interface SoftDeletedApp {
  appId: string;
  name?: string;
  spaceId?: string;
  deletedAt: string;
  purgeAt: string;
}

/** What the planner needs of an object that is in the target but not in the snapshot. */
export interface TargetObject {
  id: string;
  type: string;
  genericType: ObjectRecord["genericType"];
  title: string;
  ownerId: string;
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
}

/** What the planner knows of the target: read once, before planning. */
export interface TargetState {
  host: string;
  caller: CallerInfo;
  users: UserRecord[];
  groups: GroupRecord[];
  spaces: SpaceRecord[];
  /** Assignments of the spaces the plan may touch (by space id). */
  assignments: Record<string, AssignmentRecord[]>;
  apps: AppSummary[];
  /**
   * Apps Qlik can still restore (§6.1b); `undefined` when unknown (the caller may not read
   * deletion events, or reading them failed: `softDeletedUnknown` says why).
   */
  softDeleted?: SoftDeletedApp[];
  softDeletedUnknown?: string;
  /** Objects of existing apps, by app id — read for the apps `readTargetState` was asked about. */
  objects?: Record<string, TargetObject[]>;
}

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/**
 * Reads the target's state for the planner. `whoAmI` first: bad credentials fail here, before
 * anything else. `objectsOf`: app ids whose objects the planner needs (the apps an in-place
 * restore may delete objects from, with `deleteExtraObjects`); ids not in the target are ignored.
 */
export async function readTargetState(target: RestoreTarget, opts: { objectsOf?: string[] } = {}): Promise<TargetState> {
  const caller = await target.whoAmI();
  const [users, groups, spaces, apps, deleted] = await Promise.all([
    all(target.listUsers()),
    all(target.listGroups()),
    all(target.listSpaces()),
    all(target.listApps()),
    target.listSoftDeletedApps().then(
      (list): { list?: SoftDeletedApp[]; unknown?: string } =>
        list ? { list } : { unknown: `${caller.subject || "the restoring user"} may not read deletion events (Tenant Admin or Audit Admin role)` },
      (e: unknown): { list?: SoftDeletedApp[]; unknown?: string } => ({ unknown: `reading deletion events failed: ${e instanceof Error ? e.message : String(e)}` }),
    ),
  ]);
  const assignments: Record<string, AssignmentRecord[]> = {};
  for (const s of spaces) assignments[s.id] = await all(target.listSpaceAssignments(s.id));
  const state: TargetState = { host: target.host, caller, users, groups, spaces, assignments, apps };
  // No event says an app was restored: one that is in the tenant again is not soft-deleted.
  const live = new Set(apps.map((a) => a.appId));
  if (deleted.list) state.softDeleted = deleted.list.filter((d) => !live.has(d.appId));
  else state.softDeletedUnknown = deleted.unknown ?? "deletion events not read";
  const wanted = [...new Set(opts.objectsOf ?? [])].filter((id) => live.has(id));
  if (wanted.length) {
    state.objects = {};
    for (const id of wanted)
      state.objects[id] = (await target.readObjects(id)).map((o) => ({ id: o.id, type: o.type, genericType: o.genericType, title: o.title, ownerId: o.ownerId }));
  }
  return state;
}
