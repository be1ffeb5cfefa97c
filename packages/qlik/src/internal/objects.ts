/**
 * Reading every object of one app through one QIX session (docs/qlik-surface.md, "QIX").
 *
 * What counts as an object: `Doc.GetAllInfos()` lists every generic object, including the
 * children of sheets and stories (charts, slides, slide items) and the children of
 * containers. `GetFullPropertyTree()` of a parent already carries its children in
 * `qChildren`, and restore recreates them from there with `SetFullPropertyTree`, so a
 * child is *not* recorded on its own: we record top-level objects with their children
 * inside the tree. Sheets and stories are read first, so their descendants (the bulk of
 * an app) are skipped without further calls; any other object that turns out to be a
 * descendant of another recorded object is dropped at the end.
 *
 * Bookmarks (and snapshots, which are bookmark-type: @qlik/api's getSnapshotList lists them
 * with a `qBookmarkListDef`), master measures, master dimensions and variables are their own
 * generic types: `GetObject` does not open them, so they are read with `GetBookmark`,
 * `GetMeasure`, `GetDimension` and `GetVariableById`. They have no
 * `GetFullPropertyTree`; their `propertyTree` is built in the same shape from
 * `GetProperties()`: `{ qProperty, qChildren: [], qEmbeddedSnapshotRef: null }`.
 *
 * A bookmark's selections are not in its properties (the QIX spec's
 * `GenericBookmarkProperties` has no `qBookmark`): they are only in its layout's
 * `qBookmark`. Its tree therefore also carries `qBookmark`: the selections in the normal
 * form `bookmarkSelections` gives, so they count in the app's fingerprint, in restore's
 * "is it as in the snapshot" comparison and in verification.
 *
 * Session objects (list helpers such as "SheetList" that a client creates for itself)
 * are not app content and are skipped by type. `readStamps` creates one of its own (the
 * master-item lists); it lives only as long as the session.
 *
 * An object listed by GetAllInfos but gone when opened (deleted meanwhile) is skipped and
 * reported through `onSkip`.
 */
import { createHash } from "node:crypto";
import type { ObjectRecord, ObjectStamp } from "@lifeboat/model";
import { mapPool } from "@lifeboat/kit";

/** The handle methods we use; `@qlik/api`'s RPC objects satisfy it. */
export interface QixHandle {
  getLayout(): Promise<unknown>;
  getProperties(): Promise<unknown>;
  getFullPropertyTree?(): Promise<unknown>;
}

/** A list entry as `GetObjects` and the list defs return it. */
export interface QixListEntry {
  qInfo?: { qId?: string; qType?: string };
  qMeta?: Record<string, unknown>;
}

/** The `Doc` methods we use; `@qlik/api`'s `Doc` satisfies it. */
export interface QixDocLike {
  getAllInfos(): Promise<{ qId?: string; qType?: string }[]>;
  getBookmarks?(options: { qTypes: string[]; qData: Record<string, unknown> }): Promise<QixListEntry[]>;
  getObjects?(options: { qTypes: string[]; qIncludeSessionObjects: boolean; qData: Record<string, unknown> }): Promise<QixListEntry[]>;
  createSessionObject?(prop: Record<string, unknown>): Promise<QixHandle>;
  getScript?(): Promise<string>;
  getObject(id: string): Promise<QixHandle>;
  getBookmark(id: string): Promise<QixHandle>;
  getMeasure(id: string): Promise<QixHandle>;
  getDimension(id: string): Promise<QixHandle>;
  getVariableById(id: string): Promise<QixHandle>;
}

type GenericType = ObjectRecord["genericType"];

const GENERIC_BY_TYPE: Record<string, GenericType> = {
  bookmark: "genericBookmark",
  snapshot: "genericBookmark",
  measure: "genericMeasure",
  dimension: "genericDimension",
  variable: "genericVariable",
};

/** Types whose trees hold most children: read first so their descendants cost nothing. */
const CONTAINERS_FIRST = new Set(["sheet", "story"]);

/** Client-side session helpers (the Sense client's list objects), never app content. */
const SESSION_TYPES = new Set([
  "SheetList",
  "StoryList",
  "MasterObjectList",
  "BookmarkList",
  "MeasureList",
  "DimensionList",
  "VariableList",
  "FieldList",
  "SnapshotList",
  "CurrentSelection",
  "CurrentSelections",
  "AppObjectList",
]);

export function genericTypeOf(qType: string): GenericType {
  return GENERIC_BY_TYPE[qType] ?? "genericObject";
}

/**
 * App-level system objects: in Qlik Cloud they have no qMeta (no owner, no dates; `LoadModel`
 * in responses captured from a real tenant, datahub-project/datahub PR #9682). They are
 * recorded with an empty owner, which restore leaves alone.
 */
export const SYSTEM_TYPES = new Set(["LoadModel", "appprops"]);

type Rec = Record<string, unknown>;

/**
 * A bookmark layout's `qBookmark` in a normal form: per state (default "$" first, then by
 * name; states without selections left out), the fields (by name) with their selected
 * values (by text; `qIsNumeric`/`qNumber` kept for numbers), excluded values and lock; and
 * the variable items (`qName`, `qDefinition`, by name). Left out: times (`qUtcModifyTime`
 * moves on every re-save), the selection criteria (`qSelectInfo`: a search-based selection
 * is kept as the values it selected at backup time), soft patches and group states.
 */
export function bookmarkSelections(qBookmark: unknown): { qStateData: Rec[]; qVariableItems?: Rec[] } {
  const b = asRecord(qBookmark) ?? {};
  const value = (v: unknown): Rec => {
    const r = asRecord(v) ?? {};
    const out: Rec = { qText: typeof r.qText === "string" ? r.qText : "" };
    if (r.qIsNumeric === true && typeof r.qNumber === "number") Object.assign(out, { qIsNumeric: true, qNumber: r.qNumber });
    return out;
  };
  const values = (list: unknown): Rec[] => (Array.isArray(list) ? list.map(value).sort((x, y) => cmp(String(x.qText), String(y.qText))) : []);
  const states: Rec[] = [];
  for (const raw of Array.isArray(b.qStateData) ? b.qStateData : []) {
    const st = asRecord(raw) ?? {};
    const name = typeof st.qStateName === "string" && st.qStateName !== "" ? st.qStateName : "$";
    const items: Rec[] = [];
    for (const rawItem of Array.isArray(st.qFieldItems) ? st.qFieldItems : []) {
      const item = asRecord(rawItem) ?? {};
      const qName = str(asRecord(item.qDef)?.qName);
      if (!qName) continue;
      const selected = values(item.qValues);
      const excluded = values(item.qExcludedValues);
      if (selected.length === 0 && excluded.length === 0) continue;
      const out: Rec = { qDef: { qName }, qValues: selected };
      if (excluded.length > 0) out.qExcludedValues = excluded;
      if (item.qLocked === true) out.qLocked = true;
      items.push(out);
    }
    if (items.length > 0) states.push({ qStateName: name, qFieldItems: items.sort((x, y) => cmp(fieldName(x), fieldName(y))) });
  }
  states.sort((x, y) => (x.qStateName === "$" ? -1 : y.qStateName === "$" ? 1 : cmp(String(x.qStateName), String(y.qStateName))));
  const result: { qStateData: Rec[]; qVariableItems?: Rec[] } = { qStateData: states };
  const vars = (Array.isArray(b.qVariableItems) ? b.qVariableItems : [])
    .map((v) => asRecord(v) ?? {})
    .filter((v) => typeof v.qName === "string" && v.qName !== "")
    .map((v) => ({ qName: v.qName as string, qDefinition: typeof v.qDefinition === "string" ? v.qDefinition : "" }))
    .sort((x, y) => cmp(x.qName, y.qName));
  if (vars.length > 0) result.qVariableItems = vars;
  return result;
}

function fieldName(item: Rec): string {
  return String(asRecord(item.qDef)?.qName ?? "");
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A stable hash of a property tree (keys sorted), for content stamps. */
export function treeHash(tree: unknown): string {
  const canon = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(canon);
    if (v && typeof v === "object") return Object.fromEntries(Object.keys(v as Rec).sort().map((k) => [k, canon((v as Rec)[k])]));
    return v;
  };
  return createHash("sha256").update(JSON.stringify(canon(tree))).digest("hex").slice(0, 32);
}

export interface ReadObjectsOptions {
  /** QIX calls in flight within the session. */
  concurrency: number;
  /** Wraps each QIX call (counting, error classification). */
  call: <T>(what: string, fn: () => Promise<T>) => Promise<T>;
  /** Whether an error means "this object is gone" (skip it) rather than failing the app. */
  isNotFound: (e: unknown) => boolean;
  onSkip?: (objectId: string, type: string, reason: string) => void;
}

type Info = { qId: string; qType: string };

/** `GetAllInfos` less the session helpers: every persisted object, children included. */
export async function listInfos(doc: QixDocLike, opts: Pick<ReadObjectsOptions, "call">): Promise<Info[]> {
  return (await opts.call("GetAllInfos", () => doc.getAllInfos()))
    .filter((i): i is Info => typeof i.qId === "string" && typeof i.qType === "string")
    .filter((i) => !SESSION_TYPES.has(i.qType));
}

/**
 * The stamp of every top-level object in `infos` from list calls (docs/snapshot-layout.md, "Changed-only capture", object
 * level): `GetObjects` for generic objects (children included), `GetBookmarks` for
 * bookmark-type objects (bookmarks, snapshots), and one session object whose properties hold
 * a measure, dimension and variable list def, as the Sense client builds its own lists.
 *
 * In Qlik Cloud only top-level objects carry dates: a child's `qMeta` (a chart on a sheet)
 * holds privileges only, and system objects (`LoadModel`, `appprops`) have none. Whether
 * editing a chart moves its sheet's `modifiedDate` is not documented (emulator switch
 * `childEditMovesParentDate`), so an app with such dateless objects gets a content signal
 * too: the full property trees of either every dateless object, or every dated generic
 * object plus the system objects — whichever is fewer calls — are read in the same session
 * and their hash joins the stamp (`contentHash`); a child inside a read parent's tree is
 * covered by that parent's hash. The trees read are kept in `treesOut` so `readObjects`
 * need not read them again. Undefined when a bookmark, master item or variable has no
 * `modifiedDate` (the key is UNCONFIRMED in Qlik's docs), a list is missing, or an object
 * went away meanwhile: the caller then reads every object.
 */
export async function readStamps(
  doc: QixDocLike,
  infos: Info[],
  opts: Pick<ReadObjectsOptions, "call" | "concurrency"> & Partial<Pick<ReadObjectsOptions, "isNotFound">>,
  /** Receives every listed object's `qMeta` (`{}` when it has none), so `readObjects` need not ask each object for its layout. */
  metaOut?: Map<string, Record<string, unknown>>,
  /** Receives the full property trees read for content stamps. */
  treesOut?: Map<string, unknown>,
): Promise<ObjectStamp[] | undefined> {
  const typesOf = (generic: GenericType) => [...new Set(infos.filter((i) => genericTypeOf(i.qType) === generic).map((i) => i.qType))].sort();
  const objectTypes = typesOf("genericObject");
  const lists: (() => Promise<QixListEntry[]>)[] = [];
  if (objectTypes.length > 0) {
    if (!doc.getObjects) return undefined;
    const getObjects = doc.getObjects.bind(doc);
    lists.push(() => opts.call("GetObjects", () => getObjects({ qTypes: objectTypes, qIncludeSessionObjects: false, qData: {} })));
  }
  const bookmarkTypes = typesOf("genericBookmark");
  if (bookmarkTypes.length > 0) {
    if (!doc.getBookmarks) return undefined;
    const getBookmarks = doc.getBookmarks.bind(doc);
    lists.push(() => opts.call("GetBookmarks", () => getBookmarks({ qTypes: bookmarkTypes, qData: {} })));
  }
  // Master items and variables: list defs in one session object (layout key ← def key).
  const defs: Record<string, unknown> = {};
  const outKeys: string[] = [];
  for (const [generic, qType, def, out] of [
    ["genericMeasure", "measure", "qMeasureListDef", "qMeasureList"],
    ["genericDimension", "dimension", "qDimensionListDef", "qDimensionList"],
    ["genericVariable", "variable", "qVariableListDef", "qVariableList"],
  ] as const) {
    if (typesOf(generic).length === 0) continue;
    defs[def] = generic === "genericVariable" ? { qType, qShowReserved: false, qShowConfig: false, qData: {} } : { qType, qData: {} };
    outKeys.push(out);
  }
  if (outKeys.length > 0) {
    if (!doc.createSessionObject) return undefined;
    const create = doc.createSessionObject.bind(doc);
    lists.push(async () => {
      const handle = await opts.call("CreateSessionObject (list defs)", () => create({ qInfo: { qType: "LifeboatStampList" }, ...defs }));
      const layout = asRecord(await opts.call("GetLayout (list defs)", () => handle.getLayout()));
      const entries: QixListEntry[] = [];
      for (const out of outKeys) {
        const items = asRecord(layout?.[out])?.qItems;
        if (Array.isArray(items)) entries.push(...(items as QixListEntry[]));
      }
      return entries;
    });
  }
  const metaById = metaOut ?? new Map<string, Record<string, unknown>>();
  for (const entries of await mapPool(lists, opts.concurrency, (list) => list())) {
    for (const e of entries) {
      const id = e.qInfo?.qId;
      if (typeof id === "string") metaById.set(id, e.qMeta ?? {});
    }
  }
  if (infos.some((i) => !metaById.has(i.qId))) return undefined;
  const dated = (i: Info): boolean => str(metaById.get(i.qId)?.modifiedDate) !== undefined;
  const dateless = infos.filter((i) => !dated(i));
  if (dateless.some((i) => genericTypeOf(i.qType) !== "genericObject")) return undefined;

  // Content stamps for what dates do not cover (children, system objects).
  const hashes = new Map<string, string>();
  const covered = new Set<string>();
  let gone = false;
  const readTree = async (info: Info): Promise<void> => {
    try {
      const handle = await opts.call(`GetObject ${info.qId}`, () => doc.getObject(info.qId));
      if (typeof handle.getFullPropertyTree !== "function") throw new Error(`object ${info.qId} has no GetFullPropertyTree`);
      const fn = handle.getFullPropertyTree.bind(handle);
      const tree = await opts.call(`GetFullPropertyTree ${info.qId}`, fn);
      treesOut?.set(info.qId, tree);
      hashes.set(info.qId, treeHash(tree));
      collectChildIds(tree, covered);
    } catch (e) {
      if (opts.isNotFound?.(e)) gone = true;
      else throw e;
    }
  };
  if (dateless.length > 0) {
    const parents = [...infos.filter((i) => dated(i) && genericTypeOf(i.qType) === "genericObject"), ...dateless.filter((i) => SYSTEM_TYPES.has(i.qType))];
    const viaParents = parents.length < dateless.length;
    await mapPool(viaParents ? parents : dateless, opts.concurrency, readTree);
    if (viaParents) await mapPool(dateless.filter((i) => !covered.has(i.qId) && !hashes.has(i.qId)), opts.concurrency, readTree);
    if (gone) return undefined;
  }

  const stamps: ObjectStamp[] = [];
  for (const info of infos) {
    if (!dated(info) && covered.has(info.qId) && !hashes.has(info.qId)) continue; // inside a read parent's tree
    const meta = metaById.get(info.qId) ?? {};
    const owner = meta.owner;
    const stamp: ObjectStamp = {
      id: info.qId,
      type: info.qType,
      modifiedDate: str(meta.modifiedDate) ?? "",
      ownerId: str(meta.ownerId) ?? str(asRecord(owner)?.id) ?? (typeof owner === "string" ? owner : ""),
      published: meta.published === true,
      approved: meta.approved === true,
    };
    const hash = hashes.get(info.qId);
    if (hash) stamp.contentHash = hash;
    stamps.push(stamp);
  }
  return stamps.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * `listed`: `GetAllInfos` already made; `meta`: the objects' `qMeta` from the stamp lists of
 * the same session — an object found there is read without `GetLayout` (two calls, not three).
 */
export async function readObjects(
  doc: QixDocLike,
  opts: ReadObjectsOptions,
  listed?: Info[],
  meta?: ReadonlyMap<string, Record<string, unknown>>,
  /** Full property trees already read in this session (by `readStamps`). */
  trees?: ReadonlyMap<string, unknown>,
): Promise<ObjectRecord[]> {
  const infos = listed ?? (await listInfos(doc, opts));

  const descendants = new Set<string>();
  const records = new Map<string, { record: ObjectRecord; children: Set<string> }>();

  const readOne = async (info: { qId: string; qType: string }): Promise<void> => {
    if (descendants.has(info.qId)) return;
    const genericType = genericTypeOf(info.qType);
    let record: ObjectRecord;
    try {
      record = await readRecord(doc, info, genericType, opts, meta?.get(info.qId), trees?.get(info.qId));
    } catch (e) {
      if (opts.isNotFound(e)) {
        opts.onSkip?.(info.qId, info.qType, "listed by GetAllInfos but no longer found");
        return;
      }
      throw e;
    }
    const children = new Set<string>();
    collectChildIds(record.propertyTree, children);
    for (const c of children) descendants.add(c);
    records.set(info.qId, { record, children });
  };

  const first = infos.filter((i) => CONTAINERS_FIRST.has(i.qType));
  const rest = infos.filter((i) => !CONTAINERS_FIRST.has(i.qType));
  await mapPool(first, opts.concurrency, readOne);
  await mapPool(rest, opts.concurrency, readOne);

  // Drop any recorded object that is inside another recorded object's tree.
  const out: ObjectRecord[] = [];
  for (const info of infos) {
    const entry = records.get(info.qId);
    if (entry && !descendants.has(info.qId)) out.push(entry.record);
  }
  return out;
}

async function readRecord(
  doc: QixDocLike,
  info: { qId: string; qType: string },
  genericType: GenericType,
  opts: ReadObjectsOptions,
  listedMeta: Record<string, unknown> | undefined,
  readTree: unknown,
): Promise<ObjectRecord> {
  const id = info.qId;
  if (genericType === "genericObject" && readTree !== undefined && listedMeta) {
    return recordOf(info, genericType, { qMeta: listedMeta }, readTree, asRecord(asRecord(readTree)?.qProperty));
  }
  let handle: QixHandle;
  switch (genericType) {
    case "genericBookmark":
      handle = await opts.call(`GetBookmark ${id}`, () => doc.getBookmark(id));
      break;
    case "genericMeasure":
      handle = await opts.call(`GetMeasure ${id}`, () => doc.getMeasure(id));
      break;
    case "genericDimension":
      handle = await opts.call(`GetDimension ${id}`, () => doc.getDimension(id));
      break;
    case "genericVariable":
      handle = await opts.call(`GetVariableById ${id}`, () => doc.getVariableById(id));
      break;
    default:
      handle = await opts.call(`GetObject ${id}`, () => doc.getObject(id));
  }
  // A bookmark's selections are in its layout only: bookmarks are always asked for it.
  const needLayout = !listedMeta || genericType === "genericBookmark";
  const read = needLayout ? ((await opts.call(`GetLayout ${id}`, () => handle.getLayout())) as Record<string, unknown> | undefined) : undefined;
  const layout = listedMeta ? { ...read, qMeta: listedMeta } : read;
  let propertyTree: unknown;
  let properties: Record<string, unknown> | undefined;
  if (genericType === "genericObject" && typeof handle.getFullPropertyTree === "function") {
    const fn = handle.getFullPropertyTree.bind(handle);
    propertyTree = await opts.call(`GetFullPropertyTree ${id}`, fn);
    properties = asRecord(asRecord(propertyTree)?.qProperty);
  } else {
    properties = asRecord(await opts.call(`GetProperties ${id}`, () => handle.getProperties()));
    propertyTree = { qProperty: properties ?? {}, qChildren: [], qEmbeddedSnapshotRef: null };
    if (genericType === "genericBookmark") (propertyTree as Rec).qBookmark = bookmarkSelections(layout?.qBookmark);
  }
  return recordOf(info, genericType, layout, propertyTree, properties);
}

function recordOf(
  info: { qId: string; qType: string },
  genericType: GenericType,
  layout: Record<string, unknown> | undefined,
  propertyTree: unknown,
  properties: Record<string, unknown> | undefined,
): ObjectRecord {
  const id = info.qId;
  const meta = asRecord(layout?.qMeta) ?? {};
  const metaDef = asRecord(properties?.qMetaDef) ?? {};
  const title =
    str(meta.title) ??
    str(metaDef.title) ??
    str(asRecord(properties?.qMeasure)?.qLabel) ??
    str(asRecord(properties?.qDim)?.title) ??
    str(properties?.qName) ??
    str(layout?.qName) ??
    id;
  const owner = meta.owner;
  const ownerSubject = typeof owner === "string" ? owner : (str(asRecord(owner)?.subject) ?? str(asRecord(owner)?.userId) ?? "");
  const record: ObjectRecord = {
    id,
    type: info.qType,
    genericType,
    title,
    ownerId: str(meta.ownerId) ?? str(asRecord(owner)?.id) ?? "",
    ownerSubject,
    approved: meta.approved === true,
    published: meta.published === true,
    propertyTree,
  };
  const publishTime = str(meta.publishTime);
  if (publishTime) record.publishTime = publishTime;
  return record;
}

/** Ids of every descendant in a `GetFullPropertyTree` result (`qChildren[].qProperty.qInfo.qId`, recursively). */
export function collectChildIds(tree: unknown, into: Set<string>): void {
  const children = asRecord(tree)?.qChildren;
  if (!Array.isArray(children)) return;
  for (const child of children) {
    const id = str(asRecord(asRecord(asRecord(child)?.qProperty)?.qInfo)?.qId);
    if (id) into.add(id);
    collectChildIds(child, into);
  }
}

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v.length > 0 ? v : undefined;
}
