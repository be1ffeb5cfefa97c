/**
 * Verification after a restore: reads the restored content back through the target
 * (REST + QIX, the same way a backup reads it) and compares it with the snapshot —
 * every object of every restored app (present, type, title, property tree, owner,
 * approved, published), no objects the snapshot does not have in an imported app (in an app
 * restored in place, none of those the plan deletes; the others are counted as kept), the load
 * script where the plan sets it (section access), the app's owner and
 * space, the owners of the spaces the restore created (or brought back), the development copy holding base content only, created users and spaces, and
 * the assignments the plan restored (with the role Qlik adds for an app's new owner on top).
 *
 * `status` is "match" only when nothing differs; each mismatch names where, what was
 * expected and what was found.
 */
import type { SnapshotRepository } from "@lifeboat/repository";
import { createPool } from "@lifeboat/kit";
import type { AppSummary } from "@lifeboat/model";
import { objectRef, treeFingerprint } from "./execute.ts";
import type { Ref, RestorePlan } from "./plan.ts";
import type { RestoreSource } from "./source.ts";
import type { RestoreTarget } from "@lifeboat/model";

export interface Mismatch {
  /** e.g. "app 'Sales' object 'sh-1' (sheet 'Q3')". */
  where: string;
  field: string;
  expected?: string;
  actual?: string;
}

export interface AppVerification {
  sourceId: string;
  name: string;
  targetAppId?: string;
  objects: number;
  /** Object fields compared. */
  checked: number;
  /** Objects not comparable (others' private content invisible to a non-bot caller). */
  notVisible: number;
  /** Objects the target app has beyond the snapshot's, kept as the plan said (a user's newer work). */
  kept: number;
  mismatches: Mismatch[];
}

export interface VerificationReport {
  status: "match" | "mismatch";
  checkedAt: string;
  target: string;
  snapshot: string;
  apps: AppVerification[];
  /** Users, spaces, assignments. */
  other: Mismatch[];
  mismatches: number;
}

export interface VerifyOptions {
  plan: RestorePlan;
  source: RestoreSource;
  target: RestoreTarget;
  /** ref → target id, from the executor's result (or the journal). */
  created: Record<Ref, string>;
  /** Where the snapshot's blobs (scripts) are read from. */
  repository: Pick<SnapshotRepository, "readBlob">;
  /**
   * Ids of the apps the target had when the plan was made. With it, an app of a restored
   * app's name in its space that was neither there before nor restored by this plan is a
   * duplicate (e.g. made by a second restore running at the same time) and a mismatch.
   */
  appsBefore?: Iterable<string>;
  /** Apps read back at once (default 16; QIX, not rate-limited). */
  concurrency?: number;
  now?: () => Date;
}

const show = (v: unknown): string => (v === undefined ? "(none)" : typeof v === "string" ? v : JSON.stringify(v));

export async function verifyRestore(opts: VerifyOptions): Promise<VerificationReport> {
  const { plan, source, target, created } = opts;
  const resolve = (ref: Ref | undefined): string | undefined => (ref === undefined ? undefined : ref.startsWith("id:") ? ref.slice(3) : created[ref]);
  const other: Mismatch[] = [];
  const apps: AppVerification[] = [];
  const order = new Map(plan.apps.map((a, i) => [a.sourceId, i]));

  const targetApps = new Map<string, AppSummary>();
  for await (const a of target.listApps()) targetApps.set(a.appId, a);
  const before = opts.appsBefore ? new Set(opts.appsBefore) : undefined;
  // Every app this plan restores into, whatever its name: never a duplicate of another.
  const restoredIds = new Set<string>();
  for (const d of plan.apps) {
    const id = d.action === "reconcile" ? d.targetAppId : created[`app:${d.sourceId}`];
    if (id) restoredIds.add(id);
  }
  for (const id of Object.values(created)) restoredIds.add(id);

  for (const u of plan.users) {
    if (u.action !== "create") continue;
    const found = await target.findUserBySubject(u.subject);
    if (!found) other.push({ where: `user ${u.subject}`, field: "exists", expected: "created (invited)", actual: "missing" });
  }
  const spaceIds = new Map<string, string>();
  const spaceOwners = new Map<string, string>();
  const spaceTypes = new Map<string, string>();
  for await (const s of target.listSpaces()) {
    spaceIds.set(s.id, s.name);
    spaceOwners.set(s.id, s.ownerId);
    spaceTypes.set(s.id, s.type);
  }
  // Qlik raises an app's new owner to Can edit (shared) / Can manage (managed) in the app's
  // space when the owner lacks it (help.qlik.com migration › Update Application Owners):
  // after the restore's owner changes, that role on top of the snapshot's is expected.
  const ownsAppIn = new Set<string>();
  for (const step of plan.steps) {
    if (step.kind !== "app-owner") continue;
    const appId = resolve(step.target);
    const owner = resolve(step.owner);
    const spaceId = appId ? targetApps.get(appId)?.spaceId : undefined;
    if (owner && spaceId) ownsAppIn.add(`${spaceId} ${owner}`);
  }
  const ownerRoleIn = (spaceId: string): { role: string; satisfiedBy: string[] } | undefined =>
    spaceTypes.get(spaceId) === "shared"
      ? { role: "producer", satisfiedBy: ["producer", "facilitator", "codeveloper"] }
      : spaceTypes.get(spaceId) === "managed"
        ? { role: "facilitator", satisfiedBy: ["facilitator"] }
        : undefined;
  const sameRoles = (a: readonly string[], b: readonly string[]) => [...new Set(a)].sort().join(",") === [...new Set(b)].sort().join(",");
  for (const s of plan.spaces) {
    const id = resolve(s.ref);
    if (s.action === "blocked") continue;
    if (!id || !spaceIds.has(id)) {
      other.push({ where: `space '${s.targetName}'`, field: "exists", expected: s.action, actual: "missing" });
      continue;
    }
    if (!s.owner) continue;
    const owner = resolve(s.owner.ref);
    if (!owner) other.push({ where: `space '${s.targetName}'`, field: "owner", expected: s.owner.subject, actual: "unresolved in the target (see the plan)" });
    else if (spaceOwners.get(id) !== owner) other.push({ where: `space '${s.targetName}'`, field: "owner", expected: `${owner} (${s.owner.subject})`, actual: show(spaceOwners.get(id)) });
  }
  for (const step of plan.steps) {
    if (step.kind !== "assign") continue;
    const spaceId = resolve(step.space);
    const assigneeId = resolve(step.assignee);
    if (!spaceId || !assigneeId) {
      other.push({ where: step.label, field: "assignment", expected: step.roles.join(", "), actual: "not restored" });
      continue;
    }
    let roles: string[] | undefined;
    for await (const a of target.listSpaceAssignments(spaceId)) if (a.assigneeId === assigneeId) roles = a.roles;
    const rule = step.assigneeType === "user" && ownsAppIn.has(`${spaceId} ${assigneeId}`) ? ownerRoleIn(spaceId) : undefined;
    const expected = rule && !step.roles.some((r) => rule.satisfiedBy.includes(r)) ? [...step.roles, rule.role] : step.roles;
    if (!roles || !(sameRoles(roles, expected) || sameRoles(roles, step.roles)))
      other.push({ where: step.label, field: "roles", expected: expected.join(", "), actual: roles ? roles.join(", ") : "no assignment" });
  }

  // Apps are read back in parallel (the connector bounds QIX sessions); the report keeps plan order.
  const pool = createPool(Math.max(1, opts.concurrency ?? 16));
  const checks: Promise<void>[] = [];
  for (const d of plan.apps) {
    if (d.action !== "import" && d.action !== "reconcile" && d.action !== "qlik-restore") continue;
    const app = source.apps.find((a) => a.id === d.sourceId);
    if (!app) continue;
    checks.push(pool.run(() => verifyApp(d, app)));
  }
  await Promise.all(checks);

  async function verifyApp(d: (typeof plan.apps)[number], app: (typeof source.apps)[number]): Promise<void> {
    const appId = d.action === "reconcile" ? d.targetAppId : created[`app:${d.sourceId}`];
    const v: AppVerification = { sourceId: d.sourceId, name: d.targetName, ...(appId ? { targetAppId: appId } : {}), objects: app.objects.length, checked: 0, notVisible: 0, kept: 0, mismatches: [] };
    apps.push(v);
    const here = `app '${d.targetName}'`;
    const info = appId ? await target.getApp(appId) : undefined;
    if (!appId || !info) {
      v.mismatches.push({ where: here, field: "exists", expected: `restored from ${d.sourceId}`, actual: "missing" });
      return;
    }
    // The name, byte for byte: an app that came back under another name (a name mangled on its
    // way to Qlik, issue 15.4) is not found by the next restore, which imports another copy.
    const actualName = info.attributes.name;
    if (typeof actualName === "string" && actualName !== d.targetName) v.mismatches.push({ where: here, field: "name", expected: show(d.targetName), actual: show(actualName) });
    const owner = resolve(d.owner);
    if (!owner) v.mismatches.push({ where: here, field: "owner", expected: show(app.doc.owner.subject ?? app.doc.owner.id), actual: "unresolved in the target (see the plan)" });
    else if (info.attributes.ownerId !== owner) v.mismatches.push({ where: here, field: "owner", expected: owner, actual: show(info.attributes.ownerId) });
    if (d.action === "qlik-restore" && appId !== d.sourceId) v.mismatches.push({ where: here, field: "app id", expected: d.sourceId, actual: show(appId) });
    if (d.action === "import" || d.action === "qlik-restore") {
      const expectedSpace = d.managed ? resolve(d.managed.space.ref) : resolve(d.targetSpace?.ref);
      const actualSpace = targetApps.get(appId)?.spaceId;
      if ((expectedSpace ?? "") !== (actualSpace ?? "")) v.mismatches.push({ where: here, field: "space", expected: show(expectedSpace ?? "personal"), actual: show(actualSpace ?? "personal") });
      if (d.managed && info.attributes.originAppId !== resolve(d.managed.origin))
        v.mismatches.push({ where: here, field: "originAppId", expected: show(resolve(d.managed.origin)), actual: show(info.attributes.originAppId) });
    }

    if (before) {
      const space = targetApps.get(appId)?.spaceId ?? "";
      const dups = [...targetApps.values()].filter((a) => a.name === d.targetName && (a.spaceId ?? "") === space && !restoredIds.has(a.appId) && !before.has(a.appId));
      if (dups.length)
        v.mismatches.push({
          where: here,
          field: "duplicates",
          expected: `one app named '${d.targetName}' in ${space ? `space ${space}` : "the personal space"} from this restore`,
          actual: `${dups.length + 1}: also ${dups.map((a) => a.appId).join(", ")} (made since the plan, not by it — another restore running at the same time?)`,
        });
    }

    const current = new Map((await target.readObjects(appId)).map((o) => [o.id, o]));
    const seen = new Set<string>();
    for (const o of app.objects) {
      const id = created[objectRef(d.sourceId, o.id)] ?? o.id;
      seen.add(id);
      const where = `${here} object '${o.id}' (${o.type} '${o.title}')`;
      const have = current.get(id);
      if (!have) {
        if (!plan.target.callerIsBot && !o.approved && !o.published && o.ownerSubject !== plan.target.caller) {
          v.notVisible++;
          continue;
        }
        v.mismatches.push({ where, field: "exists", expected: "present", actual: "missing" });
        continue;
      }
      const expectedOwner = plan.owners[o.ownerId] ? resolve(plan.owners[o.ownerId]) : undefined;
      const checks: [string, unknown, unknown][] = [
        ["type", o.type, have.type],
        ["title", o.title, have.title],
        ["approved", o.approved, have.approved],
        ["published", o.published, have.published],
        // An object without an owner (system objects: LoadModel, appprops) has none after the restore either.
        ["owner", o.ownerId === "" ? "" : (expectedOwner ?? `unresolved ${o.ownerSubject || o.ownerId} (see the plan)`), have.ownerId],
      ];
      for (const [field, expected, actual] of checks) {
        v.checked++;
        if (expected !== actual) v.mismatches.push({ where, field, expected: show(expected), actual: show(actual) });
      }
      v.checked++;
      if (treeFingerprint(have.propertyTree, o.propertyTree) !== treeFingerprint(o.propertyTree)) {
        // A bookmark whose properties match but whose selections do not (e.g. restored empty) says so.
        const selectionsOnly = o.genericType === "genericBookmark" && treeFingerprint({ ...(have.propertyTree as object), qBookmark: null }) === treeFingerprint({ ...(o.propertyTree as object), qBookmark: null });
        v.mismatches.push(selectionsOnly ? { where, field: "selections", expected: "as in the snapshot", actual: "differ" } : { where, field: "properties", expected: "as in the snapshot", actual: "differs" });
      }
    }
    // Objects beyond the snapshot's: an imported app has none; in an app restored in place the
    // ones the plan deletes must be gone and the others are a user's newer work, kept.
    const planned = new Set(plan.steps.flatMap((s) => (s.kind === "objects" && s.app === d.sourceId ? s.remove.map((r) => r.id) : [])));
    for (const o of current.values()) {
      if (seen.has(o.id)) continue;
      const where = `${here} object '${o.id}' (${o.type} '${o.title}')`;
      if (d.action === "import") v.mismatches.push({ where, field: "extra", expected: "not in the snapshot", actual: "present" });
      else if (planned.has(o.id)) v.mismatches.push({ where, field: "extra", expected: "deleted (the plan lists it)", actual: "present" });
      else v.kept++;
    }
    for (const step of plan.steps) {
      if (step.kind !== "app-script" || step.app !== d.sourceId) continue;
      v.checked++;
      const chunks: Uint8Array[] = [];
      for await (const c of opts.repository.readBlob(step.script)) chunks.push(c);
      if ((await target.getAppScript(appId)) !== Buffer.concat(chunks).toString("utf8"))
        v.mismatches.push({ where: here, field: "script", expected: "the snapshot's load script", actual: "differs" });
    }

    if (d.managed?.devCopy) {
      const copyId = resolve(d.managed.origin);
      if (!copyId || !(await target.getApp(copyId))) v.mismatches.push({ where: `${here} development copy`, field: "exists", expected: "present", actual: "missing" });
      else
        for (const o of await target.withApp(copyId, (ed) => ed.readObjects()))
          if (!o.approved) v.mismatches.push({ where: `${here} development copy object '${o.id}'`, field: "content", expected: "base content only", actual: o.published ? "community" : "private" });
    }
  }

  apps.sort((a, b) => order.get(a.sourceId)! - order.get(b.sourceId)!);
  const mismatches = other.length + apps.reduce((n, a) => n + a.mismatches.length, 0);
  return {
    status: mismatches === 0 ? "match" : "mismatch",
    checkedAt: (opts.now ?? (() => new Date()))().toISOString(),
    target: plan.target.host,
    snapshot: plan.snapshot.id,
    apps,
    other,
    mismatches,
  };
}
