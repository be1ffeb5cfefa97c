/**
 * Backup: reads a tenant through a `TenantReader` and writes one snapshot with its
 * manifest into a `SnapshotRepository`.
 *
 * ```ts
 * const { snapshot, manifest } = await backup({
 *   tenant: createTenantClient(config), repository: repo,
 *   onEvent: (e) => render(e),
 * });
 * ```
 *
 * Order: the caller and the coverage gaps, then each kind's `capture` in registry order
 * (kinds/registry.ts: tenant document → users, groups, roles → spaces + assignments → apps
 * with their objects, scripts, stamps and exports) through one `CaptureContext`, then the
 * manifest and the snapshot. A failing item is recorded with its reason and the run goes
 * on; the snapshot is then marked partial. Only a failure to identify the caller (bad
 * credentials, unreachable host) or to write the repository aborts the run.
 */
import { snapshotTenantKey } from "@lifeboat/kit";
import type { BlobRef, Snapshot, SnapshotRepository, TreeEntry } from "@lifeboat/repository";
import type { CallerInfo, TenantReader } from "@lifeboat/model";
import type { BackupEvent, BackupEventListener } from "../events.ts";
import { reasonOf, tree } from "../kinds/entries.ts";
import type { CaptureContext, Provisions } from "../kinds/read.ts";
import type { ResourceKind } from "../kinds/kind.ts";
import { KINDS } from "../kinds/registry.ts";
import { countItems, type CoverageGap, type Layer, type Manifest, type ManifestItem, RESTORE_NEEDS, storeManifest } from "../manifest.ts";
import { DEFAULT_DEEP_CHECK_DAYS, MAX_DEEP_CHECK_DAYS } from "../stamps.ts";
import { loadPrevious } from "./previous.ts";

export const TOOL_VERSION = "0.1.0";

/**
 * Default app reads and exports in flight. Exports are Tier 2 and held ~1.5 s each (export
 * job + download), so 16 in flight keep Qlik's 100/min busy; a read is one QIX session (not
 * rate-limited; mostly the 300 ms of opening the app when its stamps are unchanged) plus a
 * Tier-1 call. The connector's own pools match these.
 */
export const DEFAULT_SESSIONS = 32;
export const DEFAULT_EXPORTS = 16;

export interface BackupOptions {
  tenant: TenantReader;
  repository: SnapshotRepository;
  /** Snapshot tenant key (retention and "previous snapshot" group by it). Default: the host name. */
  tenantKey?: string;
  /** Export every app even when unchanged since the previous snapshot. */
  full?: boolean;
  /** Export apps with their data. */
  withData?: boolean;
  /**
   * Off by default. When the apps listing shows an app's catalogue entry (`updatedAt`,
   * `resourceUpdatedAt`, name, space, owner) exactly as the previous snapshot recorded it,
   * take its attributes, load script and script history from that snapshot instead of
   * reading them again (a Tier-1 call per app, and the script). Objects are still checked
   * through QIX every run (a private-sheet edit does not move the app's dates), so object
   * changes are still found. The risk: Qlik is not known to bump those dates on every script or attribute
   * change (docs/snapshot-layout.md, "Changed-only capture", UNCONFIRMED), so such a change could be missed until the dates
   * move or a run without this option. Ignored with `full` and `withData`.
   */
  trustItemDates?: boolean;
  /**
   * With a connector that reports object stamps (`readAppContent`), an app whose objects
   * all carry the stamps the previous snapshot recorded is not read object by object; its
   * stored objects are referenced. Every app is still read in full at least every
   * `deepCheckDays` days (default 7, spread over the days by app id); 0 reads every app in
   * full every run. `full` reads everything. See stamps.ts.
   */
  deepCheckDays?: number;
  tags?: string[];
  /** Parallel app reads (QIX sessions; default 32, the connector's default session pool). */
  sessions?: number;
  /** Parallel exports + downloads (default 16, the connector's default export pool). */
  exports?: number;
  onEvent?: BackupEventListener;
  /**
   * Objects the reader could not read and left out of `readAppObjects` (the connector
   * reports them as events); asked once per app after its objects were read, and
   * recorded as skipped with their reason.
   */
  skippedObjects?: (appId: string) => { objectId: string; objectType?: string; reason: string }[];
  /**
   * Cancels the backup between items: no kind and no app read or export starts once it
   * aborted; those running finish, then `backup` rejects with the signal's reason and writes
   * no snapshot (data already saved stays unreferenced until a prune).
   */
  signal?: AbortSignal;
  /** Clock, for tests. */
  now?: () => Date;
}

export interface BackupResult {
  snapshot: Snapshot;
  manifest: Manifest;
  manifestRef: BlobRef;
}

export async function backup(options: BackupOptions): Promise<BackupResult> {
  const { tenant, repository: repo } = options;
  const now = options.now ?? (() => new Date());
  const emit = (event: BackupEvent) => options.onEvent?.(event);
  const full = options.full ?? false;
  const withData = options.withData ?? false;
  const tags = options.tags ?? [];
  const tenantKey = options.tenantKey ?? snapshotTenantKey(tenant.host);
  const deepCheckDays = deepCheckDaysOf(options.deepCheckDays); // bad input fails before any call
  const started = now();
  const items: ManifestItem[] = [];
  const coverageGaps: CoverageGap[] = [];
  const record = (item: ManifestItem) => {
    items.push(item);
    emit({
      type: "item",
      layer: item.layer,
      id: item.id,
      ...(item.name !== undefined ? { name: item.name } : {}),
      status: item.status,
      ...(item.reason !== undefined ? { reason: item.reason } : {}),
      ...(item.bytes !== undefined ? { bytes: item.bytes } : {}),
    });
  };
  const coverageGap = (gap: CoverageGap, code: "coverage-gap" | "stamps-missed-change") => {
    coverageGaps.push(gap);
    emit({ type: "warning", code, message: gap.description });
  };

  const signal = options.signal;
  signal?.throwIfAborted();
  // The caller: a failure here (bad credentials, unreachable host) aborts the run.
  const caller = await tenant.whoAmI();
  emit({ type: "layer-start", layer: "tenant", total: 1 });
  if (!caller.isPrivateContentBot) {
    coverageGap(
      {
        layer: "objects",
        description:
          `other users' private content not visible to ${caller.subject || caller.userId}: ` +
          "their personal-space apps and their private sheets, stories and bookmarks are not in this snapshot. " +
          (caller.scopeNote ? `${caller.scopeNote.replace(/[.\s]+$/, "")}. ` : "") +
          "Use an OAuth client with the admin.apps and admin_classic scopes to capture them.",
      },
      "coverage-gap",
    );
  }
  for (const gap of tenant.coverageGaps?.() ?? []) coverageGap(gap, "coverage-gap");

  const previous = await loadPrevious(repo, tenantKey, emit);
  // What each kind provided, by key; `provide` and `use` keep key and record type together.
  const provided = new Map<keyof Provisions, ReadonlyMap<string, unknown>>();
  const ctx: CaptureContext = {
    tenant,
    repo,
    tenantKey,
    caller,
    options: {
      full,
      withData,
      trustItemDates: (options.trustItemDates ?? false) && !full && !withData,
      deepCheckDays,
      sessions: options.sessions ?? DEFAULT_SESSIONS,
      exports: options.exports ?? DEFAULT_EXPORTS,
      ...(options.skippedObjects ? { skippedObjects: options.skippedObjects } : {}),
      ...(signal ? { signal } : {}),
      now,
    },
    previous,
    emit,
    record,
    layerFailed: (layer: Layer, what: string, err: unknown) => {
      const reason = `could not list ${what} on ${tenant.host}: ${reasonOf(err)}`;
      record({ layer, id: `(${layer})`, status: "failed", reason });
      emit({ type: "warning", code: "layer-failed", message: reason });
    },
    coverageGap,
    provide: (key, byId) => {
      provided.set(key, byId);
    },
    use: <K extends keyof Provisions>(key: K) => {
      const value = provided.get(key) as ReadonlyMap<string, Provisions[K]> | undefined;
      if (value === undefined) throw new Error(`no kind before this one provided '${key}': a defect of the kinds' registry order (kinds/registry.ts)`);
      return value;
    },
    run: { exports: { count: 0, bytes: 0 } },
  };

  // Every kind with a capture, in registry order; each returns the root entry it owns.
  const rootEntries: TreeEntry[] = [];
  for (const kind of KINDS as readonly ResourceKind[]) {
    if (!kind.capture) continue;
    signal?.throwIfAborted();
    const entry = await kind.capture(ctx);
    if (entry) rootEntries.push(entry);
  }
  signal?.throwIfAborted();

  const rootTree = await repo.saveTree(tree(rootEntries));
  const finished = now();
  const partial = items.some((i) => i.status === "failed" || i.status === "skipped");
  // Stored so that what did not change since the previous run deduplicates (see `StoredManifest`).
  const draft: Manifest = {
    manifestVersion: 1,
    tenant: tenantKey,
    host: tenant.host,
    caller: {
      userId: caller.userId,
      subject: caller.subject,
      name: caller.name,
      isPrivateContentBot: caller.isPrivateContentBot,
    },
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: finished.getTime() - started.getTime(),
    options: { full, withData, tags },
    ...(previous ? { previousSnapshot: previous.snapshot.id } : {}),
    partial,
    counts: countItems(items),
    items,
    coverageGaps,
    ...(typeof tenant.stats === "function" ? { apiCalls: tenant.stats() } : {}),
    exports: ctx.run.exports,
    // A declared resource kind (issue 12) says what it needs only when the snapshot holds it:
    // a reader without resource kinds writes the manifest it always wrote.
    restoreNeeds: RESTORE_NEEDS.filter((n) => {
      const k = (KINDS as readonly ResourceKind[]).find((x) => x.layer === n.layer);
      return !(k && "def" in k) || rootEntries.some((e) => e.name === k.path);
    }),
    ...(ctx.run.deepChecks ? { deepChecks: ctx.run.deepChecks } : {}),
  };
  const { manifest, manifestRef, manifestTree } = await storeManifest(repo, draft, rootTree);
  const snapshot = await repo.saveSnapshot({
    tenant: tenantKey,
    time: started.toISOString(),
    toolVersion: TOOL_VERSION,
    tags,
    partial,
    tree: rootTree,
    manifest: manifestRef,
    manifestTree,
  });
  emit({ type: "done", snapshot, manifest });
  return { snapshot, manifest, manifestRef };
}

function deepCheckDaysOf(n: number | undefined): number {
  if (n === undefined) return DEFAULT_DEEP_CHECK_DAYS;
  if (!Number.isInteger(n) || n < 0 || n > MAX_DEEP_CHECK_DAYS)
    throw new RangeError(`deepCheckDays must be a whole number of days from 0 to ${MAX_DEEP_CHECK_DAYS} (got ${String(n)}); 0 reads every object of every app every run`);
  return n;
}

export type { CallerInfo };
