/**
 * What restore reads of a snapshot. Up front, the index: the tenant document, users, groups,
 * spaces with their assignments, and every app's `app.json` and the references of its `.qvf`,
 * script and objects tree. An app's objects are read only when asked for (`objectsOf`, cached):
 * a restore reads the objects of the apps it selects, not of every app in the snapshot.
 * Items of declared resource kinds (kinds/resources: data connections, webhooks, …) are read
 * per kind when asked for (`resourcesOf`, cached); a snapshot without them restores as before.
 * Read by ids from tree-entry `meta` and document contents, never from entry names.
 */
import type { BlobRef, Snapshot, SnapshotRepository, TreeEntry } from "@lifeboat/repository";
import { type AppDoc, PATHS, type TenantDoc } from "../layout.ts";
import type { AssignmentRecord, GroupRecord, ObjectRecord, ResourceKindName, ResourceRecord, SpaceRecord, UserRecord } from "@lifeboat/model";
import { LifeboatError } from "@lifeboat/model";
import { RESOURCES } from "../kinds/registry.ts";

export interface SourceSpace {
  record: SpaceRecord;
  assignments: AssignmentRecord[];
}

export interface SourceApp {
  id: string;
  name: string;
  doc: AppDoc;
  /** The stored .qvf; absent when the backup could not export the app. */
  qvf?: BlobRef;
  /** The stored load script. */
  script?: BlobRef;
}

/** An item of a declared resource kind as the snapshot holds it. */
export interface SourceResource {
  /** The stored record (no secret in it: the backup never stores one). */
  record: ResourceRecord;
  /** Its files: name → the stored blob. */
  files: Record<string, BlobRef>;
}

export interface RestoreSource {
  snapshot: Snapshot;
  tenant: TenantDoc;
  users: UserRecord[];
  groups: GroupRecord[];
  spaces: SourceSpace[];
  apps: SourceApp[];
  /** The snapshot objects of an app, sorted by id; read on first use, then cached ([] for an app the snapshot does not have). */
  objectsOf(appId: string): Promise<ObjectRecord[]>;
  /** The objects of an app when `objectsOf` has read them already (synchronous, for the pure planner). */
  loadedObjects(appId: string): ObjectRecord[] | undefined;
  /** The declared resource kinds the snapshot holds (a root entry of the kind's path), in registry order. */
  resourceLayers: ResourceKindName[];
  /** The snapshot's items of a declared kind, sorted by id; read on first use, then cached ([] for a kind the snapshot lacks). */
  resourcesOf(layer: ResourceKindName): Promise<SourceResource[]>;
  /** The items of a kind when `resourcesOf` has read them already (synchronous, for the pure planner). */
  loadedResources(layer: ResourceKindName): SourceResource[] | undefined;
}

/**
 * A restore source over objects already in memory (tests, programs that hold the content):
 * `apps[].objects` are the objects `objectsOf` returns.
 */
export function memoryRestoreSource(
  content: Omit<RestoreSource, "apps" | "objectsOf" | "loadedObjects" | "resourceLayers" | "resourcesOf" | "loadedResources"> & {
    apps: (SourceApp & { objects: ObjectRecord[] })[];
    /** Items of declared kinds (their `files` name blobs of the repository the restore reads). */
    resources?: SourceResource[];
  },
): RestoreSource {
  const { resources = [], ...rest } = content;
  const byApp = new Map(content.apps.map((a) => [a.id, a]));
  const loaded = (appId: string) => byApp.get(appId)?.objects;
  const layers = RESOURCES.map((k) => k.layer).filter((l) => resources.some((r) => r.record.kind === l));
  const of = (layer: ResourceKindName) => (layers.includes(layer) ? sortById(resources.filter((r) => r.record.kind === layer)) : []);
  return {
    ...rest,
    apps: content.apps,
    loadedObjects: loaded,
    objectsOf: async (appId) => loaded(appId) ?? [],
    resourceLayers: layers,
    loadedResources: of,
    resourcesOf: async (layer) => of(layer),
  };
}

const sortById = (xs: SourceResource[]): SourceResource[] => [...xs].sort((a, b) => (a.record.id < b.record.id ? -1 : a.record.id > b.record.id ? 1 : 0));

const str = (v: unknown): string | undefined => (typeof v === "string" && v.length > 0 ? v : undefined);

async function entriesOf(repo: SnapshotRepository, entries: TreeEntry[], name: string): Promise<TreeEntry[]> {
  const e = entries.find((x) => x.name === name);
  return e?.type === "tree" ? (await repo.loadTree(e.subtree)).entries : [];
}

function blobOf(entries: TreeEntry[], name: string): BlobRef | undefined {
  const e = entries.find((x) => x.name === name);
  return e?.type === "blob" ? e.blob : undefined;
}

/** A snapshot that holds no restorable content (not written by a backup): code usage, the argument names the wrong thing. */
export class SnapshotContentError extends LifeboatError {
  constructor(message: string) {
    super("usage", message);
    this.name = "SnapshotContentError";
  }
}

/**
 * Loads a snapshot's restore index (see above); objects are read per app on demand. Throws
 * `SnapshotContentError` when it is not a backup snapshot.
 */
export async function loadRestoreSource(repo: SnapshotRepository, snapshot: Snapshot): Promise<RestoreSource> {
  const root = (await repo.loadTree(snapshot.tree)).entries;
  const tenantRef = blobOf(root, PATHS.tenant);
  if (!tenantRef)
    throw new SnapshotContentError(`snapshot ${snapshot.id.slice(0, 12)} has no ${PATHS.tenant}: it was not written by 'lifeboat backup' and cannot be restored`);
  const tenant = await repo.readJson<TenantDoc>(tenantRef);

  const users: UserRecord[] = [];
  for (const e of await entriesOf(repo, root, PATHS.users)) if (e.type === "blob") users.push(await repo.readJson<UserRecord>(e.blob));

  const groupsRef = blobOf(root, PATHS.groups);
  const groups = groupsRef ? await repo.readJson<GroupRecord[]>(groupsRef) : [];

  const spaces: SourceSpace[] = [];
  for (const e of await entriesOf(repo, root, PATHS.spaces)) {
    if (e.type !== "tree") continue;
    const entries = (await repo.loadTree(e.subtree)).entries;
    const spaceRef = blobOf(entries, PATHS.space);
    if (!spaceRef) continue;
    const assignmentsRef = blobOf(entries, PATHS.assignments);
    spaces.push({
      record: await repo.readJson<SpaceRecord>(spaceRef),
      assignments: assignmentsRef ? await repo.readJson<AssignmentRecord[]>(assignmentsRef) : [],
    });
  }

  const apps: SourceApp[] = [];
  /** App id → its objects tree entry (read on demand). */
  const objectTrees = new Map<string, TreeEntry | undefined>();
  for (const e of await entriesOf(repo, root, PATHS.apps)) {
    if (e.type !== "tree") continue;
    const entries = (await repo.loadTree(e.subtree)).entries;
    const docRef = blobOf(entries, PATHS.app);
    if (!docRef) continue;
    const doc = await repo.readJson<AppDoc>(docRef);
    const app: SourceApp = { id: doc.appId ?? str(e.meta?.id) ?? e.name, name: doc.name, doc };
    const qvf = blobOf(entries, PATHS.qvf);
    if (qvf) app.qvf = qvf;
    const script = blobOf(entries, PATHS.script);
    if (script) app.script = script;
    apps.push(app);
    objectTrees.set(app.id, entries.find((x) => x.name === PATHS.objects));
  }

  const cache = new Map<string, Promise<ObjectRecord[]>>();
  const done = new Map<string, ObjectRecord[]>();
  const read = async (appId: string): Promise<ObjectRecord[]> => {
    const tree = objectTrees.get(appId);
    const objects: ObjectRecord[] = [];
    if (tree?.type === "tree")
      for (const o of (await repo.loadTree(tree.subtree)).entries) if (o.type === "blob") objects.push(await repo.readJson<ObjectRecord>(o.blob));
    objects.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    done.set(appId, objects);
    return objects;
  };
  // Declared resource kinds: the root entry of each kind's path, read per kind on demand.
  const resourceTrees = new Map<ResourceKindName, TreeEntry>();
  for (const k of RESOURCES) {
    const e = root.find((x) => x.name === k.path);
    if (e?.type === "tree") resourceTrees.set(k.layer, e);
  }
  const resourceCache = new Map<ResourceKindName, Promise<SourceResource[]>>();
  const resourcesDone = new Map<ResourceKindName, SourceResource[]>();
  const readResources = async (layer: ResourceKindName): Promise<SourceResource[]> => {
    const tree = resourceTrees.get(layer);
    const out: SourceResource[] = [];
    if (tree?.type === "tree") {
      const entries = (await repo.loadTree(tree.subtree)).entries;
      for (const e of entries) {
        const id = str(e.meta?.id);
        // A document carries `id` and no `file` in its meta; a file entry names both.
        if (!id || e.type !== "blob" || e.meta?.file !== undefined) continue;
        const record = await repo.readJson<ResourceRecord>(e.blob);
        const files: Record<string, BlobRef> = {};
        for (const f of entries) if (f.type === "blob" && f.meta?.id === id && typeof f.meta.file === "string") files[f.meta.file] = f.blob;
        out.push({ record, files });
      }
    }
    const sorted = sortById(out);
    resourcesDone.set(layer, sorted);
    return sorted;
  };
  return {
    snapshot,
    tenant,
    users,
    groups,
    spaces,
    apps,
    resourceLayers: RESOURCES.map((k) => k.layer).filter((l) => resourceTrees.has(l)),
    loadedResources: (layer) => resourcesDone.get(layer),
    resourcesOf: (layer) => {
      let p = resourceCache.get(layer);
      if (!p) {
        p = readResources(layer);
        p.catch(() => resourceCache.delete(layer));
        resourceCache.set(layer, p);
      }
      return p;
    },
    loadedObjects: (appId) => done.get(appId),
    objectsOf: (appId) => {
      let p = cache.get(appId);
      if (!p) {
        p = read(appId);
        // A failed read (damage) is not cached: the next caller reads again and sees the error.
        p.catch(() => cache.delete(appId));
        cache.set(appId, p);
      }
      return p;
    },
  };
}
