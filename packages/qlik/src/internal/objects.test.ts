import { describe, expect, it } from "vitest";
import { bookmarkSelections, collectChildIds, readObjects, readStamps, type QixDocLike, type QixHandle } from "./objects.ts";

type Obj = { type: string; meta?: Record<string, unknown>; props?: Record<string, unknown>; children?: string[]; qBookmark?: unknown };

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
      getLayout: async () => (calls.push(`layout ${id}`), { qInfo: { qId: id }, qMeta: o.meta ?? {}, ...(o.qBookmark ? { qBookmark: o.qBookmark } : {}) }),
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
  bm1: {
    type: "bookmark",
    meta: { title: "My selection", ownerId: "u2", owner: "auth0|bob" },
    // As GetLayout gives it (QIX spec NxBookmark); the properties have no qBookmark.
    qBookmark: {
      qStateData: [
        { qStateName: "Compare", qFieldItems: [{ qDef: { qName: "Year", qType: "PRESENT" }, qSelectInfo: { qTextSearch: "" }, qValues: [{ qText: "2024", qIsNumeric: true, qNumber: 2024 }], qExcludedValues: [] }] },
        {
          qStateName: "$",
          qFieldItems: [
            { qDef: { qName: "Region", qType: "PRESENT" }, qLocked: true, qValues: [{ qText: "South", qIsNumeric: false }, { qText: "North", qIsNumeric: false }], qExcludedValues: [] },
            { qDef: { qName: "Empty", qType: "PRESENT" }, qValues: [], qExcludedValues: [] },
          ],
        },
      ],
      qUtcModifyTime: 45678.5,
      qVariableItems: [{ qName: "vYear", qValue: { qText: "2024" }, qDefinition: "2024" }],
      qPatches: [],
    },
  },
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
    // A bookmark's selections come from its layout, in normal form (states "$" first, fields and values sorted; times left out).
    expect(out.find((o) => o.id === "bm1")?.propertyTree).toEqual({
      qProperty: { qInfo: { qId: "bm1", qType: "bookmark" } },
      qChildren: [],
      qEmbeddedSnapshotRef: null,
      qBookmark: {
        qStateData: [
          { qStateName: "$", qFieldItems: [{ qDef: { qName: "Region" }, qValues: [{ qText: "North" }, { qText: "South" }], qLocked: true }] },
          { qStateName: "Compare", qFieldItems: [{ qDef: { qName: "Year" }, qValues: [{ qText: "2024", qIsNumeric: true, qNumber: 2024 }] }] },
        ],
        qVariableItems: [{ qName: "vYear", qDefinition: "2024" }],
      },
    });
    expect(skipped).toEqual(["gone"]);
    // Sheets go first, so their charts are never opened.
    expect(calls.filter((c) => c.endsWith("chart1"))).toEqual([]);
  });

  it("takes qMeta from the session's stamp lists when given, and asks only bookmarks for their layout (their selections)", async () => {
    const calls: string[] = [];
    const meta = new Map(Object.entries(objects).map(([id, o]) => [id, { ...(o.meta ?? {}), modifiedDate: "2026-11-01T00:00:00Z" }]));
    const opts = { concurrency: 3, call: <T>(_w: string, fn: () => Promise<T>) => fn(), isNotFound: (e: unknown) => (e as { code?: number }).code === 2 };
    const withMeta = await readObjects(fakeDoc(objects, calls), opts, undefined, meta);
    expect(calls.filter((c) => c.startsWith("layout"))).toEqual(["layout bm1"]);
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

describe("bookmarkSelections", () => {
  it("is the same for the same selections whatever the engine's order, times or criteria", () => {
    const a = bookmarkSelections({ qStateData: [{ qStateName: "$", qFieldItems: [{ qDef: { qName: "B" }, qValues: [{ qText: "2" }, { qText: "1" }] }, { qDef: { qName: "A" }, qValues: [{ qText: "x" }] }] }], qUtcModifyTime: 1 });
    const b = bookmarkSelections({ qStateData: [{ qStateName: "", qFieldItems: [{ qDef: { qName: "A" }, qSelectInfo: { qTextSearch: "x*" }, qValues: [{ qText: "x" }] }, { qDef: { qName: "B" }, qValues: [{ qText: "1" }, { qText: "2" }] }] }], qUtcModifyTime: 2 });
    expect(a).toEqual(b);
    expect(bookmarkSelections({ qStateData: [{ qStateName: "$", qFieldItems: [] }] })).toEqual({ qStateData: [] });
    expect(bookmarkSelections(undefined)).toEqual({ qStateData: [] });
    expect(a).not.toEqual(bookmarkSelections({ qStateData: [{ qStateName: "$", qFieldItems: [{ qDef: { qName: "A" }, qValues: [{ qText: "y" }] }] }] }));
  });
});

describe("readStamps", () => {
  const call = <T>(_what: string, fn: () => Promise<T>) => fn();
  const dated = (id: string, extra: Record<string, unknown> = {}) => ({ qInfo: { qId: id }, qMeta: { modifiedDate: `2026-11-0${id.length}T00:00:00Z`, ownerId: "u1", ...extra } });
  // As Qlik Cloud lists them: a chart's qMeta has privileges only; LoadModel has none.
  const child = (id: string) => ({ qInfo: { qId: id }, qMeta: { privileges: ["read", "update", "delete"] } });
  const infos = [
    { qId: "sheet1", qType: "sheet" },
    { qId: "chart1", qType: "barchart" },
    { qId: "bm1", qType: "bookmark" },
    { qId: "snap1", qType: "snapshot" },
    { qId: "m1", qType: "measure" },
    { qId: "v1", qType: "variable" },
  ];
  const trees: Record<string, unknown> = {
    sheet1: { qProperty: { qInfo: { qId: "sheet1", qType: "sheet" } }, qChildren: [{ qProperty: { qInfo: { qId: "chart1", qType: "barchart" }, title: "Sales" }, qChildren: [] }] },
    chart1: { qProperty: { qInfo: { qId: "chart1", qType: "barchart" }, title: "Sales" }, qChildren: [] },
    LoadModel: { qProperty: { qInfo: { qId: "LoadModel", qType: "LoadModel" }, tables: [] }, qChildren: [] },
  };
  const doc = (over: Partial<QixDocLike> = {}, calls: string[] = [], objectEntries: unknown[] = [dated("sheet1", { published: true }), child("chart1")]): QixDocLike => ({
    getAllInfos: async () => infos,
    getObject: async (id) => {
      calls.push(`object ${id}`);
      return { getLayout: async () => ({}), getProperties: async () => ({}), getFullPropertyTree: async () => (calls.push(`tree ${id}`), structuredClone(trees[id])) };
    },
    getBookmark: async () => Promise.reject(new Error("not used")),
    getMeasure: async () => Promise.reject(new Error("not used")),
    getDimension: async () => Promise.reject(new Error("not used")),
    getVariableById: async () => Promise.reject(new Error("not used")),
    getObjects: async (o) => (calls.push(`objects ${o.qTypes.join(",")}`), objectEntries as never),
    getBookmarks: async (o) => (calls.push(`bookmarks ${o.qTypes.join(",")}`), [dated("bm1"), dated("snap1")]),
    createSessionObject: async (p) => {
      calls.push(`session ${Object.keys(p).filter((k) => k.endsWith("ListDef")).join(",")}`);
      return {
        getLayout: async () => ({ qMeasureList: { qItems: [dated("m1", { approved: true })] }, qVariableList: { qItems: [dated("v1")] } }),
        getProperties: async () => ({}),
      };
    },
    ...over,
  });

  it("stamps dated objects from list calls only, snapshots with the bookmarks, sorted by id", async () => {
    const calls: string[] = [];
    const stamps = await readStamps(doc({}, calls, [dated("sheet1", { published: true }), dated("chart1")]), infos, { call, concurrency: 4 });
    expect(stamps?.map((s) => s.id)).toEqual(["bm1", "chart1", "m1", "sheet1", "snap1", "v1"]);
    expect(stamps?.find((s) => s.id === "sheet1")).toMatchObject({ type: "sheet", published: true, approved: false, ownerId: "u1" });
    expect(stamps?.find((s) => s.id === "sheet1")?.contentHash).toBeUndefined();
    expect(stamps?.find((s) => s.id === "m1")).toMatchObject({ approved: true });
    expect(calls.sort()).toEqual(["bookmarks bookmark,snapshot", "objects barchart,sheet", "session qMeasureListDef,qVariableListDef"]);
  });

  it("covers a dateless chart by its sheet's content hash (fewest tree reads), so editing the chart changes the stamps", async () => {
    const calls: string[] = [];
    const out = new Map<string, unknown>();
    const before = await readStamps(doc({}, calls), infos, { call, concurrency: 4 }, undefined, out);
    // One dated generic object (sheet1) vs one dateless object (chart1): equal, so the dateless one is read itself.
    expect(calls.filter((c) => c.startsWith("tree"))).toEqual(["tree chart1"]);
    expect(before?.find((s) => s.id === "chart1")).toMatchObject({ modifiedDate: "", ownerId: "" });
    expect(out.has("chart1")).toBe(true);
    (trees.chart1 as { qProperty: { title: string } }).qProperty.title = "Sales by region";
    const after = await readStamps(doc(), infos, { call, concurrency: 4 });
    (trees.chart1 as { qProperty: { title: string } }).qProperty.title = "Sales";
    expect(after?.find((s) => s.id === "chart1")?.contentHash).not.toBe(before?.find((s) => s.id === "chart1")?.contentHash);
  });

  it("reads the parents' trees instead when that is fewer calls, and reads system objects themselves", async () => {
    const many = [...infos, { qId: "chart2", qType: "linechart" }, { qId: "LoadModel", qType: "LoadModel" }];
    trees.sheet1 = { qProperty: { qInfo: { qId: "sheet1", qType: "sheet" } }, qChildren: [{ qProperty: { qInfo: { qId: "chart1", qType: "barchart" } }, qChildren: [] }, { qProperty: { qInfo: { qId: "chart2", qType: "linechart" } }, qChildren: [] }] };
    const calls: string[] = [];
    const d = doc({ getAllInfos: async () => many }, calls, [dated("sheet1"), child("chart1"), child("chart2"), { qInfo: { qId: "LoadModel" } }]);
    const stamps = await readStamps(d, many, { call, concurrency: 4 });
    expect(calls.filter((c) => c.startsWith("tree")).sort()).toEqual(["tree LoadModel", "tree sheet1"]);
    expect(stamps?.map((s) => s.id)).toEqual(["LoadModel", "bm1", "m1", "sheet1", "snap1", "v1"]);
    expect(stamps?.find((s) => s.id === "sheet1")?.contentHash).toMatch(/^[0-9a-f]{32}$/);
    expect(stamps?.find((s) => s.id === "LoadModel")).toMatchObject({ modifiedDate: "", ownerId: "" });
  });

  it("gives no stamps when a bookmark, master item or variable comes back without a modifiedDate, or a list call is missing", async () => {
    expect(await readStamps(doc({ getBookmarks: async () => [{ qInfo: { qId: "bm1" }, qMeta: { ownerId: "u1" } }, dated("snap1")] }), infos, { call, concurrency: 4 })).toBeUndefined();
    expect(await readStamps(doc({}, [], [dated("sheet1")]), infos, { call, concurrency: 4 })).toBeUndefined();
    expect(await readStamps(doc({ createSessionObject: undefined }), infos, { call, concurrency: 4 })).toBeUndefined();
    expect(await readStamps(doc({ getBookmarks: undefined }), infos, { call, concurrency: 4 })).toBeUndefined();
  });
});
