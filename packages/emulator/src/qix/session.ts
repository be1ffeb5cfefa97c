/**
 * One engine session: one websocket, one caller, at most one open Doc, and a table of
 * handles (Global = -1, Doc = 1, then one per object the session asked for).
 *
 * Method tables below name each method's parameters in the OpenRPC spec's order, so
 * positional and named params both work. Every call waits `ctx.delay("call")` and then
 * runs synchronously against the shared working copy, so a call is atomic.
 */
import type { AppObject, BookmarkState, GenericType, Identity } from "../model.ts";
import type { QixContext } from "./contract.ts";
import { clone, type LoadedDoc, type Located, readPointer, resolveData } from "./doc.ts";
import {
  bookmarkLayout,
  dimensionLayout,
  type LayoutContext,
  measureLayout,
  objectLayout,
  variableItem,
  variableLayout,
  visibleObjects,
} from "./layout.ts";
import { accessDenied, ErrorCode, invalidParams, objectNotFound, Params, QixError, type RpcRequest } from "./rpc.ts";

/** The engine version the emulator reports (EngineVersion, ProductVersion). */
export const ENGINE_VERSION = "12.2473.0";

export const DOC_HANDLE = 1;
export const GLOBAL_HANDLE = -1;

type Kind = "Global" | "Doc" | "GenericObject" | "GenericBookmark" | "GenericMeasure" | "GenericDimension" | "GenericVariable" | "Field";

/** The default state's name (`qStateName` "" or "$"). */
const DEFAULT_STATE = "$";

const KIND_OF: Record<GenericType, Kind> = {
  genericObject: "GenericObject",
  genericBookmark: "GenericBookmark",
  genericMeasure: "GenericMeasure",
  genericDimension: "GenericDimension",
  genericVariable: "GenericVariable",
};

interface HandleRef {
  kind: Kind;
  /** Object id (for object handles). */
  id: string;
  /** Session objects live in the session, not in the app. */
  session: boolean;
}

/** What a session needs from the server: the shared docs and change fan-out. */
export interface SessionHost {
  ctx: QixContext;
  /** Opens (loads or joins) the working copy of an app for this session. */
  attach(session: Session, appId: string): LoadedDoc;
  /** Tells every session of `doc` which object ids changed or were removed. */
  broadcast(doc: LoadedDoc, from: Session, changed: Set<string>, removed: Set<string>): void;
}

export interface Outgoing {
  send(message: unknown): void;
}

type Result = Record<string, unknown>;
type Handler = (s: Session, ref: HandleRef, p: Params) => Result;

interface MethodDef {
  params: readonly string[];
  run: Handler;
  /** Marks calls that change state: their changes are fanned out to all sessions. */
  mutates?: boolean;
}

export class Session {
  doc: LoadedDoc | undefined;
  noData = false;
  readonly sessionObjects = new Map<string, AppObject>();
  /**
   * The session's current selections: state → field → selected values (text) and lock.
   * Selections belong to the engine session, not to the app: CreateBookmark records them.
   */
  readonly selections = new Map<string, Map<string, { values: string[]; locked: boolean }>>();
  private readonly handles = new Map<number, HandleRef>();
  private readonly handleByKey = new Map<string, number>();
  private nextHandle = 2;
  private closed = false;
  /** Changes collected during the current call, reported in its response. */
  pendingChange = new Set<number>();
  pendingClose = new Set<number>();
  changed = new Set<string>();
  removed = new Set<string>();

  constructor(
    readonly host: SessionHost,
    readonly who: Identity,
    readonly appId: string,
    readonly out: Outgoing,
  ) {
    this.handles.set(GLOBAL_HANDLE, { kind: "Global", id: "", session: false });
  }

  get layoutContext(): LayoutContext {
    return { doc: this.requireDoc(), who: this.who };
  }

  requireDoc(): LoadedDoc {
    if (!this.doc) throw new QixError(ErrorCode.APP_NOT_FOUND, "App not open", this.appId);
    return this.doc;
  }

  now(): string {
    return this.host.ctx.now().toISOString();
  }

  close(): void {
    this.closed = true;
  }

  /** Handles a parsed request and sends exactly one response. */
  async handle(req: RpcRequest): Promise<void> {
    let response: Record<string, unknown>;
    try {
      const ref = this.handles.get(req.handle);
      if (!ref) throw new QixError(ErrorCode.INVALID_PARAMS, "Invalid handle", String(req.handle));
      const def = METHODS[ref.kind][req.method];
      if (!def) throw new QixError(ErrorCode.METHOD_NOT_FOUND, "Method not found", req.method);
      await this.host.ctx.delay(req.method === "OpenDoc" ? "open" : "call");
      if (this.closed) return;
      // The handle may have been closed while we waited.
      if (this.handles.get(req.handle) !== ref) throw new QixError(ErrorCode.INVALID_PARAMS, "Invalid handle", String(req.handle));
      if (ref.kind !== "Global" && this.doc && !this.doc.exists) {
        throw new QixError(ErrorCode.APP_NOT_FOUND, "App not found", this.appId);
      }
      this.changed = new Set();
      this.removed = new Set();
      const result = def.run(this, ref, new Params(req.params, def.params));
      if (def.mutates && this.doc && (this.changed.size > 0 || this.removed.size > 0)) {
        this.host.broadcast(this.doc, this, this.changed, this.removed);
      }
      response = { jsonrpc: "2.0", id: req.id, result };
    } catch (err) {
      const error = err instanceof QixError ? err : new QixError(ErrorCode.INTERNAL_ERROR, "Internal error", String(err));
      response = { jsonrpc: "2.0", id: req.id, error: error.toJSON() };
    }
    if (this.pendingChange.size > 0) response.change = [...this.pendingChange];
    if (this.pendingClose.size > 0) response.close = [...this.pendingClose];
    this.pendingChange = new Set();
    this.pendingClose = new Set();
    if (!this.closed) this.out.send(response);
  }

  /** Records which of this session's handles a change touches (called by the host's broadcast). */
  collect(doc: LoadedDoc, changed: Set<string>, removed: Set<string>): { change: number[]; close: number[] } {
    const affected = new Set<string>();
    for (const id of changed) {
      affected.add(id);
      let l = doc.locate(id);
      while (l?.parent) {
        affected.add(l.parent.id);
        l = doc.locate(l.parent.id);
      }
    }
    const change: number[] = [];
    const close: number[] = [];
    for (const [handle, ref] of this.handles) {
      if (ref.kind === "Global") continue;
      // Removed objects, and objects this caller can no longer see (unpublished by their
      // owner), lose their handles: the client drops its cached API for them.
      const gone = !ref.session && ref.kind !== "Doc" && (removed.has(ref.id) || !this.stillVisible(doc, ref.id));
      if (gone) {
        close.push(handle);
        this.handles.delete(handle);
        this.handleByKey.delete(`${ref.kind}:${ref.id}`);
      } else if (ref.kind === "Doc" || ref.session || affected.has(ref.id)) {
        change.push(handle);
      }
    }
    return { change, close };
  }

  private stillVisible(doc: LoadedDoc, id: string): boolean {
    const l = doc.locate(id);
    return !!l && doc.canSee(this.who, l);
  }

  /** The ObjectInterface for an object, reusing the session's handle for it. */
  objectInterface(kind: Kind, obj: AppObject, session = false): Result {
    const key = `${kind}:${obj.id}`;
    let handle = this.handleByKey.get(key);
    if (handle === undefined) {
      handle = this.nextHandle++;
      this.handles.set(handle, { kind, id: obj.id, session });
      this.handleByKey.set(key, handle);
    }
    return { qType: kind, qHandle: handle, qGenericType: obj.type, qGenericId: obj.id };
  }

  openDocHandle(): Result {
    this.handles.set(DOC_HANDLE, { kind: "Doc", id: this.appId, session: false });
    const doc = this.requireDoc();
    return { qType: "Doc", qHandle: DOC_HANDLE, qGenericId: doc.app.id };
  }

  dropSessionObject(id: string): boolean {
    if (!this.sessionObjects.delete(id)) return false;
    for (const kind of Object.values(KIND_OF)) {
      const key = `${kind}:${id}`;
      const handle = this.handleByKey.get(key);
      if (handle !== undefined) {
        this.handles.delete(handle);
        this.handleByKey.delete(key);
        this.pendingClose.add(handle);
      }
    }
    return true;
  }

  /** A visible persisted object of the given generic type, or the engine's not-found error. */
  visible(id: string, genericType: GenericType): Located {
    const doc = this.requireDoc();
    const l = doc.locate(id);
    if (!l || l.obj.genericType !== genericType || !doc.canSee(this.who, l)) throw objectNotFound(id);
    return l;
  }

  /** The node behind an object handle: persisted (with location) or a session object. */
  node(ref: HandleRef): { obj: AppObject; located: Located | undefined } {
    if (ref.session) {
      const obj = this.sessionObjects.get(ref.id);
      if (!obj) throw objectNotFound(ref.id);
      return { obj, located: undefined };
    }
    const genericType = (Object.keys(KIND_OF) as GenericType[]).find((g) => KIND_OF[g] === ref.kind) ?? "genericObject";
    const l = this.visible(ref.id, genericType);
    return { obj: l.obj, located: l };
  }

  require(located: Located | undefined, privilege: string): void {
    if (!located) return;
    if (!this.requireDoc().privileges(this.who, located).includes(privilege)) {
      throw accessDenied(`${privilege} ${located.obj.type} ${located.obj.id}`);
    }
  }

  touch(obj: AppObject): void {
    const now = this.now();
    obj.modifiedDate = now;
    this.changed.add(obj.id);
    if (!this.doc) return;
    this.doc.modified = true;
    // Quirk childEditMovesParentDate: an edit of a chart also moves its sheet's date.
    const l = this.doc.locate(obj.id);
    if (l?.parent && this.doc.childEditMovesParentDate) {
      l.root.modifiedDate = now;
      this.changed.add(l.root.id);
    }
  }

  /** The distinct values of a field, or undefined when the field does not exist in this session (no data loaded, or no such field). */
  fieldValues(name: string): string[] | undefined {
    const doc = this.requireDoc();
    if (this.noData || doc.app.dataModelBytes <= 0) return undefined;
    return doc.app.fields?.[name];
  }

  stateSelections(state: string): Map<string, { values: string[]; locked: boolean }> {
    const key = state === "" ? DEFAULT_STATE : state;
    let m = this.selections.get(key);
    if (!m) {
      m = new Map();
      this.selections.set(key, m);
    }
    return m;
  }

  /** The handle of a field in a state (Doc.GetField). */
  fieldInterface(name: string, state: string): Result {
    const key = `Field:${state === "" ? DEFAULT_STATE : state}\n${name}`;
    let handle = this.handleByKey.get(key);
    if (handle === undefined) {
      handle = this.nextHandle++;
      this.handles.set(handle, { kind: "Field", id: key.slice("Field:".length), session: true });
      this.handleByKey.set(key, handle);
    }
    return { qType: "Field", qHandle: handle };
  }

  /** What CreateBookmark / ReplaceBookmark record: the current selections of every state, and the variables when asked. */
  recordBookmark(includeVariables: boolean): BookmarkState {
    const states = new Set([DEFAULT_STATE, ...this.selections.keys()]);
    const qStateData: BookmarkState["qStateData"] = [];
    for (const state of states) {
      const fields = this.selections.get(state) ?? new Map();
      const qFieldItems = [...fields.entries()]
        .filter(([, sel]) => sel.values.length > 0)
        .map(([name, sel]) => ({
          qDef: { qName: name, qType: "PRESENT" },
          ...(sel.locked ? { qLocked: true } : {}),
          qSelectInfo: { qTextSearch: "", qRangeLo: -1e300, qRangeHi: -1e300, qNumberFormat: { qType: "U", qnDec: 0, qUseThou: 0 }, qRangeInfo: [], qSoftLock: false, qContinuousRangeInfo: [] },
          qValues: sel.values.map(fieldValue),
          qExcludedValues: [],
        }));
      if (state === DEFAULT_STATE || qFieldItems.length > 0) qStateData.push({ qStateName: state, qFieldItems });
    }
    const recorded: BookmarkState = { qStateData, qUtcModifyTime: Date.parse(this.now()) / 86_400_000 + 25_569 };
    if (includeVariables) {
      recorded.qVariableItems = visibleObjects(this.layoutContext, "genericVariable").map((l) => {
        const def = typeof l.obj.properties.qDefinition === "string" ? l.obj.properties.qDefinition : "";
        return { qName: String(l.obj.properties.qName ?? ""), qValue: fieldValue(def), qDefinition: def };
      });
    }
    return recorded;
  }

  /** Applies a bookmark's recorded selections to this session (values missing from the data are dropped). */
  applyBookmark(bookmark: BookmarkState | undefined): boolean {
    this.selections.clear();
    for (const st of bookmark?.qStateData ?? []) {
      const sels = this.stateSelections(st.qStateName);
      for (const item of st.qFieldItems) {
        const name = String((item.qDef as { qName?: unknown } | undefined)?.qName ?? "");
        const known = this.fieldValues(name);
        if (!known) continue;
        const wanted = (Array.isArray(item.qValues) ? item.qValues : []).map((v) => String((v as { qText?: unknown }).qText ?? ""));
        sels.set(name, { values: known.filter((v) => wanted.includes(v)), locked: item.qLocked === true });
      }
    }
    return true;
  }
}

// ---------------------------------------------------------------------------------------
// helpers shared by the method tables

/** A field value as the engine reports it (FieldValue): numbers carry qNumber. */
function fieldValue(text: string): Record<string, unknown> {
  const n = Number(text);
  return text.trim() !== "" && Number.isFinite(n) ? { qText: text, qIsNumeric: true, qNumber: n } : { qText: text, qIsNumeric: false };
}

function info(obj: AppObject): Result {
  return { qId: obj.id, qType: obj.type };
}

function requireType(prop: Record<string, unknown>, param: string): string {
  const qInfo = prop.qInfo as Record<string, unknown> | undefined;
  const type = qInfo?.qType;
  if (typeof type !== "string" || type === "") throw new QixError(ErrorCode.INVALID_PARAMETERS, "qInfo.qType is mandatory", param);
  return type;
}

function requestedId(prop: Record<string, unknown>): unknown {
  return (prop.qInfo as Record<string, unknown> | undefined)?.qId;
}

/**
 * A bookmark's selections are the engine's, not properties (`GenericBookmarkProperties`
 * has no `qBookmark`): a `qBookmark` handed in with the properties is not kept.
 */
function withoutEngineKeys(genericType: GenericType, prop: Record<string, unknown>): Record<string, unknown> {
  if (genericType !== "genericBookmark" || !("qBookmark" in prop)) return prop;
  const { qBookmark: _b, ...rest } = prop;
  return rest;
}

/** Replaces an object's properties, keeping its id and refusing a type change. */
function setProps(s: Session, obj: AppObject, prop: Record<string, unknown>): void {
  const qInfo = (prop.qInfo ?? {}) as Record<string, unknown>;
  if (qInfo.qType !== undefined && qInfo.qType !== obj.type) {
    throw new QixError(ErrorCode.INVALID_PARAMETERS, `Cannot change the type of object ${obj.id} from ${obj.type}`, "qInfo.qType");
  }
  obj.properties = { ...clone(withoutEngineKeys(obj.genericType, prop)), qInfo: { ...clone(qInfo), qId: obj.id, qType: obj.type } };
  s.touch(obj);
}

/**
 * Library content — master measures, dimensions and visualizations, and variables — is app
 * content everyone who opens the app sees, not a user's private content: it is created as
 * base (approved and published). Sheets, stories and bookmarks start private to their creator.
 */
function isLibraryContent(genericType: GenericType, qType: string): boolean {
  return genericType === "genericMeasure" || genericType === "genericDimension" || genericType === "genericVariable" || qType === "masterobject";
}

const DEFAULT_TYPE: Partial<Record<GenericType, string>> = {
  genericBookmark: "bookmark",
  genericMeasure: "measure",
  genericDimension: "dimension",
  genericVariable: "variable",
};

function createPersisted(s: Session, genericType: GenericType, given: Record<string, unknown>): Result {
  const doc = s.requireDoc();
  const fallback = DEFAULT_TYPE[genericType];
  const givenInfo = (given.qInfo ?? {}) as Record<string, unknown>;
  const prop = fallback && givenInfo.qType === undefined ? { ...given, qInfo: { ...givenInfo, qType: fallback } } : given;
  const qType = requireType(prop, "qProp");
  const id = doc.freeId(requestedId(prop), (x) => s.sessionObjects.has(x));
  const library = isLibraryContent(genericType, qType);
  const obj = doc.newObject({ id, genericType, properties: withoutEngineKeys(genericType, prop), ownerId: s.who.user.id, now: s.now(), approved: library, published: library });
  // A bookmark records the session's current selections (and the variables when qIncludeVariables).
  if (genericType === "genericBookmark") obj.bookmark = s.recordBookmark(prop.qIncludeVariables === true);
  doc.add(obj);
  s.changed.add(id);
  return { qInfo: info(obj), qReturn: s.objectInterface(KIND_OF[genericType], obj) };
}

function destroyPersisted(s: Session, id: string, genericType: GenericType): Result {
  const doc = s.requireDoc();
  const l = doc.locate(id);
  if (!l || l.obj.genericType !== genericType || !doc.canSee(s.who, l)) return { qSuccess: false };
  s.require(l, "delete");
  const parent = l.parent;
  for (const removed of doc.remove(id)) s.removed.add(removed);
  if (parent) s.touch(parent);
  return { qSuccess: true };
}

function containerEntries(s: Session, genericType: GenericType, options: Record<string, unknown>): Result[] {
  const ctx = s.layoutContext;
  const types = Array.isArray(options.qTypes) ? options.qTypes.filter((t): t is string => typeof t === "string") : [];
  return visibleObjects(ctx, genericType)
    .filter((l) => types.length === 0 || types.includes(l.obj.type))
    .map((l) => {
      const meta = ctx.doc.meta(ctx.who, l);
      return { qInfo: info(l.obj), ...(meta ? { qMeta: meta } : {}), qData: resolveData(options.qData, l.obj.properties) };
    });
}

function propertyEntry(obj: AppObject): Result {
  return { qProperty: clone(obj.properties), qChildren: obj.children.map(propertyEntry), qEmbeddedSnapshotRef: null };
}

/**
 * SetFullPropertyTree on a copy of `node`: sets its properties, updates children present in
 * the entry, creates the missing ones (a taken id gets a new one), removes the absent ones.
 */
function applyTree(s: Session, node: AppObject, entry: Record<string, unknown>, root: AppObject, assigned: Set<string>): AppObject {
  const doc = s.requireDoc();
  const prop = entry.qProperty;
  if (typeof prop !== "object" || prop === null || Array.isArray(prop)) throw invalidParams("qPropEntry.qProperty");
  const copy: AppObject = { ...node, properties: node.properties, children: [] };
  setProps(s, copy, prop as Record<string, unknown>);
  const entries = Array.isArray(entry.qChildren) ? entry.qChildren : [];
  for (const raw of entries) {
    if (typeof raw !== "object" || raw === null) throw invalidParams("qPropEntry.qChildren");
    const childEntry = raw as Record<string, unknown>;
    const childProp = (childEntry.qProperty ?? {}) as Record<string, unknown>;
    const wanted = requestedId(childProp);
    const existing = node.children.find((c) => c.id === wanted);
    if (existing) {
      copy.children.push(applyTree(s, existing, childEntry, root, assigned));
      continue;
    }
    const type = requireType(childProp, "qPropEntry.qChildren.qProperty");
    const id = doc.freeId(wanted, (x) => assigned.has(x) || s.sessionObjects.has(x));
    assigned.add(id);
    const child = doc.newObject({
      id,
      genericType: "genericObject",
      properties: { ...childProp, qInfo: { ...(childProp.qInfo as object), qType: type } },
      ownerId: root.ownerId,
      now: s.now(),
      approved: root.approved,
      published: root.published,
      ...(root.publishTime !== undefined ? { publishTime: root.publishTime } : {}),
    });
    copy.children.push(applyTree(s, child, childEntry, root, assigned));
  }
  return copy;
}

function collectIds(obj: AppObject, into: Set<string>): void {
  into.add(obj.id);
  obj.children.forEach((c) => collectIds(c, into));
}

function createChild(s: Session, parent: Located, prop: Record<string, unknown>): AppObject {
  const doc = s.requireDoc();
  requireType(prop, "qProp");
  const id = doc.freeId(requestedId(prop), (x) => s.sessionObjects.has(x));
  const root = parent.root;
  const child = doc.newObject({
    id,
    genericType: "genericObject",
    properties: prop,
    ownerId: root.ownerId,
    now: s.now(),
    approved: root.approved,
    published: root.published,
    ...(root.publishTime !== undefined ? { publishTime: root.publishTime } : {}),
  });
  doc.add(child, parent.obj);
  s.changed.add(id);
  s.touch(parent.obj);
  return child;
}

interface Patch {
  qOp: string;
  qPath: string;
  qValue?: string;
}

const UNSAFE_KEYS = new Set(["__proto__", "constructor", "prototype"]);

function applyPatches(target: Record<string, unknown>, patches: unknown[]): Record<string, unknown> {
  const out = clone(target);
  for (const raw of patches) {
    const p = raw as Patch;
    if (typeof p !== "object" || p === null || typeof p.qPath !== "string" || typeof p.qOp !== "string") throw invalidParams("qPatches");
    const parts = p.qPath.replace(/^\//, "").split("/").map((k) => k.replace(/~1/g, "/").replace(/~0/g, "~"));
    if (parts.some((k) => UNSAFE_KEYS.has(k))) throw invalidParams("qPatches.qPath");
    const last = parts.pop();
    if (last === undefined || last === "") throw invalidParams("qPatches.qPath");
    let cur: Record<string, unknown> = out;
    for (const key of parts) {
      const next = cur[key];
      if (typeof next !== "object" || next === null) cur[key] = {};
      cur = cur[key] as Record<string, unknown>;
    }
    const op = p.qOp.toLowerCase();
    if (op === "remove") {
      if (Array.isArray(cur)) cur.splice(Number(last), 1);
      else delete cur[last];
      continue;
    }
    if (op !== "add" && op !== "replace") throw invalidParams("qPatches.qOp");
    let value: unknown;
    try {
      value = JSON.parse(p.qValue ?? "null");
    } catch {
      throw invalidParams("qPatches.qValue");
    }
    if (Array.isArray(cur) && op === "add") {
      if (last === "-") cur.push(value);
      else cur.splice(Number(last), 0, value);
    } else cur[last] = value;
  }
  return out;
}

function linkedObjects(s: Session, id: string): Result[] {
  const ctx = s.layoutContext;
  const needles = [`"qExtendsId":"${id}"`, `"qLibraryId":"${id}"`];
  return ctx.doc
    .all()
    .filter((l) => l.obj.id !== id && ctx.doc.canSee(ctx.who, l))
    .filter((l) => {
      const json = JSON.stringify(l.obj.properties);
      return needles.some((n) => json.includes(n));
    })
    .map((l) => ({ qRootId: l.root.id, qInfo: info(l.obj) }));
}

/** The app's attributes as GetAppLayout carries them at its top level (captured response, see above). */
function appAttributes(s: Session): Result {
  const doc = s.requireDoc();
  const app = doc.app;
  const owner = doc.isAppOwner(s.who) || s.who.isPrivateContentBot || s.who.isTenantAdmin;
  const privileges = ["read"];
  if (owner) privileges.push("update", "delete", "reload", "export", "duplicate", "change_owner", "change_space", "export_reduced", "source", "exportappdata");
  return {
    encrypted: true,
    id: app.id,
    published: app.publishTime !== undefined,
    owner: doc.tenant.users[app.ownerId]?.subject ?? "",
    ownerId: app.ownerId,
    createdDate: app.createdDate,
    modifiedDate: app.modifiedDate,
    ...(app.spaceId ? { spaceId: app.spaceId } : {}),
    hassectionaccess: app.hasSectionAccess,
    _resourcetype: "app",
    privileges,
  };
}

function publishing(op: "Publish" | "UnPublish" | "Approve" | "UnApprove"): MethodDef {
  return {
    params: [],
    mutates: true,
    run: (s, ref) => {
      const { located } = s.node(ref);
      if (!located) throw new QixError(ErrorCode.INVALID_PARAMETERS, `${op} is not possible on a session object`, ref.id);
      const doc = s.requireDoc();
      if (located.parent) throw new QixError(ErrorCode.INVALID_PARAMETERS, `${op} applies to top-level objects only`, ref.id);
      const root = located.root;
      const now = s.now();
      switch (op) {
        case "Publish":
          s.require(located, "publish");
          doc.setState(root, { published: true }, now);
          break;
        case "UnPublish":
          s.require(located, "publish");
          if (root.approved) throw accessDenied(`UnPublish approved ${root.type} ${root.id}: unapprove it first`);
          doc.setState(root, { published: false }, now);
          break;
        case "Approve":
          s.require(located, "approve");
          doc.setState(root, { approved: true }, now);
          break;
        case "UnApprove":
          s.require(located, "approve");
          doc.setState(root, { approved: false }, now);
          break;
      }
      const ids = new Set<string>();
      collectIds(root, ids);
      ids.forEach((id) => s.changed.add(id));
      return {};
    },
  };
}

/** Methods shared by GenericObject, GenericBookmark, GenericMeasure, GenericDimension, GenericVariable. */
function commonGeneric(
  layout: (s: Session, obj: AppObject, located: Located | undefined) => Result,
  patchParams: readonly string[] = ["qPatches"],
): Record<string, MethodDef> {
  return {
    GetLayout: { params: [], run: (s, ref) => {
      const { obj, located } = s.node(ref);
      return { qLayout: layout(s, obj, located) };
    } },
    GetProperties: { params: [], run: (s, ref) => ({ qProp: clone(s.node(ref).obj.properties) }) },
    GetInfo: { params: [], run: (s, ref) => ({ qInfo: info(s.node(ref).obj) }) },
    SetProperties: {
      params: ["qProp"],
      mutates: true,
      run: (s, ref, p) => {
        const prop = p.object("qProp");
        const { obj, located } = s.node(ref);
        s.require(located, "update");
        setProps(s, obj, prop);
        return {};
      },
    },
    ApplyPatches: {
      params: patchParams,
      mutates: true,
      run: (s, ref, p) => {
        const patches = p.array("qPatches");
        const soft = patchParams.includes("qSoftPatch") ? p.boolean("qSoftPatch") : false;
        const { obj, located } = s.node(ref);
        // Soft patches are session-only in the engine; the emulator accepts and drops them.
        if (soft) return {};
        s.require(located, "update");
        setProps(s, obj, applyPatches(obj.properties, patches));
        return {};
      },
    },
    GetLinkedObjects: { params: [], run: (s, ref) => ({ qItems: linkedObjects(s, s.node(ref).obj.id) }) },
    Publish: publishing("Publish"),
    UnPublish: publishing("UnPublish"),
    Approve: publishing("Approve"),
    UnApprove: publishing("UnApprove"),
  };
}

function getById(kind: Kind, genericType: GenericType): MethodDef {
  return {
    params: ["qId"],
    run: (s, _ref, p) => {
      const id = p.string("qId");
      if (genericType === "genericObject") {
        const own = s.sessionObjects.get(id);
        if (own) return { qReturn: s.objectInterface(kind, own, true) };
      }
      return { qReturn: s.objectInterface(kind, s.visible(id, genericType).obj) };
    },
  };
}

function create(genericType: GenericType): MethodDef {
  return { params: ["qProp"], mutates: true, run: (s, _ref, p) => createPersisted(s, genericType, p.object("qProp")) };
}

function destroy(genericType: GenericType): MethodDef {
  return { params: ["qId"], mutates: true, run: (s, _ref, p) => destroyPersisted(s, p.string("qId"), genericType) };
}

// ---------------------------------------------------------------------------------------
// method tables

const GLOBAL: Record<string, MethodDef> = {
  OpenDoc: {
    params: ["qDocName", "qUserName", "qPassword", "qSerial", "qNoData"],
    run: (s, _ref, p) => {
      const name = p.string("qDocName");
      p.string("qUserName", false);
      p.string("qPassword", false);
      p.string("qSerial", false);
      const noData = p.boolean("qNoData") ?? false;
      if (s.doc) {
        if (s.doc.app.id !== name) throw new QixError(1002, "App already open in this session", s.doc.app.id);
        return { qReturn: s.openDocHandle() };
      }
      if (name !== s.appId) throw new QixError(ErrorCode.APP_NOT_FOUND, "App not found", name);
      s.doc = s.host.attach(s, name);
      s.noData = noData;
      return { qReturn: s.openDocHandle() };
    },
  },
  GetActiveDoc: {
    params: [],
    run: (s) => {
      if (!s.doc) throw new QixError(ErrorCode.APP_NOT_FOUND, "No active app in this session", s.appId);
      return { qReturn: s.openDocHandle() };
    },
  },
  EngineVersion: { params: [], run: () => ({ qVersion: { qComponentVersion: ENGINE_VERSION } }) },
  ProductVersion: { params: [], run: () => ({ qReturn: ENGINE_VERSION }) },
  QvVersion: { params: [], run: () => ({ qReturn: ENGINE_VERSION }) },
  QTProduct: { params: [], run: () => ({ qReturn: "Qlik Sense" }) },
  OSName: { params: [], run: () => ({ qReturn: "linux" }) },
  OSVersion: { params: [], run: () => ({ qReturn: "" }) },
  IsDesktopMode: { params: [], run: () => ({ qReturn: false }) },
  IsPersonalMode: { params: [], run: () => ({ qReturn: false }) },
  AllowCreateApp: { params: [], run: () => ({ qReturn: false }) },
  GetAuthenticatedUser: { params: [], run: (s) => ({ qReturn: `UserDirectory=; UserId=${s.who.user.id}` }) },
  GetUniqueID: { params: [], run: () => ({ qUniqueId: crypto.randomUUID() }) },
  AbortAll: { params: [], run: () => ({}) },
  AbortRequest: { params: ["qRequestId"], run: () => ({}) },
  CancelRequest: { params: ["qRequestId"], run: () => ({}) },
  GetProgress: {
    params: ["qRequestId"],
    run: () => ({
      qProgressData: {
        qStarted: true,
        qFinished: true,
        qCompleted: 0,
        qTotal: 0,
        qKB: 0,
        qMillisecs: 0,
        qUserInteractionWanted: false,
        qPersistentProgress: "",
        qTransientProgress: "",
        qErrorData: [],
        qPersistentProgressMessages: [],
      },
    }),
  },
};

const DOC: Record<string, MethodDef> = {
  GetAllInfos: {
    params: [],
    run: (s) => {
      const doc = s.requireDoc();
      return { qInfos: doc.all().filter((l) => doc.canSee(s.who, l)).map((l) => info(l.obj)) };
    },
  },
  GetObject: getById("GenericObject", "genericObject"),
  GetObjects: {
    params: ["qOptions"],
    run: (s, _ref, p) => {
      const options = p.object("qOptions");
      const list = containerEntries(s, "genericObject", options);
      if (options.qIncludeSessionObjects === true) {
        const types = Array.isArray(options.qTypes) ? options.qTypes : [];
        for (const obj of s.sessionObjects.values()) {
          if (types.length === 0 || types.includes(obj.type)) list.push({ qInfo: info(obj), qData: resolveData(options.qData, obj.properties) });
        }
      }
      return { qList: list };
    },
  },
  CreateObject: create("genericObject"),
  DestroyObject: destroy("genericObject"),
  CloneObject: {
    params: ["qId"],
    mutates: true,
    run: (s, _ref, p) => {
      const doc = s.requireDoc();
      const source = s.visible(p.string("qId"), "genericObject");
      if (source.parent) throw new QixError(ErrorCode.INVALID_PARAMETERS, "Only top-level objects can be cloned", source.obj.id);
      const now = s.now();
      const copy = (obj: AppObject, id: string): AppObject => {
        const next = doc.newObject({ id, genericType: obj.genericType, properties: obj.properties, ownerId: s.who.user.id, now });
        next.children = obj.children.map((c) => copy(c, doc.freeId(undefined)));
        return next;
      };
      const obj = copy(source.obj, doc.freeId(undefined));
      doc.add(obj);
      collectIds(obj, s.changed);
      return { qCloneId: obj.id };
    },
  },
  CreateSessionObject: {
    params: ["qProp"],
    run: (s, _ref, p) => {
      const prop = p.object("qProp");
      const doc = s.requireDoc();
      requireType(prop, "qProp");
      const wanted = requestedId(prop);
      const id = typeof wanted === "string" && wanted !== "" && !s.sessionObjects.has(wanted) ? wanted : doc.freeId(undefined, (x) => s.sessionObjects.has(x));
      const obj = doc.newObject({ id, genericType: "genericObject", properties: prop, ownerId: s.who.user.id, now: s.now() });
      s.sessionObjects.set(id, obj);
      return { qReturn: s.objectInterface("GenericObject", obj, true) };
    },
  },
  DestroySessionObject: {
    params: ["qId"],
    run: (s, _ref, p) => ({ qSuccess: s.dropSessionObject(p.string("qId")) }),
  },
  GetBookmark: getById("GenericBookmark", "genericBookmark"),
  GetBookmarks: {
    params: ["qOptions"],
    run: (s, _ref, p) => ({ qList: containerEntries(s, "genericBookmark", p.object("qOptions")) }),
  },
  CreateBookmark: create("genericBookmark"),
  CreateBookmarkEx: {
    params: ["qProp", "qObjectIdsToPatch"],
    mutates: true,
    run: (s, _ref, p) => createPersisted(s, "genericBookmark", p.object("qProp")),
  },
  DestroyBookmark: destroy("genericBookmark"),
  ApplyBookmark: {
    params: ["qId"],
    run: (s, _ref, p) => ({ qSuccess: s.applyBookmark(s.visible(p.string("qId"), "genericBookmark").obj.bookmark) }),
  },
  ReplaceBookmark: {
    params: ["qId", "qIgnorePatches", "qObjectIdsToPatch"],
    mutates: true,
    run: (s, _ref, p) => {
      const l = s.visible(p.string("qId"), "genericBookmark");
      p.boolean("qIgnorePatches");
      p.optionalArray("qObjectIdsToPatch");
      s.require(l, "update");
      l.obj.bookmark = s.recordBookmark(l.obj.properties.qIncludeVariables === true);
      s.touch(l.obj);
      return { qInfo: info(l.obj), qReturn: s.objectInterface("GenericBookmark", l.obj) };
    },
  },
  GetField: {
    params: ["qFieldName", "qStateName"],
    run: (s, _ref, p) => {
      s.requireDoc();
      return { qReturn: s.fieldInterface(p.string("qFieldName"), p.string("qStateName", false) ?? "") };
    },
  },
  ClearAll: {
    params: ["qLockedAlso", "qStateName"],
    run: (s, _ref, p) => {
      const lockedAlso = p.boolean("qLockedAlso") ?? false;
      const sels = s.stateSelections(p.string("qStateName", false) ?? "");
      for (const [name, sel] of [...sels]) if (lockedAlso || !sel.locked) sels.delete(name);
      return {};
    },
  },
  GetVariableById: getById("GenericVariable", "genericVariable"),
  GetVariableByName: {
    params: ["qName"],
    run: (s, _ref, p) => {
      const name = p.string("qName");
      const found = visibleObjects(s.layoutContext, "genericVariable").find((l) => l.obj.properties.qName === name);
      if (!found) throw objectNotFound(name);
      return { qReturn: s.objectInterface("GenericVariable", found.obj) };
    },
  },
  GetVariables: {
    params: ["qListDef"],
    run: (s, _ref, p) => {
      const def = p.object("qListDef");
      const qType = typeof def.qType === "string" ? def.qType : undefined;
      const ctx = s.layoutContext;
      return { qList: visibleObjects(ctx, "genericVariable", qType).map((l) => variableItem(ctx, l, def.qData)) };
    },
  },
  CreateVariableEx: {
    params: ["qProp"],
    mutates: true,
    run: (s, _ref, p) => {
      const prop = p.object("qProp");
      const name = prop.qName;
      if (typeof name !== "string" || name === "") throw new QixError(ErrorCode.INVALID_PARAMETERS, "qName is mandatory", "qProp.qName");
      const taken = s.requireDoc().all().some((l) => l.obj.genericType === "genericVariable" && l.obj.properties.qName === name);
      if (taken) throw new QixError(ErrorCode.ALREADY_EXISTS, "Variable already exists", name);
      return createPersisted(s, "genericVariable", prop);
    },
  },
  DestroyVariableById: destroy("genericVariable"),
  DestroyVariableByName: {
    params: ["qName"],
    mutates: true,
    run: (s, _ref, p) => {
      const name = p.string("qName");
      const found = visibleObjects(s.layoutContext, "genericVariable").find((l) => l.obj.properties.qName === name);
      return found ? destroyPersisted(s, found.obj.id, "genericVariable") : { qSuccess: false };
    },
  },
  GetDimension: getById("GenericDimension", "genericDimension"),
  CreateDimension: create("genericDimension"),
  DestroyDimension: destroy("genericDimension"),
  GetMeasure: getById("GenericMeasure", "genericMeasure"),
  CreateMeasure: create("genericMeasure"),
  DestroyMeasure: destroy("genericMeasure"),
  GetScript: { params: [], run: (s) => ({ qScript: s.requireDoc().script }) },
  SetScript: {
    params: ["qScript"],
    mutates: true,
    run: (s, _ref, p) => {
      const doc = s.requireDoc();
      doc.script = p.string("qScript");
      doc.modified = true;
      s.changed.add(doc.app.id);
      return {};
    },
  },
  GetAppLayout: {
    params: [],
    run: (s) => {
      const doc = s.requireDoc();
      const app = doc.app;
      return {
        qLayout: {
          ...clone(doc.appProperties),
          qTitle: doc.title,
          qFileName: app.id,
          qLastReloadTime: app.lastReloadTime ?? "",
          qModified: doc.modified,
          qHasScript: doc.script !== "",
          qStateNames: [],
          // In the captured Qlik Cloud response the app's qMeta is empty and its attributes sit
          // beside it in the layout (datahub-project/datahub PR #9682, GetAppLayout).
          qMeta: {},
          ...appAttributes(s),
          qLocaleInfo: {
            qDecimalSep: ".",
            qThousandSep: ",",
            qListSep: ",",
            qMoneyDecimalSep: ".",
            qMoneyThousandSep: ",",
            qCurrentYear: new Date().getUTCFullYear(),
            qMoneyFmt: "$#,##0.00;-$#,##0.00",
            qTimeFmt: "h:mm:ss TT",
            qDateFmt: "M/D/YYYY",
            qTimestampFmt: "M/D/YYYY h:mm:ss[.fff] TT",
            qCalendarStrings: { qDayNames: [], qMonthNames: [], qLongDayNames: [], qLongMonthNames: [] },
            qFirstWeekDay: 6,
            qBrokenWeeks: true,
            qReferenceDay: 0,
            qFirstMonthOfYear: 1,
            qCollation: "en-US",
            qNumericalAbbreviation: "3:k;6:M;9:G;12:T;15:P;18:E;21:Z;24:Y;-3:m;-6:μ;-9:n;-12:p;-15:f;-18:a;-21:z;-24:y",
          },
          qHasData: !s.noData && app.dataModelBytes > 0,
          qReadOnly: false,
          qIsOpenedWithoutData: s.noData,
          qIsSessionApp: false,
          qProhibitBinaryLoad: false,
          qThumbnail: { qUrl: "" },
          qIsBDILiveMode: false,
          qIsDirectQueryMode: app.usage === "DIRECT_QUERY_MODE",
          qUnsupportedFeatures: [],
          qUsage: app.usage,
        },
      };
    },
  },
  GetAppProperties: {
    params: [],
    run: (s) => {
      const doc = s.requireDoc();
      return {
        qProp: {
          ...clone(doc.appProperties),
          qTitle: doc.title,
          qLastReloadTime: doc.app.lastReloadTime ?? "",
          qMigrationHash: "",
          qSavedInProductVersion: ENGINE_VERSION,
          qThumbnail: { qStaticContentUrlDef: {} },
          qHasSectionAccess: doc.app.hasSectionAccess,
          qUsage: doc.app.usage,
        },
      };
    },
  },
  SetAppProperties: {
    params: ["qProp"],
    mutates: true,
    run: (s, _ref, p) => {
      const doc = s.requireDoc();
      const { qTitle, qLastReloadTime: _r, qMigrationHash: _h, qSavedInProductVersion: _v, qHasSectionAccess: _a, qUsage: _u, ...rest } = p.object("qProp");
      if (typeof qTitle === "string" && qTitle !== "") doc.title = qTitle;
      doc.appProperties = clone(rest);
      doc.modified = true;
      s.changed.add(doc.app.id);
      return {};
    },
  },
  DoSave: {
    params: ["qFileName"],
    mutates: true,
    run: (s, _ref, p) => {
      p.string("qFileName", false);
      const doc = s.requireDoc();
      if (!doc.exists) throw new QixError(ErrorCode.APP_SAVE_FAILED, "App was deleted", doc.app.id);
      doc.save(s.who, s.now());
      // A session opened without data saves the app without its data model (quirk noDataSaveDropsData).
      if (s.noData && s.host.ctx.noDataSaveDropsData !== false) doc.app.dataModelBytes = 0;
      s.changed.add(doc.app.id);
      s.host.ctx.onPersist?.(doc.tenant);
      return {};
    },
  },
  GetLocaleInfo: {
    params: [],
    run: () => ({ qReturn: { qDecimalSep: ".", qThousandSep: ",", qListSep: ",", qCollation: "en-US", qFirstWeekDay: 6 } }),
  },
  Undo: { params: [], run: () => ({ qSuccess: false }) },
  Redo: { params: [], run: () => ({ qSuccess: false }) },
  ClearUndoBuffer: { params: [], run: () => ({}) },
  AbortModal: { params: ["qAccept"], run: () => ({}) },
};

const GENERIC_OBJECT: Record<string, MethodDef> = {
  ...commonGeneric((s, obj, located) => objectLayout(s.layoutContext, obj, located), ["qPatches", "qSoftPatch"]),
  GetEffectiveProperties: { params: [], run: (s, ref) => ({ qProp: clone(s.node(ref).obj.properties) }) },
  GetFullPropertyTree: { params: [], run: (s, ref) => ({ qPropEntry: propertyEntry(s.node(ref).obj) }) },
  SetFullPropertyTree: {
    params: ["qPropEntry"],
    mutates: true,
    run: (s, ref, p) => {
      const entry = p.object("qPropEntry");
      const { obj, located } = s.node(ref);
      s.require(located, "update");
      if (!located) {
        setProps(s, obj, (entry.qProperty ?? {}) as Record<string, unknown>);
        return {};
      }
      const doc = s.requireDoc();
      const before = new Set<string>();
      collectIds(obj, before);
      const result = applyTree(s, obj, entry, located.root, new Set());
      Object.assign(obj, { properties: result.properties, children: result.children, modifiedDate: result.modifiedDate });
      doc.reindex();
      doc.modified = true;
      const after = new Set<string>();
      collectIds(obj, after);
      for (const id of before) if (!after.has(id)) s.removed.add(id);
      for (const id of after) s.changed.add(id);
      return {};
    },
  },
  GetChild: {
    params: ["qId"],
    run: (s, ref, p) => {
      const id = p.string("qId");
      const { obj } = s.node(ref);
      const child = obj.children.find((c) => c.id === id);
      if (!child) throw objectNotFound(id);
      return { qReturn: s.objectInterface("GenericObject", child, ref.session) };
    },
  },
  GetChildInfos: { params: [], run: (s, ref) => ({ qInfos: s.node(ref).obj.children.map(info) }) },
  GetParent: {
    params: [],
    run: (s, ref) => {
      const { located } = s.node(ref);
      if (!located?.parent) throw objectNotFound(`parent of ${ref.id}`);
      return { qReturn: s.objectInterface("GenericObject", located.parent) };
    },
  },
  CreateChild: {
    params: ["qProp", "qPropForThis"],
    mutates: true,
    run: (s, ref, p) => {
      const prop = p.object("qProp");
      const forThis = p.object("qPropForThis", false);
      const { obj, located } = s.node(ref);
      if (!located) throw new QixError(ErrorCode.INVALID_PARAMETERS, "Session objects cannot have children", ref.id);
      s.require(located, "update");
      if (forThis) setProps(s, obj, forThis);
      const child = createChild(s, located, prop);
      return { qInfo: info(child), qReturn: s.objectInterface("GenericObject", child) };
    },
  },
  DestroyChild: {
    params: ["qId", "qPropForThis"],
    mutates: true,
    run: (s, ref, p) => {
      const id = p.string("qId");
      const forThis = p.object("qPropForThis", false);
      const { obj, located } = s.node(ref);
      s.require(located, "update");
      if (!obj.children.some((c) => c.id === id)) return { qSuccess: false };
      if (forThis) setProps(s, obj, forThis);
      for (const removed of s.requireDoc().remove(id)) s.removed.add(removed);
      s.touch(obj);
      return { qSuccess: true };
    },
  },
  DestroyAllChildren: {
    params: ["qPropForThis"],
    mutates: true,
    run: (s, ref, p) => {
      const forThis = p.object("qPropForThis", false);
      const { obj, located } = s.node(ref);
      s.require(located, "update");
      if (forThis) setProps(s, obj, forThis);
      for (const child of [...obj.children]) for (const removed of s.requireDoc().remove(child.id)) s.removed.add(removed);
      s.touch(obj);
      return {};
    },
  },
};

const { GetLinkedObjects: _bl, ...bookmarkCommon } = commonGeneric((s, _obj, l) => bookmarkLayout(s.layoutContext, l!));

const GENERIC_BOOKMARK: Record<string, MethodDef> = {
  ...bookmarkCommon,
  Apply: { params: [], run: (s, ref) => ({ qSuccess: s.applyBookmark(s.node(ref).obj.bookmark) }) },
};

/** A field handle's state and name (`Doc.GetField`). */
function fieldOf(s: Session, ref: HandleRef): { name: string; state: string; values: string[] | undefined; sel: Map<string, { values: string[]; locked: boolean }> } {
  const cut = ref.id.indexOf("\n");
  const state = ref.id.slice(0, cut);
  const name = ref.id.slice(cut + 1);
  return { name, state, values: s.fieldValues(name), sel: s.stateSelections(state) };
}

function textOf(v: unknown): string {
  const fv = (v ?? {}) as { qText?: unknown; qIsNumeric?: unknown; qNumber?: unknown };
  if (typeof fv.qText === "string" && fv.qText !== "") return fv.qText;
  return fv.qIsNumeric === true && typeof fv.qNumber === "number" ? String(fv.qNumber) : String(fv.qText ?? "");
}

/**
 * Fields: selections live in the session (per state). A field exists only when the app has
 * data and the session was opened with data; selecting in any other field selects nothing
 * (`qReturn: false`). Values not in the field are ignored.
 */
const FIELD: Record<string, MethodDef> = {
  SelectValues: {
    params: ["qFieldValues", "qToggleMode", "qSoftLock"],
    run: (s, ref, p) => {
      const wanted = p.array("qFieldValues").map(textOf);
      const toggle = p.boolean("qToggleMode") ?? false;
      const soft = p.boolean("qSoftLock") ?? false;
      const f = fieldOf(s, ref);
      const current = f.sel.get(f.name);
      if (!f.values || (current?.locked && !soft)) return { qReturn: false };
      const hit = f.values.filter((v) => wanted.includes(v));
      let next = hit;
      if (toggle) {
        const had = new Set(current?.values ?? []);
        for (const v of hit) had.has(v) ? had.delete(v) : had.add(v);
        next = f.values.filter((v) => had.has(v));
      }
      f.sel.set(f.name, { values: next, locked: current?.locked ?? false });
      return { qReturn: hit.length > 0 };
    },
  },
  Select: {
    params: ["qMatch", "qSoftLock", "qExcludedValuesMode"],
    run: (s, ref, p) => {
      const match = p.string("qMatch");
      p.boolean("qSoftLock");
      p.number("qExcludedValuesMode", false);
      const f = fieldOf(s, ref);
      if (!f.values) return { qReturn: false };
      const hit = f.values.filter((v) => v === match);
      f.sel.set(f.name, { values: hit, locked: f.sel.get(f.name)?.locked ?? false });
      return { qReturn: hit.length > 0 };
    },
  },
  Clear: {
    params: [],
    run: (s, ref) => {
      const f = fieldOf(s, ref);
      if (f.sel.get(f.name)?.locked) return { qReturn: false };
      f.sel.delete(f.name);
      return { qReturn: true };
    },
  },
  Lock: {
    params: [],
    run: (s, ref) => {
      const f = fieldOf(s, ref);
      const cur = f.sel.get(f.name);
      if (!cur || cur.values.length === 0) return { qReturn: false };
      cur.locked = true;
      return { qReturn: true };
    },
  },
  Unlock: {
    params: [],
    run: (s, ref) => {
      const f = fieldOf(s, ref);
      const cur = f.sel.get(f.name);
      if (cur) cur.locked = false;
      return { qReturn: true };
    },
  },
  GetCardinal: { params: [], run: (s, ref) => ({ qReturn: fieldOf(s, ref).values?.length ?? 0 }) },
};

const GENERIC_MEASURE: Record<string, MethodDef> = {
  ...commonGeneric((s, _obj, l) => measureLayout(s.layoutContext, l!)),
  GetMeasure: { params: [], run: (s, ref) => ({ qMeasure: clone(s.node(ref).obj.properties.qMeasure ?? {}) }) },
};

const GENERIC_DIMENSION: Record<string, MethodDef> = {
  ...commonGeneric((s, _obj, l) => dimensionLayout(s.layoutContext, l!)),
  GetDimension: { params: [], run: (s, ref) => ({ qDim: clone(s.node(ref).obj.properties.qDim ?? {}) }) },
};

// Variables have no owner-facing state in the engine API: no Publish/Approve, no links.
const { Publish: _p, UnPublish: _u, Approve: _a, UnApprove: _ua, GetLinkedObjects: _vl, ...variableCommon } = commonGeneric((s, _obj, l) =>
  variableLayout(s.layoutContext, l!),
);

function setVariableValue(read: (p: Params) => string): MethodDef {
  return {
    params: ["qVal"],
    mutates: true,
    run: (s, ref, p) => {
      const value = read(p);
      const { obj, located } = s.node(ref);
      s.require(located, "update");
      obj.properties = { ...obj.properties, qDefinition: value };
      s.touch(obj);
      return {};
    },
  };
}

const GENERIC_VARIABLE: Record<string, MethodDef> = {
  ...variableCommon,
  SetStringValue: setVariableValue((p) => p.string("qVal")),
  SetNumValue: setVariableValue((p) => String(p.number("qVal"))),
};

const METHODS: Record<Kind, Record<string, MethodDef>> = {
  Global: GLOBAL,
  Doc: DOC,
  GenericObject: GENERIC_OBJECT,
  GenericBookmark: GENERIC_BOOKMARK,
  GenericMeasure: GENERIC_MEASURE,
  GenericDimension: GENERIC_DIMENSION,
  GenericVariable: GENERIC_VARIABLE,
  Field: FIELD,
};

/** Every method the emulated engine answers, by handle type, with its parameter names in order. */
export function supportedMethods(): Record<string, Record<string, readonly string[]>> {
  return Object.fromEntries(
    Object.entries(METHODS).map(([kind, table]) => [kind, Object.fromEntries(Object.entries(table).map(([name, def]) => [name, def.params]))]),
  );
}

export { readPointer };
