/**
 * An in-memory `RestoreTarget` for executor and planner tests, with a call log and injected
 * failures. It keeps the port's contracts (`@lifeboat/model` ports.ts) — `getApp` of a missing
 * app is undefined, QIX changes are lost unless `save()` is called, an app deleted more than
 * 45 minutes after its creation (every app it was seeded with) is soft-deleted and can be
 * restored under its id — and passes `restoreTargetContract`.
 *
 * ```ts
 * const target = new FakeTarget();
 * target.failOn.add("createSpace");
 * await executeRestore({ plan, source, target, … });
 * expect(target.calls).toContain("importApp");
 * ```
 *
 * `importApp` reads its body as a JSON array of `ObjectRecord`s (the objects the file holds);
 * any other body imports an app without objects.
 *
 * Resources of declared kinds (`resources`, by kind and id): `createResource` gives a new id
 * unless the kind keeps ids (`keepsIds`: the body's `id` is used), names the item after the
 * body's `name` (or `qName`, `title`), keeps the secrets it is given apart (never in a
 * listing; `secretValues` for tests) and the files byte for byte. `failOn`/`failAfter` take
 * "createResource" and "updateResource", or "createResource:<kind>:<name>" for one item.
 */
import {
  RESOURCE_KINDS,
  type AppSummary,
  type AssignmentRecord,
  type CallerInfo,
  type GroupRecord,
  type ObjectRecord,
  type ObjectStamp,
  type ResourceKindName,
  type ResourceRecord,
  type ResourceWrite,
  type ResourceWriteResult,
  type RestoreAppEditor,
  type RestoreTarget,
  type SoftDeletedApp,
  type SpaceRecord,
  type UserRecord,
} from "@lifeboat/model";

/** A resource the fake target holds: its record (no secret in it), files and write-only secrets. */
export interface FakeTargetResource {
  record: ResourceRecord;
  files: Record<string, Uint8Array>;
  /** Write-only: kept apart, never returned; tests look at them here. */
  secretValues: Record<string, string>;
}

async function bytesOf(body: () => AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const c of body()) chunks.push(c);
  return new Uint8Array(Buffer.concat(chunks));
}

export interface FakeTargetApp {
  summary: AppSummary;
  objects: Map<string, ObjectRecord>;
  originAppId?: string;
  publishTime?: string;
  script?: string;
}

export const FAKE_TARGET_CALLER: UserRecord = { id: "t-bot", subject: "bot", status: "active", assignedRoles: [], assignedGroups: [] };

export class FakeTarget implements RestoreTarget {
  readonly host: string;
  readonly caller: UserRecord;
  users: UserRecord[];
  groups: GroupRecord[] = [];
  spaces: SpaceRecord[] = [];
  assignments: Record<string, AssignmentRecord[]> = {};
  apps = new Map<string, FakeTargetApp>();
  /** Soft-deleted apps (Qlik's 14-day window); `undefined` = the caller may not read deletion events. */
  deleted: Map<string, FakeTargetApp> | undefined = new Map();
  /** Every call that changes something, by method name (and "upsertObject", "save", … of `withApp`). */
  calls: string[] = [];
  /** Calls that fail before doing anything. */
  failOn = new Set<string>();
  /** Calls that do their work and then fail (a 5xx or reset after Qlik acted). */
  failAfter = new Set<string>();
  /** Objects' `qMeta.modifiedDate` ("<appId> <objectId>" → date); `objectDates: false` = the engine reports none. */
  modified = new Map<string, string>();
  /** Apps' `modifiedDate` (moved with every object change). */
  appModified = new Map<string, string>();
  objectDates = true;
  /** Resources of declared kinds, by kind, then id. */
  resources = new Map<ResourceKindName, Map<string, FakeTargetResource>>();
  /** The kinds this target can read and write (default every kind). */
  kinds: ResourceKindName[] = [...RESOURCE_KINDS];
  /** Kinds whose items keep the id they are created with (the body's `id`). */
  keepsIds = new Set<ResourceKindName>();
  /** Notes a create or update of an item answers with ("<kind>:<name>" → notes): what Qlik could not do as asked. */
  resourceNotes = new Map<string, string[]>();
  private clock = Date.parse("2026-12-01T00:00:00.000Z");
  /** Apps created through this target (younger than 45 minutes: deleting them is final). */
  private created = new Set<string>();
  private n = 0;

  constructor(opts: { host?: string; caller?: UserRecord } = {}) {
    this.host = opts.host ?? "https://dst.example.com";
    this.caller = opts.caller ?? FAKE_TARGET_CALLER;
    this.users = [this.caller];
  }

  private id(p: string): string {
    return `${p}-${++this.n}`;
  }
  private call(name: string): void {
    this.calls.push(name);
    if (this.failOn.has(name)) throw new Error(`${name} refused (injected)`);
  }
  private app(appId: string, op: string): FakeTargetApp {
    const a = this.apps.get(appId);
    if (!a) throw new Error(`${op}: no app ${appId} in ${this.host} (404)`);
    return a;
  }

  /** Puts a resource into the target as it is (test setup; no call is logged). */
  seedResource(r: { record: ResourceRecord; files?: Record<string, Uint8Array>; secretValues?: Record<string, string> }): void {
    const { summaryOnly: _s, secrets: _n, ...record } = structuredClone(r.record);
    this.kindMap(record.kind).set(record.id, { record, files: structuredClone(r.files ?? {}), secretValues: { ...(r.secretValues ?? {}) } });
  }

  /** A resource as the target holds it (tests), or undefined. */
  resource(kind: ResourceKindName, id: string): FakeTargetResource | undefined {
    return this.resources.get(kind)?.get(id);
  }

  /** The resources of a kind (tests). */
  resourcesOf(kind: ResourceKindName): FakeTargetResource[] {
    return [...(this.resources.get(kind)?.values() ?? [])];
  }

  private kindMap(kind: ResourceKindName): Map<string, FakeTargetResource> {
    let m = this.resources.get(kind);
    if (!m) this.resources.set(kind, (m = new Map()));
    return m;
  }

  private supported(kind: ResourceKindName, op: string): void {
    if (!this.kinds.includes(kind)) throw new Error(`${op}: this target cannot ${op === "listResources" ? "list" : "write"} ${kind}`);
  }

  private static nameOf(body: Record<string, unknown>, fallback: string): string {
    for (const k of ["name", "qName", "title"]) if (typeof body[k] === "string" && body[k]) return body[k];
    return fallback;
  }

  /** Marks an object (and its app) modified now, as Qlik does on a change. */
  touch(appId: string, objectId: string): void {
    const t = new Date((this.clock += 1000)).toISOString();
    this.modified.set(`${appId} ${objectId}`, t);
    this.appModified.set(appId, t);
  }

  async whoAmI(): Promise<CallerInfo> {
    return { userId: this.caller.id, subject: this.caller.subject, name: this.caller.name ?? "bot", isPrivateContentBot: true };
  }
  async *listUsers() {
    yield* structuredClone(this.users);
  }
  async *listGroups() {
    yield* structuredClone(this.groups);
  }
  async *listSpaces() {
    yield* structuredClone(this.spaces);
  }
  async *listSpaceAssignments(spaceId: string) {
    yield* structuredClone(this.assignments[spaceId] ?? []);
  }
  async *listApps() {
    for (const a of this.apps.values()) yield structuredClone(a.summary);
  }
  async getApp(appId: string) {
    const a = this.apps.get(appId);
    return a
      ? {
          attributes: {
            id: appId,
            name: a.summary.name,
            ownerId: a.summary.ownerId,
            ...(a.summary.spaceId ? { spaceId: a.summary.spaceId } : {}),
            originAppId: a.originAppId,
            publishTime: a.publishTime,
            modifiedDate: this.appModified.get(appId) ?? "2026-11-01T00:00:00.000Z",
          },
        }
      : undefined;
  }
  async findUserBySubject(subject: string) {
    return this.users.find((u) => u.subject === subject);
  }
  async findSpaceByName(name: string) {
    return this.spaces.find((s) => s.name === name);
  }
  async createUser(input: { subject: string; name?: string; email?: string }) {
    this.call("createUser");
    const u: UserRecord = {
      id: this.id("user"),
      subject: input.subject,
      ...(input.name ? { name: input.name } : {}),
      ...(input.email ? { email: input.email } : {}),
      status: "invited",
      assignedRoles: [],
      assignedGroups: [],
    };
    this.users.push(u);
    return structuredClone(u);
  }
  async createSpace(input: { name: string; type: "shared" | "managed" | "data"; description?: string }) {
    this.call("createSpace");
    const s: SpaceRecord = { id: this.id("space"), name: input.name, type: input.type, ...(input.description ? { description: input.description } : {}), ownerId: this.caller.id };
    this.spaces.push(s);
    return structuredClone(s);
  }
  async createSpaceAssignment(spaceId: string, input: { type: "user" | "group"; assigneeId: string; roles: string[] }) {
    this.call("createSpaceAssignment");
    const a: AssignmentRecord = { id: this.id("as"), ...structuredClone(input) };
    (this.assignments[spaceId] ??= []).push(a);
    return structuredClone(a);
  }
  async updateSpaceOwner(spaceId: string, ownerId: string) {
    this.call("updateSpaceOwner");
    const s = this.spaces.find((x) => x.id === spaceId);
    if (!s) throw new Error(`updateSpaceOwner: no space ${spaceId} in ${this.host} (404)`);
    s.ownerId = ownerId;
  }
  async importApp(input: { name: string; spaceId?: string; body: () => AsyncIterable<Uint8Array> }) {
    this.call("importApp");
    const chunks: Uint8Array[] = [];
    for await (const c of input.body()) chunks.push(c);
    let objects: ObjectRecord[] = [];
    try {
      const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      if (Array.isArray(parsed)) objects = parsed as ObjectRecord[];
    } catch {
      // Not a file of ours (the backup's fake export bytes): an app with no objects.
    }
    const appId = this.id("app");
    const space = input.spaceId ? this.spaces.find((s) => s.id === input.spaceId) : undefined;
    this.apps.set(appId, {
      summary: { appId, itemId: appId, name: input.name, spaceType: space?.type ?? "personal", ownerId: this.caller.id, ...(input.spaceId ? { spaceId: input.spaceId } : {}) },
      // The file carries objects and their states; the importer owns them.
      objects: new Map(objects.map((o) => [o.id, { ...structuredClone(o), ownerId: this.caller.id, ownerSubject: this.caller.subject }])),
    });
    this.created.add(appId);
    if (this.failAfter.has("importApp")) throw new Error("503 after the import was done (injected)");
    return { appId };
  }
  async copyApp(appId: string, input: { name?: string; spaceId?: string }) {
    this.call("copyApp");
    const src = this.app(appId, "copyApp");
    const id = this.id("app");
    const space = input.spaceId ? this.spaces.find((s) => s.id === input.spaceId) : undefined;
    const summary: AppSummary = { ...src.summary, appId: id, itemId: id, name: input.name ?? src.summary.name, ownerId: this.caller.id };
    if (input.spaceId) Object.assign(summary, { spaceId: input.spaceId, spaceType: space?.type ?? "shared" });
    this.apps.set(id, { summary, objects: new Map(structuredClone([...src.objects])), ...(src.script !== undefined ? { script: src.script } : {}) });
    this.created.add(id);
    return { appId: id };
  }
  async moveToManagedSpace(appId: string, input: { spaceId: string; originAppId: string }) {
    this.call("moveToManagedSpace");
    const a = this.app(appId, "moveToManagedSpace");
    a.summary = { ...a.summary, spaceId: input.spaceId, spaceType: "managed" };
    a.originAppId = input.originAppId;
    a.publishTime = "now";
  }
  async moveAppToSpace(appId: string, spaceId: string) {
    this.call("moveAppToSpace");
    const a = this.app(appId, "moveAppToSpace");
    const space = this.spaces.find((s) => s.id === spaceId);
    if (!space) throw new Error(`moveAppToSpace: no space ${spaceId} in ${this.host} (404)`);
    a.summary = { ...a.summary, spaceId, spaceType: space.type };
  }
  async updateAppOwner(appId: string, ownerId: string) {
    this.call("updateAppOwner");
    this.app(appId, "updateAppOwner").summary.ownerId = ownerId;
  }
  async updateObjectOwner(appId: string, objectId: string, ownerId: string) {
    this.call("updateObjectOwner");
    const o = this.app(appId, "updateObjectOwner").objects.get(objectId);
    if (!o) throw new Error(`updateObjectOwner: no object ${objectId} in app ${appId} (404)`);
    o.ownerId = ownerId;
    o.ownerSubject = this.users.find((u) => u.id === ownerId)?.subject ?? "";
    this.touch(appId, objectId);
  }
  /** Deletes as Qlik does: an app older than 45 minutes (one this target was seeded with) softly, one created through it for good. */
  async deleteApp(appId: string) {
    this.call("deleteApp");
    if (this.created.has(appId) || !this.deleted) this.apps.delete(appId);
    else this.softDelete(appId);
  }
  async readObjects(appId: string) {
    return structuredClone([...this.app(appId, "readObjects").objects.values()]);
  }
  /** The objects' stamps, sorted by id; undefined with `objectDates: false`. */
  async readObjectStamps(appId: string): Promise<ObjectStamp[] | undefined> {
    const app = this.app(appId, "readObjectStamps");
    if (!this.objectDates) return undefined;
    return [...app.objects.values()]
      .map((o) => ({ id: o.id, type: o.type, modifiedDate: this.modified.get(`${appId} ${o.id}`) ?? "2026-11-01T00:00:00.000Z", ownerId: o.ownerId, approved: o.approved, published: o.published }))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
  async getAppScript(appId: string) {
    return this.app(appId, "getAppScript").script ?? "";
  }
  async setAppScript(appId: string, script: string) {
    this.call("setAppScript");
    this.app(appId, "setAppScript").script = script;
  }
  resourceKinds(): readonly ResourceKindName[] {
    return [...this.kinds];
  }
  async *listResources(kind: ResourceKindName): AsyncIterable<ResourceRecord> {
    this.supported(kind, "listResources");
    for (const r of this.resources.get(kind)?.values() ?? []) {
      const secrets = Object.keys(r.secretValues);
      yield { ...structuredClone(r.record), ...(secrets.length ? { secrets } : {}) };
    }
  }
  async *readResourceFile(kind: ResourceKindName, id: string, file: string): AsyncIterable<Uint8Array> {
    const bytes = this.resource(kind, id)?.files[file];
    if (!bytes) throw new Error(`readResourceFile: ${kind} ${id} has no file ${file} in ${this.host} (404)`);
    yield bytes.slice();
  }
  async createResource(kind: ResourceKindName, input: ResourceWrite): Promise<ResourceWriteResult> {
    this.supported(kind, "createResource");
    const id = this.keepsIds.has(kind) && typeof input.body.id === "string" ? input.body.id : this.id(kind);
    const name = FakeTarget.nameOf(input.body, id);
    this.call("createResource");
    this.call(`createResource:${kind}:${name}`);
    if (this.resource(kind, id)) throw new Error(`createResource: ${kind} ${id} exists in ${this.host} (409)`);
    const files: Record<string, Uint8Array> = {};
    for (const [f, body] of Object.entries(input.files ?? {})) files[f] = await bytesOf(body);
    const record: ResourceRecord = {
      kind,
      id,
      name,
      ...(input.ownerId ? { ownerId: input.ownerId } : {}),
      ...(input.spaceId ? { spaceId: input.spaceId } : {}),
      stamp: new Date((this.clock += 1000)).toISOString(),
      body: { ...structuredClone(input.body), ...(this.keepsIds.has(kind) ? { id } : {}) },
      ...(Object.keys(files).length ? { files: Object.keys(files) } : {}),
    };
    this.kindMap(kind).set(id, { record, files, secretValues: { ...(input.secrets ?? {}) } });
    if (this.failAfter.has("createResource")) throw new Error("503 after the resource was created (injected)");
    const notes = this.resourceNotes.get(`${kind}:${name}`);
    return { id, ...(notes ? { notes: [...notes] } : {}) };
  }
  async updateResource(kind: ResourceKindName, id: string, input: ResourceWrite): Promise<ResourceWriteResult> {
    this.supported(kind, "updateResource");
    const have = this.resource(kind, id);
    this.call("updateResource");
    this.call(`updateResource:${kind}:${have?.record.name ?? id}`);
    if (!have) throw new Error(`updateResource: no ${kind} ${id} in ${this.host} (404)`);
    for (const [f, body] of Object.entries(input.files ?? {})) have.files[f] = await bytesOf(body);
    const name = FakeTarget.nameOf(input.body, have.record.name);
    const { ownerId: _o, spaceId: _s, ...rest } = have.record;
    have.record = {
      ...rest,
      name,
      ...(input.ownerId ? { ownerId: input.ownerId } : {}),
      ...(input.spaceId ? { spaceId: input.spaceId } : {}),
      stamp: new Date((this.clock += 1000)).toISOString(),
      body: { ...structuredClone(input.body), ...(this.keepsIds.has(kind) ? { id } : {}) },
      ...(Object.keys(have.files).length ? { files: Object.keys(have.files) } : {}),
    };
    Object.assign(have.secretValues, input.secrets ?? {});
    if (this.failAfter.has("updateResource")) throw new Error("503 after the resource was updated (injected)");
    const notes = this.resourceNotes.get(`${kind}:${name}`);
    return { id, ...(notes ? { notes: [...notes] } : {}) };
  }
  async listSoftDeletedApps(): Promise<SoftDeletedApp[] | undefined> {
    if (!this.deleted) return undefined;
    return [...this.deleted.values()].map((d) => ({ appId: d.summary.appId, name: d.summary.name, ...(d.summary.spaceId ? { spaceId: d.summary.spaceId } : {}), deletedAt: "2026-12-01T00:00:00Z", purgeAt: "2099-01-01T00:00:00Z" }));
  }
  async restoreDeletedApp(appId: string) {
    this.call("restoreDeletedApp");
    const d = this.deleted?.get(appId);
    if (!d) throw new Error(`404: app ${appId} is not soft-deleted`);
    this.deleted!.delete(appId);
    this.apps.set(appId, d);
  }
  /** Deletes as Qlik does for an app older than 45 minutes: soft. */
  softDelete(appId: string): void {
    const a = this.app(appId, "softDelete");
    this.apps.delete(appId);
    this.deleted?.set(appId, a);
  }
  /** One session: changes go to a working copy of the app's objects, which `save()` writes back (unsaved changes are lost). */
  async withApp<T>(appId: string, fn: (ed: RestoreAppEditor) => Promise<T>): Promise<T> {
    const app = this.app(appId, "withApp");
    const working = new Map(structuredClone([...app.objects]));
    const changed = new Set<string>();
    const caller = this.caller;
    const ed: RestoreAppEditor = {
      readObjects: async () => structuredClone([...working.values()]),
      upsertObject: async (o) => {
        this.call("upsertObject");
        const have = working.get(o.id);
        const title = (o.propertyTree as { qProperty?: { qMetaDef?: { title?: string } } }).qProperty?.qMetaDef?.title ?? o.id;
        if (have) {
          have.propertyTree = structuredClone(o.propertyTree);
          have.title = title;
        } else {
          working.set(o.id, { id: o.id, type: o.type, genericType: o.genericType, title, ownerId: caller.id, ownerSubject: caller.subject, approved: false, published: false, propertyTree: structuredClone(o.propertyTree) });
        }
        changed.add(o.id);
        return { id: o.id, created: !have };
      },
      setState: async (id, _g, state) => {
        this.call("setState");
        const o = working.get(id);
        if (!o) throw new Error(`setState: no object ${id} in app ${appId}`);
        Object.assign(o, state);
        changed.add(id);
      },
      destroyObject: async (id) => {
        this.call("destroyObject");
        working.delete(id);
        changed.add(id);
      },
      save: async () => {
        this.call("save");
        app.objects.clear();
        for (const [id, o] of structuredClone([...working])) app.objects.set(id, o);
        for (const id of changed) this.touch(appId, id);
        changed.clear();
      },
    };
    return fn(ed);
  }
}
