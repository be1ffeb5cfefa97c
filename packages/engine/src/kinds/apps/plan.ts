/**
 * The apps kind's plan fragment: for each selected app, whether it is reconciled in place
 * (same id exists), brought back by Qlik's own restore (soft-deleted in its own tenant),
 * imported from its .qvf, skipped or blocked (a name clash); where it lands (its space; for a
 * managed app, the development space and its origin, or a development copy); its section-access
 * script; its owner; and the move into its managed space. Each app's steps form a chain;
 * the objects kind plans its steps inside it (`../objects/plan.ts`).
 */
import type { AppSummary, SoftDeletedApp } from "@lifeboat/model";
import type { PlanBuilder } from "../../restore/builder.ts";
import type { AppDecision, SpaceDecision } from "../../restore/plan.ts";
import { existing, existingId, type Ref } from "../../restore/ref.ts";
import type { SourceApp } from "../../restore/source.ts";
import type { SpaceRecord } from "@lifeboat/model";
import { importedObjectsStep, inPlaceObjectSteps, objectOwnersStep } from "../objects/plan.ts";

/** What every app's planning looks up. */
interface AppsEnv {
  decisions: Map<string, AppDecision>;
  /** Apps of the target named `name` in a space (personal when undefined). */
  targetAppsIn(spaceId: string | undefined, name: string): AppSummary[];
  softDeleted: Map<string, SoftDeletedApp>;
}

/** Where an import lands: the app's space; for a managed app, the development space with its origin app. */
interface ImportPlace {
  space?: { ref: Ref; name: string; id?: string };
  origin?: Ref;
  devCopy: boolean;
}

export function planApps(b: PlanBuilder): void {
  const { target, selectedApps } = b.ctx;
  const env: AppsEnv = {
    decisions: new Map(),
    targetAppsIn: (spaceId, name) => target.apps.filter((t) => t.name === name && (spaceId ? t.spaceId === spaceId : !t.spaceId)),
    softDeleted: new Map((target.softDeleted ?? []).map((x) => [x.appId, x])),
  };
  const ordered = [...selectedApps.values()].sort((x, y) => {
    // Shared and personal apps first: a managed app may name one of them as its origin.
    const rank = (a: SourceApp) => (a.doc.summary.spaceType === "managed" ? 1 : 0);
    return rank(x) - rank(y) || x.name.localeCompare(y.name) || (x.id < y.id ? -1 : 1);
  });
  for (const app of ordered) planApp(b, env, app);
}

function spaceRecordOf(b: PlanBuilder, id: string, fallbackDoc?: { id: string; name?: string; type: string }): SpaceRecord | undefined {
  return (
    b.ctx.source.spaces.find((s) => s.record.id === id)?.record ??
    (fallbackDoc?.name ? { id, name: fallbackDoc.name, type: fallbackDoc.type as SpaceRecord["type"], ownerId: "" } : undefined)
  );
}

function planApp(b: PlanBuilder, env: AppsEnv, app: SourceApp): void {
  const { source, target, options, previous, sameTenant, selectedApps, spaceMap, createdIds } = b.ctx;
  const { targetAppsIn } = env;
  const summary = app.doc.summary;
  const srcSpace = summary.spaceId ? spaceRecordOf(b, summary.spaceId, app.doc.space) : undefined;
  const d: AppDecision = {
    sourceId: app.id,
    name: app.name,
    ...(srcSpace ? { sourceSpace: { id: srcSpace.id, name: srcSpace.name, type: srcSpace.type } } : {}),
    action: "import",
    targetName: app.name,
    objects: b.ctx.objectsOf(app.id).length,
    reason: "",
  };
  const owner = b.userRef(summary.ownerId || app.doc.owner.id);
  if (owner) d.owner = owner;
  b.apps.push(d);
  env.decisions.set(app.id, d);
  if (b.ctx.onlyObjects) return planSelectedObjects(b, app, d, b.ctx.onlyObjects);
  if (summary.spaceId && !srcSpace) {
    d.action = "blocked";
    d.reason = `its space ${summary.spaceId} is not in the snapshot; map it with --space-map ${summary.spaceId}=SPACE`;
    b.blockers.push(`app '${app.name}': ${d.reason}`);
    return;
  }
  const spaceD = srcSpace ? b.decideSpace(srcSpace) : undefined;
  if (spaceD?.action === "blocked") {
    d.action = "blocked";
    d.reason = `its space '${spaceD.name}' cannot be created (${spaceD.reason})`;
    return;
  }
  const managed = summary.spaceType === "managed" && (!spaceD || spaceD.action !== "map" || spaceMap.get(srcSpace!.id)?.type === "managed");
  const existingById = sameTenant ? target.apps.find((t) => t.appId === app.id) : undefined;
  const fromEarlier = previous.created[`app:${app.id}`];
  const step = (draft: Parameters<PlanBuilder["appStep"]>[1]) => b.appStep(app.id, draft);

  if (existingById && !options.asNew) return planReconcile(b, app, d, existingById, spaceD);
  // Soft-deleted in the target with its space there: Qlik's own restore first.
  const gone = sameTenant && !options.asNew && !fromEarlier ? env.softDeleted.get(app.id) : undefined;
  const deletedSpace = gone ? (gone.spaceId ?? summary.spaceId) : undefined;
  const spaceThere = !deletedSpace || target.spaces.some((x) => x.id === deletedSpace);
  if (gone && spaceThere && spaceD?.action !== "map") return planQlikRestore(b, app, d, gone, deletedSpace);
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
    b.blockers.push(`app '${app.name}': ${d.reason}`);
    return;
  }

  // Where the import lands: the app's shared space; for a managed app, the development space.
  const { space: importSpace, origin, devCopy } = importPlace(b, env, app, d, spaceD, srcSpace, managed);
  if (importSpace) d.targetSpace = { ref: importSpace.ref, name: importSpace.name };

  // Name clashes in the space the app finally lives in.
  const finalSpaceId = managed ? spaceD?.targetId : importSpace?.id;
  const finalSpaceExists = !srcSpace || finalSpaceId !== undefined;
  const interruptedKnown = previous.interruptedKnown?.[`app:${app.id}:import`];
  const fromInterrupted = (appId: string) => interruptedKnown !== undefined && !interruptedKnown.includes(appId);
  const ownerId = existingId(owner) ?? "";
  const clashes = finalSpaceExists
    ? targetAppsIn(finalSpaceId, app.name).filter((t) => !createdIds.has(t.appId) && !fromInterrupted(t.appId) && (finalSpaceId || t.ownerId === ownerId))
    : [];
  let name = app.name;
  if (options.asNew) {
    name = options.name ?? `${app.name} (restored ${source.snapshot.time.slice(0, 10)})`;
    d.reason = `--as-new: imported beside the existing content as '${name}'`;
  } else if (fromEarlier) {
    d.reason = `imported by an earlier attempt of this restore (app ${fromEarlier}); the run continues it`;
  } else if (interruptedKnown) {
    d.reason = "an earlier attempt was interrupted while importing it; the run looks for that import before importing again";
  } else if (clashes.length > 0) {
    if (options.skipExisting) {
      d.action = "skip";
      d.reason = `an app named '${app.name}' already exists there (${clashes.map((c) => c.appId).join(", ")}); --skip-existing leaves it`;
      return;
    }
    d.action = "blocked";
    d.reason = `an app named '${app.name}' already exists in ${importSpace ? `'${importSpace.name}'` : "the owner's personal space"} (${clashes.map((c) => c.appId).join(", ")})`;
    b.blockers.push(`app '${app.name}': ${d.reason}; pass --as-new [--name NAME] to restore it beside, or --skip-existing`);
    return;
  } else {
    d.reason = sameTenant ? "the app no longer exists: imported as a new app (Qlik gives it a new id)" : "not in the target: imported (new app id)";
  }
  if (sameTenant && !managed) {
    const published = target.apps.filter((t) => t.spaceType === "managed" && !selectedApps.has(t.appId) && source.apps.some((a) => a.id === t.appId && (a.doc.lineage.originAppId ?? a.doc.attributes.originAppId) === app.id));
    if (published.length)
      b.warnings.push(
        `app '${app.name}' is the origin of published app(s) ${published.map((p) => `'${p.name}' (${p.appId})`).join(", ")}: they keep naming the old id; ` +
          "republish from the restored app to link them again",
      );
  }
  if (managed) d.reason += devCopy ? "; managed: a development copy stays in the shared space" : "; managed: its restored origin app becomes the development app";
  d.targetName = name;
  const ref: Ref = { t: "app", sourceId: app.id };
  const knownSameName =
    interruptedKnown ?? (importSpace?.id !== undefined || !srcSpace ? targetAppsIn(importSpace?.id, name).map((t) => t.appId) : []);
  step({
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
  step(importedObjectsStep(app, ref, name));
  // Section access (help.qlik.com export-apps-cloud-hub): an app exported by someone other
  // than its owner comes back without an accessible script; the snapshot holds the script.
  if (app.doc.attributes.hasSectionAccess === true) {
    // The plan shows it as "import (section access)" and a step of its own.
    d.sectionAccess = true;
    if (app.script)
      step({ id: `app:${app.id}:script`, kind: "app-script", app: app.id, target: ref, script: app.script, label: `set the load script of '${name}' to the snapshot's (section access)`, reason: "an import of a section-access app by someone other than its owner has no accessible script" });
    else b.warnings.push(`app '${app.name}' has section access but the snapshot holds no script for it: check its script after the restore`);
  }
  if (devCopy && d.managed && importSpace) {
    step({
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
    step({ id: `app:${app.id}:strip-dev-copy`, kind: "strip-app", target: d.managed.origin, label: `remove private and community content from the development copy of '${name}'`, reason: "otherwise the next publish would promote it to base content" });
    if (owner) step({ id: `app:${app.id}:dev-copy-owner`, kind: "app-owner", target: d.managed.origin, owner, label: `hand the development copy of '${name}' to its owner`, reason: "app owner by subject" });
  }
  step(objectOwnersStep(app, ref, name, "owners by subject, after the objects are in place"));
  if (owner) step({ id: `app:${app.id}:app-owner`, kind: "app-owner", target: ref, owner, label: `restore the owner of '${name}'`, reason: "app owner by subject" });
  if (managed && d.managed && origin)
    step({
      id: `app:${app.id}:publish-move`,
      kind: "publish-move",
      target: ref,
      space: d.managed.space.ref,
      origin,
      label: `move '${name}' into the managed space '${d.managed.space.name}'`,
      reason: "moving (not publishing) keeps every object's publish state and private content",
    });
  if (!owner) b.warnings.push(`app '${app.name}': its owner is not in the target; it stays with ${target.caller.subject || "the restoring user"}`);
}

/**
 * Single-object restore (`--object`): the selected objects come back into the live app only;
 * its space, its owner and its other objects stay as they are. An app that is not live is a
 * blocker (restore the whole app first).
 */
function planSelectedObjects(b: PlanBuilder, app: SourceApp, d: AppDecision, only: ReadonlySet<string>): void {
  const { target, sameTenant, source } = b.ctx;
  const live = sameTenant ? target.apps.find((t) => t.appId === app.id) : undefined;
  const current = live ? target.objects?.[live.appId] : undefined;
  delete d.owner;
  d.objects = only.size;
  if (!live || !current) {
    d.action = "blocked";
    d.reason = live ? `the objects of app '${live.name}' could not be read before planning` : `--object restores objects into the live app, and app '${app.name}' (${app.id}) is not on ${target.host}`;
    b.blockers.push(`app '${app.name}': ${d.reason}; ${live ? "run it again" : `restore the whole app first ('lifeboat restore ${source.snapshot.id.slice(0, 12)} --app ${app.id}'), then its objects`}`);
    return;
  }
  d.action = "reconcile";
  d.targetAppId = live.appId;
  d.targetName = live.name;
  const space = live.spaceId ? target.spaces.find((x) => x.id === live.spaceId) : undefined;
  if (space) d.targetSpace = { ref: existing(space.id), name: space.name };
  d.reason = `single-object restore: ${only.size} object(s) brought back into the live app (same ids, owners and states); nothing else in it changes`;
  for (const s of inPlaceObjectSteps(b, app, d, existing(live.appId), `restore ${only.size} object(s) of '${live.name}'`, current, live.appId)) b.appStep(app.id, s);
}

/** The app exists (same id): its objects, owners and states are brought back in place. */
function planReconcile(b: PlanBuilder, app: SourceApp, d: AppDecision, there: AppSummary, spaceD: SpaceDecision | undefined): void {
  d.action = "reconcile";
  d.targetAppId = there.appId;
  d.targetName = there.name;
  d.reason = "the app still exists (same id): objects, owners and states are brought back to the snapshot";
  if (spaceD) d.targetSpace = { ref: spaceD.ref, name: spaceD.targetName };
  if ((there.spaceId ?? "") !== (spaceD?.targetId ?? ""))
    b.warnings.push(`app '${app.name}' is in another space than in the snapshot; the restore leaves its space as it is`);
  const t = existing(there.appId);
  for (const s of inPlaceObjectSteps(b, app, d, t, `reconcile objects of '${app.name}'`, b.ctx.target.objects?.[there.appId], there.appId)) b.appStep(app.id, s);
  if (d.owner) b.appStep(app.id, { id: `app:${app.id}:app-owner`, kind: "app-owner", target: t, owner: d.owner, label: `restore the owner of '${app.name}'`, reason: "app owner by subject" });
}

/**
 * Qlik's own restore first (§6.1b): the app is soft-deleted in the target and its space is
 * there, so it comes back with its id (links, embeds, tasks naming it keep working), then its
 * objects, owners and states are brought back to the snapshot.
 */
function planQlikRestore(b: PlanBuilder, app: SourceApp, d: AppDecision, gone: SoftDeletedApp, deletedSpace: string | undefined): void {
  d.action = "qlik-restore";
  d.targetAppId = app.id;
  d.reason = "soft-deleted: Qlik's restore brings it back (same id, same space), then it is reconciled";
  d.qlik =
    `soft-deleted on ${gone.deletedAt.slice(0, 10)}, restorable until ${gone.purgeAt.slice(0, 16).replace("T", " ")} UTC: ` +
    "Qlik's restore brings it back with the same id into the same space, then its objects, owners and states are brought back to the snapshot";
  // Where Qlik puts it back: the space it was in when deleted.
  const there = deletedSpace ? b.ctx.target.spaces.find((x) => x.id === deletedSpace) : undefined;
  if (there) d.targetSpace = { ref: existing(there.id), name: there.name };
  if ((deletedSpace ?? "") !== (app.doc.summary.spaceId ?? ""))
    b.warnings.push(`app '${app.name}' was in another space than in the snapshot when it was deleted; Qlik restores it there and the restore leaves its space as it is`);
  const ref: Ref = { t: "app", sourceId: app.id };
  b.appStep(app.id, { id: `app:${app.id}:qlik-restore`, kind: "qlik-restore", ref, appId: app.id, label: `restore '${app.name}' with Qlik's restore (same id ${app.id})`, reason: d.reason });
  for (const s of inPlaceObjectSteps(b, app, d, ref, `reconcile objects of '${app.name}'`, undefined)) b.appStep(app.id, s);
  if (d.owner) b.appStep(app.id, { id: `app:${app.id}:app-owner`, kind: "app-owner", target: ref, owner: d.owner, label: `restore the owner of '${app.name}'`, reason: "app owner by subject" });
}

/**
 * Where an import lands. A shared app: its space. A managed app: the space of its origin app
 * when the restore brings that back too (its chain waits for the origin's) or it exists; else
 * a development copy of it in a shared space "SPACE (development)" (created when missing).
 */
function importPlace(b: PlanBuilder, env: AppsEnv, app: SourceApp, d: AppDecision, spaceD: SpaceDecision | undefined, srcSpace: SpaceRecord | undefined, managed: boolean): ImportPlace {
  const { target, sameTenant } = b.ctx;
  if (!(managed && spaceD)) return { ...(spaceD ? { space: { ref: spaceD.ref, name: spaceD.targetName, ...(spaceD.targetId ? { id: spaceD.targetId } : {}) } } : {}), devCopy: false };
  let place: ImportPlace;
  const originId = app.doc.lineage.originAppId ?? (typeof app.doc.attributes.originAppId === "string" ? app.doc.attributes.originAppId : undefined);
  const originD = originId ? env.decisions.get(originId) : undefined;
  const originTarget = originId && sameTenant ? target.apps.find((t) => t.appId === originId) : undefined;
  if (originD && (originD.action === "import" || originD.action === "reconcile" || originD.action === "qlik-restore") && originD.targetSpace) {
    // A reconciled origin exists; an imported or Qlik-restored one is the ref its chain creates.
    if (originD.action !== "reconcile") b.chainWaitsFor(app.id, originD.sourceId);
    place = { origin: originD.action === "reconcile" ? existing(originD.targetAppId!) : { t: "app", sourceId: originD.sourceId }, space: originD.targetSpace, devCopy: false };
  } else if (originTarget?.spaceId) {
    const sp = target.spaces.find((s) => s.id === originTarget.spaceId);
    place = { origin: existing(originTarget.appId), space: { ref: existing(originTarget.spaceId), name: sp?.name ?? originTarget.spaceId, id: originTarget.spaceId }, devCopy: false };
  } else {
    const devName = `${srcSpace!.name} (development)`;
    const there = target.spaces.find((s) => s.name === devName && s.type === "shared");
    place = { origin: { t: "devcopy", sourceId: app.id }, devCopy: true };
    if (there) place.space = { ref: existing(there.id), name: devName, id: there.id };
    else {
      const ref: Ref = { t: "devspace", sourceSpaceId: srcSpace!.id };
      place.space = { ref, name: devName };
      if (!b.hasStep(`devspace:${srcSpace!.id}:create`))
        b.step({ id: `devspace:${srcSpace!.id}:create`, kind: "create-space", ref, name: devName, type: "shared", label: `create shared space '${devName}'`, reason: `development space for apps of the managed space '${srcSpace!.name}'` });
      b.spaces.push({ sourceId: srcSpace!.id, name: devName, type: "shared", action: "create", targetName: devName, ref, reason: `development space for '${srcSpace!.name}'` });
    }
  }
  d.managed = { space: { ref: spaceD.ref, name: spaceD.targetName }, origin: place.origin!, devCopy: place.devCopy };
  return place;
}
