/**
 * Objects in `ls`/`show`/`diff`: one blob each under apps/<app>/objects/, read with their
 * app (`loadObjects`), compared by content; a change is described from the two documents
 * (title, owner, state, properties, charts: diff.ts `describeObjectChange`).
 */
import type { SnapshotRepository, Tree, TreeEntry } from "@lifeboat/repository";
import type { ObjectRecord } from "@lifeboat/model";
import { describeObjectChange } from "./describe.ts";
import { PATHS } from "../../layout.ts";
import { str, subtreeEntries } from "../index-util.ts";
import type { ChangeDescription, IndexedBlob, IndexedItem, KindIndex } from "../read.ts";

/** The objects of one app's tree, by id. */
export async function loadObjects(repo: SnapshotRepository, appTree: Tree): Promise<Map<string, IndexedBlob>> {
  const objects = new Map<string, IndexedBlob>();
  for (const o of await subtreeEntries(repo, appTree, PATHS.objects)) {
    if (o.type !== "blob") continue;
    const oid = str(o.meta?.id) ?? o.name;
    objects.set(oid, { id: oid, meta: o.meta ?? {}, blob: o.blob });
  }
  return objects;
}

const quote = (title: string | undefined): string => (title ? ` '${title}'` : "");

export const objectsIndex: KindIndex<IndexedBlob> = {
  childrenOf: (app: IndexedItem) => (app as IndexedItem & { objects?: Map<string, IndexedBlob> }).objects ?? new Map(),
  same: (p, q) => p.blob.id === q.blob.id,
  async describe({ repo, kind, before, after, parentId, parent, ownerName }) {
    const meta = (after ?? before)?.meta ?? {};
    const out: ChangeDescription = {};
    if (parentId !== undefined) out.appId = parentId;
    const app = parentId !== undefined ? parent(parentId) : undefined;
    if (app) out.appName = str(app.meta.name) ?? app.id;
    out.type = str(meta.type) ?? "object";
    const title = str(meta.title);
    if (title !== undefined) out.title = title;
    const owner = str(meta.ownerSubject) ?? str(meta.ownerId);
    if (owner) out.owner = owner;
    const name = ownerName(owner);
    if (name) out.ownerName = name;
    if (kind === "changed") {
      const [x, y] = await Promise.all([repo.readJson<ObjectRecord>(before!.blob), repo.readJson<ObjectRecord>(after!.blob)]);
      out.details = describeObjectChange(x, y);
    }
    return out;
  },
  label(change) {
    const where = change.appName !== undefined ? ` in app '${change.appName}'` : "";
    const owner = change.owner ? ` of ${change.owner}${change.ownerName ? ` (${change.ownerName})` : ""}` : "";
    return `${change.type ?? "object"}${quote(change.title)}${owner}${where}`;
  },
  entry: PATHS.objects,
  entryKind: (entry: TreeEntry) => (typeof entry.meta?.type === "string" ? entry.meta.type : "object"),
};
