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
 * differs, and only the objects that differ are read to describe how
 * (`describeObjectChange`, pure).
 */
import type { BlobRef, Snapshot, SnapshotRepository, Tree, TreeEntry } from "@lifeboat/repository";
import { canonicalJson } from "./internal/canonical.ts";
import { stableAttributes } from "./fingerprint.ts";
import { type AppDoc, PATHS } from "./layout.ts";
import type { ObjectRecord } from "@lifeboat/model";

export interface IndexedBlob {
  id: string;
  meta: Record<string, unknown>;
  blob: BlobRef;
}

export interface IndexedApp {
  id: string;
  name: string;
  meta: Record<string, unknown>;
  app?: BlobRef;
  script?: BlobRef;
  qvf?: BlobRef;
  objects: Map<string, IndexedBlob>;
}

export interface SnapshotIndex {
  snapshot: Snapshot;
  users: Map<string, IndexedBlob>;
  spaces: Map<string, { id: string; meta: Record<string, unknown>; subtree: string }>;
  apps: Map<string, IndexedApp>;
}

export type DiffKind = "added" | "removed" | "changed";

export interface DiffChange {
  kind: DiffKind;
  layer: "users" | "spaces" | "apps" | "objects";
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

async function subtreeEntries(repo: SnapshotRepository, tree: Tree, name: string): Promise<TreeEntry[]> {
  const entry = tree.entries.find((e) => e.name === name);
  if (entry?.type !== "tree") return [];
  return (await repo.loadTree(entry.subtree)).entries;
}

/** Reads a snapshot's trees into maps by id. Never reads a .qvf. */
export async function loadSnapshotIndex(repo: SnapshotRepository, snapshot: Snapshot): Promise<SnapshotIndex> {
  const root = await repo.loadTree(snapshot.tree);
  const index: SnapshotIndex = { snapshot, users: new Map(), spaces: new Map(), apps: new Map() };
  for (const e of await subtreeEntries(repo, root, PATHS.users)) {
    if (e.type !== "blob") continue;
    const id = str(e.meta?.id) ?? e.name;
    index.users.set(id, { id, meta: e.meta ?? {}, blob: e.blob });
  }
  for (const e of await subtreeEntries(repo, root, PATHS.spaces)) {
    if (e.type !== "tree") continue;
    const id = str(e.meta?.id) ?? e.name;
    index.spaces.set(id, { id, meta: e.meta ?? {}, subtree: e.subtree });
  }
  for (const e of await subtreeEntries(repo, root, PATHS.apps)) {
    if (e.type !== "tree") continue;
    const id = str(e.meta?.id) ?? e.name;
    const appTree = await repo.loadTree(e.subtree);
    const blobOf = (name: string) => {
      const x = appTree.entries.find((y) => y.name === name);
      return x?.type === "blob" ? x.blob : undefined;
    };
    const objects = new Map<string, IndexedBlob>();
    for (const o of await subtreeEntries(repo, appTree, PATHS.objects)) {
      if (o.type !== "blob") continue;
      const oid = str(o.meta?.id) ?? o.name;
      objects.set(oid, { id: oid, meta: o.meta ?? {}, blob: o.blob });
    }
    const app: IndexedApp = { id, name: str(e.meta?.name) ?? id, meta: e.meta ?? {}, objects };
    const appRef = blobOf(PATHS.app);
    const scriptRef = blobOf(PATHS.script);
    const qvfRef = blobOf(PATHS.qvf);
    if (appRef) app.app = appRef;
    if (scriptRef) app.script = scriptRef;
    if (qvfRef) app.qvf = qvfRef;
    index.apps.set(id, app);
  }
  return index;
}

/** A change found by content id, before the changed documents are read. */
export interface ChangeCandidate {
  kind: DiffKind;
  layer: DiffChange["layer"];
  id: string;
  appId?: string;
  before?: IndexedBlob | IndexedApp | { id: string; meta: Record<string, unknown> };
  after?: IndexedBlob | IndexedApp | { id: string; meta: Record<string, unknown> };
}

/** Pure: what was added, removed or changed between two indexes (by content id). */
export function compareIndexes(a: SnapshotIndex, b: SnapshotIndex): ChangeCandidate[] {
  const out: ChangeCandidate[] = [];
  const keyed = <T extends { id: string; meta: Record<string, unknown> }>(
    layer: ChangeCandidate["layer"],
    before: Map<string, T>,
    after: Map<string, T>,
    same: (x: T, y: T) => boolean,
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
  keyed("users", a.users, b.users, (x, y) => x.blob.id === y.blob.id);
  keyed("spaces", a.spaces, b.spaces, (x, y) => x.subtree === y.subtree);
  keyed(
    "apps",
    a.apps,
    b.apps,
    (x, y) => x.script?.id === y.script?.id && attributesKey(x) === attributesKey(y),
  );
  for (const [appId, y] of b.apps) {
    const x = a.apps.get(appId);
    keyed("objects", x?.objects ?? new Map(), y.objects, (p, q) => p.blob.id === q.blob.id, appId);
  }
  for (const [appId, x] of a.apps) {
    if (!b.apps.has(appId)) keyed("objects", x.objects, new Map(), () => true, appId);
  }
  return out;
}

/** App-level identity for comparison: its tree meta (name, space, owner). */
function attributesKey(app: IndexedApp): string {
  const { objects: _o, ...meta } = app.meta;
  return canonicalJson(meta);
}

interface PropertyNode {
  qProperty?: Record<string, unknown>;
  qChildren?: PropertyNode[];
}

function childId(node: PropertyNode): string | undefined {
  const info = node.qProperty?.qInfo as { qId?: unknown } | undefined;
  return typeof info?.qId === "string" ? info.qId : undefined;
}

function withoutTitle(prop: Record<string, unknown> | undefined): unknown {
  if (!prop) return prop;
  const { qMetaDef, ...rest } = prop;
  if (qMetaDef && typeof qMetaDef === "object") {
    const { title: _t, ...meta } = qMetaDef as Record<string, unknown>;
    return { ...rest, qMetaDef: meta };
  }
  return rest;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/**
 * Pure: how one object changed, as short phrases: "title", "owner auth0|a → auth0|b",
 * "published", "properties", "2 charts changed", "1 chart added".
 */
export function describeObjectChange(before: ObjectRecord, after: ObjectRecord): string[] {
  const details: string[] = [];
  if (before.title !== after.title) details.push("title");
  if (before.ownerSubject !== after.ownerSubject || before.ownerId !== after.ownerId)
    details.push(`owner ${before.ownerSubject || before.ownerId} → ${after.ownerSubject || after.ownerId}`);
  if (before.approved !== after.approved) details.push(after.approved ? "approved" : "unapproved");
  if (before.published !== after.published) details.push(after.published ? "published" : "unpublished");
  if (before.type !== after.type) details.push(`type ${before.type} → ${after.type}`);
  const bt = (before.propertyTree ?? {}) as PropertyNode;
  const at = (after.propertyTree ?? {}) as PropertyNode;
  if (canonicalJson(withoutTitle(bt.qProperty)) !== canonicalJson(withoutTitle(at.qProperty))) details.push("properties");
  const kids = (t: PropertyNode) => new Map((t.qChildren ?? []).map((c, i) => [childId(c) ?? `#${i}`, c]));
  const bk = kids(bt);
  const ak = kids(at);
  const word = after.type === "sheet" || before.type === "sheet" ? "chart" : "child object";
  let changed = 0;
  let added = 0;
  let removed = 0;
  for (const [id, c] of ak) {
    const p = bk.get(id);
    if (!p) added++;
    else if (canonicalJson(p) !== canonicalJson(c)) changed++;
  }
  for (const id of bk.keys()) if (!ak.has(id)) removed++;
  if (changed) details.push(`${plural(changed, word)} changed`);
  if (added) details.push(`${plural(added, word)} added`);
  if (removed) details.push(`${plural(removed, word)} removed`);
  if (details.length === 0 && canonicalJson(before) !== canonicalJson(after)) details.push("metadata");
  return details;
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
  const where = change.appName !== undefined ? ` in app '${change.appName}'` : "";
  const owner = change.owner ? ` of ${change.owner}${change.ownerName ? ` (${change.ownerName})` : ""}` : "";
  const what =
    change.layer === "objects"
      ? `${change.type ?? "object"}${quote(change.title)}${owner}${where}`
      : change.layer === "apps"
        ? `app${quote(change.title)} (${change.id})`
        : change.layer === "spaces"
          ? `space${quote(change.title)} (${change.id})`
          : `user${quote(change.title)} (${change.id})`;
  if (change.kind === "added") return `${what}: added`;
  if (change.kind === "removed") return `${what}: removed`;
  return `${what}: ${phrase(change.details)}`;
}

/** Compares two snapshots of (usually) the same tenant. */
export async function diffSnapshots(repo: SnapshotRepository, from: Snapshot, to: Snapshot): Promise<SnapshotDiff> {
  const [a, b] = await Promise.all([loadSnapshotIndex(repo, from), loadSnapshotIndex(repo, to)]);
  const changes: DiffChange[] = [];
  for (const c of compareIndexes(a, b)) {
    const meta = (c.after ?? c.before)?.meta ?? {};
    const base: Omit<DiffChange, "summary"> = { kind: c.kind, layer: c.layer, id: c.id, details: [] };
    if (c.layer === "objects") {
      const app = b.apps.get(c.appId!) ?? a.apps.get(c.appId!);
      base.appId = c.appId!;
      if (app) base.appName = app.name;
      base.type = str(meta.type) ?? "object";
      const title = str(meta.title);
      if (title !== undefined) base.title = title;
      const owner = str(meta.ownerSubject) ?? str(meta.ownerId);
      if (owner) base.owner = owner;
      const ownerName = ownerNameOf(b, owner) ?? ownerNameOf(a, owner);
      if (ownerName) base.ownerName = ownerName;
      if (c.kind === "changed") {
        const [x, y] = await Promise.all([
          repo.readJson<ObjectRecord>((c.before as IndexedBlob).blob),
          repo.readJson<ObjectRecord>((c.after as IndexedBlob).blob),
        ]);
        base.details = describeObjectChange(x, y);
      }
    } else {
      const title = str(meta.name) ?? str(meta.subject);
      if (title !== undefined) base.title = title;
      if (c.layer === "apps") {
        base.type = "app";
        const owner = str(meta.ownerId);
        if (owner) base.owner = owner;
        if (c.kind === "changed") base.details = await describeAppChange(repo, c.before as IndexedApp, c.after as IndexedApp);
      } else if (c.kind === "changed") {
        base.details = ["details"];
        if (c.layer === "spaces") base.details = ["space or its assignments"];
        if (c.layer === "users") base.details = describeMetaChange(c.before!.meta, c.after!.meta);
      }
    }
    changes.push({ ...base, summary: summarize(base) });
  }
  const order = { users: 0, spaces: 1, apps: 2, objects: 3 } as const;
  changes.sort((x, y) => order[x.layer] - order[y.layer] || (x.appId ?? "").localeCompare(y.appId ?? "") || x.id.localeCompare(y.id));
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

function describeMetaChange(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  const out = [...keys].filter((k) => canonicalJson(before[k]) !== canonicalJson(after[k]));
  return out.length ? out : ["details"];
}

async function describeAppChange(repo: SnapshotRepository, before: IndexedApp, after: IndexedApp): Promise<string[]> {
  const details: string[] = [];
  if (before.script?.id !== after.script?.id) details.push("script");
  if (before.app && after.app) {
    const [x, y] = await Promise.all([repo.readJson<AppDoc>(before.app), repo.readJson<AppDoc>(after.app)]);
    if (x.name !== y.name) details.push("name");
    if (x.space?.id !== y.space?.id) details.push("space");
    if (x.owner.id !== y.owner.id) details.push("owner");
    if (x.lineage.publishTime !== y.lineage.publishTime) details.push("publish state");
    const xa = stableAttributes(x.attributes, false);
    const ya = stableAttributes(y.attributes, false);
    const skip = new Set(["name", "ownerId", "owner", "publishTime", "published", "spaceId"]);
    for (const key of [...new Set([...Object.keys(xa), ...Object.keys(ya)])].sort()) {
      if (!skip.has(key) && canonicalJson(xa[key]) !== canonicalJson(ya[key])) details.push(key);
    }
  }
  return details.length ? details : describeMetaChange(before.meta, after.meta);
}
