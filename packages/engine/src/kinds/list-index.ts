/** The index of a kind stored as one JSON array (groups.json, roles.json): each record by id, compared by content. */
import { canonicalJson } from "../internal/canonical.ts";
import { describeMetaChange, str, titleOf } from "./index-util.ts";
import type { IndexedItem, KindIndex } from "./read.ts";

export interface IndexedRecord extends IndexedItem {
  /** The stored record (a few fields: id, name, type, …). */
  record: Record<string, unknown>;
}

export function listIndex(path: string): KindIndex<IndexedRecord> {
  return {
    async load(repo, root) {
      const out = new Map<string, IndexedRecord>();
      const entry = root.entries.find((e) => e.name === path);
      if (entry?.type !== "blob") return out;
      const records = await repo.readJson<unknown>(entry.blob);
      if (!Array.isArray(records)) return out;
      for (const r of records as Record<string, unknown>[]) {
        const id = str(r?.id);
        if (id === undefined) continue;
        const name = str(r.name);
        out.set(id, { id, meta: name !== undefined ? { id, name } : { id }, record: r });
      }
      return out;
    },
    same: (x, y) => canonicalJson(x.record) === canonicalJson(y.record),
    async describe({ kind, before, after }) {
      return { ...titleOf((after ?? before)?.meta ?? {}), ...(kind === "changed" ? { details: describeMetaChange(before!.record, after!.record) } : {}) };
    },
  };
}
