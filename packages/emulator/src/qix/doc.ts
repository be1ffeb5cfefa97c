/**
 * The engine's loaded copy of one app: one in-memory working copy per app, shared by all
 * sessions that opened it. Changes are visible to every session at once but reach the
 * tenant model (`app.objects`, `app.script`: what REST export and a later OpenDoc see)
 * only on `save()` (Doc.DoSave). When the last session closes, the copy is dropped and
 * unsaved changes are lost — the way Qlik's engine unloads an app.
 *
 * Ownership is the exception: QIX cannot change an object's owner, the REST API can
 * (`PUT /apps/{id}/objects/{objectId}/actions/change-owner`) while the app is loaded, so
 * the owner of a persisted object is always read from (and saved as) the persisted one.
 */
import { randomBytes } from "node:crypto";
import type { App, AppObject, GenericType, Identity, Tenant, User } from "../model.ts";
import { canSeeObject } from "../model.ts";

export interface Located {
  obj: AppObject;
  /** The top-level object the node belongs to (itself when top-level). */
  root: AppObject;
  parent: AppObject | undefined;
}

const ID_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/** An engine-chosen object id, the short random shape Qlik's engine uses. */
export function newObjectId(): string {
  const bytes = randomBytes(12);
  let s = "";
  for (const b of bytes) s += ID_ALPHABET[b % ID_ALPHABET.length];
  return s;
}

export function clone<T>(value: T): T {
  return structuredClone(value);
}

/** App-level system objects: listed by GetAllInfos, opened with GetObject, no owner and no qMeta. */
export const SYSTEM_TYPES = new Set(["LoadModel", "appprops"]);

export class LoadedDoc {
  /** Top-level objects of the working copy, by id. */
  objects: Map<string, AppObject>;
  script: string;
  /** App properties set through SetAppProperties beyond what the model stores (engine-private). */
  appProperties: Record<string, unknown>;
  title: string;
  /** True once the working copy differs from the persisted app (NxAppLayout.qModified). */
  modified = false;
  private index: Map<string, Located> | undefined;

  constructor(
    readonly tenant: Tenant,
    readonly app: App,
    /**
     * `metaDates: false` leaves `createdDate` / `modifiedDate` out of qMeta (quirk `objectMetaDates`);
     * `childEditMovesParentDate: true` moves a top-level object's `modifiedDate` when one of its
     * children is edited (quirk `childEditMovesParentDate`).
     */
    private readonly options: { metaDates: boolean; childEditMovesParentDate?: boolean } = { metaDates: true },
  ) {
    this.objects = new Map(Object.entries(clone(app.objects)));
    this.script = app.script;
    this.title = app.name;
    this.appProperties = {};
  }

  /** Whether the app still exists in the tenant (it may be deleted over REST while loaded). */
  get exists(): boolean {
    return this.tenant.apps[this.app.id] === this.app;
  }

  private buildIndex(): Map<string, Located> {
    const index = new Map<string, Located>();
    const walk = (obj: AppObject, root: AppObject, parent: AppObject | undefined): void => {
      index.set(obj.id, { obj, root, parent });
      for (const child of obj.children) walk(child, root, obj);
    };
    for (const obj of this.objects.values()) walk(obj, obj, undefined);
    return index;
  }

  /** Call after any structural change (objects or children added or removed). */
  reindex(): void {
    this.index = undefined;
  }

  locate(id: string): Located | undefined {
    this.index ??= this.buildIndex();
    return this.index.get(id);
  }

  all(): Located[] {
    this.index ??= this.buildIndex();
    return [...this.index.values()];
  }

  /** The requested id if free in this app, else a new engine-chosen one (NxInfo.qId contract). */
  freeId(requested: unknown, taken: (id: string) => boolean = () => false): string {
    if (typeof requested === "string" && requested !== "" && !this.locate(requested) && !taken(requested)) return requested;
    let id = newObjectId();
    while (this.locate(id) || taken(id)) id = newObjectId();
    return id;
  }

  ownerId(root: AppObject): string {
    return this.app.objects[root.id]?.ownerId ?? root.ownerId;
  }

  owner(root: AppObject): User | undefined {
    return this.tenant.users[this.ownerId(root)];
  }

  /** Visibility of a node follows its top-level object (a chart on a private sheet is private). */
  canSee(who: Identity, located: Located): boolean {
    return canSeeObject(who, { ...located.root, ownerId: this.ownerId(located.root) });
  }

  isAppOwner(who: Identity): boolean {
    return who.user.id === this.app.ownerId;
  }

  /** Whether editing a child also moves its top-level object's `modifiedDate` (quirk). */
  get childEditMovesParentDate(): boolean {
    return this.options.childEditMovesParentDate === true;
  }

  /**
   * What the caller may do with an object, as `qMeta.privileges` lists it. A private-content
   * bot may do everything. Private objects: their owner may do everything. Community
   * (published) objects are frozen for their owner until unpublished. Base (approved) objects
   * are edited by the app owner. Approve/unapprove: app owner or bot only. (The privilege that
   * allows a REST change-owner is spelled "change_owner", as in responses captured from a real tenant.)
   */
  privileges(who: Identity, located: Located): string[] {
    const root = located.root;
    const isOwner = this.ownerId(root) === who.user.id;
    const isBot = who.isPrivateContentBot;
    const appOwner = this.isAppOwner(who);
    const privs = ["read"];
    if (isBot) privs.push("update", "delete");
    else if (root.approved) {
      if (appOwner) privs.push("update", "delete");
    } else if (!root.published && isOwner) {
      privs.push("update", "delete");
    }
    if (isOwner || isBot) privs.push("publish");
    if (appOwner || isBot) privs.push("approve");
    if (isOwner || isBot) privs.push("change_owner");
    return privs;
  }

  /**
   * `qMeta` as Qlik Cloud's engine reports it (datahub-project/datahub PR #9682, responses
   * captured from a real tenant): a top-level object has title, description, _resourcetype,
   * _objecttype, id, approved, published, owner, ownerId, createdDate, modifiedDate,
   * publishTime and privileges; a child (a chart on a sheet) has `{privileges}` only, limited
   * to read/update/delete; a system object (`LoadModel`, `appprops`) has no qMeta (undefined).
   */
  meta(who: Identity, located: Located): Record<string, unknown> | undefined {
    const { obj, root } = located;
    if (SYSTEM_TYPES.has(obj.type)) return undefined;
    if (located.parent) return { privileges: this.privileges(who, located).filter((p) => p === "read" || p === "update" || p === "delete") };
    const metaDef = (obj.properties.qMetaDef ?? {}) as Record<string, unknown>;
    const meta: Record<string, unknown> = {
      title: "",
      description: "",
      ...clone(metaDef),
      _resourcetype: "app.object",
      _objecttype: obj.type,
      id: obj.id,
      privileges: this.privileges(who, located),
      approved: root.approved,
      published: root.published,
      ownerId: this.ownerId(root),
      owner: this.owner(root)?.subject ?? "",
    };
    if (this.options.metaDates) {
      meta.createdDate = obj.createdDate;
      meta.modifiedDate = obj.modifiedDate;
    }
    // An unpublished sheet's qMeta in the captured responses carries `publishTime: true`.
    meta.publishTime = root.publishTime ?? true;
    return meta;
  }

  /** Sets published/approved on an object and its children (they are one unit in Qlik). */
  setState(root: AppObject, state: { published?: boolean; approved?: boolean }, now: string): void {
    const apply = (obj: AppObject): void => {
      if (state.published !== undefined) {
        obj.published = state.published;
        if (state.published) obj.publishTime = now;
        else delete obj.publishTime;
      }
      if (state.approved !== undefined) obj.approved = state.approved;
      obj.modifiedDate = now;
      obj.children.forEach(apply);
    };
    apply(root);
    this.modified = true;
  }

  /** Removes an object (top-level or child) and everything beneath it; returns the ids removed. */
  remove(id: string): string[] {
    const located = this.locate(id);
    if (!located) return [];
    const removed: string[] = [];
    const collect = (obj: AppObject): void => {
      removed.push(obj.id);
      obj.children.forEach(collect);
    };
    collect(located.obj);
    if (located.parent) located.parent.children = located.parent.children.filter((c) => c.id !== id);
    else this.objects.delete(id);
    this.reindex();
    this.modified = true;
    return removed;
  }

  newObject(args: {
    id: string;
    genericType: GenericType;
    properties: Record<string, unknown>;
    ownerId: string;
    now: string;
    approved?: boolean;
    published?: boolean;
    publishTime?: string;
  }): AppObject {
    const info = (args.properties.qInfo ?? {}) as Record<string, unknown>;
    const type = typeof info.qType === "string" ? info.qType : "";
    const properties = clone(args.properties);
    properties.qInfo = { ...info, qId: args.id, qType: type };
    const obj: AppObject = {
      id: args.id,
      type,
      genericType: args.genericType,
      ownerId: args.ownerId,
      approved: args.approved ?? false,
      published: args.published ?? false,
      createdDate: args.now,
      modifiedDate: args.now,
      properties,
      children: [],
    };
    if (args.publishTime !== undefined) obj.publishTime = args.publishTime;
    return obj;
  }

  add(obj: AppObject, parent?: AppObject): void {
    if (parent) parent.children.push(obj);
    else this.objects.set(obj.id, obj);
    this.reindex();
    this.modified = true;
  }

  /** Writes the working copy to the tenant model (Doc.DoSave). */
  save(who: Identity, now: string): void {
    const objects: Record<string, AppObject> = {};
    for (const [id, obj] of this.objects) {
      const saved = clone(obj);
      const persistedOwner = this.app.objects[id]?.ownerId;
      if (persistedOwner !== undefined && persistedOwner !== saved.ownerId) {
        const own = (o: AppObject): void => {
          o.ownerId = persistedOwner;
          o.children.forEach(own);
        };
        own(saved);
      }
      objects[id] = saved;
    }
    this.app.objects = objects;
    if (this.script !== this.app.script) {
      this.app.script = this.script;
      this.app.scriptHistory.push({
        scriptId: newObjectId(),
        script: this.script,
        versionMessage: "",
        modifiedTime: now,
        modifierId: who.user.id,
      });
    }
    this.app.name = this.title;
    this.app.modifiedDate = now;
    // What was saved is now the baseline: the working copy continues from a copy of it.
    this.objects = new Map(Object.entries(clone(objects)));
    this.reindex();
    this.modified = false;
  }
}

/** Reads a JSON pointer ("/qMetaDef/title") inside a value; undefined when absent. */
export function readPointer(value: unknown, pointer: string): unknown {
  if (pointer === "" || pointer === "/") return value;
  let cur: unknown = value;
  for (const raw of pointer.replace(/^\//, "").split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (typeof cur !== "object" || cur === null || !Object.hasOwn(cur, key)) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** Resolves a list definition's `qData` (name → JSON pointer) against an object's properties. */
export function resolveData(qData: unknown, properties: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (typeof qData !== "object" || qData === null) return out;
  for (const [name, path] of Object.entries(qData as Record<string, unknown>)) {
    if (typeof path !== "string") continue;
    const v = readPointer(properties, path);
    if (v !== undefined) out[name] = clone(v);
  }
  return out;
}
