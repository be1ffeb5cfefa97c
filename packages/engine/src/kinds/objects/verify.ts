/**
 * The objects kind's verification, inside each restored app's report (the apps verification
 * asks for it): every snapshot object present (others' private content invisible to a non-bot
 * caller is counted, not compared) with its type, title, approve/publish state, owner and
 * property tree; no object beyond the snapshot's in an imported app; in an app restored in
 * place, none of those the plan deletes (the others are counted as kept). With `only` (a
 * single-object restore): exactly those objects, nothing else in the app.
 */
import type { AppDecision } from "../../restore/plan.ts";
import type { SourceApp } from "../../restore/source.ts";
import type { AppVerification } from "../../restore/verify.ts";
import { show, type VerifyContext } from "../restore.ts";
import { objectRef, treeFingerprint } from "./steps.ts";
import { invisibleTo } from "./changes.ts";

export async function verifyObjectsIn(v: VerifyContext, d: AppDecision, app: SourceApp, appId: string, av: AppVerification, only?: ReadonlySet<string>): Promise<void> {
  const { plan, target, created, resolve } = v;
  const here = `app '${d.targetName}'`;
  const objects = (await v.source.objectsOf(app.id)).filter((o) => !only || only.has(o.id));
  const caller = { subject: plan.target.caller, isBot: plan.target.callerIsBot };
  const current = new Map((await target.readObjects(appId)).map((o) => [o.id, o]));
  const seen = new Set<string>();
  for (const o of objects) {
    const id = created[objectRef(d.sourceId, o.id)] ?? o.id;
    seen.add(id);
    const where = `${here} object '${o.id}' (${o.type} '${o.title}')`;
    const have = current.get(id);
    if (!have) {
      if (invisibleTo(o, caller)) {
        av.notVisible++;
        continue;
      }
      av.mismatches.push({ where, field: "exists", expected: "present", actual: "missing" });
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
      av.checked++;
      if (expected !== actual) av.mismatches.push({ where, field, expected: show(expected), actual: show(actual) });
    }
    av.checked++;
    if (treeFingerprint(have.propertyTree, o.propertyTree) !== treeFingerprint(o.propertyTree)) {
      // A bookmark whose properties match but whose selections do not (e.g. restored empty) says so.
      const selectionsOnly = o.genericType === "genericBookmark" && treeFingerprint({ ...(have.propertyTree as object), qBookmark: null }) === treeFingerprint({ ...(o.propertyTree as object), qBookmark: null });
      av.mismatches.push(selectionsOnly ? { where, field: "selections", expected: "as in the snapshot", actual: "differ" } : { where, field: "properties", expected: "as in the snapshot", actual: "differs" });
    }
  }
  // Objects beyond the snapshot's: an imported app has none; in an app restored in place the
  // ones the plan deletes must be gone and the others are a user's newer work, kept.
  if (only) return;
  const planned = new Set(plan.steps.flatMap((s) => (s.kind === "objects" && s.app === d.sourceId ? s.remove.map((r) => r.id) : [])));
  for (const o of current.values()) {
    if (seen.has(o.id)) continue;
    const where = `${here} object '${o.id}' (${o.type} '${o.title}')`;
    if (d.action === "import") av.mismatches.push({ where, field: "extra", expected: "not in the snapshot", actual: "present" });
    else if (planned.has(o.id)) av.mismatches.push({ where, field: "extra", expected: "deleted (the plan lists it)", actual: "present" });
    else av.kept++;
  }
}
