/** Captures a kind listed in one call and stored as one JSON array (groups, roles). */
import type { TreeEntry } from "@lifeboat/repository";
import { displayName } from "../internal/names.ts";
import type { Layer } from "../manifest.ts";
import type { CaptureContext } from "./read.ts";

export async function captureList(
  ctx: CaptureContext,
  layer: Layer,
  path: string,
  list: () => AsyncIterable<{ id: string; name: string }>,
): Promise<TreeEntry | undefined> {
  ctx.emit({ type: "layer-start", layer });
  try {
    const all: { id: string; name: string }[] = [];
    for await (const x of list()) all.push(x);
    const entry: TreeEntry = { name: path, type: "blob", blob: await ctx.repo.saveJson(all), meta: { count: all.length } };
    for (const x of all) ctx.record({ layer, id: x.id, name: displayName(x.name), status: "captured" });
    return entry;
  } catch (err) {
    ctx.layerFailed(layer, layer, err);
    return undefined;
  }
}
