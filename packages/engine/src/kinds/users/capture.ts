/** Users: one document each under users/, named by id; provides them by id to the kinds after it (apps name their owners). */
import type { TreeEntry } from "@lifeboat/repository";
import type { UserRecord } from "@lifeboat/model";
import { displayName, entryNameForId } from "../../internal/names.ts";
import { PATHS } from "../../layout.ts";
import { definedMeta, tree } from "../entries.ts";
import type { Capture } from "../read.ts";

export const captureUsers: Capture = async (ctx) => {
  ctx.emit({ type: "layer-start", layer: "users" });
  const byId = new Map<string, UserRecord>();
  ctx.provide("users", byId);
  try {
    for await (const user of ctx.tenant.listUsers()) byId.set(user.id, user);
  } catch (err) {
    // The users listed before the failure still name the apps' owners (as they always did).
    ctx.layerFailed("users", "users", err);
    return undefined;
  }
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
