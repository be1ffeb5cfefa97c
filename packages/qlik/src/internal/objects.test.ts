import { describe, expect, it } from "vitest";
import { collectChildIds, readObjects, readStamps, type QixDocLike, type QixHandle } from "./objects.ts";

type Obj = { type: string; meta?: Record<string, unknown>; props?: Record<string, unknown>; children?: string[] };

/** A fake engine doc over a flat object table; children are nested in the parent's full tree. */
function fakeDoc(objects: Record<string, Obj>, calls: string[] = []): QixDocLike {
  const tree = (id: string): unknown => {
    const o = objects[id];
    if (!o) throw Object.assign(new Error("Object not found"), { code: 2 });
    return { qProperty: { qInfo: { qId: id, qType: o.type }, ...(o.props ?? {}) }, qChildren: (o.children ?? []).map(tree), qEmbeddedSnapshotRef: null };
  };
  const handle = (id: string, kind: string): QixHandle => {
    const o = objects[id];
    if (!o || (kind === "object") !== !["bookmark", "measure", "dimension", "variable"].includes(o.type)) throw Object.assign(new Error("Object not found"), { code: 2 });
    const h: QixHandle = {
      getLayout: async () => (calls.push(`layout ${id}`), { qInfo: { qId: id }, qMeta: o.meta ?? {} }),
      getProperties: async () => (calls.push(`props ${id}`), { qInfo: { qId: id, qType: o.type }, ...(o.props ?? {}) }),
    };
    if (kind === "object") h.getFullPropertyTree = async () => (calls.push(`tree ${id}`), tree(id));
    return h;
  };
  return {
    getAllInfos: async () => [...Object.entries(objects).map(([qId, o]) => ({ qId, qType: o.type })), { qId: "gone", qType: "bookmark" }],
    getObject: async (id) => handle(id, "object"),
    getBookmark: async (id) => handle(id, "bookmark"),
    getMeasure: async (id) => handle(id, "measure"),
    getDimension: async (id) => handle(id, "dimension"),
    getVariableById: async (id) => handle(id, "variable"),
  };
}

const objects: Record<string, Obj> = {
  chart1: { type: "barchart" },
  chart2: { type: "table" },
  sheet1: { type: "sheet", meta: { title: "Q3 review", ownerId: "u1", owner: "auth0|jane", approved: false, published: true, publishTime: "2024-05-01T00:00:00Z" }, children: ["chart1", "chart2"] },
  box1: { type: "container", meta: { title: "Box" }, children: ["inner1"] },
  inner1: { type: "kpi" },
  bm1: { type: "bookmark", meta: { title: "My selection", ownerId: "u2", owner: "auth0|bob" } },
  m1: { type: "measure", props: { qMeasure: { qLabel: "Revenue", qDef: "Sum(x)" } }, meta: { approved: true, published: true } },
  d1: { type: "dimension", meta: { title: "Region" } },
  v1: { type: "variable", props: { qName: "vYear" } },
  SheetList: { type: "SheetList" },
};

describe("readObjects", () => {
  it("records top-level objects with children inside the tree, each generic type through its own getter", async () => {
    const skipped: string[] = [];
    const calls: string[] = [];
    const out = await readObjects(fakeDoc(objects, calls), {
      concurrency: 3,
      call: (_what, fn) => fn(),
      isNotFound: (e) => (e as { code?: number }).code === 2,
      onSkip: (id) => skipped.push(id),
    });
    expect(out.map((o) => [o.id, o.genericType]).sort()).toEqual(
      [
        ["box1", "genericObject"],
        ["bm1", "genericBookmark"],
        ["d1", "genericDimension"],
        ["m1", "genericMeasure"],
        ["sheet1", "genericObject"],
        ["v1", "genericVariable"],
      ].sort(),
    );
    const sheet = out.find((o) => o.id === "sheet1");
    expect(sheet).toMatchObject({ type: "sheet", title: "Q3 review", ownerId: "u1", ownerSubject: "auth0|jane", approved: false, published: true, publishTime: "2024-05-01T00:00:00Z" });
    expect((sheet?.propertyTree as { qChildren: unknown[] }).qChildren).toHaveLength(2);
    expect(out.find((o) => o.id === "m1")).toMatchObject({ title: "Revenue", approved: true, published: true });
    expect(out.find((o) => o.id === "v1")?.title).toBe("vYear");
    expect(out.find((o) => o.id === "bm1")?.propertyTree).toEqual({ qProperty: { qInfo: { qId: "bm1", qType: "bookmark" } }, qChildren: [], qEmbeddedSnapshotRef: null });
    expect(skipped).toEqual(["gone"]);
    // Sheets go first, so their charts are never opened.
    expect(calls.filter((c) => c.endsWith("chart1"))).toEqual([]);
  });

  it("takes qMeta from the session's stamp lists when given, and asks no object for its layout", async () => {
    const calls: string[] = [];
    const meta = new Map(Object.entries(objects).map(([id, o]) => [id, { ...(o.meta ?? {}), modifiedDate: "2026-11-01T00:00:00Z" }]));
    const opts = { concurrency: 3, call: <T>(_w: string, fn: () => Promise<T>) => fn(), isNotFound: (e: unknown) => (e as { code?: number }).code === 2 };
    const withMeta = await readObjects(fakeDoc(objects, calls), opts, undefined, meta);
    expect(calls.filter((c) => c.startsWith("layout"))).toEqual([]);
    const plain = await readObjects(fakeDoc(objects), opts);
    expect(withMeta).toEqual(plain);
  });

  it("fails the app on errors other than not-found", async () => {
    const doc = fakeDoc(objects);
    doc.getObject = async () => {
      throw Object.assign(new Error("Access denied"), { code: 5 });
    };
    await expect(readObjects(doc, { concurrency: 2, call: (_w, fn) => fn(), isNotFound: () => false })).rejects.toThrow(/Access denied/);
  });
});

describe("collectChildIds", () => {
  it("walks nested qChildren", () => {
    const ids = new Set<string>();
    collectChildIds({ qChildren: [{ qProperty: { qInfo: { qId: "a" } }, qChildren: [{ qProperty: { qInfo: { qId: "b" } }, qChildren: [] }] }] }, ids);
    expect([...ids]).toEqual(["a", "b"]);
  });
});

describe("readStamps", () => {
  const call = <T>(_what: string, fn: () => Promise<T>) => fn();
  const meta = (id: string, extra: Record<string, unknown> = {}) => ({ qInfo: { qId: id }, qMeta: { modifiedDate: `2026-11-0${id.length}T00:00:00Z`, ownerId: "u1", ...extra } });
  const infos = [
    { qId: "sheet1", qType: "sheet" },
    { qId: "chart1", qType: "barchart" },
    { qId: "bm1", qType: "bookmark" },
    { qId: "m1", qType: "measure" },
    { qId: "v1", qType: "variable" },
  ];
  const doc = (over: Partial<QixDocLike> = {}, calls: string[] = []): QixDocLike => ({
    getAllInfos: async () => infos,
    getObject: async () => Promise.reject(new Error("not used")),
    getBookmark: async () => Promise.reject(new Error("not used")),
    getMeasure: async () => Promise.reject(new Error("not used")),
    getDimension: async () => Promise.reject(new Error("not used")),
    getVariableById: async () => Promise.reject(new Error("not used")),
    getObjects: async (o) => (calls.push(`objects ${o.qTypes.join(",")}`), [meta("sheet1", { published: true }), meta("chart1")]),
    createSessionObject: async (p) => {
      calls.push(`session ${Object.keys(p).filter((k) => k.endsWith("ListDef")).join(",")}`);
      return {
        getLayout: async () => ({
          qBookmarkList: { qItems: [meta("bm1")] },
          qMeasureList: { qItems: [meta("m1", { approved: true })] },
          qVariableList: { qItems: [meta("v1")] },
        }),
        getProperties: async () => ({}),
      };
    },
    ...over,
  });

  it("stamps every listed object, children included, from list calls only, sorted by id", async () => {
    const calls: string[] = [];
    const stamps = await readStamps(doc({}, calls), infos, { call, concurrency: 4 });
    expect(stamps?.map((s) => s.id)).toEqual(["bm1", "chart1", "m1", "sheet1", "v1"]);
    expect(stamps?.find((s) => s.id === "sheet1")).toMatchObject({ type: "sheet", published: true, approved: false, ownerId: "u1" });
    expect(stamps?.find((s) => s.id === "m1")).toMatchObject({ approved: true });
    expect(calls.sort()).toEqual(["objects barchart,sheet", "session qBookmarkListDef,qMeasureListDef,qVariableListDef"]);
  });

  it("gives no stamps when any object comes back without a modifiedDate, or a list call is missing", async () => {
    const noDate = { getLayout: async () => ({ qBookmarkList: { qItems: [{ qInfo: { qId: "bm1" }, qMeta: { ownerId: "u1" } }] }, qMeasureList: { qItems: [meta("m1")] }, qVariableList: { qItems: [meta("v1")] } }), getProperties: async () => ({}) };
    expect(await readStamps(doc({ createSessionObject: async () => noDate }), infos, { call, concurrency: 4 })).toBeUndefined();
    expect(await readStamps(doc({ getObjects: async () => [meta("sheet1")] }), infos, { call, concurrency: 4 })).toBeUndefined();
    expect(await readStamps(doc({ createSessionObject: undefined }), infos, { call, concurrency: 4 })).toBeUndefined();
  });
});
