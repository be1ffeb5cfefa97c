/**
 * What changed between two snapshots, at object level, with owners:
 * "sheet 'Q3 review' of auth0|jane in app 'Sales': title and 2 charts changed".
 *
 * ```ts
 * const diff = await diffSnapshots(repo, "a1b2", "latest");
 * for (const c of diff.changes) print(c.summary);
 * ```
 *
 * Reading is separate from comparing: `loadSnapshotIndex` reads the trees (never the
 * .qvf), `compareIndexes` is pure over two indexes and uses content ids to find what
 * differs, and only the items that differ are read to describe how. All three iterate the
 * kinds' registry (kinds/registry.ts): each kind's `index` says how its items are loaded,
 * compared and described (kinds/<layer>/index.ts).
 */
import type { Snapshot, SnapshotRepository } from "@lifeboat/repository";
import type { IndexedApp } from "./kinds/apps/index.ts";
import type { ChangeDescription, IndexedBlob, IndexedItem, KindIndex } from "./kinds/read.ts";
import { KINDS } from "./kinds/registry.ts";

export { describeObjectChange } from "./kinds/objects/describe.ts";
export type { IndexedApp, IndexedBlob, IndexedItem };

/** The kinds `diff` compares: those with an index, in registry order. */
type IndexedKind = Extract<(typeof KINDS)[number], { index: unknown }>;
/** The kinds read from the root tree (the others are read out of their parent's items). */
type TopKind = Extract<IndexedKind, { path: string }>;
type ItemOf<K> = K extends { index: KindIndex<infer T> } ? T : never;

/** A layer `diff` reports on. */
export type DiffLayer = IndexedKind["layer"];

/** A snapshot's items by layer and id, one map per top-level kind with an index (users, groups, roles, spaces, apps; objects inside apps). */
export type SnapshotIndex = { snapshot: Snapshot } & { [K in TopKind as K["layer"]]: Map<string, ItemOf<K>> };

export type DiffKind = "added" | "removed" | "changed";

export interface DiffChange {
  kind: DiffKind;
  layer: DiffLayer;
  id: string;
  /** Objects: the app they belong to. */
  appId?: string;
  appName?: string;
  /** Object type (sheet, bookmark…), space type, or "app". */
  type?: string;
  /** Name or title (the newer one when both exist). */
  title?: string;
  /** Owner subject for objects, owner id for apps. */
  owner?: string;
  /** The owner's name, from the snapshot's users. */
  ownerName?: string;
  /** What changed, e.g. ["title", "2 charts changed"]. Empty for added/removed. */
  details: string[];
  /** One line for people. */
  summary: string;
}

export interface SnapshotDiff {
  from: { id: string; time: string };
  to: { id: string; time: string };
  changes: DiffChange[];
  counts: Record<DiffKind, number>;
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

const indexed = KINDS.filter((k): k is IndexedKind => "index" in k);
const indexOf = (k: IndexedKind): KindIndex => k.index as KindIndex;
const LAYER_RANK = new Map<string, number>(indexed.map((k, i) => [k.layer, i]));

/** Reads a snapshot's trees into maps by id, kind by kind. Never reads a .qvf. */
export async function loadSnapshotIndex(repo: SnapshotRepository, snapshot: Snapshot): Promise<SnapshotIndex> {
  const root = await repo.loadTree(snapshot.tree);
  const index: Record<string, unknown> = { snapshot };
  for (const kind of indexed) {
    const load = indexOf(kind).load;
    if (load) index[kind.layer] = await load(repo, root);
  }
  return index as SnapshotIndex;
}

/** The items of a layer in an index: a top-level kind's map, or a nested kind's items of one parent item. */
function itemsOf(index: SnapshotIndex, layer: string): Map<string, IndexedItem> {
  return ((index as unknown as Record<string, unknown>)[layer] as Map<string, IndexedItem> | undefined) ?? new Map();
}

/** A change found by content id, before the changed documents are read. */
export interface ChangeCandidate {
  kind: DiffKind;
  layer: DiffLayer;
  id: string;
  /** Nested kinds: the parent item's id (objects: their app). */
  appId?: string;
  before?: IndexedItem;
  after?: IndexedItem;
}

/** Pure: what was added, removed or changed between two indexes (by content id), kind by kind. */
export function compareIndexes(a: SnapshotIndex, b: SnapshotIndex): ChangeCandidate[] {
  const out: ChangeCandidate[] = [];
  const keyed = (
    layer: DiffLayer,
    before: ReadonlyMap<string, IndexedItem>,
    after: ReadonlyMap<string, IndexedItem>,
    same: (x: IndexedItem, y: IndexedItem) => boolean,
    appId?: string,
  ) => {
    const extra = appId !== undefined ? { appId } : {};
    for (const [id, x] of before) {
      const y = after.get(id);
      if (!y) out.push({ kind: "removed", layer, id, before: x, ...extra });
      else if (!same(x, y)) out.push({ kind: "changed", layer, id, before: x, after: y, ...extra });
    }
    for (const [id, y] of after) if (!before.has(id)) out.push({ kind: "added", layer, id, after: y, ...extra });
  };
  for (const kind of indexed) {
    const index = indexOf(kind);
    const same = (x: IndexedItem, y: IndexedItem) => index.same(x, y);
    const parent = "parent" in kind ? kind.parent : undefined;
    if (parent === undefined) {
      keyed(kind.layer, itemsOf(a, kind.layer), itemsOf(b, kind.layer), same);
      continue;
    }
    // A nested kind: per parent item of the newer snapshot, then those only the older one has.
    const children = (p: IndexedItem | undefined) => (p && index.childrenOf ? index.childrenOf(p) : new Map<string, IndexedItem>());
    const [pa, pb] = [itemsOf(a, parent), itemsOf(b, parent)];
    for (const [parentId, y] of pb) keyed(kind.layer, children(pa.get(parentId)), children(y), same, parentId);
    for (const [parentId, x] of pa) if (!pb.has(parentId)) keyed(kind.layer, children(x), new Map(), () => true, parentId);
  }
  return out;
}

/** "title and 2 charts changed", "published; 1 chart added". */
export function phrase(details: string[]): string {
  if (details.length === 0) return "changed";
  const nouns = details.map((d) => d.replace(/ changed$/, ""));
  const simple = details.every((d) => d.endsWith(" changed") || !d.includes(" "));
  if (simple) return `${nouns.length > 1 ? nouns.slice(0, -1).join(", ") + " and " + nouns.at(-1) : nouns[0]} changed`;
  return details.join("; ");
}

function quote(title: string | undefined): string {
  return title ? ` '${title}'` : "";
}

export function summarize(change: Omit<DiffChange, "summary">): string {
  const kind = indexed.find((k) => k.layer === change.layer);
  const label = kind ? indexOf(kind).label : undefined;
  const what = label ? label(change) : `${kind?.noun ?? change.layer}${quote(change.title)} (${change.id})`;
  if (change.kind === "added") return `${what}: added`;
  if (change.kind === "removed") return `${what}: removed`;
  return `${what}: ${phrase(change.details)}`;
}

/** Compares two snapshots of (usually) the same tenant. */
export async function diffSnapshots(repo: SnapshotRepository, from: Snapshot, to: Snapshot): Promise<SnapshotDiff> {
  const [a, b] = await Promise.all([loadSnapshotIndex(repo, from), loadSnapshotIndex(repo, to)]);
  const ownerName = (owner: string | undefined) => ownerNameOf(b, owner) ?? ownerNameOf(a, owner);
  const changes: DiffChange[] = [];
  for (const c of compareIndexes(a, b)) {
    const kind = indexed.find((k) => k.layer === c.layer)!;
    const parentLayer = "parent" in kind ? kind.parent : undefined;
    const described: ChangeDescription = await indexOf(kind).describe({
      repo,
      kind: c.kind,
      ...(c.before ? { before: c.before } : {}),
      ...(c.after ? { after: c.after } : {}),
      ...(c.appId !== undefined ? { parentId: c.appId } : {}),
      ownerName,
      parent: (id) => (parentLayer ? (itemsOf(b, parentLayer).get(id) ?? itemsOf(a, parentLayer).get(id)) : undefined),
    });
    // Keys in one order (kind, layer, id, details, then what the kind describes), so JSON output is stable.
    const base: Omit<DiffChange, "summary"> = { kind: c.kind, layer: c.layer, id: c.id, details: [] };
    for (const [key, value] of Object.entries(described)) if (key !== "details" && value !== undefined) (base as unknown as Record<string, unknown>)[key] = value;
    if (c.kind === "changed") base.details = described.details ?? ["details"];
    changes.push({ ...base, summary: summarize(base) });
  }
  changes.sort((x, y) => (LAYER_RANK.get(x.layer) ?? 0) - (LAYER_RANK.get(y.layer) ?? 0) || (x.appId ?? "").localeCompare(y.appId ?? "") || x.id.localeCompare(y.id));
  const counts = { added: 0, removed: 0, changed: 0 };
  for (const c of changes) counts[c.kind]++;
  return { from: { id: from.id, time: from.time }, to: { id: to.id, time: to.time }, changes, counts };
}

/** A user's name by id or subject, from a snapshot's users. */
function ownerNameOf(index: SnapshotIndex, owner: string | undefined): string | undefined {
  if (!owner) return undefined;
  for (const u of index.users.values()) {
    if (u.id === owner || u.meta.subject === owner) return str(u.meta.name);
  }
  return undefined;
}
