/**
 * The manifest of one backup run, stored as JSON with the snapshot (`snapshot.manifest`).
 * It says what was captured, what was unchanged (referenced from the previous
 * snapshot), what failed or was skipped and why, where coverage has gaps, and what a
 * restore will need re-entered.
 */

import type { BlobRef, Snapshot, SnapshotRepository, TreeEntry } from "@lifeboat/repository";
import { entryNameForId } from "./internal/names.ts";
import type { ResourceKind } from "./kinds/kind.ts";
import type { ResourceKindName } from "@lifeboat/model";
import { KINDS } from "./kinds/registry.ts";
import { PATHS } from "./layout.ts";
import type { DeepChecks } from "./stamps.ts";

/** Every layer a manifest counts: the registry's kinds, in its order. */
export const LAYERS = KINDS.map((k) => k.layer);
export type Layer = (typeof KINDS)[number]["layer"];

export type ItemStatus = "captured" | "unchanged" | "failed" | "skipped";

export interface ManifestItem {
  layer: Layer;
  id: string;
  name?: string;
  status: ItemStatus;
  /** Why it failed or was skipped; for apps, why it was (not) exported. */
  reason?: string;
  /** Owner subject (objects) or owner id (apps, spaces). */
  owner?: string;
  /** For apps: the app's id; for objects: their app. */
  appId?: string;
  /** Object type (sheet, bookmark, …) or space/app type. */
  type?: string;
  /** Apps: bytes of the .qvf written this run (0 when referenced). */
  bytes?: number;
  /** Resources (data connections, webhooks, …): the secrets a restore of this item needs re-entered. */
  reenter?: string[];
}

export interface LayerCounts {
  captured: number;
  unchanged: number;
  failed: number;
  skipped: number;
}

export interface CoverageGap {
  layer: Layer;
  description: string;
}

export interface RestoreNeed {
  layer: Layer;
  /** Secrets or settings a restore must be given again; empty when none. */
  reenter: string[];
  note: string;
}

export interface Manifest {
  manifestVersion: 1;
  tenant: string;
  host: string;
  caller: { userId: string; subject: string; name: string; isPrivateContentBot: boolean };
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  options: { full: boolean; withData: boolean; tags: string[] };
  /** The snapshot unchanged apps were compared with and referenced from. */
  previousSnapshot?: string;
  partial: boolean;
  /**
   * Per layer: every core layer (users … objects) always; a declared resource kind (issue 12)
   * only when the manifest has items of it — a snapshot taken before the kind existed, or of a
   * tenant without it, has no count for it.
   */
  counts: ManifestCounts;
  items: ManifestItem[];
  coverageGaps: CoverageGap[];
  /** What the connector reports about its calls (e.g. per rate-limit tier). */
  apiCalls?: unknown;
  exports: { count: number; bytes: number };
  restoreNeeds: RestoreNeed[];
  /** When each app's objects were last read in full (stamps.ts `DeepChecks`); absent without object stamps. */
  deepChecks?: DeepChecks;
}

/** The layers of the core kinds (not declared resource kinds). */
type CoreLayer = Exclude<Layer, ResourceKindName>;
export type ManifestCounts = Record<CoreLayer, LayerCounts> & Partial<Record<ResourceKindName, LayerCounts>>;

const zero = (): LayerCounts => ({ captured: 0, unchanged: 0, failed: 0, skipped: 0 });

export function emptyCounts(): ManifestCounts {
  const counts = {} as Record<Layer, LayerCounts>;
  for (const k of KINDS as readonly ResourceKind[]) if (!("def" in k)) counts[k.layer as Layer] = zero();
  return counts;
}

export function countItems(items: readonly ManifestItem[]): ManifestCounts {
  const counts: Partial<Record<Layer, LayerCounts>> = emptyCounts();
  for (const item of items) (counts[item.layer] ??= zero())[item.status]++;
  return counts as ManifestCounts;
}

/** What a restore must be given again, per captured layer (each kind declares its own). */
export const RESTORE_NEEDS: readonly RestoreNeed[] = (KINDS as readonly ResourceKind[]).flatMap((k) =>
  k.restoreNeeds ? [{ layer: k.layer as Layer, reenter: [...k.restoreNeeds.reenter], note: k.restoreNeeds.note }] : [],
);

/**
 * Stored form, layout 2 (written before layout 3; still read): the run-level facts and the
 * items of the non-object layers inline, each app's object items in a blob of its own
 * (`appItems`, kept alive by the snapshot's `manifestTree`). A manifest without
 * `layoutVersion` (layout 1) holds all its items inline.
 */
export interface StoredManifestV2 extends Manifest {
  layoutVersion: 2;
  /** Per app, in order, the blob with its object items; they follow `items` when loaded. */
  appItems: { appId: string; items: BlobRef }[];
}

/**
 * Stored form, layout 3: a run's manifest is split so that only what differs from the
 * previous run costs space.
 *
 * - `snapshot.manifest` (`StoredManifest`, small): what belongs to this run only — times,
 *   the previous snapshot, `partial`, API calls, exports — and every item's *facts*
 *   (status, reason, bytes), stored as the most common facts per layer plus the positions
 *   whose facts differ (e.g. the 2 apps captured among 98 unchanged ones).
 * - `items.json` in the snapshot's `manifestTree` (`ManifestParts`): everything else —
 *   tenant, caller, options, coverage gaps, restore needs and each item without its facts,
 *   in a deterministic order. It is byte-identical between runs when the tenant's users,
 *   spaces, apps and objects did not change, and then deduplicates.
 * - An app's captured object items are not stored when they are exactly the entries of
 *   the snapshot's `apps/<app>/objects` tree (id, title, owner subject and type are in each
 *   entry's `meta`): `fromTree` says to read them from there, in tree order. The writer
 *   checks this per app and stores the items explicitly otherwise.
 *
 * Items are ordered: every item but the object items of an app (by layer, apps by id,
 * otherwise as recorded), then per app (by id) its object items — from the tree first,
 * then the ones stored explicitly (skipped and failed ones), as recorded.
 */
export const MANIFEST_LAYOUT_VERSION = 3;

/** What an item says about this run: its status, why, and the bytes written. */
export interface ItemFacts {
  status: ItemStatus;
  reason?: string;
  bytes?: number;
}

/** An item without its facts. */
export type ItemBody = Omit<ManifestItem, "status" | "reason" | "bytes">;

/** The blob `items.json` in the snapshot's `manifestTree` (layout 3). */
export interface ManifestParts {
  manifestVersion: 1;
  tenant: string;
  host: string;
  caller: Manifest["caller"];
  options: Manifest["options"];
  coverageGaps: CoverageGap[];
  restoreNeeds: RestoreNeed[];
  /** Every item but the object items of an app, in manifest order, without facts. */
  items: ItemBody[];
  /** Per app (by id): its object items — those of its objects tree when `fromTree`, then `items`. */
  apps: { appId: string; fromTree?: true; items?: ItemBody[] }[];
}

/** The blob `snapshot.manifest` (layout 3). */
export interface StoredManifest {
  layoutVersion: typeof MANIFEST_LAYOUT_VERSION;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  previousSnapshot?: string;
  partial: boolean;
  apiCalls?: unknown;
  exports: { count: number; bytes: number };
  deepChecks?: DeepChecks;
  /** The facts of the items in manifest order: per layer the usual ones, then [position, facts] where they differ. */
  facts: { usual: Partial<Record<Layer, ItemFacts>>; except: [number, ItemFacts][] };
}

/** The name of the parts blob in the snapshot's `manifestTree`. */
export const MANIFEST_PARTS = "items.json";

/**
 * Orders items as layout 2 stored them: every item but the object items of an app in
 * recording order, then each app's object items, apps in order of first mention.
 */
export function groupItems(items: readonly ManifestItem[]): { top: ManifestItem[]; perApp: Map<string, ManifestItem[]> } {
  const top: ManifestItem[] = [];
  const perApp = new Map<string, ManifestItem[]>();
  for (const item of items) {
    if (item.layer !== "objects" || item.appId === undefined) {
      top.push(item);
      continue;
    }
    const list = perApp.get(item.appId);
    if (list) list.push(item);
    else perApp.set(item.appId, [item]);
  }
  return { top, perApp };
}

function defined<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as T;
}

function bodyOf(i: ItemBody): ItemBody {
  // `reenter` (resources: what a restore needs re-entered) is absent on every other item: their bytes stay as they were.
  return defined({ layer: i.layer, id: i.id, name: i.name, owner: i.owner, appId: i.appId, type: i.type, reenter: i.reenter });
}

function factsOf(i: ItemFacts): ItemFacts {
  return defined({ status: i.status, reason: i.reason, bytes: i.bytes });
}

/** One item with its keys in one order (layer, id, name, status, reason, owner, appId, type, bytes, reenter). */
function itemOf(body: ItemBody, facts: ItemFacts): ManifestItem {
  return defined({
    layer: body.layer, id: body.id, name: body.name, status: facts.status, reason: facts.reason,
    owner: body.owner, appId: body.appId, type: body.type, bytes: facts.bytes, reenter: body.reenter,
  });
}

async function eachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++] as T);
    }),
  );
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/**
 * The object items (without facts) that the `apps/<app>/objects` trees of a snapshot's
 * root tree describe, for the given apps; apps without such a tree are left out.
 */
async function objectsFromTrees(repo: SnapshotRepository, rootTree: string, appIds: readonly string[]): Promise<Map<string, ItemBody[]>> {
  const out = new Map<string, ItemBody[]>();
  if (appIds.length === 0) return out;
  const apps = (await repo.loadTree(rootTree)).entries.find((e) => e.name === PATHS.apps);
  if (apps?.type !== "tree") return out;
  const byName = new Map<string, TreeEntry>((await repo.loadTree(apps.subtree)).entries.map((e) => [e.name, e]));
  await eachLimit(appIds, 16, async (appId) => {
    const app = byName.get(entryNameForId(appId));
    if (app?.type !== "tree" || !app.subtree) return;
    const objects = (await repo.loadTree(app.subtree)).entries.find((e) => e.name === PATHS.objects);
    if (objects?.type !== "tree") return;
    const bodies: ItemBody[] = [];
    for (const e of (await repo.loadTree(objects.subtree)).entries) {
      const id = str(e.meta?.id);
      if (id === undefined) return;
      bodies.push(bodyOf({ layer: "objects", id, name: str(e.meta?.title), owner: str(e.meta?.ownerSubject), appId, type: str(e.meta?.type) }));
    }
    out.set(appId, bodies);
  });
  return out;
}

const sameItems = (a: readonly ItemBody[], b: readonly ItemBody[]): boolean => {
  if (a.length !== b.length) return false;
  const key = (l: readonly ItemBody[]) => l.map((x) => JSON.stringify(x)).sort();
  const [x, y] = [key(a), key(b)];
  return x.every((v, i) => v === y[i]);
};

const LAYER_RANK = new Map<Layer, number>(LAYERS.map((l, i) => [l, i]));

/**
 * Stores a run's manifest in layout 3 (see `StoredManifest`): the parts blob and the
 * `manifestTree` naming it, then the run's document. `rootTree` is the snapshot's tree the
 * object items are read back from. Returns the manifest as `loadManifest` will return it
 * (items in the stored order), the run document's ref and the manifest tree.
 */
export async function storeManifest(
  repo: SnapshotRepository,
  draft: Manifest,
  rootTree: string,
): Promise<{ manifest: Manifest; manifestRef: BlobRef; manifestTree: string }> {
  const grouped = groupItems(draft.items);
  const top = grouped.top
    .map((item, i) => ({ item, i }))
    .sort((a, b) => {
      const byLayer = (LAYER_RANK.get(a.item.layer) ?? 0) - (LAYER_RANK.get(b.item.layer) ?? 0);
      if (byLayer !== 0) return byLayer;
      if (a.item.layer === "apps" && a.item.id !== b.item.id) return a.item.id < b.item.id ? -1 : 1;
      return a.i - b.i;
    })
    .map((x) => x.item);
  const appIds = [...grouped.perApp.keys()].sort();
  const fromTrees = await objectsFromTrees(repo, rootTree, appIds);

  const items: ManifestItem[] = top.map((i) => itemOf(bodyOf(i), factsOf(i)));
  const apps: ManifestParts["apps"] = [];
  for (const appId of appIds) {
    const list = grouped.perApp.get(appId) ?? [];
    const plain = (i: ManifestItem) => i.status === "captured" && i.reason === undefined && i.bytes === undefined;
    const captured = list.filter(plain);
    const derived = fromTrees.get(appId);
    if (captured.length > 0 && derived && sameItems(captured.map(bodyOf), derived)) {
      const rest = list.filter((i) => !plain(i));
      apps.push({ appId, fromTree: true, ...(rest.length > 0 ? { items: rest.map(bodyOf) } : {}) });
      for (const b of derived) items.push(itemOf(b, { status: "captured" }));
      for (const i of rest) items.push(itemOf(bodyOf(i), factsOf(i)));
    } else {
      apps.push({ appId, items: list.map(bodyOf) });
      for (const i of list) items.push(itemOf(bodyOf(i), factsOf(i)));
    }
  }

  // Facts: the most common per layer, then the exceptions by position.
  const tally = new Map<Layer, Map<string, number>>();
  for (const i of items) {
    const key = JSON.stringify(factsOf(i));
    const t = tally.get(i.layer) ?? new Map<string, number>();
    t.set(key, (t.get(key) ?? 0) + 1);
    tally.set(i.layer, t);
  }
  const usual: Partial<Record<Layer, ItemFacts>> = {};
  const usualKey = new Map<Layer, string>();
  for (const layer of LAYERS) {
    const t = tally.get(layer);
    if (!t) continue;
    const [key] = [...t].reduce((best, x) => (x[1] > best[1] ? x : best));
    usual[layer] = JSON.parse(key) as ItemFacts;
    usualKey.set(layer, key);
  }
  const except: [number, ItemFacts][] = [];
  items.forEach((i, n) => {
    const f = factsOf(i);
    if (JSON.stringify(f) !== usualKey.get(i.layer)) except.push([n, f]);
  });

  const parts: ManifestParts = {
    manifestVersion: 1,
    tenant: draft.tenant,
    host: draft.host,
    caller: draft.caller,
    options: draft.options,
    coverageGaps: draft.coverageGaps,
    restoreNeeds: draft.restoreNeeds,
    items: top.map(bodyOf),
    apps,
  };
  const partsRef = await repo.saveJson(parts);
  const manifestTree = await repo.saveTree({ entries: [{ name: MANIFEST_PARTS, type: "blob", blob: partsRef }] });
  const stored: StoredManifest = defined({
    layoutVersion: MANIFEST_LAYOUT_VERSION,
    startedAt: draft.startedAt,
    finishedAt: draft.finishedAt,
    durationMs: draft.durationMs,
    previousSnapshot: draft.previousSnapshot,
    partial: draft.partial,
    apiCalls: draft.apiCalls,
    exports: draft.exports,
    deepChecks: draft.deepChecks,
    facts: { usual, except },
  });
  const manifestRef = await repo.saveJson(stored);
  return { manifest: reorder({ ...draft, counts: countItems(items), items }), manifestRef, manifestTree };
}

/** Loads a snapshot's manifest (layout 1, 2 or 3) into the full in-memory `Manifest`. */
export async function loadManifest(repo: SnapshotRepository, snapshot: Snapshot): Promise<Manifest> {
  const short = snapshot.id.slice(0, 12);
  if (!snapshot.manifest) throw new Error(`snapshot ${short} has no manifest (it was not written by 'lifeboat backup')`);
  const stored = await repo.readJson<Manifest | StoredManifestV2 | StoredManifest>(snapshot.manifest);
  if (!("layoutVersion" in stored) || stored.layoutVersion === undefined) return stored as Manifest;
  if (stored.layoutVersion === 2) {
    const { layoutVersion: _layout, appItems, items, ...rest } = stored;
    const loaded = await Promise.all(appItems.map((a) => repo.readJson<ManifestItem[]>(a.items)));
    return reorder({ ...rest, items: [...items, ...loaded.flat()] });
  }
  if (stored.layoutVersion !== MANIFEST_LAYOUT_VERSION)
    throw new Error(
      `the manifest of snapshot ${short} has layout ${String((stored as { layoutVersion: unknown }).layoutVersion)}, which this version of Lifeboat cannot read; upgrade Lifeboat`,
    );
  const damaged = (what: string) =>
    new Error(`the manifest of snapshot ${short} is damaged: ${what} — run 'lifeboat verify' and take a new backup`);
  if (!snapshot.manifestTree) throw damaged("the snapshot names no manifest tree");
  const entry = (await repo.loadTree(snapshot.manifestTree)).entries.find((e) => e.name === MANIFEST_PARTS);
  if (entry?.type !== "blob") throw damaged(`its manifest tree has no ${MANIFEST_PARTS}`);
  const parts = await repo.readJson<ManifestParts>(entry.blob);
  const fromTrees = await objectsFromTrees(repo, snapshot.tree, parts.apps.filter((a) => a.fromTree).map((a) => a.appId));
  const bodies: ItemBody[] = [...parts.items];
  for (const app of parts.apps) {
    if (app.fromTree) {
      const derived = fromTrees.get(app.appId);
      if (!derived) throw damaged(`the objects of app ${app.appId} are not in the snapshot's tree`);
      bodies.push(...derived);
    }
    bodies.push(...(app.items ?? []));
  }
  const except = new Map(stored.facts.except);
  const items = bodies.map((b, n) => {
    const facts = except.get(n) ?? stored.facts.usual[b.layer];
    if (!facts) throw damaged(`item ${n} (${b.layer} ${b.id}) has no status`);
    return itemOf(b, facts);
  });
  if (stored.facts.except.some(([n]) => n >= items.length)) throw damaged("it names facts of items it does not have");
  const { layoutVersion: _layout, facts: _facts, ...run } = stored;
  const { manifestVersion, tenant, host, caller, options, coverageGaps, restoreNeeds } = parts;
  return reorder({ manifestVersion, tenant, host, caller, options, coverageGaps, restoreNeeds, ...run, counts: countItems(items), items });
}

/** Puts the keys in the order `backup` builds them, so JSON output is unchanged. */
function reorder(m: Manifest): Manifest {
  const keys: (keyof Manifest)[] = [
    "manifestVersion", "tenant", "host", "caller", "startedAt", "finishedAt", "durationMs", "options", "previousSnapshot",
    "partial", "counts", "items", "coverageGaps", "apiCalls", "exports", "restoreNeeds", "deepChecks",
  ];
  const out: Record<string, unknown> = {};
  for (const k of keys) if (k in m) out[k] = m[k];
  for (const [k, v] of Object.entries(m)) if (!(k in out)) out[k] = v;
  return out as unknown as Manifest;
}
