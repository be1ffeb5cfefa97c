/**
 * An app's objects (captured as part of the app: the objects kind's parent is "apps"): one
 * JSON document each under apps/<app>/objects/, ids made safe as entry names, and their
 * manifest items — read from the tree entries' meta, so objects read this run and objects
 * referenced from the previous snapshot record the same items.
 */
import type { SnapshotRepository, TreeEntry } from "@lifeboat/repository";
import type { ObjectRecord } from "@lifeboat/model";
import { objectsHash } from "../../fingerprint.ts";
import { displayName, entryNameForId } from "../../internal/names.ts";
import type { ManifestItem } from "../../manifest.ts";
import { definedMeta, tree } from "../entries.ts";

/** Stores the objects; returns the objects tree, its entries (sorted) and the objects' hash. */
export async function objectsEntries(repo: SnapshotRepository, objects: ObjectRecord[]): Promise<{ tree: string; entries: TreeEntry[]; hash: string }> {
  const hash = objectsHash(objects);
  const entries: TreeEntry[] = [];
  const seen = new Set<string>();
  for (const obj of objects) {
    let entryName = entryNameForId(obj.id, ".json");
    if (seen.has(entryName)) entryName = entryNameForId(`${obj.id}\u0000${seen.size}`, ".json");
    seen.add(entryName);
    entries.push({
      name: entryName,
      type: "blob",
      blob: await repo.saveJson(obj),
      meta: definedMeta({
        id: obj.id,
        type: obj.type,
        genericType: obj.genericType,
        title: displayName(obj.title),
        ownerId: obj.ownerId,
        ownerSubject: obj.ownerSubject,
        approved: obj.approved,
        published: obj.published,
        publishTime: obj.publishTime,
      }),
    });
  }
  const saved = tree(entries);
  return { tree: await repo.saveTree(saved), entries: saved.entries, hash };
}

/** Records an app's objects from its objects tree entries, then the ones the reader skipped. */
export function recordObjects(
  ctx: {
    record(item: ManifestItem): void;
    skippedObjects?: ((appId: string) => { objectId: string; objectType?: string; reason: string }[]) | undefined;
  },
  appId: string,
  where: string,
  objectEntries: readonly TreeEntry[],
): void {
  for (const entry of objectEntries) {
    const m = entry.meta ?? {};
    const title = typeof m.title === "string" ? m.title : undefined;
    const owner = typeof m.ownerSubject === "string" ? m.ownerSubject : undefined;
    const type = typeof m.type === "string" ? m.type : undefined;
    ctx.record({
      layer: "objects",
      id: String(m.id ?? entry.name),
      appId,
      ...(title !== undefined ? { name: title } : {}),
      status: "captured",
      ...(owner !== undefined ? { owner } : {}),
      ...(type !== undefined ? { type } : {}),
    });
  }
  for (const skip of ctx.skippedObjects?.(appId) ?? []) {
    ctx.record({
      layer: "objects",
      id: skip.objectId,
      appId,
      status: "skipped",
      reason: `object ${skip.objectId}${skip.objectType ? ` (${skip.objectType})` : ""} of ${where}: ${skip.reason}`,
      ...(skip.objectType ? { type: skip.objectType } : {}),
    });
  }
}
