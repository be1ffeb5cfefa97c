/**
 * The restore planner: a pure function of (snapshot content, target state, options,
 * what an earlier attempt of the same restore already did). It decides, with a reason
 * for each decision, which users map to which target users (by id on the same tenant,
 * then subject, then email, then `ownerFallback`), which users to create or report
 * missing, which spaces to reuse, map or create, which apps to import, reconcile, skip or
 * block (name clashes), whose spaces go back to their owners, and the ordered steps the
 * executor runs (docs/restore.md, "Steps"; space owners last).
 *
 * ```ts
 * const plan = planRestore(source, await readTargetState(target), { apps: ["Sales"], createMissingUsers: true });
 * if (plan.blockers.length) throw …;  // nothing was written
 * ```
 *
 * Steps name what they create through *refs* ("user:<sourceId>", "space:<sourceId>",
 * "app:<sourceId>", "devcopy:<sourceId>", "devspace:<sourceSpaceId>") that the executor
 * resolves from the journal, or "id:<targetId>" for things that already exist.
 */
import type { BlobRef } from "@lifeboat/repository";
import { tenantKey } from "@lifeboat/kit";
import { canonicalJson, sha256Hex } from "../internal/canonical.ts";
import type { AppSummary, ObjectRecord, SpaceRecord, UserRecord } from "@lifeboat/model";
import type { RestoreSource, SourceApp, SourceSpace } from "./source.ts";
import type { TargetObject } from "@lifeboat/model";
import type { TargetState } from "./target.ts";

export const PLAN_FORMAT = "lifeboat-restore-plan";
/** 2: objects steps list the deletions they make; Qlik's restore and script steps. */
export const PLAN_VERSION = 2;

export interface RestoreOptions {
  /** App ids or names in the snapshot. */
  apps?: string[];
  /** Space ids or names in the snapshot: the space, its assignments and its apps. */
  spaces?: string[];
  /** Everything in the snapshot. */
  all?: boolean;
  /** Snapshot space (id or name) → existing target space (id or name). */
  spaceMap?: Record<string, string>;
  /** Import as a new app even when the app exists (or its name is taken). */
  asNew?: boolean;
  /** Name of the new app (with `asNew`; one app only). */
  name?: string;
  /** Subject of the target user who takes over objects whose owner cannot be resolved. */
  ownerFallback?: string;
  createMissingUsers?: boolean;
  /** Leave apps whose name is taken in the target space alone instead of blocking. */
  skipExisting?: boolean;
  /** Back up the target before changing it (default true when the target has content). */
  safetyBackup?: boolean;
  /**
   * Delete objects of apps restored in place that the snapshot does not have (default false:
   * a user's newer objects are kept). Each deletion is a line of the plan (`remove` of the
   * objects step); needs the target's objects (`readTargetState(…, { objectsOf })`).
   */
  deleteExtraObjects?: boolean;
}

export type Ref = string;

export interface UserDecision {
  sourceId: string;
  subject: string;
  name?: string;
  email?: string;
  action: "map" | "create" | "missing";
  /** For "map": the target user id. */
  targetId?: string;
  matchedBy?: "id" | "subject" | "email" | "fallback";
  /** What the executor resolves for this user (absent: unresolved). */
  ref?: Ref;
  reason: string;
}

export interface SpaceDecision {
  sourceId: string;
  name: string;
  type: string;
  action: "reuse" | "map" | "create" | "blocked";
  targetId?: string;
  targetName: string;
  ref: Ref;
  /**
   * The space's owner in the snapshot, when the restore hands the space to them (spaces it
   * creates, and on the same tenant the same space): `ref` absent = unresolved in the target.
   */
  owner?: { sourceId: string; subject: string; ref?: Ref };
  reason: string;
}

export interface AppDecision {
  sourceId: string;
  name: string;
  sourceSpace?: { id: string; name: string; type: string };
  /**
   * import: a new app from the .qvf; reconcile: the app exists (same id) and is brought back in
   * place; qlik-restore: the app is soft-deleted in the target and Qlik's own restore brings it
   * back (same id, same space) before it is reconciled.
   */
  action: "import" | "reconcile" | "qlik-restore" | "skip" | "blocked";
  targetName: string;
  /** Where the app is imported (undefined = the caller's personal space, then handed to its owner). */
  targetSpace?: { ref: Ref; name: string };
  /** For apps from managed spaces: the managed space and the development (origin) app. */
  managed?: { space: { ref: Ref; name: string }; origin: Ref; devCopy: boolean };
  targetAppId?: string;
  owner?: Ref;
  objects: number;
  /** Objects of the target app the snapshot does not have: kept, or deleted (each listed in the objects step). */
  extraObjects?: { kept: number; deleted: number; known: boolean };
  /** Section access: the script step sets the snapshot's script after the import. */
  sectionAccess?: boolean;
  /** For an app gone from its own tenant: whether Qlik's restore is used, and why (or why not). */
  qlik?: string;
  reason: string;
}

/** One object an objects step deletes: shown in the plan before anything changes. */
export interface PlannedRemoval {
  id: string;
  type: string;
  genericType: ObjectRecord["genericType"];
  title: string;
}

interface StepBase {
  /** Stable across attempts of the same restore: the journal's key. */
  id: string;
  label: string;
  reason: string;
}

export type PlanStep =
  | (StepBase & { kind: "safety-backup" })
  | (StepBase & { kind: "create-user"; ref: Ref; subject: string; name?: string; email?: string })
  | (StepBase & { kind: "create-space"; ref: Ref; name: string; type: "shared" | "managed" | "data"; description?: string })
  | (StepBase & { kind: "assign"; space: Ref; assignee: Ref; assigneeType: "user" | "group"; roles: string[] })
  | (StepBase & { kind: "space-owner"; space: Ref; owner: Ref })
  | (StepBase & { kind: "import-app"; ref: Ref; app: string; name: string; space?: Ref; qvf: BlobRef; knownSameName: string[] })
  | (StepBase & { kind: "qlik-restore"; ref: Ref; appId: string })
  | (StepBase & { kind: "objects"; app: string; target: Ref; remove: PlannedRemoval[] })
  | (StepBase & { kind: "app-script"; app: string; target: Ref; script: BlobRef })
  | (StepBase & { kind: "copy-app"; ref: Ref; from: Ref; name: string; space: Ref; knownSameName: string[] })
  | (StepBase & { kind: "strip-app"; target: Ref })
  | (StepBase & { kind: "object-owners"; app: string; target: Ref })
  | (StepBase & { kind: "app-owner"; target: Ref; owner: Ref })
  | (StepBase & { kind: "publish-move"; target: Ref; space: Ref; origin: Ref });

export type StepKind = PlanStep["kind"];

export interface RestorePlan {
  format: typeof PLAN_FORMAT;
  version: typeof PLAN_VERSION;
  /** Stable id of "this restore" (snapshot, target, selection, options): keys the journal. */
  restoreKey: string;
  snapshot: { id: string; tenant: string; host: string; time: string; partial: boolean };
  target: { host: string; caller: string; callerIsBot: boolean; sameTenant: boolean };
  options: RestoreOptions;
  /** Source user id → ref of the target user who owns their content (absent: unresolved). */
  owners: Record<string, Ref>;
  users: UserDecision[];
  spaces: SpaceDecision[];
  apps: AppDecision[];
  steps: PlanStep[];
  warnings: string[];
  /** Problems that stop execution; nothing is written while there are any. */
  blockers: string[];
}

/** A plan input error: a selector or option that does not fit the snapshot or target. */
export class RestorePlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RestorePlanError";
  }
}

/** What an earlier attempt of the same restore created (from the journal). */
export interface PreviousAttempt {
  /**
   * The key of the journal these come from, when it is not `restoreKeyOf` of this restore: a
   * journal an earlier version wrote under the key it gave the same restore (`restoreJournalKey`).
   */
  restoreKey?: string;
  /** ref → target id of everything created so far. */
  created: Record<Ref, string>;
  /**
   * Creating steps an attempt started but never recorded (killed mid-call) → the ids of the
   * same-named apps that existed before it: any other same-named app is that attempt's.
   */
  interruptedKnown?: Record<string, string[]>;
  /** Steps an attempt started and never recorded (killed or failed mid-call): what they made is ours. */
  interrupted?: Iterable<string>;
}

const idRef = (id: string): Ref => `id:${id}`;
const lower = (s: string | undefined): string => (s ?? "").toLowerCase();

/** The stable key of a restore: same snapshot, target and choices ⇒ same key (the journal's name). */
export function restoreKeyOf(snapshotId: string, targetHost: string, options: RestoreOptions): string {
  return sha256Hex(canonicalJson({ snapshotId, target: tenantKey(targetHost), options: normalizeOptions(options) })).slice(0, 24);
}

/**
 * The keys earlier versions gave the same restore, so that a restore they left unfinished is
 * found and continued (not planned afresh, which could import its apps a second time).
 * Before --delete-extra-objects, extra objects were deleted unless --keep-extra-objects, which
 * put `removeExtraObjects: false` into the key; keeping is the default now, so a restore that
 * does not delete them is what that command line was.
 */
export function previousRestoreKeysOf(snapshotId: string, targetHost: string, options: RestoreOptions): string[] {
  if (options.deleteExtraObjects) return [];
  const kept = { ...normalizeOptions(options), removeExtraObjects: false };
  return [sha256Hex(canonicalJson({ snapshotId, target: tenantKey(targetHost), options: kept })).slice(0, 24)];
}

function normalizeOptions(o: RestoreOptions): RestoreOptions {
  const out: RestoreOptions = {};
  if (o.apps?.length) out.apps = [...o.apps].sort();
  if (o.spaces?.length) out.spaces = [...o.spaces].sort();
  if (o.all) out.all = true;
  if (o.spaceMap && Object.keys(o.spaceMap).length) out.spaceMap = { ...o.spaceMap };
  if (o.asNew) out.asNew = true;
  if (o.name) out.name = o.name;
  if (o.ownerFallback) out.ownerFallback = o.ownerFallback;
  if (o.createMissingUsers) out.createMissingUsers = true;
  if (o.skipExisting) out.skipExisting = true;
  if (o.safetyBackup === false) out.safetyBackup = false;
  if (o.deleteExtraObjects) out.deleteExtraObjects = true;
  return out;
}

/** Finds a snapshot app / space by id, then by exact unique name. */
function matchOne<T>(items: T[], key: string, idOf: (t: T) => string, nameOf: (t: T) => string, what: string, snapshotId: string): T {
  const byId = items.find((t) => idOf(t) === key);
  if (byId) return byId;
  const byName = items.filter((t) => nameOf(t) === key);
  if (byName.length === 1) return byName[0]!;
  if (byName.length > 1)
    throw new RestorePlanError(`'${key}' names ${byName.length} ${what}s in snapshot ${snapshotId.slice(0, 12)} (ids ${byName.map(idOf).join(", ")}); select one by id`);
  throw new RestorePlanError(
    `no ${what} '${key}' in snapshot ${snapshotId.slice(0, 12)}; run 'lifeboat ls ${snapshotId.slice(0, 12)} ${what === "app" ? "apps" : "spaces"}' to see its ${what}s`,
  );
}

/**
 * The snapshot apps whose objects the planner needs from the target (`readTargetState(…,
 * { objectsOf })`): the selected apps, when `deleteExtraObjects` asks to list deletions.
 */
export function objectsNeededFor(source: RestoreSource, options: RestoreOptions): string[] {
  if (!options.deleteExtraObjects) return [];
  if (options.all) return source.apps.map((a) => a.id);
  const ids = new Set<string>();
  const snapId = source.snapshot.id;
  for (const key of options.spaces ?? []) {
    const s = source.spaces.find((x) => x.record.id === key) ?? source.spaces.find((x) => x.record.name === key);
    if (s) for (const a of source.apps) if (a.doc.summary.spaceId === s.record.id) ids.add(a.id);
  }
  for (const key of options.apps ?? []) ids.add(matchOne(source.apps, key, (x) => x.id, (x) => x.name, "app", snapId).id);
  return [...ids];
}

export function planRestore(source: RestoreSource, target: TargetState, options: RestoreOptions, previous: PreviousAttempt = { created: {} }): RestorePlan {
  const snapId = source.snapshot.id;
  const sameTenant = tenantKey(source.tenant.host) === tenantKey(target.host);
  const warnings: string[] = [];
  const blockers: string[] = [];
  const steps: PlanStep[] = [];
  const createdIds = new Set(Object.values(previous.created));
  const interruptedSteps = new Set(previous.interrupted ?? []);

  // ---- selection -------------------------------------------------------------------
  if (!options.all && !options.apps?.length && !options.spaces?.length)
    throw new RestorePlanError("nothing selected: pass --app ID|NAME, --space ID|NAME or --all");
  if (options.name && !options.asNew) throw new RestorePlanError("--name needs --as-new (it names the new app)");
  const sourceSpaceName = (s: SourceSpace) => s.record.name;
  const selectedSpaces = new Map<string, SourceSpace>();
  const selectedApps = new Map<string, SourceApp>();
  if (options.all) {
    for (const s of source.spaces) selectedSpaces.set(s.record.id, s);
    for (const a of source.apps) selectedApps.set(a.id, a);
  }
  for (const key of options.spaces ?? []) {
    const s = matchOne(source.spaces, key, (x) => x.record.id, sourceSpaceName, "space", snapId);
    selectedSpaces.set(s.record.id, s);
    for (const a of source.apps) if (a.doc.summary.spaceId === s.record.id) selectedApps.set(a.id, a);
  }
  for (const key of options.apps ?? []) {
    const a = matchOne(source.apps, key, (x) => x.id, (x) => x.name, "app", snapId);
    selectedApps.set(a.id, a);
  }
  if (options.name && selectedApps.size !== 1)
    throw new RestorePlanError(`--name names one new app, but the selection has ${selectedApps.size} apps; select exactly one with --app`);
  if (selectedApps.size === 0 && selectedSpaces.size === 0) throw new RestorePlanError(`the selection matches nothing in snapshot ${snapId.slice(0, 12)}: it holds no apps or spaces; run 'lifeboat ls ${snapId.slice(0, 12)}' to see what it holds`);

  // ---- space map (validated up front: a bad map is an input error) -----------------
  const spaceMap = new Map<string, SpaceRecord>(); // source space id → target space
  for (const [from, to] of Object.entries(options.spaceMap ?? {})) {
    const src = matchOne(source.spaces, from, (x) => x.record.id, sourceSpaceName, "space", snapId);
    const dst = target.spaces.find((s) => s.id === to) ?? target.spaces.find((s) => s.name === to);
    if (!dst)
      throw new RestorePlanError(
        `--space-map ${from}=${to}: there is no space '${to}' on ${target.host}; create it first or map to one of: ${target.spaces.map((s) => s.name).join(", ") || "(none)"}`,
      );
    if (dst.type !== src.record.type)
      warnings.push(`space '${src.record.name}' (${src.record.type}) is mapped to '${dst.name}', a ${dst.type} space`);
    spaceMap.set(src.record.id, dst);
  }

  // ---- users -------------------------------------------------------------------------
  const sourceUsers = new Map<string, UserRecord>();
  for (const u of source.users) sourceUsers.set(u.id, u);
  // Owners the users layer did not capture still have a subject on their objects.
  for (const a of source.apps)
    for (const o of a.objects)
      if (o.ownerId && !sourceUsers.has(o.ownerId) && o.ownerSubject)
        sourceUsers.set(o.ownerId, { id: o.ownerId, subject: o.ownerSubject, status: "unknown", assignedRoles: [], assignedGroups: [] });

  const needed = new Set<string>(); // source user ids the selection refers to
  const need = (id: string | undefined) => {
    if (id) needed.add(id);
  };
  for (const a of selectedApps.values()) {
    need(a.doc.summary.ownerId || a.doc.owner.id);
    for (const o of a.objects) need(o.ownerId);
  }
  // --all brings every user back, except disabled and deleted ones nobody's content needs.
  if (options.all) for (const u of source.users) if (u.status !== "deleted" && u.status !== "disabled") need(u.id);

  const tById = new Map(target.users.map((u) => [u.id, u]));
  const tBySubject = new Map(target.users.map((u) => [u.subject, u]));
  const tByEmail = new Map<string, UserRecord>();
  for (const u of target.users) if (u.email) tByEmail.set(lower(u.email), u);
  let fallback: UserRecord | undefined;
  if (options.ownerFallback) {
    fallback = tBySubject.get(options.ownerFallback) ?? tByEmail.get(lower(options.ownerFallback));
    if (!fallback)
      throw new RestorePlanError(`--owner-fallback ${options.ownerFallback}: no user with that subject (or email) on ${target.host}; name an existing user`);
  }

  const users: UserDecision[] = [];
  const owners: Record<string, Ref> = {};
  const decideUser = (id: string): UserDecision => {
    const u = sourceUsers.get(id) ?? { id, subject: "", status: "unknown", assignedRoles: [], assignedGroups: [] };
    const base = { sourceId: id, subject: u.subject, ...(u.name ? { name: u.name } : {}), ...(u.email ? { email: u.email } : {}) };
    const byId = sameTenant ? tById.get(id) : undefined;
    if (byId) return { ...base, action: "map", targetId: byId.id, matchedBy: "id", ref: idRef(byId.id), reason: "same user id on the same tenant" };
    const bySubject = u.subject ? tBySubject.get(u.subject) : undefined;
    if (bySubject) return { ...base, action: "map", targetId: bySubject.id, matchedBy: "subject", ref: idRef(bySubject.id), reason: `subject ${u.subject} exists in the target` };
    const byEmail = u.email ? tByEmail.get(lower(u.email)) : undefined;
    if (byEmail)
      return { ...base, action: "map", targetId: byEmail.id, matchedBy: "email", ref: idRef(byEmail.id), reason: `no user with subject ${u.subject || "(none)"}; email ${u.email} matches ${byEmail.subject}` };
    if (options.createMissingUsers && u.subject)
      return { ...base, action: "create", ref: `user:${id}`, reason: `not in the target (no subject or email match); --create-missing-users creates it invited` };
    if (fallback)
      return {
        ...base,
        action: "map",
        targetId: fallback.id,
        matchedBy: "fallback",
        ref: idRef(fallback.id),
        reason: `not in the target; its content goes to --owner-fallback ${fallback.subject}`,
      };
    return {
      ...base,
      action: "missing",
      reason: u.subject
        ? `not in the target (no subject or email match); pass --create-missing-users or --owner-fallback SUBJECT`
        : `unknown user id ${id} (not in the snapshot's users); pass --owner-fallback SUBJECT`,
    };
  };
  for (const id of [...needed].sort()) {
    const d = decideUser(id);
    users.push(d);
    if (d.ref) owners[id] = d.ref;
    if (d.action === "create") {
      if (previous.created[d.ref!]) d.reason += ` (created by an earlier attempt: ${previous.created[d.ref!]})`;
      steps.push({ id: `user:${id}:create`, kind: "create-user", ref: d.ref!, subject: d.subject, ...(d.name ? { name: d.name } : {}), ...(d.email ? { email: d.email } : {}), label: `create user ${d.subject}${d.name ? ` (${d.name})` : ""}`, reason: d.reason });
    }
    if (d.action === "missing") warnings.push(`owner ${d.subject || id}${d.name ? ` (${d.name})` : ""} is not in the target: its content stays with ${target.caller.subject || "the restoring user"}`);
  }
  const userRef = (id: string | undefined): Ref | undefined => (id ? owners[id] : undefined);
  /** Decides a user the selection did not need so far (a member or owner of a space): mapped, created or missing. */
  const ensureUser = (id: string, label?: string): void => {
    if (needed.has(id)) return;
    needed.add(id);
    const ud = decideUser(id);
    users.push(ud);
    if (ud.ref) owners[id] = ud.ref;
    if (ud.action === "create")
      steps.push({ id: `user:${id}:create`, kind: "create-user", ref: ud.ref!, subject: ud.subject, ...(ud.name ? { name: ud.name } : {}), ...(ud.email ? { email: ud.email } : {}), label: label ?? `create user ${ud.subject}`, reason: ud.reason });
  };
  /** Space owners are handed over last, after every app step (the restoring user keeps its rights while it fills the space). */
  const tailSteps: PlanStep[] = [];

  // ---- spaces ------------------------------------------------------------------------
  const spaces: SpaceDecision[] = [];
  const spaceDecisions = new Map<string, SpaceDecision>();
  const spaceRecordOf = (id: string, fallbackDoc?: { id: string; name?: string; type: string }): SpaceRecord | undefined =>
    source.spaces.find((s) => s.record.id === id)?.record ??
    (fallbackDoc?.name ? { id, name: fallbackDoc.name, type: fallbackDoc.type as SpaceRecord["type"], ownerId: "" } : undefined);

  const decideSpace = (rec: SpaceRecord): SpaceDecision => {
    const known = spaceDecisions.get(rec.id);
    if (known) return known;
    let d: SpaceDecision;
    const mapped = spaceMap.get(rec.id);
    const byId = sameTenant ? target.spaces.find((s) => s.id === rec.id) : undefined;
    const byName = target.spaces.find((s) => s.name === rec.name);
    if (mapped) d = { sourceId: rec.id, name: rec.name, type: rec.type, action: "map", targetId: mapped.id, targetName: mapped.name, ref: idRef(mapped.id), reason: `--space-map to '${mapped.name}'` };
    else if (byId) d = { sourceId: rec.id, name: rec.name, type: rec.type, action: "reuse", targetId: byId.id, targetName: byId.name, ref: idRef(byId.id), reason: "same space id on the same tenant" };
    else if (byName && byName.type === rec.type)
      d = { sourceId: rec.id, name: rec.name, type: rec.type, action: "reuse", targetId: byName.id, targetName: byName.name, ref: idRef(byName.id), reason: `a ${rec.type} space with this name exists in the target` };
    else {
      d = { sourceId: rec.id, name: rec.name, type: rec.type, action: "create", targetName: rec.name, ref: `space:${rec.id}`, reason: "not in the target" };
      if (byName) {
        blockers.push(
          `space '${rec.name}' is ${rec.type} in the snapshot but the target's space of that name is ${byName.type}; map it with --space-map '${rec.name}=OTHER'`,
        );
        d.action = "blocked";
        d.reason = `name taken by a ${byName.type} space`;
      } else {
        steps.push({
          id: `space:${rec.id}:create`,
          kind: "create-space",
          ref: d.ref,
          name: rec.name,
          type: rec.type,
          ...(rec.description ? { description: rec.description } : {}),
          label: `create ${rec.type} space '${rec.name}'`,
          reason: d.reason,
        });
      }
    }
    spaceDecisions.set(rec.id, d);
    spaces.push(d);
    // The owner: a space the restore creates (now or in an earlier attempt) goes to its owner in
    // the snapshot; on the same tenant, the same space is brought back to it. A space reused
    // by name or mapped is someone else's: its owner stays.
    // A space of that name that an interrupted attempt's create step may have made is ours too:
    // that attempt planned to create it, so no space of that name existed then.
    const createdEarlier =
      d.action === "reuse" && d.targetId !== undefined && !byId && (createdIds.has(d.targetId) || interruptedSteps.has(`space:${rec.id}:create`));
    if (rec.ownerId && (d.action === "create" || createdEarlier || (d.action === "reuse" && byId))) {
      ensureUser(rec.ownerId);
      const srcOwner = sourceUsers.get(rec.ownerId);
      const subject = srcOwner?.subject || rec.ownerId;
      const ownerRef = owners[rec.ownerId];
      d.owner = { sourceId: rec.ownerId, subject, ...(ownerRef ? { ref: ownerRef } : {}) };
      const current = d.targetId ? target.spaces.find((s) => s.id === d.targetId)?.ownerId : undefined;
      if (!ownerRef)
        warnings.push(`space '${rec.name}': its owner ${subject} is not in the target; it stays with ${d.action === "create" ? target.caller.subject || "the restoring user" : "its current owner"}`);
      else if (!(ownerRef.startsWith("id:") && current === ownerRef.slice(3)))
        tailSteps.push({
          id: `space:${rec.id}:owner`,
          kind: "space-owner",
          space: d.ref,
          owner: ownerRef,
          label: `hand space '${d.targetName}' to its owner ${subject}`,
          reason: d.action === "create" || createdEarlier ? "a created space belongs to the restoring user until then" : "its owner in the snapshot",
        });
    }
    return d;
  };

  const assignmentsFor = (src: SourceSpace, d: SpaceDecision) => {
    const existing = d.targetId ? (target.assignments[d.targetId] ?? []) : [];
    for (const a of src.assignments) {
      let assignee: Ref | undefined;
      let label: string;
      if (a.type === "group") {
        const g = source.groups.find((x) => x.id === a.assigneeId);
        const tg = g ? target.groups.find((x) => x.name === g.name) : undefined;
        label = `group '${g?.name ?? a.assigneeId}'`;
        if (!tg) {
          warnings.push(`space '${src.record.name}': ${label} is not in the target; its assignment (${a.roles.join(", ")}) is not restored`);
          continue;
        }
        assignee = idRef(tg.id);
      } else {
        const u = sourceUsers.get(a.assigneeId);
        label = `user ${u?.name ? `${u.name} (${u.subject})` : (u?.subject ?? a.assigneeId)}`;
        ensureUser(a.assigneeId);
        assignee = owners[a.assigneeId];
        if (!assignee) {
          warnings.push(`space '${src.record.name}': ${label} is not in the target; its assignment (${a.roles.join(", ")}) is not restored`);
          continue;
        }
      }
      const targetAssigneeId = assignee.startsWith("id:") ? assignee.slice(3) : undefined;
      if (targetAssigneeId && existing.some((x) => x.assigneeId === targetAssigneeId)) continue;
      // The space owner has no assignment and all roles.
      if (targetAssigneeId && d.targetId && target.spaces.find((s) => s.id === d.targetId)?.ownerId === targetAssigneeId) continue;
      steps.push({
        id: `space:${src.record.id}:assign:${a.assigneeId}`,
        kind: "assign",
        space: d.ref,
        assignee,
        assigneeType: a.type,
        roles: a.roles,
        label: `assign ${label} to '${d.targetName}' as ${a.roles.join(", ")}`,
        reason: d.action === "create" ? "assignment of a space the restore creates" : "missing in the target",
      });
    }
  };

  const assigned = new Set<string>();
  for (const s of [...selectedSpaces.values()].sort((a, b) => a.record.name.localeCompare(b.record.name))) {
    const d = decideSpace(s.record);
    if (d.action !== "blocked") assignmentsFor(s, d);
    assigned.add(s.record.id);
  }

  // ---- apps --------------------------------------------------------------------------
  const apps: AppDecision[] = [];
  const appDecisionById = new Map<string, AppDecision>();
  const ordered = [...selectedApps.values()].sort((a, b) => {
    // Shared and personal apps first: a managed app may name one of them as its origin.
    const rank = (x: SourceApp) => (x.doc.summary.spaceType === "managed" ? 1 : 0);
    return rank(a) - rank(b) || a.name.localeCompare(b.name) || (a.id < b.id ? -1 : 1);
  });
  const targetAppsIn = (spaceId: string | undefined, name: string): AppSummary[] =>
    target.apps.filter((t) => t.name === name && (spaceId ? t.spaceId === spaceId : !t.spaceId));
  const dateOf = source.snapshot.time.slice(0, 10);
  const deleteExtra = options.deleteExtraObjects === true;
  const appSteps: PlanStep[] = [];
  const softDeleted = new Map((target.softDeleted ?? []).map((x) => [x.appId, x]));

  /**
   * The objects step of an app restored in place. Objects the target app has and the snapshot
   * does not (a user's newer sheet) are kept unless `deleteExtraObjects`; then each deletion is
   * listed in the step, so the plan the user confirms names every object that will go.
   * Objects an earlier attempt of this restore recreated under another id are the snapshot's.
   */
  const inPlaceObjects = (app: SourceApp, d: AppDecision, t: Ref, label: string, current: TargetObject[] | undefined): PlanStep => {
    const inSnapshot = new Set(app.objects.map((o) => o.id));
    const extras = current?.filter((o) => !inSnapshot.has(o.id) && !createdIds.has(o.id)) ?? [];
    const remove: PlannedRemoval[] = deleteExtra ? extras.map((o) => ({ id: o.id, type: o.type, genericType: o.genericType, title: o.title })) : [];
    d.extraObjects = { kept: deleteExtra ? 0 : extras.length, deleted: remove.length, known: current !== undefined };
    let why: string;
    if (!deleteExtra) why = current ? `${extras.length} object(s) the snapshot does not have are kept` : "objects the snapshot does not have are kept";
    else if (current) why = remove.length ? `${remove.length} object(s) the snapshot does not have are deleted (listed)` : "no objects beyond the snapshot's";
    else {
      why = "objects the snapshot does not have are kept: they cannot be listed before the app is back";
      warnings.push(`app '${app.name}': --delete-extra-objects deletes nothing in it (its objects are not readable before it is restored, and only listed deletions are made)`);
    }
    return { id: `app:${app.id}:objects`, kind: "objects", app: app.id, target: t, remove, label, reason: `${d.reason}; ${why}` };
  };

  for (const app of ordered) {
    const summary = app.doc.summary;
    const srcSpace = summary.spaceId ? spaceRecordOf(summary.spaceId, app.doc.space) : undefined;
    const d: AppDecision = {
      sourceId: app.id,
      name: app.name,
      ...(srcSpace ? { sourceSpace: { id: srcSpace.id, name: srcSpace.name, type: srcSpace.type } } : {}),
      action: "import",
      targetName: app.name,
      objects: app.objects.length,
      reason: "",
    };
    const owner = userRef(summary.ownerId || app.doc.owner.id);
    if (owner) d.owner = owner;
    apps.push(d);
    appDecisionById.set(app.id, d);
    if (summary.spaceId && !srcSpace) {
      d.action = "blocked";
      d.reason = `its space ${summary.spaceId} is not in the snapshot; map it with --space-map ${summary.spaceId}=SPACE`;
      blockers.push(`app '${app.name}': ${d.reason}`);
      continue;
    }
    const spaceD = srcSpace ? decideSpace(srcSpace) : undefined;
    if (spaceD?.action === "blocked") {
      d.action = "blocked";
      d.reason = `its space '${spaceD.name}' cannot be created (${spaceD.reason})`;
      continue;
    }
    const managed = summary.spaceType === "managed" && (!spaceD || spaceD.action !== "map" || spaceMap.get(srcSpace!.id)?.type === "managed");
    const existingById = sameTenant ? target.apps.find((t) => t.appId === app.id) : undefined;
    const fromEarlier = previous.created[`app:${app.id}`];

    if (existingById && !options.asNew) {
      d.action = "reconcile";
      d.targetAppId = existingById.appId;
      d.targetName = existingById.name;
      d.reason = "the app still exists (same id): objects, owners and states are brought back to the snapshot";
      if (spaceD) d.targetSpace = { ref: spaceD.ref, name: spaceD.targetName };
      if ((existingById.spaceId ?? "") !== (spaceD?.targetId ?? ""))
        warnings.push(`app '${app.name}' is in another space than in the snapshot; the restore leaves its space as it is`);
      const t = idRef(existingById.appId);
      appSteps.push(inPlaceObjects(app, d, t, `reconcile objects of '${app.name}'`, target.objects?.[existingById.appId]));
      appSteps.push({ id: `app:${app.id}:object-owners`, kind: "object-owners", app: app.id, target: t, label: `restore object owners of '${app.name}'`, reason: "owners by subject" });
      if (owner) appSteps.push({ id: `app:${app.id}:app-owner`, kind: "app-owner", target: t, owner, label: `restore the owner of '${app.name}'`, reason: "app owner by subject" });
      continue;
    }
    // Qlik's own restore first (§6.1b): the app is soft-deleted in the target and its space is
    // there, so it comes back with its id (links, embeds, tasks naming it keep working), then
    // its objects, owners and states are brought back to the snapshot.
    const gone = sameTenant && !options.asNew && !fromEarlier ? softDeleted.get(app.id) : undefined;
    const deletedSpace = gone ? (gone.spaceId ?? summary.spaceId) : undefined;
    const spaceThere = !deletedSpace || target.spaces.some((x) => x.id === deletedSpace);
    if (gone && spaceThere && spaceD?.action !== "map") {
      d.action = "qlik-restore";
      d.targetAppId = app.id;
      d.reason = "soft-deleted: Qlik's restore brings it back (same id, same space), then it is reconciled";
      d.qlik =
        `soft-deleted on ${gone.deletedAt.slice(0, 10)}, restorable until ${gone.purgeAt.slice(0, 16).replace("T", " ")} UTC: ` +
        "Qlik's restore brings it back with the same id into the same space, then its objects, owners and states are brought back to the snapshot";
      // Where Qlik puts it back: the space it was in when deleted.
      const there = deletedSpace ? target.spaces.find((x) => x.id === deletedSpace) : undefined;
      if (there) d.targetSpace = { ref: idRef(there.id), name: there.name };
      if ((deletedSpace ?? "") !== (summary.spaceId ?? ""))
        warnings.push(`app '${app.name}' was in another space than in the snapshot when it was deleted; Qlik restores it there and the restore leaves its space as it is`);
      const ref = `app:${app.id}`;
      appSteps.push({ id: `app:${app.id}:qlik-restore`, kind: "qlik-restore", ref, appId: app.id, label: `restore '${app.name}' with Qlik's restore (same id ${app.id})`, reason: d.reason });
      appSteps.push(inPlaceObjects(app, d, ref, `reconcile objects of '${app.name}'`, undefined));
      appSteps.push({ id: `app:${app.id}:object-owners`, kind: "object-owners", app: app.id, target: ref, label: `restore object owners of '${app.name}'`, reason: "owners by subject" });
      if (owner) appSteps.push({ id: `app:${app.id}:app-owner`, kind: "app-owner", target: ref, owner, label: `restore the owner of '${app.name}'`, reason: "app owner by subject" });
      continue;
    }
    if (sameTenant && !options.asNew && !fromEarlier && !existingById)
      d.qlik = gone
        ? spaceD?.action === "map"
          ? "Qlik could restore it, but --space-map puts it elsewhere: imported"
          : `Qlik could restore it, but its space ${deletedSpace} is gone: imported`
        : target.softDeleted
          ? "Qlik cannot restore it (not soft-deleted, or its 14-day window passed): imported"
          : `whether Qlik could restore it is unknown (${target.softDeletedUnknown ?? "deletion events not read"}): imported`;
    if (!app.qvf) {
      d.action = "blocked";
      d.reason = "the snapshot holds no .qvf for it (its export failed); it cannot be imported";
      blockers.push(`app '${app.name}': ${d.reason}`);
      continue;
    }

    // Where the import lands: the app's shared space; for a managed app, the development space.
    let importSpace: { ref: Ref; name: string; id?: string } | undefined;
    let origin: Ref | undefined;
    let devCopy = false;
    if (managed && spaceD) {
      const originId = app.doc.lineage.originAppId ?? (typeof app.doc.attributes.originAppId === "string" ? app.doc.attributes.originAppId : undefined);
      const originD = originId ? appDecisionById.get(originId) : undefined;
      const originTarget = originId && sameTenant ? target.apps.find((t) => t.appId === originId) : undefined;
      if (originD && (originD.action === "import" || originD.action === "reconcile" || originD.action === "qlik-restore") && originD.targetSpace) {
        // A reconciled origin exists; an imported or Qlik-restored one is the ref its chain creates.
        origin = originD.action === "reconcile" ? idRef(originD.targetAppId!) : `app:${originD.sourceId}`;
        importSpace = originD.targetSpace;
      } else if (originTarget?.spaceId) {
        origin = idRef(originTarget.appId);
        const sp = target.spaces.find((s) => s.id === originTarget.spaceId);
        importSpace = { ref: idRef(originTarget.spaceId), name: sp?.name ?? originTarget.spaceId, id: originTarget.spaceId };
      } else {
        devCopy = true;
        origin = `devcopy:${app.id}`;
        const devName = `${srcSpace!.name} (development)`;
        const existing = target.spaces.find((s) => s.name === devName && s.type === "shared");
        if (existing) importSpace = { ref: idRef(existing.id), name: devName, id: existing.id };
        else {
          const ref = `devspace:${srcSpace!.id}`;
          importSpace = { ref, name: devName };
          if (!steps.some((s) => s.kind === "create-space" && s.ref === ref))
            steps.push({ id: `devspace:${srcSpace!.id}:create`, kind: "create-space", ref, name: devName, type: "shared", label: `create shared space '${devName}'`, reason: `development space for apps of the managed space '${srcSpace!.name}'` });
          spaces.push({ sourceId: srcSpace!.id, name: devName, type: "shared", action: "create", targetName: devName, ref, reason: `development space for '${srcSpace!.name}'` });
        }
      }
      d.managed = { space: { ref: spaceD.ref, name: spaceD.targetName }, origin, devCopy };
    } else if (spaceD) {
      importSpace = { ref: spaceD.ref, name: spaceD.targetName, ...(spaceD.targetId ? { id: spaceD.targetId } : {}) };
    }
    if (importSpace) d.targetSpace = { ref: importSpace.ref, name: importSpace.name };

    // Name clashes in the space the app finally lives in.
    const finalSpaceId = managed ? spaceD?.targetId : importSpace?.id;
    const finalSpaceExists = !srcSpace || finalSpaceId !== undefined;
    const interruptedKnown = previous.interruptedKnown?.[`app:${app.id}:import`];
    const fromInterrupted = (appId: string) => interruptedKnown !== undefined && !interruptedKnown.includes(appId);
    const clashes = finalSpaceExists
      ? targetAppsIn(finalSpaceId, app.name).filter(
          (t) => !createdIds.has(t.appId) && !fromInterrupted(t.appId) && (finalSpaceId || t.ownerId === (owner?.startsWith("id:") ? owner.slice(3) : "")),
        )
      : [];
    let name = app.name;
    if (options.asNew) {
      name = options.name ?? `${app.name} (restored ${dateOf})`;
      d.reason = `--as-new: imported beside the existing content as '${name}'`;
    } else if (fromEarlier) {
      d.reason = `imported by an earlier attempt of this restore (app ${fromEarlier}); the run continues it`;
    } else if (interruptedKnown) {
      d.reason = "an earlier attempt was interrupted while importing it; the run looks for that import before importing again";
    } else if (clashes.length > 0) {
      if (options.skipExisting) {
        d.action = "skip";
        d.reason = `an app named '${app.name}' already exists there (${clashes.map((c) => c.appId).join(", ")}); --skip-existing leaves it`;
        continue;
      }
      d.action = "blocked";
      d.reason = `an app named '${app.name}' already exists in ${importSpace ? `'${importSpace.name}'` : "the owner's personal space"} (${clashes.map((c) => c.appId).join(", ")})`;
      blockers.push(`app '${app.name}': ${d.reason}; pass --as-new [--name NAME] to restore it beside, or --skip-existing`);
      continue;
    } else {
      d.reason = sameTenant ? "the app no longer exists: imported as a new app (Qlik gives it a new id)" : "not in the target: imported (new app id)";
    }
    if (sameTenant && !managed) {
      const published = target.apps.filter((t) => t.spaceType === "managed" && !selectedApps.has(t.appId) && source.apps.some((a) => a.id === t.appId && (a.doc.lineage.originAppId ?? a.doc.attributes.originAppId) === app.id));
      if (published.length)
        warnings.push(
          `app '${app.name}' is the origin of published app(s) ${published.map((p) => `'${p.name}' (${p.appId})`).join(", ")}: they keep naming the old id; ` +
            "republish from the restored app to link them again",
        );
    }
    if (managed) d.reason += devCopy ? "; managed: a development copy stays in the shared space" : "; managed: its restored origin app becomes the development app";
    d.targetName = name;
    const ref = `app:${app.id}`;
    const knownSameName =
      interruptedKnown ?? (importSpace?.id !== undefined || !srcSpace ? targetAppsIn(importSpace?.id, name).map((t) => t.appId) : []);
    appSteps.push({
      id: `app:${app.id}:import`,
      kind: "import-app",
      ref,
      app: app.id,
      name,
      ...(importSpace ? { space: importSpace.ref } : {}),
      qvf: app.qvf,
      knownSameName,
      label: `import '${name}' into ${importSpace ? `'${importSpace.name}'` : "the personal space"}`,
      reason: d.reason,
    });
    appSteps.push({ id: `app:${app.id}:objects`, kind: "objects", app: app.id, target: ref, remove: [], label: `restore objects and states of '${name}'`, reason: "objects missing from the .qvf are recreated; approve/publish states re-applied" });
    // Section access (help.qlik.com export-apps-cloud-hub): an app exported by someone other
    // than its owner comes back without an accessible script; the snapshot holds the script.
    if (app.doc.attributes.hasSectionAccess === true) {
      // The plan shows it as "import (section access)" and a step of its own.
      d.sectionAccess = true;
      if (app.script)
        appSteps.push({ id: `app:${app.id}:script`, kind: "app-script", app: app.id, target: ref, script: app.script, label: `set the load script of '${name}' to the snapshot's (section access)`, reason: "an import of a section-access app by someone other than its owner has no accessible script" });
      else warnings.push(`app '${app.name}' has section access but the snapshot holds no script for it: check its script after the restore`);
    }
    if (devCopy && d.managed && importSpace) {
      appSteps.push({
        id: `app:${app.id}:dev-copy`,
        kind: "copy-app",
        ref: d.managed.origin,
        from: ref,
        name,
        space: importSpace.ref,
        knownSameName: previous.interruptedKnown?.[`app:${app.id}:dev-copy`] ?? (importSpace.id ? targetAppsIn(importSpace.id, name).map((t) => t.appId) : []),
        label: `copy '${name}' as its development app in '${importSpace.name}'`,
        reason: "Qlik's flow for managed spaces: the copy stays in the shared space for development",
      });
      appSteps.push({ id: `app:${app.id}:strip-dev-copy`, kind: "strip-app", target: d.managed.origin, label: `remove private and community content from the development copy of '${name}'`, reason: "otherwise the next publish would promote it to base content" });
      if (owner) appSteps.push({ id: `app:${app.id}:dev-copy-owner`, kind: "app-owner", target: d.managed.origin, owner, label: `hand the development copy of '${name}' to its owner`, reason: "app owner by subject" });
    }
    appSteps.push({ id: `app:${app.id}:object-owners`, kind: "object-owners", app: app.id, target: ref, label: `restore object owners of '${name}'`, reason: "owners by subject, after the objects are in place" });
    if (owner) appSteps.push({ id: `app:${app.id}:app-owner`, kind: "app-owner", target: ref, owner, label: `restore the owner of '${name}'`, reason: "app owner by subject" });
    if (managed && d.managed && origin)
      appSteps.push({
        id: `app:${app.id}:publish-move`,
        kind: "publish-move",
        target: ref,
        space: d.managed.space.ref,
        origin,
        label: `move '${name}' into the managed space '${d.managed.space.name}'`,
        reason: "moving (not publishing) keeps every object's publish state and private content",
      });
    if (!owner) warnings.push(`app '${app.name}': its owner is not in the target; it stays with ${target.caller.subject || "the restoring user"}`);
  }

  // Spaces the restore creates for its apps get their assignments too.
  for (const d of [...spaceDecisions.values()]) {
    const src = source.spaces.find((s) => s.record.id === d.sourceId);
    if (src && d.action === "create" && !assigned.has(d.sourceId)) assignmentsFor(src, d);
  }

  // ---- order: safety backup, users, spaces, assignments, apps, space owners ----------
  const hasContent = target.apps.length > 0 || target.spaces.length > 0;
  const safety = options.safetyBackup !== false && hasContent;
  const rank: Record<StepKind, number> = { "safety-backup": 0, "create-user": 1, "create-space": 2, assign: 3 } as Record<StepKind, number>;
  const head = steps.sort((a, b) => (rank[a.kind] ?? 9) - (rank[b.kind] ?? 9));
  const allSteps: PlanStep[] = [
    ...(safety ? [{ id: "safety-backup", kind: "safety-backup" as const, label: `back up ${target.host} before changing it (tag pre-restore)`, reason: "the target has content the restore may change" }] : []),
    ...head,
    ...appSteps,
    ...tailSteps,
  ];
  if (!safety && hasContent) warnings.push("no safety backup of the target will be taken (--no-safety-backup)");
  if (source.snapshot.partial) warnings.push(`snapshot ${snapId.slice(0, 12)} is partial: some items failed at backup time and cannot be restored`);
  if (!source.tenant.caller.isPrivateContentBot)
    warnings.push("the snapshot was taken without a private-content bot: other users' private content is not in it");
  if (!target.caller.isPrivateContentBot)
    warnings.push(`${target.caller.subject || "the restoring user"} is not a private-content bot: changing the owner of other users' objects may be refused`);

  return {
    format: PLAN_FORMAT,
    version: PLAN_VERSION,
    restoreKey: previous.restoreKey ?? restoreKeyOf(snapId, target.host, options),
    snapshot: { id: snapId, tenant: source.snapshot.tenant, host: source.tenant.host, time: source.snapshot.time, partial: source.snapshot.partial },
    target: { host: target.host, caller: target.caller.subject, callerIsBot: target.caller.isPrivateContentBot, sameTenant },
    options: normalizeOptions(options),
    owners,
    users,
    spaces,
    apps,
    steps: allSteps,
    warnings,
    blockers,
  };
}
