/**
 * The apps kind's verification: each restored app exists under its name, with its owner, in
 * its space (managed: with its origin), no duplicate of it appeared, its objects are the
 * snapshot's (`../objects/verify.ts`), its load script where the plan sets it (section access),
 * and a development copy holds base content only. Apps are read back in parallel. A
 * single-object restore (`--object`) is verified on exactly the objects it restored, not on
 * the app or its other objects.
 */
import { createPool } from "@lifeboat/kit";
import type { AppDecision } from "../../restore/plan.ts";
import { refKey } from "../../restore/ref.ts";
import type { SourceApp } from "../../restore/source.ts";
import type { AppVerification } from "../../restore/verify.ts";
import { show, type VerifyContext } from "../restore.ts";
import { verifyObjectsIn } from "../objects/verify.ts";

/** The target id of the app a decision restores into, when there is one. */
export const restoredAppId = (v: Pick<VerifyContext, "created">, d: AppDecision): string | undefined =>
  d.action === "reconcile" ? d.targetAppId : v.created[refKey({ t: "app", sourceId: d.sourceId })];

export async function verifyApps(v: VerifyContext): Promise<void> {
  // Apps are read back in parallel (the connector bounds QIX sessions); the report keeps plan order.
  const pool = createPool(Math.max(1, v.concurrency));
  const checks: Promise<void>[] = [];
  for (const d of v.plan.apps) {
    if (d.action !== "import" && d.action !== "reconcile" && d.action !== "qlik-restore") continue;
    const app = v.source.apps.find((a) => a.id === d.sourceId);
    if (!app) continue;
    checks.push(pool.run(() => verifyApp(v, d, app)));
  }
  await Promise.all(checks);
}

async function verifyApp(v: VerifyContext, d: AppDecision, app: SourceApp): Promise<void> {
  const { plan, target, resolve, targetApps } = v;
  const appId = restoredAppId(v, d);
  const step = plan.steps.find((s) => s.kind === "objects" && s.app === d.sourceId);
  const only = step?.kind === "objects" && step.only ? new Set(step.only) : undefined;
  const av: AppVerification = { sourceId: d.sourceId, name: d.targetName, ...(appId ? { targetAppId: appId } : {}), objects: only ? only.size : (await v.source.objectsOf(app.id)).length, checked: 0, notVisible: 0, kept: 0, mismatches: [] };
  v.apps.push(av);
  const here = `app '${d.targetName}'`;
  const info = appId ? await target.getApp(appId) : undefined;
  if (!appId || !info) {
    av.mismatches.push({ where: here, field: "exists", expected: `restored from ${d.sourceId}`, actual: "missing" });
    return;
  }
  if (only) {
    await verifyObjectsIn(v, d, app, appId, av, only);
    return;
  }
  // The name, byte for byte: an app that came back under another name (a name mangled on its
  // way to Qlik, issue 15.4) is not found by the next restore, which imports another copy.
  const actualName = info.attributes.name;
  if (typeof actualName === "string" && actualName !== d.targetName) av.mismatches.push({ where: here, field: "name", expected: show(d.targetName), actual: show(actualName) });
  const owner = resolve(d.owner);
  if (!owner) av.mismatches.push({ where: here, field: "owner", expected: show(app.doc.owner.subject ?? app.doc.owner.id), actual: "unresolved in the target (see the plan)" });
  else if (info.attributes.ownerId !== owner) av.mismatches.push({ where: here, field: "owner", expected: owner, actual: show(info.attributes.ownerId) });
  if (d.action === "qlik-restore" && appId !== d.sourceId) av.mismatches.push({ where: here, field: "app id", expected: d.sourceId, actual: show(appId) });
  if (d.action === "import" || d.action === "qlik-restore") {
    const expectedSpace = d.managed ? resolve(d.managed.space.ref) : resolve(d.targetSpace?.ref);
    const actualSpace = targetApps.get(appId)?.spaceId;
    if ((expectedSpace ?? "") !== (actualSpace ?? "")) av.mismatches.push({ where: here, field: "space", expected: show(expectedSpace ?? "personal"), actual: show(actualSpace ?? "personal") });
    if (d.managed && info.attributes.originAppId !== resolve(d.managed.origin))
      av.mismatches.push({ where: here, field: "originAppId", expected: show(resolve(d.managed.origin)), actual: show(info.attributes.originAppId) });
  }

  if (v.appsBefore) {
    const before = v.appsBefore;
    const space = targetApps.get(appId)?.spaceId ?? "";
    const dups = [...targetApps.values()].filter((a) => a.name === d.targetName && (a.spaceId ?? "") === space && !v.restoredIds.has(a.appId) && !before.has(a.appId));
    if (dups.length)
      av.mismatches.push({
        where: here,
        field: "duplicates",
        expected: `one app named '${d.targetName}' in ${space ? `space ${space}` : "the personal space"} from this restore`,
        actual: `${dups.length + 1}: also ${dups.map((a) => a.appId).join(", ")} (made since the plan, not by it — another restore running at the same time?)`,
      });
  }

  await verifyObjectsIn(v, d, app, appId, av);

  for (const step of plan.steps) {
    if (step.kind !== "app-script" || step.app !== d.sourceId) continue;
    av.checked++;
    const chunks: Uint8Array[] = [];
    for await (const c of v.repository.readBlob(step.script)) chunks.push(c);
    if ((await target.getAppScript(appId)) !== Buffer.concat(chunks).toString("utf8"))
      av.mismatches.push({ where: here, field: "script", expected: "the snapshot's load script", actual: "differs" });
  }

  if (d.managed?.devCopy) {
    const copyId = resolve(d.managed.origin);
    if (!copyId || !(await target.getApp(copyId))) av.mismatches.push({ where: `${here} development copy`, field: "exists", expected: "present", actual: "missing" });
    else
      for (const o of await target.withApp(copyId, (ed) => ed.readObjects()))
        if (!o.approved) av.mismatches.push({ where: `${here} development copy object '${o.id}'`, field: "content", expected: "base content only", actual: o.published ? "community" : "private" });
  }
}
