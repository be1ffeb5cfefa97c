/**
 * Apps with their objects, load scripts, stamps and exports. Reads run in a pool of QIX
 * sessions (`sessions`), exports in a pool of their own (`exports`, Tier 2); an app's read
 * slot is released before its export waits, so reads run ahead of the rate-limited exports.
 * Needs the users (owners) and spaces (names) captured before it.
 */
import type { SnapshotRepository, TreeEntry } from "@lifeboat/repository";
import type { AppSummary, SpaceRecord, TenantReader, UserRecord } from "@lifeboat/model";
import type { PreviousContent, PreviousReads } from "../../backup/previous.ts";
import type { PreviousCapture } from "../../fingerprint.ts";
import { displayName, entryNameForId } from "../../internal/names.ts";
import { createPool, type Pool } from "@lifeboat/kit";
import { PATHS } from "../../layout.ts";
import type { CoverageGap, ManifestItem } from "../../manifest.ts";
import { encodeDeepChecks, utcDay } from "../../stamps.ts";
import { definedMeta, failure, tree } from "../entries.ts";
import type { Capture, CaptureOptions } from "../read.ts";
import { captureApp } from "./app.ts";

/** What one app's capture works with: the run's context, narrowed to apps, with the previous snapshot's app facts. */
export interface AppsContext {
  tenant: TenantReader;
  repo: SnapshotRepository;
  record: (item: ManifestItem) => void;
  previous: ReadonlyMap<string, PreviousCapture>;
  /** What the previous snapshot read of each app through REST (for `trustItemDates`). */
  previousReads: ReadonlyMap<string, PreviousReads>;
  /** When the previous run started (its snapshot's time), for `trustItemDates`. */
  previousTime?: string;
  trustItemDates: boolean;
  /** What the previous snapshot stored of each app's objects, stamps and script. */
  previousContents: ReadonlyMap<string, PreviousContent>;
  deepCheckDays: number;
  /** Filled per app with stamps: the day its objects were last read in full. */
  lastFullRead: Map<string, string>;
  coverageGap: (gap: CoverageGap) => void;
  spacesById: ReadonlyMap<string, SpaceRecord>;
  userById: ReadonlyMap<string, UserRecord>;
  full: boolean;
  withData: boolean;
  skippedObjects: CaptureOptions["skippedObjects"];
  now: () => Date;
  exportPool: Pool;
  /** Exports written this run (the manifest's `exports`). */
  exports: { count: number; bytes: number };
}


export const captureApps: Capture = async (ctx) => {
  const { tenant, repo, options, previous } = ctx;
  const summaries: AppSummary[] = [];
  try {
    for await (const app of tenant.listApps()) summaries.push(app);
  } catch (err) {
    ctx.layerFailed("apps", "apps", err);
  }
  ctx.emit({ type: "layer-start", layer: "apps", total: summaries.length });
  const apps: AppsContext = {
    tenant,
    repo,
    record: (item) => ctx.record(item),
    previous: previous?.apps ?? new Map(),
    previousReads: previous?.reads ?? new Map(),
    ...(previous ? { previousTime: previous.snapshot.time } : {}),
    previousContents: previous?.contents ?? new Map(),
    deepCheckDays: options.deepCheckDays,
    lastFullRead: new Map(),
    coverageGap: (gap) => ctx.coverageGap(gap, "stamps-missed-change"),
    trustItemDates: options.trustItemDates,
    spacesById: ctx.use("spaces"),
    userById: ctx.use("users"),
    full: options.full,
    withData: options.withData,
    skippedObjects: options.skippedObjects,
    now: options.now,
    exportPool: createPool(options.exports),
    exports: ctx.run.exports,
  };
  const readPool = createPool(options.sessions);
  // Apps read but not yet exported are bounded, so reads run ahead of the (rate-limited)
  // exports by a few rounds without holding every app's state until the end.
  const inFlight = createPool(Math.max(options.sessions, options.exports) * 4);
  let done = 0;
  const settled = await Promise.allSettled(
    summaries.map((summary) =>
      inFlight.run(async () => {
        options.signal?.throwIfAborted(); // cancelled: no app starts; those running finish
        let entry: TreeEntry;
        try {
          const read = await readPool.run(() => captureApp(apps, summary));
          entry = typeof read === "function" ? await read() : read;
        } catch (err) {
          // Whatever escaped the app's own handling is still this app's failure, named.
          entry = await unexpectedAppFailure(apps, summary, err);
        }
        ctx.emit({ type: "progress", layer: "apps", done: ++done, total: summaries.length, bytes: apps.exports.bytes });
        return entry;
      }),
    ),
  );
  options.signal?.throwIfAborted();
  const entries = settled.map((s) => {
    if (s.status === "rejected") throw s.reason;
    return s.value;
  });
  const sorted = tree(entries);
  const subtree = await repo.saveTree(sorted);
  if (apps.lastFullRead.size > 0)
    ctx.run.deepChecks = encodeDeepChecks(utcDay(options.now()), sorted.entries.map((e) => apps.lastFullRead.get(String(e.meta?.id ?? ""))));
  return { name: PATHS.apps, type: "tree", subtree, meta: { count: entries.length } };
};

/** An app that could not be read at all still gets a (small) entry, so `ls` shows it failed. */
async function unexpectedAppFailure(ctx: AppsContext, summary: AppSummary, err: unknown): Promise<TreeEntry> {
  const name = displayName(summary.name) ?? summary.appId;
  const where = `app '${name}' (${summary.appId}) on ${ctx.tenant.host}`;
  ctx.record({ layer: "apps", id: summary.appId, name, status: "failed", reason: failure("back up", where, ctx.tenant.host, err), owner: summary.ownerId, type: summary.spaceType });
  const meta = definedMeta({ id: summary.appId, name, spaceId: summary.spaceId, spaceType: summary.spaceType, ownerId: summary.ownerId, failed: true });
  return { name: entryNameForId(summary.appId), type: "tree", subtree: await ctx.repo.saveTree(tree([])), meta };
}
