/**
 * The index of a declared resource kind for `ls`, `show` and `diff`: each item by id, with
 * its stored record; two versions are the same when their records are equal without the
 * kind's volatile fields, and a change names the fields that differ (never a secret: none is
 * stored).
 */
import type { BlobRef } from "@lifeboat/repository";
import type { ResourceRecord } from "@lifeboat/model";
import { canonicalJson } from "../../internal/canonical.ts";
import { str } from "../index-util.ts";
import type { IndexedItem, KindIndex } from "../read.ts";
import { docEntryName } from "./capture.ts";
import type { ResourceKindDef } from "./def.ts";
import { without } from "./fields.ts";

export interface IndexedResource extends IndexedItem {
  record: ResourceRecord;
  blob: BlobRef;
  /** File name → content id. */
  files: Record<string, string>;
}

/** The comparable form of a record: what a restore would put back (volatile fields left out). */
export function comparable(def: ResourceKindDef, r: ResourceRecord): Record<string, unknown> {
  return { name: r.name, owner: r.ownerId ?? null, space: r.spaceId ?? null, body: without(r.body, def.volatile ?? []) };
}

/** The top-level fields of `body` (and name, owner, space) whose values differ. */
export function changedFields(def: ResourceKindDef, a: ResourceRecord, b: ResourceRecord): string[] {
  const x = comparable(def, a);
  const y = comparable(def, b);
  const out: string[] = [];
  for (const k of ["name", "owner", "space"] as const) if (canonicalJson(x[k]) !== canonicalJson(y[k])) out.push(k);
  const bx = x.body as Record<string, unknown>;
  const by = y.body as Record<string, unknown>;
  // A body field of the same name as a lifted one (a role's `name`) is said once.
  for (const k of [...new Set([...Object.keys(bx), ...Object.keys(by)])].sort()) if (canonicalJson(bx[k]) !== canonicalJson(by[k]) && !out.includes(k)) out.push(k);
  return out;
}

export function resourceIndex(def: ResourceKindDef): KindIndex<IndexedResource> {
  return {
    async load(repo, root) {
      const out = new Map<string, IndexedResource>();
      const entry = root.entries.find((e) => e.name === def.path);
      if (entry?.type !== "tree") return out;
      const entries = (await repo.loadTree(entry.subtree)).entries;
      for (const e of entries) {
        const id = str(e.meta?.id);
        if (!id || e.type !== "blob" || e.name !== docEntryName(id)) continue;
        const record = await repo.readJson<ResourceRecord>(e.blob);
        const files: Record<string, string> = {};
        for (const f of entries) if (f.type === "blob" && f.meta?.id === id && typeof f.meta.file === "string") files[f.meta.file] = f.blob.id;
        out.set(id, { id, meta: e.meta ?? { id }, record, blob: e.blob, files });
      }
      return out;
    },
    same: (x, y) => canonicalJson(comparable(def, x.record)) === canonicalJson(comparable(def, y.record)) && canonicalJson(x.files) === canonicalJson(y.files),
    async describe({ kind, before, after, ownerName }) {
      const r = (after ?? before)!.record;
      const owner = r.ownerId;
      const details =
        kind === "changed"
          ? [
              ...changedFields(def, before!.record, after!.record),
              ...Object.keys({ ...before!.files, ...after!.files }).filter((f) => before!.files[f] !== after!.files[f]).map((f) => `file ${f}`),
            ]
          : undefined;
      return {
        title: r.name,
        ...(owner ? { owner, ...(ownerName(owner) ? { ownerName: ownerName(owner)! } : {}) } : {}),
        ...(details ? { details: details.length ? details : ["details"] } : {}),
      };
    },
    files: Object.fromEntries((def.files ?? []).map((f) => [f, f])),
  };
}
