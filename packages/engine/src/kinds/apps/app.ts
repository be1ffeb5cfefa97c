/**
 * One app: attributes (REST) and one QIX session for the objects' stamps, the objects unless
 * their stamps are unchanged (stamps.ts) and the script, then the script history if the script
 * changed; the fingerprint decides whether to export. Returns the app's entry when it failed
 * while reading, otherwise the export phase, which the caller runs after releasing the app's
 * read slot (see capture.ts).
 */
import type { BlobRef, TreeEntry } from "@lifeboat/repository";
import type { AppContent, AppSummary } from "@lifeboat/model";
import { appFingerprint, attributesHash, decideExport } from "../../fingerprint.ts";
import { displayName, entryNameForId } from "../../internal/names.ts";
import { type AppDoc, LAYOUT_VERSION, PATHS } from "../../layout.ts";
import { deepCheckDue, sameStamps, type StampsDoc, utcDay } from "../../stamps.ts";
import { definedMeta, failure, tree } from "../entries.ts";
import { objectsEntries, recordObjects } from "../objects/capture.ts";
import type { AppsContext } from "./capture.ts";
import { nonEmpty } from "./export.ts";
import { readText, sameCatalogueEntry, settledBefore } from "./trust.ts";

export async function captureApp(ctx: AppsContext, summary: AppSummary): Promise<TreeEntry | (() => Promise<TreeEntry>)> {
  const { tenant, repo, record, exportPool, exports } = ctx;
  const appId = summary.appId;
  const name = displayName(summary.name) ?? appId;
  const where = `app '${name}' (${appId}) on ${tenant.host}`;
  const entries: TreeEntry[] = [];
  const meta = definedMeta({
    id: appId,
    name,
    spaceId: summary.spaceId,
    spaceType: summary.spaceType,
    ownerId: summary.ownerId,
  });
  const fail = (step: string, err: unknown): TreeEntry => {
    record({
      layer: "objects",
      id: `(objects of ${appId})`,
      appId,
      status: "failed",
      reason: `not read: the app failed (could not ${step} it)`,
    });
    record({ layer: "apps", id: appId, name, status: "failed", reason: failure(step, where, tenant.host, err), owner: summary.ownerId, type: summary.spaceType });
    return { name: entryNameForId(appId), type: "tree", subtree: "", meta: { ...meta, failed: true } };
  };

  // Cheap reads first: attributes (REST), then one QIX session for the objects' stamps,
  // the objects (unless their stamps are unchanged) and the script; the script history
  // (REST) only when the script changed.
  let attributes: Record<string, unknown> | undefined;
  let script: string | undefined;
  let historyRef: BlobRef | undefined;
  const prior = ctx.trustItemDates ? ctx.previousReads.get(appId) : undefined;
  if (prior && sameCatalogueEntry(prior.summary, summary) && settledBefore(summary, ctx.previousTime)) {
    try {
      script = await readText(repo, prior.script);
      attributes = prior.attributes;
      historyRef = prior.history;
    } catch {
      script = undefined; // unreadable: read from the tenant below
    }
  }
  const fromPrevious = attributes !== undefined;
  const before = ctx.previousContents.get(appId);
  const deep = ctx.full || deepCheckDue({ appId, lastDeepCheck: before?.lastFullRead, now: ctx.now(), deepCheckDays: ctx.deepCheckDays });
  const previousStamps = !deep && before?.objectsHash && before.objects ? before.stamps?.stamps : undefined;
  // The attributes (REST) and the QIX session do not depend on each other: both at once.
  const [attributesRead, contentRead] = await Promise.allSettled([
    attributes ? Promise.resolve(attributes) : tenant.getAppInfo(appId).then((info) => info.attributes),
    tenant.readAppContent
      ? tenant.readAppContent(appId, {
          ...(previousStamps ? { unchanged: (stamps) => sameStamps(stamps, previousStamps) } : {}),
          script: !fromPrevious,
        })
      : tenant.readAppObjects(appId).then((objects): AppContent => ({ objects })),
  ]);
  if (attributesRead.status === "rejected") return finishFailed(ctx, fail("read the attributes of", attributesRead.reason), entries);
  attributes = attributesRead.value;
  if (contentRead.status === "rejected") return finishFailed(ctx, fail("read the objects of", contentRead.reason), entries);
  const content = contentRead.value;
  // A connector may leave the objects out only when the engine said their stamps are
  // unchanged (and there is a previous objects tree to reference); anything else is a
  // connector defect, and it is this app's failure, named, not the run's (D-10).
  const previousObjects =
    previousStamps !== undefined && content?.stamps !== undefined && sameStamps(content.stamps, previousStamps) && before?.objects && before.objectsHash
      ? { tree: before.objects, hash: before.objectsHash }
      : undefined;
  if (!content || (!Array.isArray(content.objects) && (content.objects !== undefined || !previousObjects)))
    return finishFailed(
      ctx,
      fail(
        "read the objects of",
        new Error(
          `the connector returned no objects for it (${content?.objects === undefined ? "none" : typeof content.objects}) although they were not known to be unchanged; ` +
            "this is a defect of the connector: report it, and run the backup again with --deep-check-days 0",
        ),
      ),
      entries,
    );
  try {
    if (!fromPrevious) script = content.script ?? (await tenant.getAppScript(appId));
  } catch (err) {
    return finishFailed(ctx, fail("read the load script of", err), entries);
  }
  if (script === undefined) return finishFailed(ctx, fail("read the load script of", new Error("no script")), entries);
  const scriptRef = await repo.saveBlob(new TextEncoder().encode(script));
  try {
    if (!historyRef && !deep && before?.history && before.script?.id === scriptRef.id) historyRef = before.history;
    historyRef ??= await repo.saveJson(await tenant.getAppScriptHistory(appId));
  } catch (err) {
    return finishFailed(ctx, fail("read the load script history of", err), entries);
  }

  // Objects: one JSON document each, ids made safe as entry names — or, when their stamps
  // say they are as before, the previous snapshot's objects tree as it is.
  const objects = content.objects;
  let objectsTree: string;
  let objectEntries: TreeEntry[];
  let hashOfObjects: string;
  if (objects) {
    ({ tree: objectsTree, entries: objectEntries, hash: hashOfObjects } = await objectsEntries(repo, objects));
    const missed = content.stamps && before?.stamps && before.objectsHash && sameStamps(content.stamps, before.stamps.stamps) && before.objectsHash !== hashOfObjects;
    if (missed)
      ctx.coverageGap({
        layer: "objects",
        description:
          `${where}: an object changed although no object's modifiedDate moved; this run read every object and captured the change, ` +
          `but on this tenant a change can go unseen until an app's next full read (every ${ctx.deepCheckDays} days). ` +
          "Run with --deep-check-days 0 to read every object every run.",
      });
  } else if (previousObjects) {
    // readAppContent only skips the objects when `unchanged` said so (checked above).
    hashOfObjects = previousObjects.hash;
    objectsTree = previousObjects.tree;
    objectEntries = (await repo.loadTree(objectsTree)).entries;
  } else {
    throw new Error("unreachable: objects neither read nor reusable"); // excluded by the check above
  }
  entries.push({ name: PATHS.objects, type: "tree", subtree: objectsTree, meta: { count: objectEntries.length } });
  if (content.stamps) {
    const stampsDoc: StampsDoc = { stamps: content.stamps };
    ctx.lastFullRead.set(appId, objects || !before?.lastFullRead ? utcDay(ctx.now()) : before.lastFullRead);
    entries.push({ name: PATHS.objectStamps, type: "blob", blob: await repo.saveJson(stampsDoc) });
  }
  entries.push({ name: PATHS.script, type: "blob", blob: scriptRef });
  entries.push({ name: PATHS.scriptHistory, type: "blob", blob: historyRef });

  const objectsNote = !content.stamps || !before?.stamps
    ? ""
    : !objects
      ? "; objects not read again (their stamps are unchanged)"
      : deep
        ? "; every object read (deep check)"
        : "; every object read (their stamps changed)";
  const fingerprint = appFingerprint({ attributes, script, objectsHash: hashOfObjects, withData: ctx.withData });
  const decision = decideExport({ previous: ctx.previous.get(appId), fingerprint, full: ctx.full, withData: ctx.withData });
  const reusable = decision.export ? undefined : decision.reuse;

  // The export phase runs after the caller released this app's read slot (see captureApps):
  // waiting for Tier 2 must not hold a QIX session slot, so reads keep ahead of exports.
  return async () => {
    // The export: referenced when unchanged, otherwise streamed into the repository.
    let qvf: AppDoc["qvf"];
    let qvfRef: BlobRef | undefined;
    let exportError: unknown;
    if (reusable && (await repo.hasBlob(reusable.ref.id))) {
      qvfRef = reusable.ref;
      // Only facts of the app go into app.json: that this run referenced the file (rather
      // than exported it) is the manifest's (status "unchanged", `previousSnapshot`), so an
      // unchanged app's document and tree are byte-identical to the previous run's and dedup.
      qvf = { withData: reusable.withData, exportedAt: reusable.exportedAt };
    } else {
      try {
        qvfRef = await exportPool.run(async () => {
          const exported = await tenant.exportApp(appId, { withData: ctx.withData });
          return repo.saveBlob(nonEmpty(exported.body));
        });
        qvf = { withData: ctx.withData, exportedAt: ctx.now().toISOString() };
        exports.count++;
        exports.bytes += qvfRef.size;
      } catch (err) {
        exportError = err;
      }
    }
    if (qvfRef) entries.push({ name: PATHS.qvf, type: "blob", blob: qvfRef, meta: { size: qvfRef.size } });

    const owner = ctx.userById.get(String(attributes.ownerId ?? summary.ownerId));
    const space = summary.spaceId ? ctx.spacesById.get(summary.spaceId) : undefined;
    const publishTime = typeof attributes.publishTime === "string" && attributes.publishTime ? attributes.publishTime : undefined;
    const originAppId = typeof attributes.originAppId === "string" && attributes.originAppId ? attributes.originAppId : undefined;
    const doc: AppDoc = {
      layoutVersion: LAYOUT_VERSION,
      appId,
      name: summary.name,
      summary,
      attributes,
      ...(summary.spaceId
        ? { space: definedMeta({ id: summary.spaceId, name: space?.name, type: space?.type ?? summary.spaceType }) as AppDoc["space"] }
        : {}),
      owner: definedMeta({ id: String(attributes.ownerId ?? summary.ownerId), subject: owner?.subject, name: owner?.name }) as AppDoc["owner"],
      lineage: definedMeta({ published: publishTime !== undefined, publishTime, originAppId }) as AppDoc["lineage"],
      fingerprint,
      objectsHash: hashOfObjects,
      ...(qvf ? { qvf } : {}),
      objectCount: objectEntries.length,
    };
    entries.push({ name: PATHS.app, type: "blob", blob: await repo.saveJson(doc) });

    if (exportError !== undefined) {
      ctx.record({
        layer: "apps",
        id: appId,
        name,
        status: "failed",
        reason: `${failure("export", where, tenant.host, exportError)} (attributes, script and objects were captured)`,
        owner: summary.ownerId,
        type: summary.spaceType,
      });
    } else {
      const reused = reusable !== undefined && qvfRef === reusable.ref;
      ctx.record({
        layer: "apps",
        id: appId,
        name,
        status: reused ? "unchanged" : "captured",
        reason:
          (reused || decision.export ? decision.reason : "its previous .qvf is missing from the repository: exported again") +
          (fromPrevious ? "; attributes and script taken from the previous snapshot (catalogue dates unchanged, --trust-item-dates)" : "") +
          objectsNote,
        owner: summary.ownerId,
        type: summary.spaceType,
        bytes: reused ? 0 : (qvfRef?.size ?? 0),
      });
    }
    recordObjects(ctx, appId, where, objectEntries);
    return {
      name: entryNameForId(appId),
      type: "tree",
      subtree: await repo.saveTree(tree(entries)),
      meta: { ...meta, objects: objectEntries.length, attributes: attributesHash(attributes), ...(exportError !== undefined ? { failed: true } : {}) },
    };
  };
}

async function finishFailed(ctx: AppsContext, entry: TreeEntry, entries: TreeEntry[]): Promise<TreeEntry> {
  if (entry.type !== "tree") return entry;
  return { ...entry, subtree: await ctx.repo.saveTree(tree(entries)) };
}
