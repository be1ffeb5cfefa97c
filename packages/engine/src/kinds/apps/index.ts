/**
 * Apps in `ls`/`show`/`diff`: one tree each under apps/ (app.json, app.qvf, script, objects),
 * compared by script and tree meta (name, space, owner); a change is described from the two
 * app.json documents. Never reads a .qvf.
 */
import type { BlobRef } from "@lifeboat/repository";
import { stableAttributes } from "../../fingerprint.ts";
import { canonicalJson } from "../../internal/canonical.ts";
import { type AppDoc, PATHS } from "../../layout.ts";
import { describeMetaChange, str, subtreeEntries } from "../index-util.ts";
import { loadObjects } from "../objects/index.ts";
import type { ChangeDescription, IndexedBlob, IndexedItem, KindIndex } from "../read.ts";
import type { SnapshotRepository } from "@lifeboat/repository";

export interface IndexedApp extends IndexedItem {
  name: string;
  app?: BlobRef;
  script?: BlobRef;
  qvf?: BlobRef;
  objects: Map<string, IndexedBlob>;
}

/** App-level identity for comparison: its tree meta (name, space, owner). */
function attributesKey(app: IndexedApp): string {
  const { objects: _o, ...meta } = app.meta;
  return canonicalJson(meta);
}

async function describeAppChange(repo: SnapshotRepository, before: IndexedApp, after: IndexedApp): Promise<string[]> {
  const details: string[] = [];
  if (before.script?.id !== after.script?.id) details.push("script");
  if (before.app && after.app) {
    const [x, y] = await Promise.all([repo.readJson<AppDoc>(before.app), repo.readJson<AppDoc>(after.app)]);
    if (x.name !== y.name) details.push("name");
    if (x.space?.id !== y.space?.id) details.push("space");
    if (x.owner.id !== y.owner.id) details.push("owner");
    if (x.lineage.publishTime !== y.lineage.publishTime) details.push("publish state");
    const xa = stableAttributes(x.attributes, false);
    const ya = stableAttributes(y.attributes, false);
    const skip = new Set(["name", "ownerId", "owner", "publishTime", "published", "spaceId"]);
    for (const key of [...new Set([...Object.keys(xa), ...Object.keys(ya)])].sort()) {
      if (!skip.has(key) && canonicalJson(xa[key]) !== canonicalJson(ya[key])) details.push(key);
    }
  }
  return details.length ? details : describeMetaChange(before.meta, after.meta);
}

export const appsIndex: KindIndex<IndexedApp> = {
  async load(repo, root) {
    const out = new Map<string, IndexedApp>();
    for (const e of await subtreeEntries(repo, root, PATHS.apps)) {
      if (e.type !== "tree") continue;
      const id = str(e.meta?.id) ?? e.name;
      const appTree = await repo.loadTree(e.subtree);
      const blobOf = (name: string) => {
        const x = appTree.entries.find((y) => y.name === name);
        return x?.type === "blob" ? x.blob : undefined;
      };
      const app: IndexedApp = { id, name: str(e.meta?.name) ?? id, meta: e.meta ?? {}, objects: await loadObjects(repo, appTree) };
      const appRef = blobOf(PATHS.app);
      const scriptRef = blobOf(PATHS.script);
      const qvfRef = blobOf(PATHS.qvf);
      if (appRef) app.app = appRef;
      if (scriptRef) app.script = scriptRef;
      if (qvfRef) app.qvf = qvfRef;
      out.set(id, app);
    }
    return out;
  },
  same: (x, y) => x.script?.id === y.script?.id && attributesKey(x) === attributesKey(y),
  async describe({ repo, kind, before, after }) {
    const meta = (after ?? before)?.meta ?? {};
    const out: ChangeDescription = {};
    const title = str(meta.name) ?? str(meta.subject);
    if (title !== undefined) out.title = title;
    out.type = "app";
    const owner = str(meta.ownerId);
    if (owner) out.owner = owner;
    if (kind === "changed") out.details = await describeAppChange(repo, before!, after!);
    return out;
  },
  files: { [PATHS.qvf]: "qvf", [PATHS.script]: "script", [PATHS.objects]: "objects" },
};
