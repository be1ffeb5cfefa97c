/**
 * The objects kind's pure restore planning: what a restore does to each object of an app
 * that is restored in place (create, update, delete, owner, approve/publish state), decided
 * from the snapshot's objects and the target app's objects as read before planning — and,
 * before anything is written, whether someone changed those objects since (the optimistic
 * check). The executor only carries these changes out.
 *
 * ```ts
 * const planned = planObjectChanges({ objects: app.objects, current, caller, ownerRef, deleteExtra: false });
 * planned.changes;      // [{ action: "create", id: "sh-1", … }, { action: "state", … }]
 * planned.owners;       // [{ id: "sh-1", owner: "id:u-ann", subject: "ann@example.com", … }]
 * changedSincePlan(planned.readAt, now, label); // [] when nothing changed in between
 * ```
 *
 * An app that is not in the target when the plan is made (imported from the .qvf, or brought
 * back by Qlik's restore) cannot be read at planning time: its objects step is planned from the
 * snapshot alone, and the executor reconciles it (no `changes` in the step).
 */
import type { ObjectRecord, TargetObject } from "@lifeboat/model";
import { canonicalJson, sha256Hex } from "../../internal/canonical.ts";
import { existingId, type Ref } from "../../restore/ref.ts";

/** The comparable part of a property tree: the root id is the engine's choice, not content. */
export function treeFingerprint(tree: unknown, as?: unknown): string {
  const t = structuredClone(tree ?? {}) as { qProperty?: { qInfo?: { qId?: string } }; qBookmark?: unknown };
  if (t.qProperty?.qInfo) delete t.qProperty.qInfo.qId;
  // With `as` (the snapshot's tree): a bookmark's selections (`qBookmark`) count only when the
  // snapshot recorded them — a snapshot taken before Lifeboat read them has no `qBookmark`.
  if (as !== undefined && typeof as === "object" && as !== null && !("qBookmark" in as)) delete t.qBookmark;
  return canonicalJson(t);
}

/** A short hash of `treeFingerprint` (what a plan stores of a target object's content). */
export function objectFingerprint(tree: unknown, as?: unknown): string {
  return sha256Hex(treeFingerprint(tree, as)).slice(0, 32);
}

/** What the planner keeps of a target object read before planning (`readTargetState`). */
export function targetObjectOf(o: ObjectRecord, modifiedDate?: string): TargetObject {
  const t: TargetObject = {
    id: o.id,
    type: o.type,
    genericType: o.genericType,
    title: o.title,
    ownerId: o.ownerId,
    approved: o.approved,
    published: o.published,
    fingerprint: objectFingerprint(o.propertyTree),
  };
  // A bookmark compared with a snapshot that has no selections is compared without its own.
  if (o.propertyTree && typeof o.propertyTree === "object" && "qBookmark" in o.propertyTree) t.fingerprintWithoutSelections = objectFingerprint(o.propertyTree, {});
  if (modifiedDate) t.modifiedDate = modifiedDate;
  return t;
}

/**
 * Another user's private object is invisible to a caller who is not a private-content bot:
 * it may well exist in the target, so a restore never recreates it (that would duplicate it)
 * and a verification cannot compare it. The one rule the planner, the executor and the
 * verifier share.
 */
export function invisibleTo(o: Pick<ObjectRecord, "approved" | "published" | "ownerSubject">, caller: { subject: string; isBot: boolean }): boolean {
  return !caller.isBot && !o.approved && !o.published && o.ownerSubject !== caller.subject;
}

export type ObjectAction = "create" | "update" | "delete" | "state";

/** One planned change of one object: a line of the plan the user confirms. */
export interface ObjectChange {
  action: ObjectAction;
  /** The snapshot's object id (for `delete`: the target's, the snapshot does not have it). */
  id: string;
  type: string;
  genericType: ObjectRecord["genericType"];
  title: string;
  /** For `state`: the approve/publish state the object gets. */
  state?: { approved: boolean; published: boolean };
  why: string;
}

/** One planned owner change (the object-owners step), by subject as the restore maps owners. */
export interface OwnerChange {
  id: string;
  type: string;
  title: string;
  /** The owner in the snapshot. */
  subject: string;
  /** The target user: an existing one, or one the restore creates. */
  owner: Ref;
}

/** What planning read of one object the plan changes: `null` when the target app did not have it. */
export type ObjectReadStamp = { modifiedDate?: string; fingerprint?: string } | null;

/** What was read when planning, compared before writing into the live app. */
export interface ObjectsReadAt {
  /** The app's `modifiedDate` (`GET /apps/{id}`), when Qlik reported it. */
  app?: string;
  objects: Record<string, ObjectReadStamp>;
}

export interface ObjectPlanInput {
  /** The snapshot's objects of the app. */
  objects: ObjectRecord[];
  /** Single-object restore: the snapshot object ids to restore (nothing else is touched). */
  only?: ReadonlySet<string>;
  /** The target app's objects, read before planning. */
  current: TargetObject[];
  caller: { userId: string; subject: string; isBot: boolean };
  /** The target user who owns a snapshot user's content (undefined: unresolved). */
  ownerRef: (sourceUserId: string) => Ref | undefined;
  /** The id an earlier attempt of this restore gave a snapshot object (it may differ). */
  mappedId?: (objectId: string) => string;
  /** Target ids an earlier attempt of this restore created (never "extra"). */
  createdIds?: ReadonlySet<string>;
  deleteExtra: boolean;
  /** The app's `modifiedDate` as read before planning. */
  appModifiedDate?: string;
}

export interface ObjectPlan {
  /** Creates and updates first, then states, then deletions: the order the executor runs them. */
  changes: ObjectChange[];
  owners: OwnerChange[];
  /** Objects the target has and the snapshot does not: kept (not deleted), counted. */
  kept: number;
  /** Snapshot objects the caller cannot see in the target (another user's private ones): left alone. */
  notVisible: number;
  /** Objects whose owner is not in the target: they keep their current owner. */
  unresolvedOwners: number;
  readAt: ObjectsReadAt;
}

const ORDER: Record<ObjectAction, number> = { create: 0, update: 0, state: 1, delete: 2 };

export function planObjectChanges(input: ObjectPlanInput): ObjectPlan {
  const current = new Map(input.current.map((o) => [o.id, o]));
  const mapped = input.mappedId ?? ((id: string) => id);
  const changes: ObjectChange[] = [];
  const owners: OwnerChange[] = [];
  const readAt: ObjectsReadAt = { objects: {} };
  if (input.appModifiedDate) readAt.app = input.appModifiedDate;
  const read = (id: string, have: TargetObject | undefined) => {
    readAt.objects[id] = have ? { ...(have.modifiedDate ? { modifiedDate: have.modifiedDate } : {}), ...(have.fingerprint ? { fingerprint: have.fingerprint } : {}) } : null;
  };
  let notVisible = 0;
  let unresolvedOwners = 0;
  const inSnapshot = new Set<string>();
  for (const o of input.objects) {
    const id = mapped(o.id);
    inSnapshot.add(id);
    if (input.only && !input.only.has(o.id)) continue;
    const base = { id: o.id, type: o.type, genericType: o.genericType, title: o.title };
    const have = current.get(id);
    if (!have && invisibleTo(o, input.caller)) {
      notVisible++;
      continue;
    }
    let touched = false;
    if (!have) {
      changes.push({ ...base, action: "create", why: "not in the target app: recreated with the same id" });
      if (o.approved || o.published) changes.push({ ...base, action: "state", state: { approved: o.approved, published: o.published }, why: "its state in the snapshot" });
      touched = true;
    } else {
      const snapshotHasSelections = !!o.propertyTree && typeof o.propertyTree === "object" && "qBookmark" in o.propertyTree;
      const theirs = !snapshotHasSelections && have.fingerprintWithoutSelections ? have.fingerprintWithoutSelections : have.fingerprint;
      if (theirs !== objectFingerprint(o.propertyTree)) {
        changes.push({ ...base, action: "update", why: "its properties differ from the snapshot's" });
        touched = true;
      }
      if ((have.approved ?? false) !== o.approved || (have.published ?? false) !== o.published) {
        changes.push({ ...base, action: "state", state: { approved: o.approved, published: o.published }, why: `${stateText(have)} in the target, ${stateText(o)} in the snapshot` });
        touched = true;
      }
    }
    // System objects (LoadModel, appprops) have no owner in Qlik: nothing to hand back.
    if (o.ownerId) {
      const ref = input.ownerRef(o.ownerId);
      if (!ref) unresolvedOwners++;
      else {
        const targetId = existingId(ref);
        const ownerNow = have ? have.ownerId : input.caller.userId; // a recreated object is the caller's
        if (targetId === undefined || ownerNow !== targetId) {
          owners.push({ id: o.id, type: o.type, title: o.title, subject: o.ownerSubject || o.ownerId, owner: ref });
          touched = true;
        }
      }
    }
    if (touched) read(id, have);
  }
  let kept = 0;
  if (!input.only)
    for (const o of input.current) {
      if (inSnapshot.has(o.id) || input.createdIds?.has(o.id)) continue;
      if (!input.deleteExtra) {
        kept++;
        continue;
      }
      changes.push({ id: o.id, type: o.type, genericType: o.genericType, title: o.title, action: "delete", why: "not in the snapshot (--delete-extra-objects)" });
      read(o.id, o);
    }
  changes.sort((a, b) => ORDER[a.action] - ORDER[b.action]);
  return { changes, owners, kept, notVisible, unresolvedOwners, readAt };
}

const stateText = (o: { approved?: boolean; published?: boolean }): string => (o.approved ? "approved" : o.published ? "published" : "private");

/** What the target says of an object now, for the optimistic check. */
export interface ObjectNow {
  modifiedDate?: string;
  fingerprint: string;
}

/**
 * The changes made to a live app since the plan read it: its `modifiedDate`, and for each
 * object the plan changes its `qMeta.modifiedDate` — or, when the object carries no date
 * (the key is UNCONFIRMED for Qlik Cloud; the emulator's `objectMetaDates` switch), its content
 * fingerprint. Each entry names the object, the time read and the time found. Empty: nothing
 * changed, the plan may be carried out.
 */
export function changedSincePlan(readAt: ObjectsReadAt, now: { app?: string; objects: ReadonlyMap<string, ObjectNow> }, label: (id: string) => string): string[] {
  const out: string[] = [];
  if (readAt.app && now.app && readAt.app !== now.app) out.push(`the app was modified at ${now.app} (read at planning: ${readAt.app})`);
  for (const [id, was] of Object.entries(readAt.objects)) {
    const cur = now.objects.get(id);
    if (was === null) {
      if (cur) out.push(`${label(id)} was created since the plan (it was not in the app when planning${cur.modifiedDate ? `; modified ${cur.modifiedDate}` : ""})`);
      continue;
    }
    if (!cur) {
      out.push(`${label(id)} was deleted since the plan (read at planning${was.modifiedDate ? `: modified ${was.modifiedDate}` : ""})`);
      continue;
    }
    if (was.modifiedDate && cur.modifiedDate) {
      if (was.modifiedDate !== cur.modifiedDate) out.push(`${label(id)} was modified at ${cur.modifiedDate} (read at planning: modified ${was.modifiedDate})`);
    } else if (was.fingerprint && was.fingerprint !== cur.fingerprint) {
      // No dates to compare: the content itself.
      out.push(`${label(id)} was changed since the plan (its content differs from what planning read; the engine reports no modifiedDate for it)`);
    }
  }
  return out;
}

/**
 * The snapshot objects `--object ID|TITLE` selects in one app: by id, else by a title unique in
 * that app of the snapshot. Children (charts on a sheet) are inside their parent's property
 * tree (`qChildren`) and come back with it; a child's id names its parent in the error.
 */
export function selectObjects(objects: ObjectRecord[], keys: string[], where: { app: string; appId: string; snapshot: string }): { ids: Set<string>; errors: string[] } {
  const ids = new Set<string>();
  const errors: string[] = [];
  const lsHint = `run 'lifeboat ls ${where.snapshot} apps/${where.appId}/objects' to see its objects`;
  for (const key of keys) {
    const byId = objects.find((o) => o.id === key);
    if (byId) {
      ids.add(byId.id);
      continue;
    }
    const byTitle = objects.filter((o) => o.title === key);
    if (byTitle.length === 1) {
      ids.add(byTitle[0]!.id);
      continue;
    }
    if (byTitle.length > 1) {
      errors.push(`'${key}' is the title of ${byTitle.length} objects of app '${where.app}' in snapshot ${where.snapshot} (${byTitle.map((o) => `${o.type} ${o.id}`).join(", ")}); select one by id`);
      continue;
    }
    const parent = objects.find((o) => childIdsOf(o.propertyTree).has(key));
    if (parent) errors.push(`object '${key}' is a child of ${parent.type} '${parent.title}' (${parent.id}) in app '${where.app}'; children come back with their parent: pass --object ${parent.id}`);
    else errors.push(`no object '${key}' (id or title) in app '${where.app}' of snapshot ${where.snapshot}; ${lsHint}`);
  }
  return { ids, errors };
}

/** The ids of every descendant in a property tree (`qChildren`, recursively). */
export function childIdsOf(tree: unknown): Set<string> {
  const out = new Set<string>();
  const walk = (n: unknown) => {
    const children = (n as { qChildren?: unknown } | null)?.qChildren;
    if (!Array.isArray(children)) return;
    for (const c of children) {
      const id = (c as { qProperty?: { qInfo?: { qId?: unknown } } } | null)?.qProperty?.qInfo?.qId;
      if (typeof id === "string") out.add(id);
      walk(c);
    }
  };
  walk(tree);
  return out;
}
