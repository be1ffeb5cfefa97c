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
 * Order: caller → identity layers (users, groups, roles) → spaces + assignments →
 * apps. Per app: attributes (REST), then one QIX session for the objects' stamps, the
 * objects unless their stamps are unchanged (stamps.ts) and the script, then the script
 * history if the script changed; the fingerprint decides whether to export (Tier 2), and
 * the export body streams into the repository. A failing item is recorded with its reason and the run goes on;
 * the snapshot is then marked partial. Only a failure to identify the caller (bad
 * credentials, unreachable host) or to write the repository aborts the run.
 */
import type { BlobRef, Snapshot, SnapshotRepository, Tree, TreeEntry } from "@lifeboat/repository";
import type { BackupEvent, BackupEventListener } from "./events.ts";
import { appFingerprint, attributesHash, decideExport, objectsHash, type PreviousCapture } from "./fingerprint.ts";
import {
  DEFAULT_DEEP_CHECK_DAYS,
  decodeDeepChecks,
  type DeepChecks,
  deepCheckDue,
  encodeDeepChecks,
  MAX_DEEP_CHECK_DAYS,
  sameStamps,
  type StampsDoc,
  utcDay,
} from "./stamps.ts";
import { displayName, entryNameForId } from "./internal/names.ts";
import { createPool, snapshotTenantKey } from "@lifeboat/kit";
import { type AppDoc, LAYOUT_VERSION, PATHS, type TenantDoc } from "./layout.ts";
import {
  countItems,
  type CoverageGap,
  type Layer,
  type Manifest,
  type ManifestItem,
  RESTORE_NEEDS,
  storeManifest,
} from "./manifest.ts";
import type { AppContent, AppSummary, CallerInfo, ObjectRecord, SpaceRecord, TenantReader, UserRecord } from "@lifeboat/model";

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
  /** Clock, for tests. */
  now?: () => Date;
}

export interface BackupResult {
  snapshot: Snapshot;
  manifest: Manifest;
  manifestRef: BlobRef;
}

function reasonOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/**
 * "could not <step> <where>: <error>". The connector's errors already name the object
 * and the host; those are kept as they are rather than wrapped twice.
 */
function failure(step: string, where: string, host: string, err: unknown): string {
  const reason = reasonOf(err);
  if (reason.includes(host) && /^could not /.test(reason)) return reason;
  return `could not ${step} ${where}: ${reason}`;
}

const byName = (a: TreeEntry, b: TreeEntry) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

function tree(entries: TreeEntry[]): Tree {
  return { entries: [...entries].sort(byName) };
}

function definedMeta(meta: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(meta)) if (v !== undefined) out[k] = v;
  return out;
}

/**
 * An export's body, failing at its end when not a single byte came: a .qvf is never empty,
 * so an empty download (a 204, a cut-off export) is a failed export, never a stored 0-byte file.
 */
async function* nonEmpty(body: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let bytes = 0;
  for await (const chunk of body) {
    bytes += chunk.byteLength;
    yield chunk;
  }
  if (bytes === 0) throw new Error("the export delivered an empty file (0 bytes), not a .qvf; back up this app again later");
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
  const layerFailed = (layer: Layer, what: string, err: unknown) => {
    const reason = `could not list ${what} on ${tenant.host}: ${reasonOf(err)}`;
    record({ layer, id: `(${layer})`, status: "failed", reason });
    emit({ type: "warning", code: "layer-failed", message: reason });
  };

  // The caller: a failure here (bad credentials, unreachable host) aborts the run.
  const caller = await tenant.whoAmI();
  emit({ type: "layer-start", layer: "tenant", total: 1 });
  if (!caller.isPrivateContentBot) {
    const gap: CoverageGap = {
      layer: "objects",
      description:
        `other users' private content not visible to ${caller.subject || caller.userId}: ` +
        "their personal-space apps and their private sheets, stories and bookmarks are not in this snapshot. " +
        (caller.scopeNote ? `${caller.scopeNote.replace(/[.\s]+$/, "")}. ` : "") +
        "Use an OAuth client with the admin.apps and admin_classic scopes to capture them.",
    };
    coverageGaps.push(gap);
    emit({ type: "warning", code: "coverage-gap", message: gap.description });
  }
  for (const gap of tenant.coverageGaps?.() ?? []) {
    coverageGaps.push(gap);
    emit({ type: "warning", code: "coverage-gap", message: gap.description });
  }
  // No run facts (the time is the snapshot's and the manifest's), so an unchanged tenant.json dedups.
  const tenantDoc: TenantDoc = { layoutVersion: LAYOUT_VERSION, host: tenant.host, caller };
  const rootEntries: TreeEntry[] = [
    { name: PATHS.tenant, type: "blob", blob: await repo.saveJson(tenantDoc), meta: { host: tenant.host } },
  ];
  record({ layer: "tenant", id: tenantKey, name: tenant.host, status: "captured" });

  const previous = await loadPrevious(repo, tenantKey, emit);

  // Identity layers.
  const users = await captureUsers(tenant, repo, emit, record, layerFailed);
  if (users.entry) rootEntries.push(users.entry);
  const userById = users.byId;

  for (const [layer, path, list] of [
    ["groups", PATHS.groups, () => tenant.listGroups()],
    ["roles", PATHS.roles, () => tenant.listRoles()],
  ] as const) {
    emit({ type: "layer-start", layer });
    try {
      const all: { id: string; name: string }[] = [];
      for await (const x of list()) all.push(x);
      rootEntries.push({ name: path, type: "blob", blob: await repo.saveJson(all), meta: { count: all.length } });
      for (const x of all) record({ layer, id: x.id, name: displayName(x.name), status: "captured" });
    } catch (err) {
      layerFailed(layer, layer, err);
    }
  }

  // Spaces and their assignments.
  const spaces = await captureSpaces(tenant, repo, emit, record, layerFailed);
  if (spaces.entry) rootEntries.push(spaces.entry);

  // Apps.
  const apps = await captureApps({
    tenant,
    repo,
    emit,
    record,
    layerFailed,
    previous: previous?.apps ?? new Map(),
    previousReads: previous?.reads ?? new Map(),
    ...(previous ? { previousTime: previous.snapshot.time } : {}),
    previousContents: previous?.contents ?? new Map(),
    deepCheckDays,
    lastFullRead: new Map(),
    coverageGap: (gap) => {
      coverageGaps.push(gap);
      emit({ type: "warning", code: "stamps-missed-change", message: gap.description });
    },
    trustItemDates: (options.trustItemDates ?? false) && !full && !withData,
    spacesById: spaces.byId,
    userById,
    full,
    withData,
    skippedObjects: options.skippedObjects,
    sessions: options.sessions ?? DEFAULT_SESSIONS,
    exports: options.exports ?? DEFAULT_EXPORTS,
    now,
  });
  rootEntries.push(apps.entry);

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
    exports: apps.exports,
    restoreNeeds: [...RESTORE_NEEDS],
    ...(apps.deepChecks ? { deepChecks: apps.deepChecks } : {}),
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

type Emit = (event: BackupEvent) => void;
type Record_ = (item: ManifestItem) => void;
type LayerFailed = (layer: Layer, what: string, err: unknown) => void;

async function loadPrevious(
  repo: SnapshotRepository,
  tenantKey: string,
  emit: Emit,
): Promise<
  { snapshot: Snapshot; apps: Map<string, PreviousCapture>; reads: Map<string, PreviousReads>; contents: Map<string, PreviousContent> } | undefined
> {
  const snapshots = (await repo.listSnapshots()).filter((s) => s.tenant === tenantKey);
  snapshots.sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : 0));
  const snapshot = snapshots[0];
  if (!snapshot) return undefined;
  const apps = new Map<string, PreviousCapture>();
  const reads = new Map<string, PreviousReads>();
  const contents = new Map<string, PreviousContent>();
  try {
    const root = await repo.loadTree(snapshot.tree);
    const appsEntry = root.entries.find((e) => e.name === PATHS.apps);
    if (appsEntry?.type === "tree") {
      const appsTree = await repo.loadTree(appsEntry.subtree);
      // When each app was last read in full: the run manifest, by position in the apps tree.
      const run = snapshot.manifest ? await repo.readJson<{ deepChecks?: DeepChecks }>(snapshot.manifest).catch(() => undefined) : undefined;
      const lastFullReads = decodeDeepChecks(run?.deepChecks, appsTree.entries.length);
      appsTree.entries.forEach((entry, i) => {
        const id = entry.meta?.id;
        const day = lastFullReads[i];
        if (typeof id === "string" && day) contents.set(id, { ...contents.get(id), lastFullRead: day });
      });
      const pool = createPool(16);
      await Promise.all(
        appsTree.entries.map((entry) =>
          pool.run(async () => {
            if (entry.type !== "tree") return;
            const appTree = await repo.loadTree(entry.subtree);
            const appJson = appTree.entries.find((e) => e.name === PATHS.app);
            const qvf = appTree.entries.find((e) => e.name === PATHS.qvf);
            const scriptEntry = appTree.entries.find((e) => e.name === PATHS.script);
            const historyEntry = appTree.entries.find((e) => e.name === PATHS.scriptHistory);
            const objectsEntry = appTree.entries.find((e) => e.name === PATHS.objects);
            const stampsEntry = appTree.entries.find((e) => e.name === PATHS.objectStamps);
            if (appJson?.type !== "blob") return;
            const doc = await repo.readJson<AppDoc>(appJson.blob);
            const content: PreviousContent = { ...contents.get(doc.appId) };
            if (doc.objectsHash) content.objectsHash = doc.objectsHash;
            if (objectsEntry?.type === "tree") content.objects = objectsEntry.subtree;
            if (stampsEntry?.type === "blob") content.stamps = await repo.readJson<StampsDoc>(stampsEntry.blob);
            if (scriptEntry?.type === "blob") content.script = scriptEntry.blob;
            if (historyEntry?.type === "blob") content.history = historyEntry.blob;
            contents.set(doc.appId, content);
            if (scriptEntry?.type === "blob" && historyEntry?.type === "blob" && doc.summary && doc.attributes) {
              reads.set(doc.appId, { summary: doc.summary, attributes: doc.attributes, script: scriptEntry.blob, history: historyEntry.blob });
            }
            apps.set(doc.appId, {
              fingerprint: doc.fingerprint,
              ...(qvf?.type === "blob" && doc.qvf ? { qvf: { ref: qvf.blob, withData: doc.qvf.withData, exportedAt: doc.qvf.exportedAt } } : {}),
            });
          }),
        ),
      );
    }
  } catch (err) {
    emit({
      type: "warning",
      code: "previous-snapshot-unreadable",
      message: `could not read the previous snapshot ${snapshot.id.slice(0, 8)} (${reasonOf(err)}); every app is exported again`,
    });
    apps.clear();
    reads.clear();
    contents.clear();
  }
  return { snapshot, apps, reads, contents };
}

async function captureUsers(
  tenant: TenantReader,
  repo: SnapshotRepository,
  emit: Emit,
  record: Record_,
  layerFailed: LayerFailed,
): Promise<{ entry?: TreeEntry; byId: Map<string, UserRecord> }> {
  emit({ type: "layer-start", layer: "users" });
  const byId = new Map<string, UserRecord>();
  try {
    for await (const user of tenant.listUsers()) byId.set(user.id, user);
  } catch (err) {
    layerFailed("users", "users", err);
    return { byId };
  }
  const entries: TreeEntry[] = [];
  for (const user of byId.values()) {
    entries.push({
      name: entryNameForId(user.id, ".json"),
      type: "blob",
      blob: await repo.saveJson(user),
      meta: definedMeta({ id: user.id, subject: user.subject, name: displayName(user.name), email: user.email, status: user.status }),
    });
    record({ layer: "users", id: user.id, name: displayName(user.name ?? user.subject), status: "captured" });
  }
  const subtree = await repo.saveTree(tree(entries));
  return { entry: { name: PATHS.users, type: "tree", subtree, meta: { count: entries.length } }, byId };
}

async function captureSpaces(
  tenant: TenantReader,
  repo: SnapshotRepository,
  emit: Emit,
  record: Record_,
  layerFailed: LayerFailed,
): Promise<{ entry?: TreeEntry; byId: Map<string, SpaceRecord> }> {
  emit({ type: "layer-start", layer: "spaces" });
  const byId = new Map<string, SpaceRecord>();
  try {
    for await (const space of tenant.listSpaces()) byId.set(space.id, space);
  } catch (err) {
    layerFailed("spaces", "spaces", err);
    return { byId };
  }
  const entries: TreeEntry[] = [];
  let done = 0;
  for (const space of byId.values()) {
    const name = displayName(space.name);
    const spaceEntries: TreeEntry[] = [{ name: PATHS.space, type: "blob", blob: await repo.saveJson(space) }];
    try {
      const assignments = [];
      for await (const a of tenant.listSpaceAssignments(space.id)) assignments.push(a);
      spaceEntries.push({ name: PATHS.assignments, type: "blob", blob: await repo.saveJson(assignments), meta: { count: assignments.length } });
      record({ layer: "spaces", id: space.id, name, status: "captured", type: space.type, owner: space.ownerId });
    } catch (err) {
      record({
        layer: "spaces",
        id: space.id,
        name,
        status: "failed",
        reason: failure("list the assignments of", `space '${name}' (${space.id}) on ${tenant.host}`, tenant.host, err),
        type: space.type,
      });
    }
    entries.push({
      name: entryNameForId(space.id),
      type: "tree",
      subtree: await repo.saveTree(tree(spaceEntries)),
      meta: definedMeta({ id: space.id, name, type: space.type, ownerId: space.ownerId }),
    });
    emit({ type: "progress", layer: "spaces", done: ++done, total: byId.size });
  }
  const subtree = await repo.saveTree(tree(entries));
  return { entry: { name: PATHS.spaces, type: "tree", subtree, meta: { count: entries.length } }, byId };
}

interface AppsContext {
  tenant: TenantReader;
  repo: SnapshotRepository;
  emit: Emit;
  record: Record_;
  layerFailed: LayerFailed;
  previous: Map<string, PreviousCapture>;
  /** What the previous snapshot read of each app through REST (for `trustItemDates`). */
  previousReads: Map<string, PreviousReads>;
  /** When the previous run started (its snapshot's time), for `trustItemDates`. */
  previousTime?: string;
  trustItemDates: boolean;
  /** What the previous snapshot stored of each app's objects, stamps and script. */
  previousContents: Map<string, PreviousContent>;
  deepCheckDays: number;
  /** Filled per app with stamps: the day its objects were last read in full. */
  lastFullRead: Map<string, string>;
  coverageGap: (gap: CoverageGap) => void;
  spacesById: Map<string, SpaceRecord>;
  userById: Map<string, UserRecord>;
  full: boolean;
  withData: boolean;
  skippedObjects: BackupOptions["skippedObjects"];
  sessions: number;
  exports: number;
  now: () => Date;
}

async function captureApps(ctx: AppsContext): Promise<{ entry: TreeEntry; exports: { count: number; bytes: number }; deepChecks?: DeepChecks }> {
  const { tenant, repo, emit } = ctx;
  const summaries: AppSummary[] = [];
  try {
    for await (const app of tenant.listApps()) summaries.push(app);
  } catch (err) {
    ctx.layerFailed("apps", "apps", err);
  }
  emit({ type: "layer-start", layer: "apps", total: summaries.length });
  const readPool = createPool(ctx.sessions);
  const exportPool = createPool(ctx.exports);
  // Apps read but not yet exported are bounded, so reads run ahead of the (rate-limited)
  // exports by a few rounds without holding every app's state until the end.
  const inFlight = createPool(Math.max(ctx.sessions, ctx.exports) * 4);
  const exports = { count: 0, bytes: 0 };
  let done = 0;
  const entries = await Promise.all(
    summaries.map((summary) =>
      inFlight.run(async () => {
        let entry: TreeEntry;
        try {
          const read = await readPool.run(() => captureApp(ctx, summary, exportPool, exports));
          entry = typeof read === "function" ? await read() : read;
        } catch (err) {
          // Whatever escaped the app's own handling is still this app's failure, named.
          entry = await unexpectedAppFailure(ctx, summary, err);
        }
        emit({ type: "progress", layer: "apps", done: ++done, total: summaries.length, bytes: exports.bytes });
        return entry;
      }),
    ),
  );
  const sorted = tree(entries);
  const subtree = await repo.saveTree(sorted);
  const deepChecks =
    ctx.lastFullRead.size > 0
      ? encodeDeepChecks(utcDay(ctx.now()), sorted.entries.map((e) => ctx.lastFullRead.get(String(e.meta?.id ?? ""))))
      : undefined;
  return { entry: { name: PATHS.apps, type: "tree", subtree, meta: { count: entries.length } }, exports, ...(deepChecks ? { deepChecks } : {}) };
}

async function captureApp(
  ctx: AppsContext,
  summary: AppSummary,
  exportPool: ReturnType<typeof createPool>,
  exports: { count: number; bytes: number },
): Promise<TreeEntry | (() => Promise<TreeEntry>)> {
  const { tenant, repo, record } = ctx;
  const appId = summary.appId;
  const name = displayName(summary.name) ?? appId;
  const where = `app '${name}' (${appId}) on ${tenant.host}`;
  const entries: TreeEntry[] = [];
  const meta = definedMeta({
    id: appId,
    name,
    spaceId: summary.spaceId,
    spaceType: summary.spaceType,
    ownerId: summary.ownerId,
  });
  const fail = (step: string, err: unknown): TreeEntry => {
    record({
      layer: "objects",
      id: `(objects of ${appId})`,
      appId,
      status: "failed",
      reason: `not read: the app failed (could not ${step} it)`,
    });
    record({ layer: "apps", id: appId, name, status: "failed", reason: failure(step, where, tenant.host, err), owner: summary.ownerId, type: summary.spaceType });
    return { name: entryNameForId(appId), type: "tree", subtree: "", meta: { ...meta, failed: true } };
  };

  // Cheap reads first: attributes (REST), then one QIX session for the objects' stamps,
  // the objects (unless their stamps are unchanged) and the script; the script history
  // (REST) only when the script changed.
  let attributes: Record<string, unknown> | undefined;
  let script: string | undefined;
  let historyRef: BlobRef | undefined;
  const prior = ctx.trustItemDates ? ctx.previousReads.get(appId) : undefined;
  if (prior && sameCatalogueEntry(prior.summary, summary) && settledBefore(summary, ctx.previousTime)) {
    try {
      script = await readText(repo, prior.script);
      attributes = prior.attributes;
      historyRef = prior.history;
    } catch {
      script = undefined; // unreadable: read from the tenant below
    }
  }
  const fromPrevious = attributes !== undefined;
  const before = ctx.previousContents.get(appId);
  const deep = ctx.full || deepCheckDue({ appId, lastDeepCheck: before?.lastFullRead, now: ctx.now(), deepCheckDays: ctx.deepCheckDays });
  const previousStamps = !deep && before?.objectsHash && before.objects ? before.stamps?.stamps : undefined;
  // The attributes (REST) and the QIX session do not depend on each other: both at once.
  const [attributesRead, contentRead] = await Promise.allSettled([
    attributes ? Promise.resolve(attributes) : tenant.getAppInfo(appId).then((info) => info.attributes),
    tenant.readAppContent
      ? tenant.readAppContent(appId, {
          ...(previousStamps ? { unchanged: (stamps) => sameStamps(stamps, previousStamps) } : {}),
          script: !fromPrevious,
        })
      : tenant.readAppObjects(appId).then((objects): AppContent => ({ objects })),
  ]);
  if (attributesRead.status === "rejected") return finishFailed(ctx, fail("read the attributes of", attributesRead.reason), entries);
  attributes = attributesRead.value;
  if (contentRead.status === "rejected") return finishFailed(ctx, fail("read the objects of", contentRead.reason), entries);
  const content = contentRead.value;
  // A connector may leave the objects out only when the engine said their stamps are
  // unchanged (and there is a previous objects tree to reference); anything else is a
  // connector defect, and it is this app's failure, named, not the run's.
  const mayOmit =
    previousStamps !== undefined && content?.stamps !== undefined && sameStamps(content.stamps, previousStamps) && !!before?.objects && !!before.objectsHash;
  if (!content || (!Array.isArray(content.objects) && (content.objects !== undefined || !mayOmit)))
    return finishFailed(
      ctx,
      fail(
        "read the objects of",
        new Error(
          `the connector returned no objects for it (${content?.objects === undefined ? "none" : typeof content.objects}) although they were not known to be unchanged; ` +
            "this is a defect of the connector: report it, and run the backup again with --deep-check-days 0",
        ),
      ),
      entries,
    );
  try {
    if (!fromPrevious) script = content.script ?? (await tenant.getAppScript(appId));
  } catch (err) {
    return finishFailed(ctx, fail("read the load script of", err), entries);
  }
  if (script === undefined) return finishFailed(ctx, fail("read the load script of", new Error("no script")), entries);
  const scriptRef = await repo.saveBlob(new TextEncoder().encode(script));
  try {
    if (!historyRef && !deep && before?.history && before.script?.id === scriptRef.id) historyRef = before.history;
    historyRef ??= await repo.saveJson(await tenant.getAppScriptHistory(appId));
  } catch (err) {
    return finishFailed(ctx, fail("read the load script history of", err), entries);
  }

  // Objects: one JSON document each, ids made safe as entry names — or, when their stamps
  // say they are as before, the previous snapshot's objects tree as it is.
  const objects = content.objects;
  let objectsTree: string;
  let objectEntries: TreeEntry[];
  let hashOfObjects: string;
  if (objects) {
    hashOfObjects = objectsHash(objects);
    objectEntries = [];
    const seen = new Set<string>();
    for (const obj of objects) {
      let entryName = entryNameForId(obj.id, ".json");
      if (seen.has(entryName)) entryName = entryNameForId(`${obj.id}\u0000${seen.size}`, ".json");
      seen.add(entryName);
      objectEntries.push({
        name: entryName,
        type: "blob",
        blob: await repo.saveJson(obj),
        meta: definedMeta({
          id: obj.id,
          type: obj.type,
          genericType: obj.genericType,
          title: displayName(obj.title),
          ownerId: obj.ownerId,
          ownerSubject: obj.ownerSubject,
          approved: obj.approved,
          published: obj.published,
          publishTime: obj.publishTime,
        }),
      });
    }
    const saved = tree(objectEntries);
    objectEntries = saved.entries;
    objectsTree = await repo.saveTree(saved);
    const missed = content.stamps && before?.stamps && before.objectsHash && sameStamps(content.stamps, before.stamps.stamps) && before.objectsHash !== hashOfObjects;
    if (missed)
      ctx.coverageGap({
        layer: "objects",
        description:
          `${where}: an object changed although no object's modifiedDate moved; this run read every object and captured the change, ` +
          `but on this tenant a change can go unseen until an app's next full read (every ${ctx.deepCheckDays} days). ` +
          "Run with --deep-check-days 0 to read every object every run.",
      });
  } else {
    // readAppContent only skips the objects when `unchanged` said so, which needs all three.
    hashOfObjects = before!.objectsHash!;
    objectsTree = before!.objects!;
    objectEntries = (await repo.loadTree(objectsTree)).entries;
  }
  entries.push({ name: PATHS.objects, type: "tree", subtree: objectsTree, meta: { count: objectEntries.length } });
  if (content.stamps) {
    const stampsDoc: StampsDoc = { stamps: content.stamps };
    ctx.lastFullRead.set(appId, objects || !before?.lastFullRead ? utcDay(ctx.now()) : before.lastFullRead);
    entries.push({ name: PATHS.objectStamps, type: "blob", blob: await repo.saveJson(stampsDoc) });
  }
  entries.push({ name: PATHS.script, type: "blob", blob: scriptRef });
  entries.push({ name: PATHS.scriptHistory, type: "blob", blob: historyRef });

  const objectsNote = !content.stamps || !before?.stamps
    ? ""
    : !objects
      ? "; objects not read again (their stamps are unchanged)"
      : deep
        ? "; every object read (deep check)"
        : "; every object read (their stamps changed)";
  const fingerprint = appFingerprint({ attributes, script, objectsHash: hashOfObjects, withData: ctx.withData });
  const decision = decideExport({ previous: ctx.previous.get(appId), fingerprint, full: ctx.full, withData: ctx.withData });
  const reusable = decision.export ? undefined : decision.reuse;

  // The export phase runs after the caller released this app's read slot (see captureApps):
  // waiting for Tier 2 must not hold a QIX session slot, so reads keep ahead of exports.
  return async () => {
    // The export: referenced when unchanged, otherwise streamed into the repository.
    let qvf: AppDoc["qvf"];
    let qvfRef: BlobRef | undefined;
    let exportError: unknown;
    if (reusable && (await repo.hasBlob(reusable.ref.id))) {
      qvfRef = reusable.ref;
      // Only facts of the app go into app.json: that this run referenced the file (rather
      // than exported it) is the manifest's (status "unchanged", `previousSnapshot`), so an
      // unchanged app's document and tree are byte-identical to the previous run's and dedup.
      qvf = { withData: reusable.withData, exportedAt: reusable.exportedAt };
    } else {
      try {
        qvfRef = await exportPool.run(async () => {
          const exported = await tenant.exportApp(appId, { withData: ctx.withData });
          return repo.saveBlob(nonEmpty(exported.body));
        });
        qvf = { withData: ctx.withData, exportedAt: ctx.now().toISOString() };
        exports.count++;
        exports.bytes += qvfRef.size;
      } catch (err) {
        exportError = err;
      }
    }
    if (qvfRef) entries.push({ name: PATHS.qvf, type: "blob", blob: qvfRef, meta: { size: qvfRef.size } });

    const owner = ctx.userById.get(String(attributes.ownerId ?? summary.ownerId));
    const space = summary.spaceId ? ctx.spacesById.get(summary.spaceId) : undefined;
    const publishTime = typeof attributes.publishTime === "string" && attributes.publishTime ? attributes.publishTime : undefined;
    const originAppId = typeof attributes.originAppId === "string" && attributes.originAppId ? attributes.originAppId : undefined;
    const doc: AppDoc = {
      layoutVersion: LAYOUT_VERSION,
      appId,
      name: summary.name,
      summary,
      attributes,
      ...(summary.spaceId
        ? { space: definedMeta({ id: summary.spaceId, name: space?.name, type: space?.type ?? summary.spaceType }) as AppDoc["space"] }
        : {}),
      owner: definedMeta({ id: String(attributes.ownerId ?? summary.ownerId), subject: owner?.subject, name: owner?.name }) as AppDoc["owner"],
      lineage: definedMeta({ published: publishTime !== undefined, publishTime, originAppId }) as AppDoc["lineage"],
      fingerprint,
      objectsHash: hashOfObjects,
      ...(qvf ? { qvf } : {}),
      objectCount: objectEntries.length,
    };
    entries.push({ name: PATHS.app, type: "blob", blob: await repo.saveJson(doc) });

    if (exportError !== undefined) {
      ctx.record({
        layer: "apps",
        id: appId,
        name,
        status: "failed",
        reason: `${failure("export", where, tenant.host, exportError)} (attributes, script and objects were captured)`,
        owner: summary.ownerId,
        type: summary.spaceType,
      });
    } else {
      const reused = reusable !== undefined && qvfRef === reusable.ref;
      ctx.record({
        layer: "apps",
        id: appId,
        name,
        status: reused ? "unchanged" : "captured",
        reason:
          (reused || decision.export ? decision.reason : "its previous .qvf is missing from the repository: exported again") +
          (fromPrevious ? "; attributes and script taken from the previous snapshot (catalogue dates unchanged, --trust-item-dates)" : "") +
          objectsNote,
        owner: summary.ownerId,
        type: summary.spaceType,
        bytes: reused ? 0 : (qvfRef?.size ?? 0),
      });
    }
    // From the tree entries' meta, in entry order, so both paths record the same items.
    for (const entry of objectEntries) {
      const m = entry.meta ?? {};
      const title = typeof m.title === "string" ? m.title : undefined;
      const owner = typeof m.ownerSubject === "string" ? m.ownerSubject : undefined;
      const type = typeof m.type === "string" ? m.type : undefined;
      ctx.record({
        layer: "objects",
        id: String(m.id ?? entry.name),
        appId,
        ...(title !== undefined ? { name: title } : {}),
        status: "captured",
        ...(owner !== undefined ? { owner } : {}),
        ...(type !== undefined ? { type } : {}),
      });
    }
    for (const skip of ctx.skippedObjects?.(appId) ?? []) {
      ctx.record({
        layer: "objects",
        id: skip.objectId,
        appId,
        status: "skipped",
        reason: `object ${skip.objectId}${skip.objectType ? ` (${skip.objectType})` : ""} of ${where}: ${skip.reason}`,
        ...(skip.objectType ? { type: skip.objectType } : {}),
      });
    }
    return {
      name: entryNameForId(appId),
      type: "tree",
      subtree: await repo.saveTree(tree(entries)),
      meta: { ...meta, objects: objectEntries.length, attributes: attributesHash(attributes), ...(exportError !== undefined ? { failed: true } : {}) },
    };
  };
}

function deepCheckDaysOf(n: number | undefined): number {
  if (n === undefined) return DEFAULT_DEEP_CHECK_DAYS;
  if (!Number.isInteger(n) || n < 0 || n > MAX_DEEP_CHECK_DAYS)
    throw new RangeError(`deepCheckDays must be a whole number of days from 0 to ${MAX_DEEP_CHECK_DAYS} (got ${String(n)}); 0 reads every object of every app every run`);
  return n;
}

/** What a previous snapshot stored of an app's objects, stamps and script (refs, not contents). */
interface PreviousContent {
  objectsHash?: string;
  /** The objects tree's id. */
  objects?: string;
  stamps?: StampsDoc;
  /** From the run manifest's `deepChecks`. */
  lastFullRead?: string;
  script?: BlobRef;
  history?: BlobRef;
}

/** What a previous snapshot stored of an app's REST reads. */
interface PreviousReads {
  summary: AppSummary;
  attributes: Record<string, unknown>;
  script: BlobRef;
  history: BlobRef;
}

/**
 * The items service stamps its dates to the second (a real tenant's listing:
 * `"updatedAt": "2024-01-25T17:56:02Z"`), so a change made in the same second as the one the
 * previous run saw, after that run listed the app, leaves the dates as they were. The
 * previous run's reads are trusted only when both dates lie a full second (plus a second for
 * clock skew) before that run started.
 */
function settledBefore(now: AppSummary, previousStart: string | undefined): boolean {
  const start = previousStart ? Date.parse(previousStart) : Number.NaN;
  const dates = [now.updatedAt, now.resourceUpdatedAt].map((d) => (d ? Date.parse(d) : Number.NaN));
  return Number.isFinite(start) && dates.every((d) => Number.isFinite(d) && d + 2000 <= start);
}

/** Same catalogue entry: both dates present and equal, and the same name, space and owner. */
function sameCatalogueEntry(before: AppSummary, now: AppSummary): boolean {
  if (!now.updatedAt || !now.resourceUpdatedAt) return false;
  return (
    before.updatedAt === now.updatedAt &&
    before.resourceUpdatedAt === now.resourceUpdatedAt &&
    before.name === now.name &&
    before.spaceId === now.spaceId &&
    before.spaceType === now.spaceType &&
    before.ownerId === now.ownerId &&
    before.itemId === now.itemId
  );
}

async function readText(repo: SnapshotRepository, ref: BlobRef): Promise<string> {
  const parts: Uint8Array[] = [];
  for await (const part of repo.readBlob(ref.id)) parts.push(part);
  return Buffer.concat(parts).toString("utf8");
}

/** An app that could not be read at all still gets a (small) entry, so `ls` shows it failed. */
async function unexpectedAppFailure(ctx: AppsContext, summary: AppSummary, err: unknown): Promise<TreeEntry> {
  const name = displayName(summary.name) ?? summary.appId;
  const where = `app '${name}' (${summary.appId}) on ${ctx.tenant.host}`;
  ctx.record({ layer: "apps", id: summary.appId, name, status: "failed", reason: failure("back up", where, ctx.tenant.host, err), owner: summary.ownerId, type: summary.spaceType });
  const meta = definedMeta({ id: summary.appId, name, spaceId: summary.spaceId, spaceType: summary.spaceType, ownerId: summary.ownerId, failed: true });
  return { name: entryNameForId(summary.appId), type: "tree", subtree: await ctx.repo.saveTree(tree([])), meta };
}

async function finishFailed(ctx: AppsContext, entry: TreeEntry, entries: TreeEntry[]): Promise<TreeEntry> {
  if (entry.type !== "tree") return entry;
  return { ...entry, subtree: await ctx.repo.saveTree(tree(entries)) };
}

export type { CallerInfo };
