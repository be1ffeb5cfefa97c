/**
 * @lifeboat/engine — backup, diff and browse over a `TenantReader` and a
 * `SnapshotRepository`. Engines report through events; nothing here writes to the
 * console.
 */
export { backup, DEFAULT_EXPORTS, DEFAULT_SESSIONS, TOOL_VERSION } from "./backup.ts";
export type { BackupOptions, BackupResult } from "./backup.ts";
export type { BackupEvent, BackupEventListener } from "./events.ts";
export { countItems, emptyCounts, LAYERS, loadManifest, MANIFEST_LAYOUT_VERSION, RESTORE_NEEDS } from "./manifest.ts";
export type { CoverageGap, ItemBody, ItemFacts, ItemStatus, Layer, LayerCounts, Manifest, ManifestItem, ManifestParts, RestoreNeed, StoredManifest, StoredManifestV2 } from "./manifest.ts";
export { LAYOUT_VERSION, PATHS } from "./layout.ts";
export type { AppDoc, ObjectDoc, SpaceDoc, TenantDoc } from "./layout.ts";
export { appFingerprint, attributesHash, decideExport, stableAttributes, VOLATILE_ATTRIBUTES } from "./fingerprint.ts";
export type { ExportDecision, PreviousCapture } from "./fingerprint.ts";
export { compareIndexes, describeObjectChange, diffSnapshots, loadSnapshotIndex, phrase } from "./diff.ts";
export type { DiffChange, DiffKind, IndexedApp, SnapshotDiff, SnapshotIndex } from "./diff.ts";
export { browseSnapshot, BrowsePathError, matchSegment } from "./browse.ts";
export type { BrowseEntry, BrowseResult } from "./browse.ts";
export { entryNameForId } from "./internal/names.ts";
export * from "./restore/index.ts";
