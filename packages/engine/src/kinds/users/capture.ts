/** Users: one document each under users/, named by id; provides them by id to the kinds after it (apps name their owners). */
import type { TreeEntry } from "@lifeboat/repository";
import { displayName, entryNameForId } from "../../internal/names.ts";
import { PATHS } from "../../layout.ts";
import { definedMeta, tree } from "../entries.ts";
import { listProvided } from "../list.ts";
import type { Capture } from "../read.ts";

export const captureUsers: Capture = async (ctx) => {
  const byId = await listProvided(ctx, "users", () => ctx.tenant.listUsers());
  if (!byId) return undefined;
  const entries: TreeEntry[] = [];
  for (const user of byId.values()) {
    entries.push({
      name: entryNameForId(user.id, ".json"),
      type: "blob",
      blob: await ctx.repo.saveJson(user),
      meta: definedMeta({ id: user.id, subject: user.subject, name: displayName(user.name), email: user.email, status: user.status }),
    });
    ctx.record({ layer: "users", id: user.id, name: displayName(user.name ?? user.subject), status: "captured" });
  }
  const subtree = await ctx.repo.saveTree(tree(entries));
  return { name: PATHS.users, type: "tree", subtree, meta: { count: entries.length } };
};
