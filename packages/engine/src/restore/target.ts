/**
 * What the restore planner knows of the target tenant (`TargetState`), read through the
 * `RestoreTarget` port (`@lifeboat/model`) before planning.
 *
 * The port's contracts are documented with it (`@lifeboat/model` ports.ts).
 */
import { targetObjectOf } from "../kinds/objects/changes.ts";
import { createPool } from "@lifeboat/kit";
import type { AppSummary, AssignmentRecord, CallerInfo, GroupRecord, ResourceKindName, ResourceRecord, RestoreTarget, SoftDeletedApp, SpaceRecord, TargetObject, UserRecord } from "@lifeboat/model";

/** What the planner knows of the target: read once, before planning. */
export interface TargetState {
  host: string;
  caller: CallerInfo;
  users: UserRecord[];
  groups: GroupRecord[];
  spaces: SpaceRecord[];
  /** Assignments of every space of the target (by space id; read one space after another). */
  assignments: Record<string, AssignmentRecord[]>;
  apps: AppSummary[];
  /**
   * Apps Qlik can still restore (soft delete: docs/qlik-surface.md); `undefined` when unknown (the caller may not read
   * deletion events, or reading them failed: `softDeletedUnknown` says why).
   */
  softDeleted?: SoftDeletedApp[];
  softDeletedUnknown?: string;
  /**
   * Objects of existing apps, by app id — read for the apps `readTargetState` was asked about
   * (every app restored in place): the planner plans each object change from them.
   */
  objects?: Record<string, TargetObject[]>;
  /** Those apps' `modifiedDate` (`GET /apps/{id}`), when Qlik reported it: the optimistic check's baseline. */
  appModified?: Record<string, string>;
  /**
   * The target's items of the declared resource kinds a restore selects (`readTargetState(…,
   * { resources })`, `resourceKindsFor`), read in full, secrets left out.
   */
  resources?: Partial<Record<ResourceKindName, ResourceRecord[]>>;
  /** Kinds asked for that the target cannot take (no such kind, or reading them failed): why. The plan skips their items. */
  resourcesUnavailable?: Partial<Record<ResourceKindName, string>>;
}

/** Target apps whose objects are read at once before planning (QIX sessions; the connector bounds them too). */
const OBJECT_READS_IN_FLIGHT = 4;

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/**
 * Reads the target's state for the planner. `whoAmI` first: bad credentials fail here, before
 * anything else. `objectsOf`: app ids whose objects the planner needs (the apps restored in
 * place: `objectsNeededFor`); ids not in the target are ignored. For each: the objects (with a
 * fingerprint of their trees), their `qMeta.modifiedDate` where the target reports stamps, and
 * the app's `modifiedDate`.
 */
export async function readTargetState(target: RestoreTarget, opts: { objectsOf?: string[]; resources?: readonly ResourceKindName[] } = {}): Promise<TargetState> {
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
    const objects: Record<string, TargetObject[]> = {};
    const appModified: Record<string, string> = {};
    // The stamps first: an object changed between the two reads then shows as changed before writing.
    const pool = createPool(OBJECT_READS_IN_FLIGHT);
    await Promise.all(
      wanted.map((id) =>
        pool.run(async () => {
          const info = await target.getApp(id);
          const modified = info?.attributes.modifiedDate;
          if (typeof modified === "string" && modified) appModified[id] = modified;
          const stamps = target.readObjectStamps ? await target.readObjectStamps(id) : undefined;
          const dates = new Map((stamps ?? []).map((s) => [s.id, s.modifiedDate]));
          objects[id] = (await target.readObjects(id)).map((o) => targetObjectOf(o, dates.get(o.id) || undefined));
        }),
      ),
    );
    state.objects = Object.fromEntries(wanted.map((id) => [id, objects[id]!]));
    state.appModified = appModified;
  }
  const kinds = [...new Set(opts.resources ?? [])];
  if (kinds.length) {
    const has = new Set(target.listResources ? (target.resourceKinds?.() ?? []) : []);
    const resources: Partial<Record<ResourceKindName, ResourceRecord[]>> = {};
    const unavailable: Partial<Record<ResourceKindName, string>> = {};
    // One kind after another: each is a listing or two (the connector pages and rate-limits them).
    for (const kind of kinds) {
      if (!has.has(kind) || !target.createResource) {
        unavailable[kind] = `${target.host} cannot take ${kind} (this target does not read or write them)`;
        continue;
      }
      try {
        resources[kind] = await all(target.listResources!(kind));
      } catch (e) {
        // Not fatal: a kind the caller may not read (a missing role or licence) is reported per item.
        unavailable[kind] = `reading the target's ${kind} failed: ${e instanceof Error ? e.message : String(e)}`;
      }
    }
    state.resources = resources;
    if (Object.keys(unavailable).length) state.resourcesUnavailable = unavailable;
  }
  return state;
}
