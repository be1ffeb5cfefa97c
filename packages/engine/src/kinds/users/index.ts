/** Users in `ls`/`show`/`diff`: one blob each under users/, compared by content. */
import { PATHS } from "../../layout.ts";
import { describeMetaChange, str, subtreeEntries, titleOf } from "../index-util.ts";
import type { IndexedBlob, KindIndex } from "../read.ts";

export const usersIndex: KindIndex<IndexedBlob> = {
  async load(repo, root) {
    const out = new Map<string, IndexedBlob>();
    for (const e of await subtreeEntries(repo, root, PATHS.users)) {
      if (e.type !== "blob") continue;
      const id = str(e.meta?.id) ?? e.name;
      out.set(id, { id, meta: e.meta ?? {}, blob: e.blob });
    }
    return out;
  },
  same: (x, y) => x.blob.id === y.blob.id,
  async describe({ kind, before, after }) {
    return { ...titleOf((after ?? before)?.meta ?? {}), ...(kind === "changed" ? { details: describeMetaChange(before!.meta, after!.meta) } : {}) };
  },
};
