/**
 * The capture of a declared resource kind (def.ts): one listing through the reader's
 * `listResources`, one document per item (`<path>/<id>.json`, the `ResourceRecord` without
 * its secrets) and each of its files beside it (`<path>/<id>.<file>`). Changed-only: an item
 * whose listing stamp equals the previous snapshot's is not read again in detail and keeps the
 * previous snapshot's document and files (status "unchanged"); an item read again with the same
 * stamp keeps the previous snapshot's files (not downloaded again).
 */
import type { TreeEntry } from "@lifeboat/repository";
import type { ResourceRecord } from "@lifeboat/model";
import { displayName, entryNameForId } from "../../internal/names.ts";
import { definedMeta, failure, tree } from "../entries.ts";
import type { Capture, CaptureContext } from "../read.ts";
import { pluralOf } from "../kind.ts";
import type { ResourceKindDef } from "./def.ts";
import { without } from "./fields.ts";

/** What the previous snapshot stored of one item of the kind. */
interface PreviousItem {
  doc: TreeEntry;
  stamp?: string;
  files: TreeEntry[];
}

const blobId = (e: TreeEntry | undefined): string | undefined => (e?.type === "blob" ? e.blob.id : undefined);

/** The document name of an item, and of one of its files. */
export const docEntryName = (id: string): string => entryNameForId(id, ".json");
export const fileEntryName = (id: string, file: string): string => entryNameForId(id, `.${file}`);

/** The record as stored: secrets gone (whatever the connector returned), no `summaryOnly`. */
export function storedRecord(def: ResourceKindDef, r: ResourceRecord): ResourceRecord {
  const { summaryOnly: _s, ...rest } = r;
  const secretFields = (def.secrets ?? []).map((s) => s.field);
  return { ...rest, body: without(r.body, secretFields) };
}

async function previousItems(ctx: CaptureContext, def: ResourceKindDef): Promise<Map<string, PreviousItem>> {
  const out = new Map<string, PreviousItem>();
  const prev = ctx.previous?.snapshot;
  if (!prev || ctx.options.full) return out;
  try {
    const root = await ctx.repo.loadTree(prev.tree);
    const entry = root.entries.find((e) => e.name === def.path);
    if (entry?.type !== "tree") return out;
    const entries = (await ctx.repo.loadTree(entry.subtree)).entries;
    const byName = new Map(entries.map((e) => [e.name, e]));
    for (const e of entries) {
      const id = typeof e.meta?.id === "string" ? e.meta.id : undefined;
      if (!id || e.name !== docEntryName(id)) continue;
      const files = ((e.meta?.files as string[] | undefined) ?? []).map((f) => byName.get(fileEntryName(id, f)));
      if (files.some((f) => !f)) continue; // incomplete: read again
      out.set(id, { doc: e, ...(typeof e.meta?.stamp === "string" ? { stamp: e.meta.stamp } : {}), files: files as TreeEntry[] });
    }
  } catch {
    // An unreadable previous snapshot only costs a full read of this kind.
    out.clear();
  }
  return out;
}

export function captureResources(def: ResourceKindDef): Capture {
  return async (ctx) => {
    const { tenant } = ctx;
    const layer = def.layer;
    // A reader that knows no resource kinds at all (a client-managed site, an older reader):
    // nothing of the kind is captured and nothing is written, so its snapshots stay as they were.
    if (!tenant.listResources) return undefined;
    if (!(tenant.resourceKinds?.() ?? []).includes(layer)) {
      ctx.coverageGap({ layer, description: `${pluralOf(def)} are not captured: this source cannot list them` }, "coverage-gap");
      return undefined;
    }
    ctx.emit({ type: "layer-start", layer });
    const previous = await previousItems(ctx, def);
    const entries: TreeEntry[] = [];
    let count = 0;
    const unchanged = (s: ResourceRecord): boolean => s.stamp !== undefined && previous.get(s.id)?.stamp === s.stamp;
    try {
      for await (const r of tenant.listResources(layer, { unchanged })) {
        if (ctx.options.signal?.aborted) throw ctx.options.signal.reason;
        const name = displayName(r.name) ?? r.id;
        const prev = previous.get(r.id);
        if (r.summaryOnly && prev) {
          entries.push(prev.doc, ...prev.files);
          count++;
          // What a restore needs re-entered is the previous snapshot's (the manifest says it per item, unchanged or not).
          const reenter = Array.isArray(prev.doc.meta?.reenter) ? prev.doc.meta.reenter.map(String) : [];
          ctx.record({ layer, id: r.id, name, status: "unchanged", ...(r.ownerId ? { owner: r.ownerId } : {}), ...(reenter.length ? { reenter } : {}) });
          continue;
        }
        try {
          const rec = storedRecord(def, r);
          const files: TreeEntry[] = [];
          // Same stamp as before: the files are the previous snapshot's (no download).
          const sameStamp = prev && r.stamp !== undefined && prev.stamp === r.stamp;
          for (const file of r.files ?? []) {
            const earlier = sameStamp ? prev.files.find((f) => f.meta?.file === file) : undefined;
            if (earlier) {
              files.push(earlier);
              continue;
            }
            if (!tenant.readResourceFile) throw new Error(`this source cannot read the ${def.noun}'s file ${file}`);
            files.push({ name: fileEntryName(r.id, file), type: "blob", blob: await ctx.repo.saveBlob(tenant.readResourceFile(layer, r.id, file)), meta: { id: r.id, file } });
          }
          const reenter = (def.secrets ?? []).filter((s) => (s.when ? s.when(r) : r.secrets?.includes(s.field))).map((s) => s.label);
          const blob = await ctx.repo.saveJson(rec);
          // The same document and files as the previous snapshot's: nothing changed.
          const same = prev !== undefined && prev.doc.type === "blob" && prev.doc.blob.id === blob.id && files.length === prev.files.length && files.every((f, i) => blobId(f) === blobId(prev.files[i]));
          entries.push({
            name: docEntryName(r.id),
            type: "blob",
            blob,
            meta: definedMeta({
              id: r.id,
              name,
              owner: r.ownerId,
              space: r.spaceId,
              stamp: r.stamp,
              files: r.files?.length ? [...r.files] : undefined,
              reenter: reenter.length ? reenter : undefined,
            }),
          });
          entries.push(...files);
          count++;
          ctx.record({ layer, id: r.id, name, status: same ? "unchanged" : "captured", ...(r.ownerId ? { owner: r.ownerId } : {}), ...(reenter.length ? { reenter } : {}) });
        } catch (err) {
          ctx.record({ layer, id: r.id, name, status: "failed", reason: failure("capture", `${def.noun} '${name}' (${r.id})`, tenant.host, err) });
        }
      }
    } catch (err) {
      ctx.layerFailed(layer, `${pluralOf(def)}`, err);
      return undefined;
    }
    // What the listing cannot show is said, never left for a restore to find missing.
    if (def.unseen) ctx.coverageGap({ layer, description: def.unseen }, "coverage-gap");
    return { name: def.path, type: "tree", subtree: await ctx.repo.saveTree(tree(entries)), meta: { count } };
  };
}
