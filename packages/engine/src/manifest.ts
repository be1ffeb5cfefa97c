/**
 * The manifest of one backup run, stored as JSON with the snapshot (`snapshot.manifest`).
 * It says what was captured, what was unchanged (referenced from the previous
 * snapshot), what failed or was skipped and why, where coverage has gaps, and what a
 * restore will need re-entered.
 */

import type { BlobRef, Snapshot, SnapshotRepository } from "@lifeboat/repository";

export const LAYERS = ["tenant", "users", "groups", "roles", "spaces", "apps", "objects"] as const;
export type Layer = (typeof LAYERS)[number];

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
  counts: Record<Layer, LayerCounts>;
  items: ManifestItem[];
  coverageGaps: CoverageGap[];
  /** What the connector reports about its calls (e.g. per rate-limit tier). */
  apiCalls?: unknown;
  exports: { count: number; bytes: number };
  restoreNeeds: RestoreNeed[];
}

export function emptyCounts(): Record<Layer, LayerCounts> {
  const counts = {} as Record<Layer, LayerCounts>;
  for (const layer of LAYERS) counts[layer] = { captured: 0, unchanged: 0, failed: 0, skipped: 0 };
  return counts;
}

export function countItems(items: readonly ManifestItem[]): Record<Layer, LayerCounts> {
  const counts = emptyCounts();
  for (const item of items) counts[item.layer][item.status]++;
  return counts;
}

/** What a restore must be given again, per captured layer. None of these layers holds a secret. */
export const RESTORE_NEEDS: readonly RestoreNeed[] = [
  { layer: "users", reenter: [], note: "no secrets; users are re-created as 'invited' and become active when they log in through the identity provider" },
  { layer: "groups", reenter: [], note: "no secrets; identity-provider groups reappear when members log in" },
  { layer: "roles", reenter: [], note: "no secrets" },
  { layer: "spaces", reenter: [], note: "no secrets; space ids change on restore (assignments are remapped)" },
  { layer: "apps", reenter: [], note: "no secrets; apps exported without data need a reload, which needs their data connections' credentials in the target tenant" },
  { layer: "objects", reenter: [], note: "no secrets; owners are restored by subject" },
];

/**
 * The stored form of a manifest since layout 2: the run-level facts and the items of the
 * non-object layers inline, and each app's object items in a blob of their own
 * (`appItems`), whose content has no run-specific facts, so an unchanged app's blob is
 * byte-identical between runs and deduplicates. The blobs are kept alive by the
 * snapshot's `manifestTree`. A manifest without `layoutVersion` (layout 1) holds all its
 * items inline.
 */
export const MANIFEST_LAYOUT_VERSION = 2;

export interface StoredManifest extends Manifest {
  layoutVersion: typeof MANIFEST_LAYOUT_VERSION;
  /** Per app, in order, the blob with its object items; they follow `items` when loaded. */
  appItems: { appId: string; items: BlobRef }[];
}

/**
 * Orders items as a stored manifest loads them back: every item but the object items of
 * an app in recording order, then each app's object items, apps in order of first mention.
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

/** Loads a snapshot's manifest (either layout) into the full in-memory `Manifest`. */
export async function loadManifest(repo: SnapshotRepository, snapshot: Snapshot): Promise<Manifest> {
  if (!snapshot.manifest) throw new Error(`snapshot ${snapshot.id.slice(0, 12)} has no manifest (it was not written by 'lifeboat backup')`);
  const stored = await repo.readJson<Manifest | StoredManifest>(snapshot.manifest);
  if (!("layoutVersion" in stored) || stored.layoutVersion === undefined) return stored;
  if (stored.layoutVersion !== MANIFEST_LAYOUT_VERSION)
    throw new Error(
      `the manifest of snapshot ${snapshot.id.slice(0, 12)} has layout ${String(stored.layoutVersion)}, which this version of Lifeboat cannot read; upgrade Lifeboat`,
    );
  const { layoutVersion: _layout, appItems, items, ...rest } = stored;
  const loaded = await Promise.all(appItems.map((a) => repo.readJson<ManifestItem[]>(a.items)));
  const manifest: Manifest = { ...rest, items: [...items, ...loaded.flat()] };
  return reorder(manifest);
}

/** Puts the keys in the order `backup` builds them, so JSON output is unchanged. */
function reorder(m: Manifest): Manifest {
  const keys: (keyof Manifest)[] = [
    "manifestVersion", "tenant", "host", "caller", "startedAt", "finishedAt", "durationMs", "options", "previousSnapshot",
    "partial", "counts", "items", "coverageGaps", "apiCalls", "exports", "restoreNeeds",
  ];
  const out: Record<string, unknown> = {};
  for (const k of keys) if (k in m) out[k] = m[k];
  for (const [k, v] of Object.entries(m)) if (!(k in out)) out[k] = v;
  return out as unknown as Manifest;
}
