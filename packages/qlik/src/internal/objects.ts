/**
 * Reading every object of one app through one QIX session (API-FACTS §6.2, §6.3).
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
 * Bookmarks, master measures, master dimensions and variables are their own generic
 * types: `GetObject` does not open them, so they are read with `GetBookmark`,
 * `GetMeasure`, `GetDimension` and `GetVariableById`. They have no
 * `GetFullPropertyTree`; their `propertyTree` is built in the same shape from
 * `GetProperties()`: `{ qProperty, qChildren: [], qEmbeddedSnapshotRef: null }`.
 *
 * Session objects (list helpers such as "SheetList" that a client creates for itself)
 * are not app content and are skipped by type. `readStamps` creates one of its own (the
 * master-item lists); it lives only as long as the session.
 *
 * An object listed by GetAllInfos but gone when opened (deleted meanwhile) is skipped and
 * reported through `onSkip`.
 */
import type { ObjectRecord, ObjectStamp } from "@lifeboat/engine";
import { mapPool } from "./pool.ts";

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
 * The stamp of every object in `infos` from list calls only (API-FACTS §8, object level):
 * `GetObjects` for generic objects (children included) and one session object whose
 * properties hold a bookmark, measure, dimension and variable list def, as the Sense
 * client builds its own lists — at most four calls whatever the app's size. Undefined
 * when any object comes back without a `qMeta.modifiedDate` (the key is UNCONFIRMED in
 * Qlik's docs) or a list is missing: the caller then reads every object.
 */
export async function readStamps(
  doc: QixDocLike,
  infos: Info[],
  opts: Pick<ReadObjectsOptions, "call" | "concurrency">,
  /** Receives every listed object's `qMeta`, so `readObjects` need not ask each object for its layout. */
  metaOut?: Map<string, Record<string, unknown>>,
): Promise<ObjectStamp[] | undefined> {
  const typesOf = (generic: GenericType) => [...new Set(infos.filter((i) => genericTypeOf(i.qType) === generic).map((i) => i.qType))].sort();
  const objectTypes = typesOf("genericObject");
  const lists: (() => Promise<QixListEntry[]>)[] = [];
  if (objectTypes.length > 0) {
    if (!doc.getObjects) return undefined;
    const getObjects = doc.getObjects.bind(doc);
    lists.push(() => opts.call("GetObjects", () => getObjects({ qTypes: objectTypes, qIncludeSessionObjects: false, qData: {} })));
  }
  // Master items: list defs in one session object (layout key ← def key).
  const defs: Record<string, unknown> = {};
  const outKeys: string[] = [];
  for (const [generic, qType, def, out] of [
    ["genericBookmark", "bookmark", "qBookmarkListDef", "qBookmarkList"],
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
      if (typeof id === "string" && e.qMeta) metaById.set(id, e.qMeta);
    }
  }
  const stamps: ObjectStamp[] = [];
  for (const info of infos) {
    const meta = metaById.get(info.qId);
    const modifiedDate = str(meta?.modifiedDate);
    if (!meta || !modifiedDate) return undefined;
    const owner = meta.owner;
    stamps.push({
      id: info.qId,
      type: info.qType,
      modifiedDate,
      ownerId: str(meta.ownerId) ?? str(asRecord(owner)?.id) ?? (typeof owner === "string" ? owner : ""),
      published: meta.published === true,
      approved: meta.approved === true,
    });
  }
  return stamps.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * `listed`: `GetAllInfos` already made; `meta`: the objects' `qMeta` from the stamp lists of
 * the same session — an object found there is read without `GetLayout` (two calls, not three).
 */
export async function readObjects(doc: QixDocLike, opts: ReadObjectsOptions, listed?: Info[], meta?: ReadonlyMap<string, Record<string, unknown>>): Promise<ObjectRecord[]> {
  const infos = listed ?? (await listInfos(doc, opts));

  const descendants = new Set<string>();
  const records = new Map<string, { record: ObjectRecord; children: Set<string> }>();

  const readOne = async (info: { qId: string; qType: string }): Promise<void> => {
    if (descendants.has(info.qId)) return;
    const genericType = genericTypeOf(info.qType);
    let record: ObjectRecord;
    try {
      record = await readRecord(doc, info, genericType, opts, meta?.get(info.qId));
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
): Promise<ObjectRecord> {
  const id = info.qId;
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
  const layout = listedMeta ? { qMeta: listedMeta } : ((await opts.call(`GetLayout ${id}`, () => handle.getLayout())) as Record<string, unknown> | undefined);
  let propertyTree: unknown;
  let properties: Record<string, unknown> | undefined;
  if (genericType === "genericObject" && typeof handle.getFullPropertyTree === "function") {
    const fn = handle.getFullPropertyTree.bind(handle);
    propertyTree = await opts.call(`GetFullPropertyTree ${id}`, fn);
    properties = asRecord(asRecord(propertyTree)?.qProperty);
  } else {
    properties = asRecord(await opts.call(`GetProperties ${id}`, () => handle.getProperties()));
    propertyTree = { qProperty: properties ?? {}, qChildren: [], qEmbeddedSnapshotRef: null };
  }
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
