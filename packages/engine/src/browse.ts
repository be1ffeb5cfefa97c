/**
 * Walking a backup snapshot as tenant / space / app / object, with names from `meta`
 * (entry names are ids). `lifeboat ls SNAPSHOT [path]` uses it.
 *
 * ```ts
 * const listing = await browseSnapshot(repo, snapshot, "apps/Sales/objects");
 * ```
 *
 * A path segment matches an entry by its name (the id) first, then by a unique
 * `meta.name` / `meta.title` / `meta.subject`. Paths are only used for lookups, never
 * to build file-system paths.
 */
import type { Snapshot, SnapshotRepository, TreeEntry } from "@lifeboat/repository";
import { LifeboatError } from "@lifeboat/model";
import type { KindIndex } from "./kinds/read.ts";
import { KINDS } from "./kinds/registry.ts";
import { PATHS } from "./layout.ts";

export interface BrowseEntry {
  /** Tree entry name (the id, made safe). */
  name: string;
  type: "tree" | "blob";
  /** What it is: tenant, users, user, space, app, object type (sheet, …), file. */
  kind: string;
  /** Human name from meta, when there is one. */
  label?: string;
  size?: number;
  /** Owner's name (from the snapshot's users), when the entry has an owner. */
  ownerName?: string;
  /** Owner's subject (from the snapshot's users) when the entry names its owner by id only (apps). */
  ownerSubject?: string;
  /** Space's name (from the snapshot's spaces), when the entry lives in a space. */
  spaceName?: string;
  meta: Record<string, unknown>;
}

export interface BrowseResult {
  /** The resolved path, as entry names joined with "/". */
  path: string;
  /** What the path names (the last segment's kind, or "snapshot" at the root). */
  kind: string;
  /** Entries of the tree at that path; one entry when the path names a blob. */
  entries: BrowseEntry[];
  /**
   * For a space: the apps that live in it (their entries under `apps/`, whose path is
   * `apps/<name>`), so `ls` walks tenant → space → app → object.
   */
  apps?: BrowseEntry[];
}

/** A path that names nothing in the snapshot, or names a file where a folder was needed (code not-found). */
export class BrowsePathError extends LifeboatError {
  constructor(
    message: string,
    readonly path: string,
  ) {
    super("not-found", message, { object: path });
    this.name = "BrowsePathError";
  }
}

const labelOf = (meta: Record<string, unknown> | undefined): string | undefined => {
  for (const k of ["title", "name", "subject", "host"]) {
    const v = meta?.[k];
    if (typeof v === "string" && v) return v;
  }
  return undefined;
};

/**
 * The kind of an entry, from where it sits in the layout, as the kinds' registry declares it:
 * at the root, the kind owning the entry (its layer: "users", "groups", "tenant"); one level
 * down, one item of that kind (its noun: "user", "app"); inside an item, a nested kind's entries
 * (objects: their type) and the item's files ("qvf", "script").
 */
function kindOf(parents: string[], entry: TreeEntry): string {
  if (parents.length === 0) {
    const kind = KINDS.find((k) => "path" in k && k.path === entry.name);
    if (kind) return kind.layer;
    return entry.type === "tree" ? entry.name : entry.name.replace(/\.json$/, "");
  }
  const top = KINDS.find((k) => "path" in k && k.path === parents[0]);
  if (top) {
    if (parents.length === 1) return top.noun;
    if (parents.length === 3) {
      const nested = KINDS.find((k) => "parent" in k && k.parent === top.layer && indexOf(k)?.entry === parents[2]);
      if (nested) return indexOf(nested)?.entryKind?.(entry) ?? nested.noun;
    }
    const file = indexOf(top)?.files?.[entry.name];
    if (file !== undefined) return file;
  }
  return "file";
}

const indexOf = (k: (typeof KINDS)[number]): KindIndex | undefined => ("index" in k ? (k.index as KindIndex) : undefined);

/** Names of users (by id and subject) and spaces (by id), read from the snapshot once. */
interface Names {
  users: Map<string, string>;
  spaces: Map<string, string>;
  /** User id → subject. */
  subjects: Map<string, string>;
}

async function loadNames(repo: SnapshotRepository, root: TreeEntry[]): Promise<Names> {
  const names: Names = { users: new Map(), spaces: new Map(), subjects: new Map() };
  for (const [key, map] of [
    [PATHS.users, names.users],
    [PATHS.spaces, names.spaces],
  ] as const) {
    const entry = root.find((e) => e.name === key);
    if (entry?.type !== "tree") continue;
    for (const e of (await repo.loadTree(entry.subtree)).entries) {
      if (key === PATHS.users && typeof e.meta?.id === "string" && typeof e.meta?.subject === "string" && e.meta.subject) names.subjects.set(e.meta.id, e.meta.subject);
      const name = e.meta?.name;
      if (typeof name !== "string" || !name) continue;
      if (typeof e.meta?.id === "string") map.set(e.meta.id, name);
      if (typeof e.meta?.subject === "string") map.set(e.meta.subject, name);
    }
  }
  return names;
}

function toBrowseEntry(parents: string[], e: TreeEntry, names?: Names): BrowseEntry {
  const label = labelOf(e.meta);
  // Apps and objects name owner and space as ownerId/ownerSubject/spaceId; declared resource kinds as owner/space (ids).
  const ownerId = e.meta?.ownerId ?? e.meta?.owner;
  const owner = e.meta?.ownerSubject ?? ownerId;
  const ownerName = typeof owner === "string" ? names?.users.get(owner) : undefined;
  const ownerSubject = e.meta?.ownerSubject === undefined && typeof ownerId === "string" ? names?.subjects.get(ownerId) : undefined;
  const spaceId = e.meta?.spaceId ?? e.meta?.space;
  const spaceName = typeof spaceId === "string" ? names?.spaces.get(spaceId) : undefined;
  return {
    name: e.name,
    type: e.type,
    kind: kindOf(parents, e),
    ...(label !== undefined ? { label } : {}),
    ...(e.type === "blob" ? { size: e.blob.size } : {}),
    ...(ownerName !== undefined ? { ownerName } : {}),
    ...(ownerSubject !== undefined ? { ownerSubject } : {}),
    ...(spaceName !== undefined ? { spaceName } : {}),
    meta: e.meta ?? {},
  };
}

/** Finds the entry a segment names: by entry name, then by a unique label. */
export function matchSegment(entries: TreeEntry[], segment: string): TreeEntry | undefined {
  const exact = entries.find((e) => e.name === segment);
  if (exact) return exact;
  const byId = entries.filter((e) => e.meta?.id === segment);
  if (byId.length === 1) return byId[0];
  // A resource item's document and its files share its id: the id names the document.
  const docs = byId.filter((e) => e.meta?.file === undefined);
  if (docs.length === 1) return docs[0];
  const byLabel = entries.filter((e) => labelOf(e.meta) === segment);
  if (byLabel.length === 1) return byLabel[0];
  if (byLabel.length > 1)
    throw new BrowsePathError(
      `'${segment}' names ${byLabel.length} entries (${byLabel.map((e) => e.name).join(", ")}); use the id`,
      segment,
    );
  return undefined;
}

export async function browseSnapshot(repo: SnapshotRepository, snapshot: Snapshot, path = ""): Promise<BrowseResult> {
  const segments = path.split("/").filter((s) => s !== "" && s !== ".");
  let tree = await repo.loadTree(snapshot.tree);
  const names = await loadNames(repo, tree.entries);
  const parents: string[] = [];
  let kind = "snapshot";
  let last: TreeEntry | undefined;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    const entry = matchSegment(tree.entries, segment);
    const here = parents.length ? parents.join("/") : "/";
    if (!entry)
      throw new BrowsePathError(
        `no entry '${segment}' under ${here} in snapshot ${snapshot.id.slice(0, 8)}; run 'lifeboat ls ${snapshot.id.slice(0, 8)} ${parents.join("/")}' to see the entries`,
        path,
      );
    kind = kindOf(parents, entry);
    last = entry;
    if (entry.type === "blob") {
      if (i !== segments.length - 1) throw new BrowsePathError(`'${entry.name}' under ${here} is a file, not a folder`, path);
      return { path: [...parents, entry.name].join("/"), kind, entries: [toBrowseEntry(parents, entry, names)] };
    }
    parents.push(entry.name);
    tree = await repo.loadTree(entry.subtree);
  }
  const result: BrowseResult = { path: parents.join("/"), kind, entries: tree.entries.map((e) => toBrowseEntry(parents, e, names)) };
  if (kind === "space") {
    const root = await repo.loadTree(snapshot.tree);
    const apps = root.entries.find((e) => e.name === PATHS.apps);
    const spaceId = last?.meta?.id;
    if (apps?.type === "tree" && typeof spaceId === "string") {
      result.apps = (await repo.loadTree(apps.subtree)).entries
        .filter((e) => e.meta?.spaceId === spaceId)
        .map((e) => toBrowseEntry([PATHS.apps], e, names));
    }
  }
  return result;
}
