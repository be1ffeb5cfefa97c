/**
 * Layouts: what GetLayout returns for an object's properties. The engine copies custom
 * properties through, turns `qMetaDef` into `qMeta`, and evaluates each `…Def` it knows
 * into its result (`qChildListDef` → `qChildList`, `qAppObjectListDef` → `qAppObjectList`,
 * …). The emulator has no data model, so hypercubes and field lists come back empty.
 */
import type { AppObject, Identity } from "../model.ts";
import { clone, type LoadedDoc, type Located, resolveData, SYSTEM_TYPES } from "./doc.ts";

export interface LayoutContext {
  doc: LoadedDoc;
  who: Identity;
}

type Props = Record<string, unknown>;

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

/** Visible persisted objects of a generic type (and optional qType), children included. */
export function visibleObjects(ctx: LayoutContext, genericType: AppObject["genericType"], qType?: string): Located[] {
  return ctx.doc
    .all()
    .filter((l) => l.obj.genericType === genericType && (qType === undefined || l.obj.type === qType))
    .filter((l) => ctx.doc.canSee(ctx.who, l));
}

/** `{qMeta}` when the object has one (system objects have none). */
function withMeta(ctx: LayoutContext, l: Located): Props {
  const meta = ctx.doc.meta(ctx.who, l);
  return meta ? { qMeta: meta } : {};
}

function entry(ctx: LayoutContext, l: Located, qData: unknown): Props {
  return {
    qInfo: { qId: l.obj.id, qType: l.obj.type },
    ...withMeta(ctx, l),
    qData: resolveData(qData, l.obj.properties),
  };
}

/** Static content URL definitions evaluate to (empty) URLs, as the engine's layouts show them. */
function evaluateStatic(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(evaluateStatic);
  if (typeof value !== "object" || value === null) return value;
  const out: Props = {};
  for (const [k, v] of Object.entries(value as Props)) {
    if (k === "qStaticContentUrlDef") out.qStaticContentUrl = {};
    else out[k] = evaluateStatic(v);
  }
  return out;
}

function listOf(ctx: LayoutContext, genericType: AppObject["genericType"], def: unknown): Props {
  const d = (def ?? {}) as Props;
  const qType = str(d.qType);
  return { qItems: visibleObjects(ctx, genericType, qType).map((l) => entry(ctx, l, d.qData)) };
}

export function variableItem(ctx: LayoutContext, l: Located, qData?: unknown): Props {
  const p = l.obj.properties;
  const metaDef = (p.qMetaDef ?? {}) as Props;
  return {
    qName: str(p.qName) ?? "",
    qDefinition: str(p.qDefinition) ?? "",
    qDescription: str(p.qComment) ?? str(metaDef.description) ?? "",
    qIsReserved: false,
    qIsConfig: false,
    qIsScriptCreated: false,
    qInfo: { qId: l.obj.id, qType: l.obj.type },
    ...withMeta(ctx, l),
    qData: resolveData(qData, p),
  };
}

function variableList(ctx: LayoutContext, def: unknown): Props {
  const d = (def ?? {}) as Props;
  const qType = str(d.qType);
  return { qItems: visibleObjects(ctx, "genericVariable", qType).map((l) => variableItem(ctx, l, d.qData)) };
}

function childList(ctx: LayoutContext, obj: AppObject | undefined, def: unknown): Props {
  const d = (def ?? {}) as Props;
  if (!obj) return { qItems: [] };
  return {
    qItems: obj.children.map((child) => {
      const l = ctx.doc.locate(child.id);
      return l ? entry(ctx, l, d.qData) : { qInfo: { qId: child.id, qType: child.type }, qData: {} };
    }),
  };
}

function hyperCube(def: unknown): Props {
  const d = (def ?? {}) as Props;
  const dims = Array.isArray(d.qDimensions) ? d.qDimensions : [];
  const measures = Array.isArray(d.qMeasures) ? d.qMeasures : [];
  return {
    qSize: { qcx: dims.length + measures.length, qcy: 0 },
    qDimensionInfo: dims.map(() => ({ qFallbackTitle: "", qCardinal: 0, qStateCounts: {} })),
    qMeasureInfo: measures.map(() => ({ qFallbackTitle: "", qMin: 0, qMax: 0 })),
    qEffectiveInterColumnSortOrder: [],
    qGrandTotalRow: [],
    qDataPages: [],
    qPivotDataPages: [],
    qStackedDataPages: [],
    qMode: str(d.qMode) ?? "S",
    qNoOfLeftDims: -1,
    qTitle: "",
    qColumnOrder: [],
  };
}

/**
 * The layout of a generic object: `obj` is the node (persisted or session object),
 * `located` is set for persisted objects (they carry qMeta).
 */
export function objectLayout(ctx: LayoutContext, obj: AppObject, located: Located | undefined): Props {
  const out: Props = {};
  for (const [key, value] of Object.entries(obj.properties)) {
    switch (key) {
      case "qMetaDef":
        break;
      case "qChildListDef":
        out.qChildList = childList(ctx, obj, value);
        break;
      case "qAppObjectListDef":
        out.qAppObjectList = listOf(ctx, "genericObject", value);
        break;
      case "qBookmarkListDef":
        out.qBookmarkList = listOf(ctx, "genericBookmark", value);
        break;
      case "qMeasureListDef":
        out.qMeasureList = listOf(ctx, "genericMeasure", value);
        break;
      case "qDimensionListDef":
        out.qDimensionList = listOf(ctx, "genericDimension", value);
        break;
      case "qVariableListDef":
        out.qVariableList = variableList(ctx, value);
        break;
      case "qFieldListDef":
        out.qFieldList = { qItems: [] };
        break;
      case "qHyperCubeDef":
        out.qHyperCube = hyperCube(value);
        break;
      case "qListObjectDef":
        out.qListObject = { qSize: { qcx: 1, qcy: 0 }, qDimensionInfo: {}, qDataPages: [] };
        break;
      case "qSelectionObjectDef":
        out.qSelectionObject = { qBackCount: 0, qForwardCount: 0, qSelections: [] };
        break;
      case "qUndoInfoDef":
        out.qUndoInfo = { qUndoCount: 0, qRedoCount: 0 };
        break;
      default:
        out[key] = evaluateStatic(clone(value));
    }
  }
  out.qInfo = { qId: obj.id, qType: obj.type };
  if (located) Object.assign(out, withMeta(ctx, located));
  // System objects' layouts (LoadModel in the captured responses) carry neither qMeta nor qSelectionInfo.
  if (!SYSTEM_TYPES.has(obj.type)) out.qSelectionInfo = {};
  return out;
}

/**
 * A bookmark's layout: its custom properties, qMeta, and `qBookmark` — the selections the
 * engine recorded (`AppObject.bookmark`), never a property (GenericBookmarkLayout vs
 * GenericBookmarkProperties in the QIX spec).
 */
export function bookmarkLayout(ctx: LayoutContext, l: Located): Props {
  const { qMetaDef: _m, ...rest } = l.obj.properties;
  const recorded = l.obj.bookmark;
  return {
    ...clone(rest),
    qInfo: { qId: l.obj.id, qType: l.obj.type },
    ...withMeta(ctx, l),
    qBookmark: {
      qStateData: clone(recorded?.qStateData ?? []),
      qUtcModifyTime: recorded?.qUtcModifyTime ?? Date.parse(l.obj.modifiedDate) / 86_400_000 + 25_569,
      qVariableItems: clone(recorded?.qVariableItems ?? []),
      qPatches: [],
    },
  };
}

export function measureLayout(ctx: LayoutContext, l: Located): Props {
  const { qMetaDef: _m, ...rest } = l.obj.properties;
  return { ...clone(rest), qInfo: { qId: l.obj.id, qType: l.obj.type }, ...withMeta(ctx, l), qMeasure: clone(rest.qMeasure ?? {}) };
}

export function dimensionLayout(ctx: LayoutContext, l: Located): Props {
  const { qMetaDef: _m, ...rest } = l.obj.properties;
  return {
    ...clone(rest),
    qInfo: { qId: l.obj.id, qType: l.obj.type },
    ...withMeta(ctx, l),
    qDim: clone(rest.qDim ?? {}),
    qDimInfos: [],
  };
}

export function variableLayout(ctx: LayoutContext, l: Located): Props {
  const p = l.obj.properties;
  const text = str(p.qDefinition) ?? "";
  const num = text.trim() === "" ? Number.NaN : Number(text.replace(/^=/, ""));
  const out: Props = {
    qInfo: { qId: l.obj.id, qType: l.obj.type },
    ...withMeta(ctx, l),
    qText: text.startsWith("=") ? text.slice(1) : text,
    qIsScriptCreated: false,
  };
  if (Number.isFinite(num)) out.qNum = num;
  for (const [k, v] of Object.entries(p)) {
    if (!(k in out) && k !== "qMetaDef" && !k.startsWith("q")) out[k] = clone(v);
  }
  return out;
}
