/** Captures a kind listed in one call and stored as one JSON array (groups, roles). */
import type { TreeEntry } from "@lifeboat/repository";
import { displayName } from "../internal/names.ts";
import type { Layer } from "../manifest.ts";
import type { CaptureContext, Provisions } from "./read.ts";

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

/**
 * Lists a kind that later kinds need (users, spaces) into a map by id and provides it; the
 * items listed before a failure stay provided (apps still name those owners and spaces).
 * Undefined, after recording the layer as failed, when the listing fails.
 */
export async function listProvided<K extends keyof Provisions & Layer>(
  ctx: CaptureContext,
  layer: K,
  list: () => AsyncIterable<Provisions[K]>,
): Promise<ReadonlyMap<string, Provisions[K]> | undefined> {
  ctx.emit({ type: "layer-start", layer });
  const byId = new Map<string, Provisions[K]>();
  ctx.provide(layer, byId);
  try {
    for await (const x of list()) byId.set(x.id, x);
  } catch (err) {
    ctx.layerFailed(layer, layer, err);
    return undefined;
  }
  return byId;
}
