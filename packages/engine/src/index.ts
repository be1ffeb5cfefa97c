/**
 * @lifeboat/engine — backup, diff, browse and restore over a `TenantReader` / `RestoreTarget`
 * and a `SnapshotRepository`. Engines report through events; nothing here writes to the
 * console. Only what other packages use is exported; test helpers (the in-memory tenant) are
 * in `@lifeboat/engine/testing`.
 */
export { backup, DEFAULT_EXPORTS, DEFAULT_SESSIONS } from "./backup/run.ts";
export type { BackupOptions, BackupResult } from "./backup/run.ts";
export type { BackupEvent, BackupEventListener } from "./events.ts";
export { LAYERS, loadManifest } from "./manifest.ts";
export type { Layer, Manifest } from "./manifest.ts";
export { PATHS } from "./layout.ts";
export type { AppDoc } from "./layout.ts";
export { diffSnapshots, loadSnapshotIndex } from "./diff.ts";
export type { SnapshotDiff } from "./diff.ts";
export { browseSnapshot, BrowsePathError } from "./browse.ts";
export type { BrowseEntry, BrowseResult } from "./browse.ts";
export * from "./restore/index.ts";
// The declared resource kinds (issue 12): the CLI checks a --secrets file and --layers against
// them, and renders their items (the restore's decisions and checklist come with restore/).
export { RESOURCES } from "./kinds/registry.ts";
export { pluralOf } from "./kinds/kind.ts";
export type { DeclaredKind } from "./kinds/resources/kind.ts";
