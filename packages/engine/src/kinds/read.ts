/**
 * The read half of a resource kind (kind.ts): how it is captured during a backup
 * (`capture`, run by backup/run.ts in registry order through a `CaptureContext`) and how it
 * is indexed for `ls`, `show` and `diff` (`index`, iterated by diff.ts and browse.ts).
 *
 * ```ts
 * export const captureGroups: Capture = async (ctx) => {
 *   ctx.emit({ type: "layer-start", layer: "groups" });
 *   const all = []; for await (const g of ctx.tenant.listGroups()) all.push(g);
 *   return { name: "groups.json", type: "blob", blob: await ctx.repo.saveJson(all) };
 * };
 * ```
 */
import type { BlobRef, SnapshotRepository, Tree, TreeEntry } from "@lifeboat/repository";
import type { CallerInfo, SpaceRecord, TenantReader, UserRecord } from "@lifeboat/model";
import type { PreviousSnapshot } from "../backup/previous.ts";
import type { BackupEvent } from "../events.ts";
import type { CoverageGap, Layer, ManifestItem } from "../manifest.ts";
import type { DeepChecks } from "../stamps.ts";

/** The backup's options as the kinds see them (resolved: no defaults left to apply). */
export interface CaptureOptions {
  full: boolean;
  withData: boolean;
  trustItemDates: boolean;
  deepCheckDays: number;
  sessions: number;
  exports: number;
  skippedObjects?: (appId: string) => { objectId: string; objectType?: string; reason: string }[];
  /** The run's cancellation (BackupOptions.signal): no item starts once it aborted. */
  signal?: AbortSignal;
  now: () => Date;
}

/**
 * What one kind captured that a later kind needs (apps name their owners and spaces): per
 * providing kind, the record type of the items it hands on by id. A kind provides its map
 * even when its listing failed (then with what was listed before the failure), so a later
 * kind never has to ask whether the earlier one ran.
 */
export interface Provisions {
  users: UserRecord;
  spaces: SpaceRecord;
}

export interface CaptureContext {
  readonly tenant: TenantReader;
  readonly repo: SnapshotRepository;
  /** The snapshot's tenant key. */
  readonly tenantKey: string;
  /** Who takes the backup (identified before any kind runs). */
  readonly caller: CallerInfo;
  readonly options: CaptureOptions;
  /** The tenant's previous snapshot, as backup/previous.ts read it; undefined on a first run. */
  readonly previous: PreviousSnapshot | undefined;
  emit(event: BackupEvent): void;
  /** Records a manifest item (and emits its `item` event). */
  record(item: ManifestItem): void;
  /** Records a whole layer as failed because its listing failed, and warns. */
  layerFailed(layer: Layer, what: string, err: unknown): void;
  /** Adds a coverage gap to the manifest and warns with `code`. */
  coverageGap(gap: CoverageGap, code: "coverage-gap" | "stamps-missed-change"): void;
  /** Hands what this kind captured to the kinds after it. */
  provide<K extends keyof Provisions>(key: K, byId: ReadonlyMap<string, Provisions[K]>): void;
  /** What an earlier kind provided; throws when no earlier kind did (a registry-order defect). */
  use<K extends keyof Provisions>(key: K): ReadonlyMap<string, Provisions[K]>;
  /** Run facts a kind reports into the manifest (exports written, when apps were last read in full). */
  readonly run: { exports: { count: number; bytes: number }; deepChecks?: DeepChecks };
}

/** Captures one kind: records its items and returns the root tree entry it owns (none when its listing failed). */
export type Capture = (ctx: CaptureContext) => Promise<TreeEntry | undefined>;

/** One item of a kind in a snapshot's index: its id, the entry's `meta`, and what it needs to be compared. */
export interface IndexedItem {
  id: string;
  meta: Record<string, unknown>;
}

/** An item stored as one blob (users, objects): compared by the blob's content id. */
export interface IndexedBlob extends IndexedItem {
  blob: BlobRef;
}

/** How a change to one item reads in `lifeboat diff` (see diff.ts `DiffChange`). */
export interface ChangeDescription {
  type?: string;
  title?: string;
  owner?: string;
  ownerName?: string;
  appId?: string;
  appName?: string;
  details?: string[];
}

/** What `describe` is given: the change and both snapshots' indexes (for names). */
export interface DescribeInput<T extends IndexedItem> {
  repo: SnapshotRepository;
  kind: "added" | "removed" | "changed";
  before?: T;
  after?: T;
  /** Nested kinds: the parent item's id (objects: the app). */
  parentId?: string;
  /** The item's owner name by id or subject, looked up in the newer snapshot, then the older one. */
  ownerName(owner: string | undefined): string | undefined;
  /** A parent-layer item of either snapshot (newer first): objects name their app. */
  parent(id: string): IndexedItem | undefined;
}

/**
 * How a kind is indexed for `ls`, `show` and `diff`. A top-level kind (one with a `path`)
 * loads its items from the snapshot's root tree; a nested kind (one with a `parent`) reads
 * its items out of each parent item.
 */
export interface KindIndex<T extends IndexedItem = IndexedItem> {
  /** Top-level kinds: this kind's items of a snapshot, by id (never reads a .qvf). */
  load?(repo: SnapshotRepository, root: Tree): Promise<Map<string, T>>;
  /** Nested kinds: this kind's items inside one parent item. */
  childrenOf?(parent: IndexedItem): ReadonlyMap<string, T>;
  /** Whether two versions of an item have the same content (by content id where possible). */
  same(a: T, b: T): boolean;
  /** Type, title, owner and — for a change — what changed, for `lifeboat diff`. */
  describe(input: DescribeInput<T>): Promise<ChangeDescription>;
  /** How `diff` names one item ("user 'Jane' (u-1)"); default: noun, quoted title, id. */
  label?(change: { id: string; type?: string; title?: string; owner?: string; ownerName?: string; appName?: string }): string;
  /** For `ls`: nested kinds, the entry name under the parent item holding this kind's entries (objects: "objects"). */
  entry?: string;
  /** For `ls`: what an entry of this kind is (objects: its type), default the kind's noun. */
  entryKind?(entry: TreeEntry): string;
  /** For `ls`: what the files inside one item are, by entry name (apps: "app.qvf" → "qvf"). */
  files?: Readonly<Record<string, string>>;
}
