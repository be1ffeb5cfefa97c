/**
 * The tenant's previous snapshot, as far as an incremental backup needs it: per app what
 * decides whether to export again (`PreviousCapture`), its REST reads (for
 * `trustItemDates`) and the refs of its objects, stamps and script. Unreadable → a warning
 * and an empty result: every app is then read and exported again.
 */
import type { BlobRef, Snapshot, SnapshotRepository } from "@lifeboat/repository";
import type { AppSummary } from "@lifeboat/model";
import type { BackupEvent } from "../events.ts";
import type { PreviousCapture } from "../fingerprint.ts";
import { createPool } from "@lifeboat/kit";
import { reasonOf } from "../kinds/entries.ts";
import { type AppDoc, PATHS } from "../layout.ts";
import { decodeDeepChecks, type DeepChecks, type StampsDoc } from "../stamps.ts";

/** What a previous snapshot stored of an app's objects, stamps and script (refs, not contents). */
export interface PreviousContent {
  objectsHash?: string;
  /** The objects tree's id. */
  objects?: string;
  stamps?: StampsDoc;
  /** From the run manifest's `deepChecks`. */
  lastFullRead?: string;
  script?: BlobRef;
  history?: BlobRef;
}

/** What a previous snapshot stored of an app's REST reads. */
export interface PreviousReads {
  summary: AppSummary;
  attributes: Record<string, unknown>;
  script: BlobRef;
  history: BlobRef;
}

export interface PreviousSnapshot {
  snapshot: Snapshot;
  apps: Map<string, PreviousCapture>;
  reads: Map<string, PreviousReads>;
  contents: Map<string, PreviousContent>;
}

/** The newest snapshot of `tenantKey`, read for the apps' incremental path; undefined when there is none. */
export async function loadPrevious(
  repo: SnapshotRepository,
  tenantKey: string,
  emit: (event: BackupEvent) => void,
): Promise<PreviousSnapshot | undefined> {
  const snapshots = (await repo.listSnapshots()).filter((s) => s.tenant === tenantKey);
  snapshots.sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : 0));
  const snapshot = snapshots[0];
  if (!snapshot) return undefined;
  const apps = new Map<string, PreviousCapture>();
  const reads = new Map<string, PreviousReads>();
  const contents = new Map<string, PreviousContent>();
  try {
    const root = await repo.loadTree(snapshot.tree);
    const appsEntry = root.entries.find((e) => e.name === PATHS.apps);
    if (appsEntry?.type === "tree") {
      const appsTree = await repo.loadTree(appsEntry.subtree);
      // When each app was last read in full: the run manifest, by position in the apps tree.
      const run = snapshot.manifest ? await repo.readJson<{ deepChecks?: DeepChecks }>(snapshot.manifest).catch(() => undefined) : undefined;
      const lastFullReads = decodeDeepChecks(run?.deepChecks, appsTree.entries.length);
      appsTree.entries.forEach((entry, i) => {
        const id = entry.meta?.id;
        const day = lastFullReads[i];
        if (typeof id === "string" && day) contents.set(id, { ...contents.get(id), lastFullRead: day });
      });
      const pool = createPool(16);
      await Promise.all(
        appsTree.entries.map((entry) =>
          pool.run(async () => {
            if (entry.type !== "tree") return;
            const appTree = await repo.loadTree(entry.subtree);
            const appJson = appTree.entries.find((e) => e.name === PATHS.app);
            const qvf = appTree.entries.find((e) => e.name === PATHS.qvf);
            const scriptEntry = appTree.entries.find((e) => e.name === PATHS.script);
            const historyEntry = appTree.entries.find((e) => e.name === PATHS.scriptHistory);
            const objectsEntry = appTree.entries.find((e) => e.name === PATHS.objects);
            const stampsEntry = appTree.entries.find((e) => e.name === PATHS.objectStamps);
            if (appJson?.type !== "blob") return;
            const doc = await repo.readJson<AppDoc>(appJson.blob);
            const content: PreviousContent = { ...contents.get(doc.appId) };
            if (doc.objectsHash) content.objectsHash = doc.objectsHash;
            if (objectsEntry?.type === "tree") content.objects = objectsEntry.subtree;
            if (stampsEntry?.type === "blob") content.stamps = await repo.readJson<StampsDoc>(stampsEntry.blob);
            if (scriptEntry?.type === "blob") content.script = scriptEntry.blob;
            if (historyEntry?.type === "blob") content.history = historyEntry.blob;
            contents.set(doc.appId, content);
            if (scriptEntry?.type === "blob" && historyEntry?.type === "blob" && doc.summary && doc.attributes) {
              reads.set(doc.appId, { summary: doc.summary, attributes: doc.attributes, script: scriptEntry.blob, history: historyEntry.blob });
            }
            apps.set(doc.appId, {
              fingerprint: doc.fingerprint,
              ...(qvf?.type === "blob" && doc.qvf ? { qvf: { ref: qvf.blob, withData: doc.qvf.withData, exportedAt: doc.qvf.exportedAt } } : {}),
            });
          }),
        ),
      );
    }
  } catch (err) {
    emit({
      type: "warning",
      code: "previous-snapshot-unreadable",
      message: `could not read the previous snapshot ${snapshot.id.slice(0, 8)} (${reasonOf(err)}); every app is exported again`,
    });
    apps.clear();
    reads.clear();
    contents.clear();
  }
  return { snapshot, apps, reads, contents };
}
