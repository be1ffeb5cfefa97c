/**
 * What restore needs to change on a tenant (docs/qlik-surface.md, "REST calls"). Same client core as
 * the reader: one limiter per tenant user, the same retries and error classes.
 *
 * Retries of writes: calls that create something (users, spaces, assignments, imports,
 * copies, publishes) are *not* retried after a 5xx or a reset — Qlik may have done the
 * work — only after a 429 (refused before doing anything). Restore's journal decides what
 * to do with such a failure (look the thing up, then retry). Calls that set a state
 * (owners, moves, deletes) are idempotent and retried.
 *
 * @example
 * const w = tenant.writer();
 * const { appId } = await w.importApp({ name: "Sales (restored)", spaceId, body: () => readQvf() });
 * await w.withApp(appId, async (app) => {
 *   await app.upsertObject(record);
 *   await app.setState(record.id, record.genericType, { published: true, approved: false });
 *   await app.save();
 * });
 * await w.updateObjectOwner(appId, record.id, ownerId);
 */
import type { AssignmentRecord, ObjectRecord, ObjectWrite, ResourceKindName, ResourceWrite, ResourceWriteResult, RestoreAppEditor, SpaceRecord, UserRecord } from "@lifeboat/model";
import { RESOURCE_APIS, type ResourceApi } from "./resources/index.ts";
import { QlikApiError } from "./errors.ts";
import type { TenantCore } from "./client.ts";
import { tempContentIdFromLocation, toSpaceRecord, toUserRecord } from "./internal/records.ts";
import { readObjects, type QixDocLike, type QixHandle } from "./internal/objects.ts";

export interface CreateUserInput {
  subject: string;
  name?: string;
  email?: string;
  /** Role names to assign. */
  roles?: string[];
}

export interface ImportAppInput {
  /** The .qvf bytes; called again for a retried upload. */
  body: () => AsyncIterable<Uint8Array>;
  name: string;
  /** Target shared space; undefined = the caller's personal space. */
  spaceId?: string;
}

/** An object to write: the model's `ObjectWrite` (the record's id, type and property tree). */
export type ObjectInput = ObjectWrite;

/** The port's `RestoreAppEditor`, plus the bare object list the writer's own callers use. */
export interface AppEditor extends RestoreAppEditor {
  /** `GetAllInfos` as `{ id, type }`. */
  listObjects(): Promise<{ id: string; type: string }[]>;
}

export interface TenantWriter {
  readonly host: string;
  findUserBySubject(subject: string): Promise<UserRecord | undefined>;
  findUserByEmail(email: string): Promise<UserRecord | undefined>;
  /** Creates an invited user (Qlik cannot create active users; they activate at first login). */
  createUser(input: CreateUserInput): Promise<UserRecord>;
  findSpaceByName(name: string): Promise<SpaceRecord | undefined>;
  createSpace(input: { name: string; type: "shared" | "managed" | "data"; description?: string }): Promise<SpaceRecord>;
  /** Finds a space by exact name or creates it. */
  ensureSpace(input: { name: string; type: "shared" | "managed" | "data"; description?: string }): Promise<{ space: SpaceRecord; created: boolean }>;
  createSpaceAssignment(spaceId: string, input: { type: "user" | "group"; assigneeId: string; roles: string[] }): Promise<AssignmentRecord>;
  /** `PATCH /spaces/{id}` with `replace /ownerId`: hands the space to another user (idempotent). */
  updateSpaceOwner(spaceId: string, ownerId: string): Promise<SpaceRecord>;
  /** Uploads the file to temp-contents (streamed), then imports it: a new app id. */
  importApp(input: ImportAppInput): Promise<{ appId: string; attributes: Record<string, unknown> }>;
  updateAppOwner(appId: string, ownerId: string): Promise<void>;
  updateObjectOwner(appId: string, objectId: string, ownerId: string): Promise<void>;
  publishApp(
    appId: string,
    input: { spaceId: string; name?: string; data?: "source" | "target"; moveApp?: boolean; originAppId?: string },
  ): Promise<{ appId: string }>;
  republishApp(appId: string, input: { targetId: string; data?: "source" | "target"; checkOriginAppId?: boolean; name?: string }): Promise<{ appId: string }>;
  moveAppToSpace(appId: string, spaceId: string): Promise<void>;
  removeAppFromSpace(appId: string): Promise<void>;
  copyApp(appId: string, input: { name?: string; spaceId?: string }): Promise<{ appId: string }>;
  deleteApp(appId: string): Promise<void>;
  /**
   * Opens one QIX session on the app *with its data* for the duration of `fn`: `DoSave` in a
   * session opened without data may save the app without its data model (docs/restore.md).
   */
  withApp<T>(appId: string, fn: (app: AppEditor) => Promise<T>): Promise<T>;
  /** `POST /apps/{id}/scripts`: sets the load script (a new script version). */
  setAppScript(appId: string, script: string, versionMessage: string): Promise<void>;
  /** Qlik's restore of a soft-deleted app (§6.1b): same id, same space. */
  restoreDeletedApp(appId: string): Promise<{ attributes: Record<string, unknown> }>;
  /**
   * Apps soft-deleted and not purged, from the deletion events (`GET /audits`, tenant admins
   * and audit admins only): `undefined` when the caller may not read them. No event marks a
   * restore, so an app restored since is listed too: callers drop apps that exist.
   */
  listSoftDeletedApps(now?: Date): Promise<SoftDeletedApp[] | undefined>;
  /** Creates a resource through its kind's `ResourceApi` (resources/). */
  createResource(kind: ResourceKindName, input: ResourceWrite): Promise<ResourceWriteResult>;
  /** Brings an existing resource to `input` through its kind's `ResourceApi`. */
  updateResource(kind: ResourceKindName, id: string, input: ResourceWrite): Promise<ResourceWriteResult>;
}

/** Passes the chunks on, telling `progress` each time one is taken (by fetch, as it sends). */
async function* withProgress(body: AsyncIterable<Uint8Array>, progress: () => void): AsyncGenerator<Uint8Array> {
  for await (const chunk of body) {
    progress();
    yield chunk;
  }
  progress();
}

export interface SoftDeletedApp {
  appId: string;
  name?: string;
  spaceId?: string;
  deletedAt: string;
  /** After this, Qlik may purge it. */
  purgeAt: string;
}

/** §6.1b: a soft-deleted app can be restored for 14 days; events older than that say nothing current. */
const RECOVERY_WINDOW_MS = 14 * 24 * 3_600_000;

const rec = (v: unknown): Record<string, unknown> => (v && typeof v === "object" ? (v as Record<string, unknown>) : {});
const str = (v: unknown): string | undefined => (typeof v === "string" && v.length > 0 ? v : undefined);
/** SCIM string literal. */
const scim = (v: string): string => `"${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;

/** A field handle (`Doc.GetField`). */
interface FieldHandle {
  selectValues(values: Record<string, unknown>[], toggleMode?: boolean, softLock?: boolean): Promise<boolean>;
  lock(): Promise<boolean>;
}

interface VariableHandle {
  getProperties(): Promise<unknown>;
  setProperties(p: unknown): Promise<void>;
}

interface WritableDoc extends QixDocLike {
  getField(name: string, state?: string): Promise<FieldHandle>;
  clearAll(lockedAlso?: boolean, state?: string): Promise<void>;
  replaceBookmark(id: string, ignorePatches?: boolean, objectIdsToPatch?: string[]): Promise<unknown>;
  getVariableByName(name: string): Promise<VariableHandle>;
  createObject(prop: unknown): Promise<QixHandle & { id?: string }>;
  createBookmark(prop: unknown): Promise<QixHandle & { id?: string }>;
  createMeasure(prop: unknown): Promise<QixHandle & { id?: string }>;
  createDimension(prop: unknown): Promise<QixHandle & { id?: string }>;
  createVariableEx(prop: unknown): Promise<QixHandle & { id?: string }>;
  destroyObject(id: string): Promise<unknown>;
  destroyBookmark(id: string): Promise<unknown>;
  destroyMeasure(id: string): Promise<unknown>;
  destroyDimension(id: string): Promise<unknown>;
  destroyVariableById(id: string): Promise<unknown>;
  doSave(): Promise<void>;
}

interface EditableHandle extends QixHandle {
  id?: string;
  setProperties(p: unknown): Promise<void>;
  setFullPropertyTree?(t: unknown): Promise<void>;
  publish?(): Promise<void>;
  unPublish?(): Promise<void>;
  approve?(): Promise<void>;
  unApprove?(): Promise<void>;
}

export function createTenantWriter(core: TenantCore): TenantWriter {
  const { host, call } = core;
  const resourceApi = (kind: ResourceKindName, what: "create" | "update"): ResourceApi & Required<Pick<ResourceApi, typeof what>> => {
    const api = RESOURCE_APIS[kind];
    if (!api?.[what])
      throw new QlikApiError({ kind: "permanent", operation: `resources:${kind}`, host, object: kind, detail: `Lifeboat cannot ${what} ${kind} on Qlik Cloud` });
    return api as ResourceApi & Required<Pick<ResourceApi, typeof what>>;
  };
  const nc = { noCache: true } as const;
  const appLabel = (appId: string): string => {
    const name = core.appName(appId);
    return name ? `app '${name}' (id ${appId})` : `app ${appId}`;
  };

  async function findUser(filter: string, label: string): Promise<UserRecord | undefined> {
    const resp = await call("getUsers", label, (api) => api.users.getUsers({ filter, limit: 2 }, nc));
    const data = rec(resp.data).data;
    return Array.isArray(data) && data.length > 0 ? toUserRecord(data[0]) : undefined;
  }

  async function findSpaceByName(name: string): Promise<SpaceRecord | undefined> {
    let resp = await call("getSpaces", `the space '${name}'`, (api) => api.spaces.getSpaces({ name, limit: 100 }, nc));
    for (;;) {
      const data = rec(resp.data).data;
      // `name` filters by substring; take the exact match.
      const hit = Array.isArray(data) ? data.map(toSpaceRecord).find((s) => s.name === name) : undefined;
      if (hit) return hit;
      const next: (() => Promise<typeof resp>) | undefined = resp.next;
      if (!next) return undefined;
      resp = await call("getSpaces", `the space '${name}'`, (_api, ctx) => (next as (o: unknown) => Promise<typeof resp>)(ctx.pageOptions));
    }
  }

  async function createSpace(input: { name: string; type: "shared" | "managed" | "data"; description?: string }): Promise<SpaceRecord> {
    const body = { name: input.name, type: input.type, description: input.description ?? "" };
    const resp = await call("createSpace", `the ${input.type} space '${input.name}'`, (api) => api.spaces.createSpace(body), { idempotent: false });
    return toSpaceRecord(resp.data);
  }

  const writer: TenantWriter = {
    host,

    findUserBySubject: (subject) => findUser(`subject eq ${scim(subject)}`, `the user with subject '${subject}'`),
    findUserByEmail: (email) => findUser(`email eq ${scim(email)}`, `the user with email '${email}'`),

    async createUser(input) {
      const body: Record<string, unknown> = { subject: input.subject, status: "invited" };
      if (input.name) body.name = input.name;
      if (input.email) body.email = input.email;
      if (input.roles?.length) body.assignedRoles = input.roles.map((name) => ({ name }));
      const resp = await call("createUser", `the user '${input.subject}'`, (api) => api.users.createUser(body as never), { idempotent: false });
      return toUserRecord(resp.data);
    },

    findSpaceByName,
    createSpace,

    async ensureSpace(input) {
      const found = await findSpaceByName(input.name);
      if (found) return { space: found, created: false };
      try {
        return { space: await createSpace(input), created: true };
      } catch (e) {
        // 409: someone (or our own earlier, unanswered attempt) created it meanwhile.
        if (e instanceof QlikApiError && e.status === 409) {
          const again = await findSpaceByName(input.name);
          if (again) return { space: again, created: false };
        }
        throw e;
      }
    },

    async createSpaceAssignment(spaceId, input) {
      const resp = await call(
        "createSpaceAssignment",
        `the space ${spaceId} (${input.type} ${input.assigneeId})`,
        (api) => api.spaces.createSpaceAssignment(spaceId, { type: input.type, assigneeId: input.assigneeId, roles: input.roles as never }),
        { idempotent: false },
      );
      const o = rec(resp.data);
      return {
        id: str(o.id) ?? "",
        type: o.type === "group" ? "group" : "user",
        assigneeId: str(o.assigneeId) ?? input.assigneeId,
        roles: Array.isArray(o.roles) ? o.roles.filter((r): r is string => typeof r === "string") : input.roles,
      };
    },

    async updateSpaceOwner(spaceId, ownerId) {
      const resp = await call("patchSpace", `the space ${spaceId} (owner ${ownerId})`, (api) =>
        api.spaces.patchSpace(spaceId, [{ op: "replace", path: "/ownerId", value: ownerId }]),
      );
      return toSpaceRecord(resp.data);
    },

    async importApp(input) {
      const label = `app '${input.name}'`;
      // Upload first (streamed, retryable: a second temp file is harmless), then import by fileId.
      // A failure to read the body (a damaged repository) is the caller's, not Qlik's: it is
      // thrown as it is, never retried, never reported as a network error.
      let bodyError: { error: unknown } | undefined;
      const body = async function* () {
        try {
          yield* input.body();
        } catch (e) {
          bodyError ??= { error: e };
          throw e;
        }
      };
      let uploaded;
      try {
        // Timeout kind `idle`: the upload may take as long as it needs while its bytes move.
        uploaded = await call("uploadTempFile", label, async (api, ctx) => {
          try {
            return await api.tempContents.uploadTempFile({ filename: "app.qvf", ttl: 3600 }, ReadableStream.from(withProgress(body(), ctx.progress)) as never, nc);
          } catch (e) {
            throw bodyError ? new Error("the upload's body could not be read") : e; // not retried (permanent)
          }
        });
      } catch (e) {
        throw bodyError ? bodyError.error : e;
      }
      const location = (uploaded.headers as Headers | undefined)?.get?.("location");
      if (!location)
        throw new QlikApiError({ kind: "permanent", operation: "uploadTempFile", host, object: label, detail: "the upload answered without a Location header" });
      const fileId = tempContentIdFromLocation(location);
      const query: { name: string; fileId: string; spaceId?: string } = { name: input.name, fileId };
      if (input.spaceId) query.spaceId = input.spaceId;
      const resp = await call("importApp", label, (api) => api.apps.importApp(query, undefined as never), { idempotent: false });
      const attributes = rec(rec(resp.data).attributes);
      const appId = str(attributes.id);
      if (!appId) throw new QlikApiError({ kind: "permanent", operation: "importApp", host, object: label, detail: "the import answered without an app id" });
      core.rememberApp(appId, str(attributes.name) ?? input.name);
      return { appId, attributes };
    },

    async updateAppOwner(appId, ownerId) {
      await call("updateAppOwner", appLabel(appId), (api) => api.apps.updateAppOwner(appId, { ownerId }));
    },

    async updateObjectOwner(appId, objectId, ownerId) {
      await call("updateAppObjectOwner", `object ${objectId} of ${appLabel(appId)}`, (api) => api.apps.updateAppObjectOwner(appId, objectId, { ownerId }));
    },

    async publishApp(appId, input) {
      const body: Record<string, unknown> = { spaceId: input.spaceId, data: input.data ?? "source" };
      if (input.name) body.attributes = { name: input.name };
      if (input.moveApp) body.moveApp = true;
      if (input.originAppId) body.originAppId = input.originAppId;
      const resp = await call("publishApp", appLabel(appId), (api) => api.apps.publishApp(appId, body as never), { idempotent: false });
      return { appId: str(rec(rec(resp.data).attributes).id) ?? "" };
    },

    async republishApp(appId, input) {
      const body: Record<string, unknown> = { targetId: input.targetId, data: input.data ?? "source" };
      if (input.checkOriginAppId !== undefined) body.checkOriginAppId = input.checkOriginAppId;
      if (input.name) body.attributes = { name: input.name };
      const resp = await call("republishApp", appLabel(appId), (api) => api.apps.republishApp(appId, body as never), { idempotent: false });
      return { appId: str(rec(rec(resp.data).attributes).id) ?? input.targetId };
    },

    async moveAppToSpace(appId, spaceId) {
      await call("moveAppToSpace", appLabel(appId), (api) => api.apps.moveAppToSpace(appId, { spaceId }));
    },

    async removeAppFromSpace(appId) {
      await call("removeAppFromSpace", appLabel(appId), (api) => api.apps.removeAppFromSpace(appId));
    },

    async copyApp(appId, input) {
      const attributes: Record<string, unknown> = {};
      if (input.name) attributes.name = input.name;
      if (input.spaceId) attributes.spaceId = input.spaceId;
      const resp = await call("copyApp", appLabel(appId), (api) => api.apps.copyApp(appId, { attributes } as never), { idempotent: false });
      const copied = rec(rec(resp.data).attributes);
      const id = str(copied.id) ?? "";
      if (id) core.rememberApp(id, str(copied.name) ?? input.name ?? "");
      return { appId: id };
    },

    async deleteApp(appId) {
      await call("deleteApp", appLabel(appId), (api) => api.apps.deleteApp(appId));
    },

    async withApp(appId, fn) {
      const label = appLabel(appId);
      const q = <T>(what: string, f: () => Promise<T>): Promise<T> => core.qixCall(what, label, f, "editApp");
      // With data: a bookmark is recreated from the session's selections, and selecting needs the data model;
      // and DoSave in a session without data may save the app without its data model (docs/restore.md).
      return core.withQixSession(appId, label, (raw) => fn(editorFor(raw as WritableDoc, q, label, host)), { retry: "open", operation: "editApp", withData: true });
    },

    async setAppScript(appId, script, versionMessage) {
      await call("updateAppScript", `the load script of ${appLabel(appId)}`, (api) => api.apps.updateAppScript(appId, { script, versionMessage }));
    },

    async restoreDeletedApp(appId) {
      // Not idempotent in effect (a second call answers 404): the executor looks the app up first.
      const resp = await call("restoreApp", appLabel(appId), (api) => api.analytics.apps.restoreApp(appId), { idempotent: false });
      const attributes = rec(rec(resp.data).attributes);
      core.rememberApp(appId, str(attributes.name) ?? "");
      return { attributes };
    },

    createResource: (kind, input) => resourceApi(kind, "create").create(core, input),
    updateResource: (kind, id, input) => resourceApi(kind, "update").update(core, id, input),

    async listSoftDeletedApps(now = new Date()) {
      const since = new Date(now.getTime() - RECOVERY_WINDOW_MS - 86_400_000).toISOString();
      const window = `${since}/${now.toISOString()}`;
      const events = async (eventType: string): Promise<Record<string, unknown>[] | undefined> => {
        const out: Record<string, unknown>[] = [];
        try {
          let resp = await call("getAudits", `the ${eventType} events`, (api) => api.audits.getAudits({ eventType, eventTime: window, limit: 100 }, nc));
          for (;;) {
            const data = rec(resp.data).data;
            if (Array.isArray(data)) out.push(...data.map(rec));
            const next: (() => Promise<typeof resp>) | undefined = resp.next;
            if (!next) break;
            resp = await call("getAudits", `the ${eventType} events`, () => next());
          }
        } catch (e) {
          // Reading audit events needs the Tenant Admin or Audit Admin role.
          if (e instanceof QlikApiError && (e.kind === "forbidden" || e.kind === "unauthorized")) return undefined;
          throw e;
        }
        return out;
      };
      const soft = await events("com.qlik.app.softdeleted");
      if (!soft) return undefined;
      const hard = (await events("com.qlik.app.harddeleted")) ?? [];
      const latest = new Map<string, SoftDeletedApp>();
      for (const e of soft) {
        const d = rec(e.data);
        const appId = str(d.id) ?? str(rec(e.extensions).topLevelResourceId);
        const purgeAt = str(d.purgeAt);
        const at = str(e.eventTime);
        if (!appId || !purgeAt || !at) continue;
        const seen = latest.get(appId);
        if (seen && seen.deletedAt >= at) continue;
        const spaceId = str(d.spaceId) ?? str(rec(e.extensions).spaceId);
        latest.set(appId, { appId, deletedAt: at, purgeAt, ...(str(d.name) ? { name: str(d.name)! } : {}), ...(spaceId ? { spaceId } : {}) });
      }
      for (const e of hard) {
        const appId = str(rec(e.data).id) ?? str(rec(e.extensions).topLevelResourceId);
        const at = str(e.eventTime);
        const s = appId ? latest.get(appId) : undefined;
        if (s && at && at >= s.deletedAt) latest.delete(appId!);
      }
      return [...latest.values()].filter((a) => Date.parse(a.purgeAt) > now.getTime()).sort((a, b) => (a.appId < b.appId ? -1 : 1));
    },
  };
  return writer;
}

export type StateStep = "publish" | "unPublish" | "approve" | "unApprove";

/**
 * The QIX calls that take an object from one publish/approve state to another. Approving
 * needs a published object and unpublishing needs an unapproved one, so approved implies
 * published (an "approved but not published" wish is read as approved).
 */
export function stateSteps(current: { published: boolean; approved: boolean }, wanted: { published: boolean; approved: boolean }): StateStep[] {
  const steps: StateStep[] = [];
  let { published, approved } = current;
  if (approved && !wanted.approved) {
    steps.push("unApprove");
    approved = false;
  }
  if ((wanted.published || wanted.approved) && !published) {
    steps.push("publish");
    published = true;
  }
  if (wanted.approved && !approved) steps.push("approve");
  if (!wanted.published && !wanted.approved && published) steps.push("unPublish");
  return steps;
}

function editorFor(doc: WritableDoc, q: <T>(what: string, f: () => Promise<T>) => Promise<T>, label: string, host: string): AppEditor {
  const open = async (id: string, genericType: ObjectRecord["genericType"]): Promise<EditableHandle | undefined> => {
    try {
      switch (genericType) {
        case "genericBookmark":
          return (await q(`GetBookmark ${id}`, () => doc.getBookmark(id))) as EditableHandle;
        case "genericMeasure":
          return (await q(`GetMeasure ${id}`, () => doc.getMeasure(id))) as EditableHandle;
        case "genericDimension":
          return (await q(`GetDimension ${id}`, () => doc.getDimension(id))) as EditableHandle;
        case "genericVariable":
          return (await q(`GetVariableById ${id}`, () => doc.getVariableById(id))) as EditableHandle;
        default:
          return (await q(`GetObject ${id}`, () => doc.getObject(id))) as EditableHandle;
      }
    } catch (e) {
      if (e instanceof QlikApiError && e.kind === "not-found") return undefined;
      throw e;
    }
  };

  /** States this session has selected in (cleared before the next bookmark's selections). */
  const touchedStates = new Set<string>(["$"]);

  /**
   * Makes the session's selections those of a bookmark (QIX: `Doc.ClearAll`, then per state
   * and field `Doc.GetField(name, state)` + `Field.SelectValues`, `Field.Lock`), sets its
   * variable items' definitions, runs `record` (CreateBookmark / ReplaceBookmark record the
   * current selections: help.qlik.com Engine API "Get the layout of a bookmark"), then puts
   * the variables back and clears the selections. A field or value the app's data does not
   * hold selects nothing; verification then reports the bookmark's selections as different.
   */
  const withSelections = async <T>(id: string, selections: Record<string, unknown>, record: () => Promise<T>): Promise<T> => {
    const states = (Array.isArray(selections.qStateData) ? selections.qStateData : []).map(rec);
    for (const st of states) touchedStates.add(str(st.qStateName) ?? "$");
    const clear = async () => {
      for (const state of touchedStates) await q(`ClearAll ${state} (bookmark ${id})`, () => doc.clearAll(true, state));
    };
    await clear();
    for (const st of states) {
      const state = str(st.qStateName) ?? "$";
      for (const item of (Array.isArray(st.qFieldItems) ? st.qFieldItems : []).map(rec)) {
        const name = str(rec(item.qDef).qName);
        const values = (Array.isArray(item.qValues) ? item.qValues : []).map(rec);
        if (!name || values.length === 0) continue;
        const field = await q(`GetField ${name} (bookmark ${id})`, () => doc.getField(name, state));
        await q(`SelectValues ${name} (bookmark ${id})`, () => field.selectValues(values, false, true));
        if (item.qLocked === true) await q(`Lock ${name} (bookmark ${id})`, () => field.lock());
      }
    }
    const restoreVars: (() => Promise<void>)[] = [];
    for (const v of (Array.isArray(selections.qVariableItems) ? selections.qVariableItems : []).map(rec)) {
      const name = str(v.qName);
      if (!name) continue;
      let handle: VariableHandle;
      try {
        handle = await q(`GetVariableByName ${name} (bookmark ${id})`, () => doc.getVariableByName(name));
      } catch (e) {
        if (e instanceof QlikApiError && e.kind === "not-found") continue;
        throw e;
      }
      const before = rec(await q(`GetProperties ${name}`, () => handle.getProperties()));
      if (before.qDefinition === v.qDefinition) continue;
      await q(`SetProperties ${name} (bookmark ${id})`, () => handle.setProperties({ ...before, qDefinition: v.qDefinition }));
      restoreVars.push(() => q(`SetProperties ${name} (put back)`, () => handle.setProperties(before)));
    }
    try {
      return await record();
    } finally {
      for (const undo of restoreVars) await undo();
      await clear();
    }
  };

  return {
    async listObjects() {
      const infos = await q("GetAllInfos", () => doc.getAllInfos());
      return infos.filter((i) => typeof i.qId === "string").map((i) => ({ id: i.qId as string, type: String(i.qType ?? "") }));
    },

    readObjects: () => readObjects(doc, { concurrency: 8, call: q, isNotFound: (e) => e instanceof QlikApiError && e.kind === "not-found" }),

    async upsertObject(obj) {
      const tree = rec(obj.propertyTree);
      const qProperty = rec(tree.qProperty);
      // A bookmark's selections (recorded from its layout) are brought back through the session's selections.
      const selections = obj.genericType === "genericBookmark" && tree.qBookmark !== undefined ? rec(tree.qBookmark) : undefined;
      const existing = await open(obj.id, obj.genericType);
      if (existing) {
        if (obj.genericType === "genericObject" && existing.setFullPropertyTree) {
          const set = existing.setFullPropertyTree.bind(existing);
          await q(`SetFullPropertyTree ${obj.id}`, () => set(obj.propertyTree));
        } else {
          await q(`SetProperties ${obj.id}`, () => existing.setProperties(qProperty));
        }
        if (selections) await withSelections(obj.id, selections, () => q(`ReplaceBookmark ${obj.id}`, () => doc.replaceBookmark(obj.id, true)));
        return { id: obj.id, created: false };
      }
      const props = { ...qProperty, qInfo: { ...rec(qProperty.qInfo), qId: obj.id, qType: obj.type } };
      let created: EditableHandle;
      switch (obj.genericType) {
        case "genericBookmark":
          created = (await withSelections(obj.id, selections ?? {}, () => q(`CreateBookmark ${obj.id}`, () => doc.createBookmark(props)))) as EditableHandle;
          break;
        case "genericMeasure":
          created = (await q(`CreateMeasure ${obj.id}`, () => doc.createMeasure(props))) as EditableHandle;
          break;
        case "genericDimension":
          created = (await q(`CreateDimension ${obj.id}`, () => doc.createDimension(props))) as EditableHandle;
          break;
        case "genericVariable":
          created = (await q(`CreateVariableEx ${obj.id}`, () => doc.createVariableEx(props))) as EditableHandle;
          break;
        default: {
          // Create the parent alone, then SetFullPropertyTree recreates the children.
          created = (await q(`CreateObject ${obj.id}`, () => doc.createObject(props))) as EditableHandle;
        }
      }
      // The engine silently picks another id when the wanted one is taken: read it back.
      let id = created.id;
      if (!id) id = str(rec(rec(await q(`GetLayout (new ${obj.id})`, () => created.getLayout())).qInfo).qId);
      if (!id) throw new QlikApiError({ kind: "permanent", operation: "editApp", host, object: label, detail: `created object ${obj.id} has no id` });
      if (obj.genericType === "genericObject" && created.setFullPropertyTree && Array.isArray(tree.qChildren) && tree.qChildren.length > 0) {
        const set = created.setFullPropertyTree.bind(created);
        const newTree = { ...tree, qProperty: { ...props, qInfo: { ...props.qInfo, qId: id } } };
        await q(`SetFullPropertyTree ${id}`, () => set(newTree));
      }
      return { id, created: true };
    },

    async setState(id, genericType, state) {
      const h = await open(id, genericType);
      if (!h) throw new QlikApiError({ kind: "not-found", operation: "editApp", host, object: `object ${id} of ${label}` });
      const layout = rec(await q(`GetLayout ${id}`, () => h.getLayout()));
      const meta = rec(layout.qMeta);
      const published = meta.published === true;
      const approved = meta.approved === true;
      const step = async (name: "publish" | "unPublish" | "approve" | "unApprove"): Promise<void> => {
        const f = h[name];
        if (typeof f !== "function") throw new QlikApiError({ kind: "permanent", operation: "editApp", host, object: `object ${id} of ${label}`, detail: `${genericType} has no ${name}` });
        await q(`${name} ${id}`, () => f.call(h));
      };
      for (const name of stateSteps({ published, approved }, state)) await step(name);
    },

    async destroyObject(id, genericType) {
      switch (genericType) {
        case "genericBookmark":
          await q(`DestroyBookmark ${id}`, () => doc.destroyBookmark(id));
          break;
        case "genericMeasure":
          await q(`DestroyMeasure ${id}`, () => doc.destroyMeasure(id));
          break;
        case "genericDimension":
          await q(`DestroyDimension ${id}`, () => doc.destroyDimension(id));
          break;
        case "genericVariable":
          await q(`DestroyVariableById ${id}`, () => doc.destroyVariableById(id));
          break;
        default:
          await q(`DestroyObject ${id}`, () => doc.destroyObject(id));
      }
    },

    save: () => q("DoSave", () => doc.doSave()),
  };
}
