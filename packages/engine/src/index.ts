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
// The declared resource kinds (issue 12) and what a restore plans and reports for them: the CLI
// checks a --secrets file against them and renders decisions and the re-entry checklist.
export { RESOURCES } from "./kinds/registry.ts";
export { pluralOf } from "./kinds/kind.ts";
export type { DeclaredKind } from "./kinds/resources/kind.ts";
export type { ResourceClass, ResourceKindDef, SecretDecl } from "./kinds/resources/def.ts";
export { NO_SECRETS } from "./restore/resources.ts";
export type { ChecklistItem, ResourceDecision, RestoreSecrets } from "./restore/resources.ts";
