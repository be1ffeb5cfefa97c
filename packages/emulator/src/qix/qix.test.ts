/**
 * The QIX engine through the official client (`qix.openAppSession` from @qlik/api) over a
 * real socket, plus raw-websocket cases for what the client never sends.
 */
import type { HostConfig } from "@qlik/api/auth";
import { openAppSession } from "@qlik/api/qix";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { supportedMethods } from "./index.ts";
import { type CallerName, type QixHarness, startQixHarness } from "./testing.ts";

let h: QixHarness;
const open: Array<{ close(props?: { websocketCloseDelay?: number }): Promise<void> }> = [];

beforeEach(async () => {
  h = await startQixHarness();
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close({ websocketCloseDelay: 0 }).catch(() => undefined)));
  await h.close();
});

// The mixin-typed Doc is large; these tests use it loosely.
type AnyDoc = any;

async function docFor(caller: CallerName, identity: string = caller, appId = h.appId): Promise<AnyDoc> {
  const session = openAppSession({ appId, identity, withoutData: true, hostConfig: h.hostConfig(caller) as HostConfig });
  open.push(session);
  return session.getDoc();
}

async function closeAll(): Promise<void> {
  await Promise.all(open.splice(0).map((s) => s.close({ websocketCloseDelay: 0 })));
  // the server sees the socket close asynchronously
  await h.idle();
}

const ids = (infos: Array<{ qId: string }>): string[] => infos.map((i) => i.qId).sort();

describe("visibility", () => {
  it("GetAllInfos lists what the caller may see: others' private objects are absent", async () => {
    const doc = await docFor("alice");
    const infos = ids(await doc.getAllInfos());
    expect(infos).toEqual(
      [
        "alice-chart-1",
        "alice-chart-2",
        "alice-private",
        "base-chart",
        "base-sheet",
        "bm-alice",
        "bm-base",
        "bob-community",
        "dim1",
        "master1",
        "meas1",
        "story1",
        "var1",
      ].sort(),
    );
    await expect(doc.getObject("bob-private")).rejects.toMatchObject({ code: 2 });
    await expect(doc.getObject("bob-chart")).rejects.toMatchObject({ code: 2 });
  });

  it("a private-content bot sees every user's private content", async () => {
    const doc = await docFor("bot");
    const infos = ids(await doc.getAllInfos());
    expect(infos).toContain("bob-private");
    expect(infos).toContain("bob-chart");
    expect(infos).toContain("alice-private");
    const layout = await (await doc.getObject("bob-private")).getLayout();
    expect(layout.qMeta).toMatchObject({ ownerId: "u-bob", owner: "auth0|bob", published: false, approved: false });
    const sheets = await doc.getSheetList();
    expect(sheets.map((s: AnyDoc) => s.qInfo.qId).sort()).toEqual(["alice-private", "base-sheet", "bob-community", "bob-private"]);
  });

  it("an unknown app and a refused app fail OpenDoc with engine errors; a bad token gets 401", async () => {
    await expect(docFor("alice", "alice", "no-such-app")).rejects.toMatchObject({ code: 1003 });
    await expect(docFor("outsider")).rejects.toMatchObject({ code: 5 });
    const status = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${h.port}/app/${h.appId}`, { headers: { authorization: "Bearer wrong" } });
      ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
      ws.on("open", () => reject(new Error("upgrade should be refused")));
      ws.on("error", () => undefined);
    });
    expect(status).toBe(401);
  });
});

describe("objects", () => {
  it("GetLayout and GetProperties carry qMeta with the owner's subject, state and privileges", async () => {
    const doc = await docFor("alice");
    const sheet = await doc.getObject("alice-private");
    expect(sheet.id).toBe("alice-private");
    expect(sheet.genericType).toBe("sheet");
    const layout = await sheet.getLayout();
    expect(layout.qInfo).toEqual({ qId: "alice-private", qType: "sheet" });
    expect(layout.qMeta).toMatchObject({
      title: "Alice private",
      description: "Alice private description",
      ownerId: "u-alice",
      owner: "auth0|alice",
      approved: false,
      published: false,
      createdDate: "2026-01-01T00:00:00.000Z",
      modifiedDate: "2026-01-01T00:00:00.000Z",
    });
    expect(layout.qMeta.privileges).toEqual(expect.arrayContaining(["read", "update", "delete", "publish"]));
    expect(layout.qMeta.privileges).not.toContain("approve");
    expect(layout.qChildList.qItems.map((i: AnyDoc) => i.qInfo.qId)).toEqual(["alice-chart-1", "alice-chart-2"]);
    expect(layout.qChildList.qItems[0].qData).toEqual({ title: "A1" });

    const props = await sheet.getProperties();
    expect(props.qInfo).toEqual({ qId: "alice-private", qType: "sheet" });
    expect(props.qMetaDef).toEqual({ title: "Alice private", description: "Alice private description" });
    expect(props.qMeta).toBeUndefined();

    const base = await (await doc.getObject("base-sheet")).getLayout();
    expect(base.qMeta).toMatchObject({ owner: "auth0|owner", approved: true, published: true, publishTime: "2026-01-01T00:00:00.000Z" });
    expect(base.qMeta.privileges).not.toContain("update");
  });

  it("GetFullPropertyTree / SetFullPropertyTree round trip: children updated, created, removed; type is fixed", async () => {
    const doc = await docFor("alice");
    const sheet = await doc.getObject("alice-private");
    const tree = await sheet.getFullPropertyTree();
    expect(tree.qProperty.qInfo.qId).toBe("alice-private");
    expect(tree.qChildren.map((c: AnyDoc) => c.qProperty.qInfo.qId)).toEqual(["alice-chart-1", "alice-chart-2"]);
    expect(tree).toHaveProperty("qEmbeddedSnapshotRef");

    tree.qProperty.qMetaDef.title = "Renamed";
    tree.qChildren[0].qProperty.title = "A1 renamed";
    tree.qChildren.splice(1, 1); // drop alice-chart-2
    tree.qChildren.push({ qProperty: { qInfo: { qId: "new-chart", qType: "linechart" }, title: "New" }, qChildren: [] });
    tree.qChildren.push({ qProperty: { qInfo: { qId: "base-chart", qType: "kpi" }, title: "Clash" }, qChildren: [] });
    await sheet.setFullPropertyTree(tree);

    const after = await sheet.getFullPropertyTree();
    expect(after.qProperty.qMetaDef.title).toBe("Renamed");
    const childIds = after.qChildren.map((c: AnyDoc) => c.qProperty.qInfo.qId);
    expect(childIds[0]).toBe("alice-chart-1");
    expect(childIds[1]).toBe("new-chart");
    expect(childIds[2]).not.toBe("base-chart"); // id taken elsewhere in the app ⇒ engine-chosen id
    expect(after.qChildren[0].qProperty.title).toBe("A1 renamed");
    expect(after.qChildren[2].qProperty.qInfo.qType).toBe("kpi");
    const infos = ids(await doc.getAllInfos());
    expect(infos).not.toContain("alice-chart-2");
    expect(infos).toContain("new-chart");
    const layout = await sheet.getLayout();
    expect(layout.qMeta.title).toBe("Renamed");
    const newChild = await sheet.getChild("new-chart");
    // A child's qMeta holds privileges only (real layouts, datahub PR #9682); alice owns the sheet, so she may edit it.
    expect((await newChild.getLayout()).qMeta).toEqual({ privileges: ["read", "update", "delete"] });

    tree.qProperty.qInfo.qType = "story";
    await expect(sheet.setFullPropertyTree(tree)).rejects.toMatchObject({ code: 8 });
  });

  it("CreateObject with a taken id gets an engine-chosen id; DestroyObject removes the children too", async () => {
    const doc = await docFor("alice");
    const created = await doc.createObject({ qInfo: { qId: "base-sheet", qType: "sheet" }, qMetaDef: { title: "Copy" } });
    expect(created.id).not.toBe("base-sheet");
    expect(created.id).toMatch(/^[A-Za-z0-9]+$/);
    const props = await created.getProperties();
    expect(props.qInfo.qId).toBe(created.id);
    expect((await created.getLayout()).qMeta).toMatchObject({ ownerId: "u-alice", owner: "auth0|alice", published: false });
    const own = await doc.createObject({ qInfo: { qId: "my-fresh-id", qType: "sheet" }, qMetaDef: { title: "Fresh" } });
    expect(own.id).toBe("my-fresh-id");

    expect(await doc.destroyObject("alice-private")).toBe(true);
    const infos = ids(await doc.getAllInfos());
    expect(infos).not.toContain("alice-private");
    expect(infos).not.toContain("alice-chart-1");
    await expect(doc.getObject("alice-chart-1")).rejects.toMatchObject({ code: 2 });
    // bob's private sheet is invisible to alice, so she cannot destroy it
    expect(await doc.destroyObject("bob-private")).toBe(false);
    expect(h.tenant.apps[h.appId]!.objects["bob-private"]).toBeDefined();
  });

  it("children: CreateChild, GetChildInfos, DestroyChild", async () => {
    const doc = await docFor("alice");
    const sheet = await doc.getObject("alice-private");
    const child = await sheet.createChild({ qInfo: { qId: "c3", qType: "table" }, title: "T" });
    expect(child.id).toBe("c3");
    expect((await sheet.getChildInfos()).map((i: AnyDoc) => i.qId)).toEqual(["alice-chart-1", "alice-chart-2", "c3"]);
    expect(await sheet.destroyChild("c3")).toBe(true);
    expect((await sheet.getChildInfos()).map((i: AnyDoc) => i.qId)).toEqual(["alice-chart-1", "alice-chart-2"]);
  });

  it("ApplyPatches edits properties; a path into the prototype is refused", async () => {
    const doc = await docFor("alice");
    const sheet = await doc.getObject("alice-private");
    await sheet.applyPatches([
      { qOp: "replace", qPath: "/qMetaDef/title", qValue: JSON.stringify("Patched") },
      { qOp: "add", qPath: "/custom/flag", qValue: "true" },
      { qOp: "remove", qPath: "/rank" },
    ]);
    const props = await sheet.getProperties();
    expect(props.qMetaDef.title).toBe("Patched");
    expect(props.custom).toEqual({ flag: true });
    expect(props).not.toHaveProperty("rank");
    await expect(sheet.applyPatches([{ qOp: "add", qPath: "/__proto__/polluted", qValue: "1" }])).rejects.toMatchObject({ code: -32602 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("SetProperties is refused on objects the caller may not update", async () => {
    const doc = await docFor("alice");
    const community = await doc.getObject("bob-community");
    const props = await community.getProperties();
    await expect(community.setProperties({ ...props, rank: 5 })).rejects.toMatchObject({ code: 5 });
    const mine = await doc.getObject("alice-private");
    const mineProps = await mine.getProperties();
    await mine.setProperties({ ...mineProps, qMetaDef: { title: "Changed" } });
    expect((await mine.getLayout()).qMeta.title).toBe("Changed");
    await expect(mine.setProperties({ ...mineProps, qInfo: { qId: "alice-private", qType: "table" } })).rejects.toMatchObject({ code: 8 });
  });
});

describe("publish and approve", () => {
  it("the owner publishes; others then see the object; approve is for the app owner or a bot", async () => {
    const alice = await docFor("alice");
    const sheet = await alice.getObject("alice-private");
    await sheet.publish();
    const layout = await sheet.getLayout();
    expect(layout.qMeta.published).toBe(true);
    expect(typeof layout.qMeta.publishTime).toBe("string");
    await expect(sheet.approve()).rejects.toMatchObject({ code: 5 });

    const bob = await docFor("bob");
    const seen = await bob.getObject("alice-private");
    expect((await seen.getLayout()).qMeta).toMatchObject({ published: true, owner: "auth0|alice" });
    expect(ids(await bob.getAllInfos())).toContain("alice-chart-1");

    const owner = await docFor("owner");
    const asOwner = await owner.getObject("alice-private");
    await asOwner.approve();
    expect((await asOwner.getLayout()).qMeta.approved).toBe(true);
    // Approved content must be unapproved first: the layout no longer grants `publish`, so
    // @qlik/api's publishing mixin refuses before calling the engine (it rejects with this string).
    await expect(sheet.unPublish()).rejects.toBe("Permission denied");
    await asOwner.unApprove();
    await sheet.unPublish();
    // unpublished again: bob's view closes
    await expect(bob.getObject("alice-private")).rejects.toMatchObject({ code: 2 });
  });

  it("a bot publishes another user's private sheet", async () => {
    const bot = await docFor("bot");
    const sheet = await bot.getObject("bob-private");
    await sheet.publish();
    await bot.doSave();
    expect(h.tenant.apps[h.appId]!.objects["bob-private"]).toMatchObject({ published: true, ownerId: "u-bob" });
    expect(h.tenant.apps[h.appId]!.objects["bob-private"]!.children[0]!.published).toBe(true);
  });
});

describe("persistence", () => {
  it("changes are shared by the app's sessions at once but persist only on DoSave; unsaved ones vanish on unload", async () => {
    const a = await docFor("alice");
    const b = await docFor("bot");
    await a.createObject({ qInfo: { qId: "unsaved", qType: "sheet" }, qMetaDef: { title: "U" } });
    expect(ids(await b.getAllInfos())).toContain("unsaved");
    expect(h.tenant.apps[h.appId]!.objects.unsaved).toBeUndefined();
    expect((await a.getAppLayout()).qModified).toBe(true);
    await closeAll();

    const a2 = await docFor("alice");
    expect(ids(await a2.getAllInfos())).not.toContain("unsaved");
    await a2.createObject({ qInfo: { qId: "saved", qType: "sheet" }, qMetaDef: { title: "S" } });
    const before = h.persisted;
    await a2.doSave();
    expect(h.persisted).toBe(before + 1);
    expect(h.tenant.apps[h.appId]!.objects.saved).toMatchObject({ ownerId: "u-alice", type: "sheet", published: false });
    expect((await a2.getAppLayout()).qModified).toBe(false);
    await closeAll();
    const a3 = await docFor("alice");
    expect(ids(await a3.getAllInfos())).toContain("saved");
  });

  it("GetScript / SetScript persist with DoSave and add a script version", async () => {
    const doc = await docFor("owner");
    expect(await doc.getScript()).toBe("LOAD 1 AS x AUTOGENERATE 1;");
    await doc.setScript("LOAD 2 AS y AUTOGENERATE 1;");
    expect(await doc.getScript()).toBe("LOAD 2 AS y AUTOGENERATE 1;");
    expect(h.tenant.apps[h.appId]!.script).toBe("LOAD 1 AS x AUTOGENERATE 1;");
    await doc.doSave();
    const app = h.tenant.apps[h.appId]!;
    expect(app.script).toBe("LOAD 2 AS y AUTOGENERATE 1;");
    expect(app.scriptHistory.at(-1)).toMatchObject({ script: "LOAD 2 AS y AUTOGENERATE 1;", modifierId: "u-owner" });
  });

  it("an owner changed over REST while the app is loaded is what the engine shows and saves", async () => {
    const doc = await docFor("bot");
    await doc.createObject({ qInfo: { qId: "restored", qType: "sheet" }, qMetaDef: { title: "R" } });
    await doc.doSave();
    h.tenant.apps[h.appId]!.objects.restored!.ownerId = "u-alice"; // what REST change-owner does
    const obj = await doc.getObject("restored");
    expect((await obj.getLayout()).qMeta).toMatchObject({ ownerId: "u-alice", owner: "auth0|alice" });
    await doc.doSave();
    expect(h.tenant.apps[h.appId]!.objects.restored!.ownerId).toBe("u-alice");
  });

  it("another session's cached layout is invalidated by a change", async () => {
    const a = await docFor("alice", "one");
    const b = await docFor("alice", "two");
    const objB = await b.getObject("alice-private");
    expect((await objB.getLayout()).qMeta.title).toBe("Alice private");
    const objA = await a.getObject("alice-private");
    const props = await objA.getProperties();
    // B's client drops its cached layout when the engine's change notice reaches it.
    const noticed = new Promise<void>((resolve) => objB.once("changed", () => resolve()));
    await objA.setProperties({ ...props, qMetaDef: { title: "From A" } });
    await noticed;
    expect((await objB.getLayout()).qMeta.title).toBe("From A");
  });
});

describe("app-level and master items", () => {
  it("GetAppLayout and GetAppProperties", async () => {
    const doc = await docFor("owner");
    const layout = await doc.getAppLayout();
    expect(layout).toMatchObject({ qTitle: "Sales", qFileName: h.appId, qHasScript: true, qIsOpenedWithoutData: true, qUsage: "ANALYTICS" });
    const props = await doc.getAppProperties();
    expect(props.qTitle).toBe("Sales");
    await doc.setAppProperties({ ...props, qTitle: "Sales 2", custom: 1 });
    expect((await doc.getAppLayout()).qTitle).toBe("Sales 2");
    await doc.doSave();
    expect(h.tenant.apps[h.appId]!.name).toBe("Sales 2");
  });

  it("list mixins: sheets, stories, master objects, bookmarks, measures, dimensions, variables", async () => {
    const doc = await docFor("alice");
    const sheets = await doc.getSheetList();
    expect(sheets.map((s: AnyDoc) => s.qInfo.qId).sort()).toEqual(["alice-private", "base-sheet", "bob-community"]);
    const base = sheets.find((s: AnyDoc) => s.qInfo.qId === "base-sheet");
    expect(base.qData).toMatchObject({ title: "Overview", description: "Overview description", rank: 0, columns: 24 });
    expect(base.qMeta).toMatchObject({ owner: "auth0|owner", approved: true, published: true });
    expect((await doc.getStoryList()).map((s: AnyDoc) => s.qInfo.qId)).toEqual(["story1"]);
    expect((await doc.getMasterObjectList()).map((s: AnyDoc) => s.qData.name)).toEqual(["Master chart"]);
    const bookmarks = await doc.getBookmarkList();
    expect(bookmarks.map((b: AnyDoc) => [b.qInfo.qId, b.qData.title, b.qMeta.owner])).toEqual([
      ["bm-alice", "Alice bookmark", "auth0|alice"],
      ["bm-base", "Base bookmark", "auth0|owner"],
    ]);
    expect((await doc.getMeasureList()).map((m: AnyDoc) => m.qData.title)).toEqual(["Revenue"]);
    expect((await doc.getDimensionList()).map((d: AnyDoc) => d.qData.title)).toEqual(["Region"]);
    const vars = await doc.getVariableList();
    expect(vars.map((v: AnyDoc) => [v.qName, v.qDefinition, v.qData.tags])).toEqual([["vThreshold", "100", ["t"]]]);
  });

  it("bookmarks, measures, dimensions and variables: get, create, destroy", async () => {
    const doc = await docFor("alice");
    // a bookmark is not a GenericObject (asked first: the client caches get* results by id)
    await expect(doc.getObject("bm-alice")).rejects.toMatchObject({ code: 2 });
    const bm = await doc.getBookmark("bm-alice");
    expect((await bm.getLayout()).qMeta).toMatchObject({ owner: "auth0|alice", title: "Alice bookmark" });
    const newBm = await doc.createBookmark({ qInfo: { qId: "bm-new", qType: "bookmark" }, qMetaDef: { title: "New" } });
    expect(newBm.id).toBe("bm-new");
    expect(await doc.applyBookmark("bm-new")).toBe(true);
    expect(await doc.destroyBookmark("bm-new")).toBe(true);

    // master items and variables are base (library) content: edited by the app owner or a bot
    await expect(doc.destroyMeasure("meas1")).rejects.toMatchObject({ code: 5 });
    const owner = await docFor("owner");
    const m = await owner.getMeasure("meas1");
    expect((await m.getMeasure()).qDef).toBe("Sum(Amount)");
    expect((await m.getLayout()).qMeasure.qLabel).toBe("Revenue");
    const newM = await owner.createMeasure({ qMeasure: { qDef: "Count(x)" }, qMetaDef: { title: "N" } });
    expect((await newM.getLayout()).qMeta).toMatchObject({ approved: true, published: true, owner: "auth0|owner" });
    expect((await newM.getInfo()).qType).toBe("measure");
    expect(await owner.destroyMeasure(newM.id)).toBe(true);

    const d = await owner.getDimension("dim1");
    expect((await d.getDimension()).qFieldDefs).toEqual(["Region"]);
    const newD = await owner.createDimension({ qInfo: { qType: "dimension" }, qDim: { qFieldDefs: ["X"] }, qMetaDef: { title: "X" } });
    expect(await owner.destroyDimension(newD.id)).toBe(true);

    const v = await owner.getVariableByName("vThreshold");
    expect((await v.getLayout()).qText).toBe("100");
    expect((await v.getLayout()).qNum).toBe(100);
    const v2 = await owner.createVariableEx({ qInfo: { qType: "variable" }, qName: "vNew", qDefinition: "='a'" });
    expect((await doc.getVariableById(v2.id)).id).toBe(v2.id);
    await expect(owner.createVariableEx({ qInfo: { qType: "variable" }, qName: "vNew", qDefinition: "1" })).rejects.toMatchObject({ code: 3 });
    expect(await owner.destroyVariableById(v2.id)).toBe(true);
    await expect(owner.getVariableByName("vNew")).rejects.toMatchObject({ code: 2 });
  });
});

describe("malformed frames over a raw websocket", () => {
  it("answers every bad frame with a JSON-RPC error and keeps serving", async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${h.port}/app/${h.appId}`, { headers: { authorization: `Bearer ${h.token("alice")}` } });
    const messages: Array<Record<string, unknown>> = [];
    const waiters: Array<() => void> = [];
    ws.on("message", (data) => {
      messages.push(JSON.parse(String(data)));
      waiters.splice(0).forEach((w) => w());
    });
    await new Promise<void>((resolve, reject) => {
      ws.on("open", () => resolve());
      ws.on("error", reject);
    });
    const next = async (): Promise<Record<string, unknown>> => {
      while (messages.length === 0) await new Promise<void>((r) => waiters.push(r));
      return messages.shift()!;
    };
    expect(await next()).toEqual({ jsonrpc: "2.0", method: "OnConnected", params: { qSessionState: "SESSION_CREATED" } });

    const cases: Array<[string | Buffer, number]> = [
      ["not json", -32700],
      ["[1,2]", -32600],
      [JSON.stringify({ jsonrpc: "2.0", id: 1, handle: -1 }), -32600],
      [JSON.stringify({ jsonrpc: "2.0", id: 2, handle: -1, method: "NoSuchMethod", params: [] }), -32601],
      [JSON.stringify({ jsonrpc: "2.0", id: 3, handle: 99, method: "GetLayout", params: [] }), -32602],
      [JSON.stringify({ jsonrpc: "2.0", id: 4, handle: 1, method: "GetAllInfos", params: [] }), -32602], // no doc open yet
      [JSON.stringify({ jsonrpc: "2.0", id: 5, handle: -1, method: "OpenDoc", params: [42] }), -32602],
      [JSON.stringify({ jsonrpc: "2.0", id: 6, handle: "x", method: "OpenDoc", params: [] }), -32600],
      [JSON.stringify({ jsonrpc: "2.0", id: 7, handle: -1, method: "OpenDoc", params: "str" }), -32602],
      [Buffer.from([0xff, 0xfe, 0x00]), -32700],
    ];
    for (const [frame, code] of cases) {
      ws.send(frame);
      const reply = await next();
      expect(reply.error, `frame ${String(frame)}`).toMatchObject({ code });
      expect(reply.error).toHaveProperty("parameter");
      expect(reply.error).toHaveProperty("message");
    }
    // a notification (no id) is dropped silently; the session still works
    ws.send(JSON.stringify({ jsonrpc: "2.0", handle: -1, method: "EngineVersion", params: [] }));
    ws.send(JSON.stringify({ jsonrpc: "2.0", id: 10, handle: -1, method: "OpenDoc", params: { qDocName: h.appId, qNoData: true }, delta: true }));
    const opened = await next();
    expect(opened).toMatchObject({ id: 10, result: { qReturn: { qType: "Doc", qHandle: 1 } } });
    ws.send(JSON.stringify({ jsonrpc: "2.0", id: 11, handle: 1, method: "GetObject", params: { qId: "nope" } }));
    expect(await next()).toMatchObject({ id: 11, error: { code: 2 } });
    ws.send(JSON.stringify({ jsonrpc: "2.0", id: 12, handle: 1, method: "CreateObject", params: [{ qInfo: { qType: 5 } }] }));
    expect(await next()).toMatchObject({ id: 12, error: { code: 8 } });
    // 20,000 levels deep: refused up front as invalid params, not an internal error from a
    // handler that overflowed its stack.
    const deep = `${'{"a":'.repeat(20_000)}1${"}".repeat(20_000)}`;
    ws.send(`{"jsonrpc":"2.0","id":14,"handle":1,"method":"CreateObject","params":[{"qInfo":{"qType":"sheet"},"deep":${deep}}]}`);
    expect(await next()).toMatchObject({ id: 14, error: { code: -32602 } });
    ws.send(JSON.stringify({ jsonrpc: "2.0", id: 13, handle: -1, method: "EngineVersion", params: [] }));
    expect(await next()).toMatchObject({ id: 13, result: { qVersion: { qComponentVersion: expect.any(String) } } });
    ws.close();
  });
});

describe("fuzzed params on every method", () => {
  it("every call with ill-typed params gets exactly one answer, never an internal error, and the engine keeps serving", async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${h.port}/app/${h.appId}`, { headers: { authorization: `Bearer ${h.token("bot")}` } });
    const replies = new Map<number, Record<string, unknown>>();
    const waiting = new Map<number, () => void>();
    ws.on("message", (data) => {
      const msg = JSON.parse(String(data)) as Record<string, unknown>;
      if (typeof msg.id !== "number") return;
      expect(replies.has(msg.id), `duplicate reply ${msg.id}`).toBe(false);
      replies.set(msg.id, msg);
      waiting.get(msg.id)?.();
    });
    await new Promise<void>((resolve, reject) => {
      ws.on("open", () => resolve());
      ws.on("error", reject);
    });
    let nextId = 1;
    const call = (handle: number, method: string, params: unknown): Promise<Record<string, unknown>> => {
      const id = nextId++;
      const done = new Promise<Record<string, unknown>>((resolve) => waiting.set(id, () => resolve(replies.get(id)!)));
      ws.send(JSON.stringify({ jsonrpc: "2.0", id, handle, method, params }));
      return done;
    };
    const handleOf = (r: Record<string, unknown>): number => ((r.result as Record<string, Record<string, number>>).qReturn!.qHandle as number);
    await call(-1, "OpenDoc", [h.appId, "", "", "", true]);
    const handles: Record<string, number> = {
      Global: -1,
      Doc: 1,
      GenericObject: handleOf(await call(1, "GetObject", ["alice-private"])),
      GenericBookmark: handleOf(await call(1, "GetBookmark", ["bm-alice"])),
      GenericMeasure: handleOf(await call(1, "GetMeasure", ["meas1"])),
      GenericDimension: handleOf(await call(1, "GetDimension", ["dim1"])),
      GenericVariable: handleOf(await call(1, "GetVariableById", ["var1"])),
    };
    const variants: unknown[] = [[null], [1, 2, 3], [{}], [{ qInfo: 5, qChildren: 7, qProperty: "x" }], { qId: {}, qProp: [], qPropEntry: 1 }, [[]], [true, "s", {}], [{ qTypes: "x", qData: 5 }]];
    const internal: string[] = [];
    for (const [kind, methods] of Object.entries(supportedMethods())) {
      for (const method of Object.keys(methods)) {
        if (method === "OpenDoc" || method === "DoSave") continue;
        for (const params of variants) {
          const reply = await call(handles[kind]!, method, params);
          expect(reply.result !== undefined || reply.error !== undefined, `${kind}.${method}`).toBe(true);
          if ((reply.error as { code?: number } | undefined)?.code === -32603) internal.push(`${kind}.${method} ${JSON.stringify(params)}: ${JSON.stringify(reply.error)}`);
        }
      }
    }
    expect(internal).toEqual([]);
    const alive = await call(-1, "EngineVersion", []);
    expect(alive.result).toBeDefined();
    ws.close();
  });
});
