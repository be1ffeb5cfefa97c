/** Spaces in `ls`/`show`/`diff`: one tree each under spaces/ (space.json, assignments.json), compared by content. */
import type { IndexedItem, KindIndex } from "../read.ts";
import { PATHS } from "../../layout.ts";
import { str, subtreeEntries, titleOf } from "../index-util.ts";

export interface IndexedSpace extends IndexedItem {
  subtree: string;
}

export const spacesIndex: KindIndex<IndexedSpace> = {
  async load(repo, root) {
    const out = new Map<string, IndexedSpace>();
    for (const e of await subtreeEntries(repo, root, PATHS.spaces)) {
      if (e.type !== "tree") continue;
      const id = str(e.meta?.id) ?? e.name;
      out.set(id, { id, meta: e.meta ?? {}, subtree: e.subtree });
    }
    return out;
  },
  same: (x, y) => x.subtree === y.subtree,
  async describe({ kind, before, after }) {
    return { ...titleOf((after ?? before)?.meta ?? {}), ...(kind === "changed" ? { details: ["space or its assignments"] } : {}) };
  },
};
