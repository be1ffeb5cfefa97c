/**
 * What restore reads of a snapshot: the tenant document, users, groups, spaces with
 * their assignments, and every app with its `app.json`, objects and `.qvf` reference.
 * Read by ids from tree-entry `meta` and document contents, never from entry names.
 */
import type { BlobRef, Snapshot, SnapshotRepository, TreeEntry } from "@lifeboat/repository";
import { type AppDoc, PATHS, type TenantDoc } from "../layout.ts";
import type { AssignmentRecord, GroupRecord, ObjectRecord, SpaceRecord, UserRecord } from "@lifeboat/model";
import { LifeboatError } from "@lifeboat/model";

export interface SourceSpace {
  record: SpaceRecord;
  assignments: AssignmentRecord[];
}

export interface SourceApp {
  id: string;
  name: string;
  doc: AppDoc;
  objects: ObjectRecord[];
  /** The stored .qvf; absent when the backup could not export the app. */
  qvf?: BlobRef;
  /** The stored load script. */
  script?: BlobRef;
}

export interface RestoreSource {
  snapshot: Snapshot;
  tenant: TenantDoc;
  users: UserRecord[];
  groups: GroupRecord[];
  spaces: SourceSpace[];
  apps: SourceApp[];
}

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

/** Loads a snapshot's restorable content. Throws `SnapshotContentError` when it is not a backup snapshot. */
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
  for (const e of await entriesOf(repo, root, PATHS.apps)) {
    if (e.type !== "tree") continue;
    const entries = (await repo.loadTree(e.subtree)).entries;
    const docRef = blobOf(entries, PATHS.app);
    if (!docRef) continue;
    const doc = await repo.readJson<AppDoc>(docRef);
    const objects: ObjectRecord[] = [];
    for (const o of await entriesOf(repo, entries, PATHS.objects)) if (o.type === "blob") objects.push(await repo.readJson<ObjectRecord>(o.blob));
    objects.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const app: SourceApp = { id: doc.appId ?? str(e.meta?.id) ?? e.name, name: doc.name, doc, objects };
    const qvf = blobOf(entries, PATHS.qvf);
    if (qvf) app.qvf = qvf;
    const script = blobOf(entries, PATHS.script);
    if (script) app.script = script;
    apps.push(app);
  }
  return { snapshot, tenant, users, groups, spaces, apps };
}
