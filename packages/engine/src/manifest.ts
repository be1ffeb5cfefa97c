/**
 * The manifest of one backup run, stored as JSON with the snapshot (`snapshot.manifest`).
 * It says what was captured, what was unchanged (referenced from the previous
 * snapshot), what failed or was skipped and why, where coverage has gaps, and what a
 * restore will need re-entered.
 */

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
