/**
 * Spaces: per space a tree with space.json and its assignments; provides them by id to the
 * kinds after it (apps name their space). A space whose assignments cannot be listed is
 * recorded as failed, its space.json kept.
 */
import type { TreeEntry } from "@lifeboat/repository";
import { displayName, entryNameForId } from "../../internal/names.ts";
import { PATHS } from "../../layout.ts";
import { definedMeta, failure, tree } from "../entries.ts";
import { listProvided } from "../list.ts";
import type { Capture } from "../read.ts";

export const captureSpaces: Capture = async (ctx) => {
  const { tenant, repo } = ctx;
  const byId = await listProvided(ctx, "spaces", () => ctx.tenant.listSpaces());
  if (!byId) return undefined;
  const entries: TreeEntry[] = [];
  let done = 0;
  for (const space of byId.values()) {
    const name = displayName(space.name);
    const spaceEntries: TreeEntry[] = [{ name: PATHS.space, type: "blob", blob: await repo.saveJson(space) }];
    try {
      const assignments = [];
      for await (const a of tenant.listSpaceAssignments(space.id)) assignments.push(a);
      spaceEntries.push({ name: PATHS.assignments, type: "blob", blob: await repo.saveJson(assignments), meta: { count: assignments.length } });
      ctx.record({ layer: "spaces", id: space.id, name, status: "captured", type: space.type, owner: space.ownerId });
    } catch (err) {
      ctx.record({
        layer: "spaces",
        id: space.id,
        name,
        status: "failed",
        reason: failure("list the assignments of", `space '${name}' (${space.id}) on ${tenant.host}`, tenant.host, err),
        type: space.type,
      });
    }
    entries.push({
      name: entryNameForId(space.id),
      type: "tree",
      subtree: await repo.saveTree(tree(spaceEntries)),
      meta: definedMeta({ id: space.id, name, type: space.type, ownerId: space.ownerId }),
    });
    ctx.emit({ type: "progress", layer: "spaces", done: ++done, total: byId.size });
  }
  const subtree = await repo.saveTree(tree(entries));
  return { name: PATHS.spaces, type: "tree", subtree, meta: { count: entries.length } };
};
