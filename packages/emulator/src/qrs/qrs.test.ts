/**
 * The client-managed site: Xrfkey rule, header authentication through the virtual proxy,
 * filters, visibility, export scopes, the one-time download, and the exported file imported
 * by the Cloud emulator with its objects and their states.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type EmulatorHandle } from "../server.ts";
import { parseContainer } from "../internal/container.ts";
import type { SiteHandle } from "./server.ts";
import { buildSite } from "./fixtures.ts";

type Json = Record<string, any>;
const XRF = "0123456789abcdXY";

let emu: EmulatorHandle;
let site: SiteHandle;

beforeAll(async () => {
  emu = await startEmulator({ tenantFixtures: ["qseow-demo", "empty"], qix: false });
  site = emu.sites[0] as SiteHandle;
});
afterAll(async () => {
  await emu?.close();
});

interface Call {
  user?: string | null;
  query?: string;
  xrfQuery?: string | null;
  xrfHeader?: string | null;
  prefix?: string;
  method?: string;
}

async function call(path: string, opts: Call = {}): Promise<{ status: number; text: string; json: any; bytes: Buffer }> {
  const params = new URLSearchParams(opts.query ?? "");
  const xq = opts.xrfQuery === undefined ? XRF : opts.xrfQuery;
  if (xq !== null) params.set("xrfkey", xq);
  const headers: Record<string, string> = {};
  const xh = opts.xrfHeader === undefined ? XRF : opts.xrfHeader;
  if (xh !== null) headers["x-qlik-xrfkey"] = xh;
  const user = opts.user === undefined ? site.user : opts.user;
  if (user !== null) headers[site.headerName] = user;
  const prefix = opts.prefix ?? `/${site.virtualProxyPrefix}`;
  const sep = path.includes("?") ? "&" : "?";
  const res = await fetch(`${site.host}${prefix}${path}${sep}${params}`, { method: opts.method ?? "GET", headers });
  const bytes = Buffer.from(await res.arrayBuffer());
  const text = bytes.toString("utf8");
  let json: unknown;
  if (res.headers.get("content-type")?.includes("json")) json = JSON.parse(text);
  return { status: res.status, text, json, bytes };
}

const filter = (f: string): string => `filter=${encodeURIComponent(f)}`;

async function appByName(name: string): Promise<Json> {
  const r = await call("/qrs/app/full", { query: filter(`name eq '${name}'`) });
  expect(r.status).toBe(200);
  expect(r.json).toHaveLength(1);
  return r.json[0];
}

describe("Xrfkey", () => {
  it("is needed in the query and the header, equal, 16 characters of 0-9a-zA-Z", async () => {
    expect((await call("/qrs/app")).status).toBe(200);
    const refusals: Call[] = [
      { xrfQuery: null },
      { xrfHeader: null },
      { xrfHeader: "0123456789abcdXZ" },
      { xrfQuery: "0123456789abcXY", xrfHeader: "0123456789abcXY" },
      { xrfQuery: "0123456789abc-XY", xrfHeader: "0123456789abc-XY" },
    ];
    for (const opts of refusals) {
      const r = await call("/qrs/app", opts);
      expect(r, JSON.stringify(opts)).toMatchObject({ status: 403, text: "XSRF prevention check failed. Possible XSRF discovered." });
    }
    // The parameter's name is not case-sensitive.
    const upper = await fetch(`${site.host}/hdr/qrs/app?Xrfkey=${XRF}`, { headers: { "X-Qlik-Xrfkey": XRF, [site.headerName]: site.user } });
    expect(upper.status).toBe(200);
  });
});

describe("header authentication through the virtual proxy", () => {
  it("refuses a request without the header, with a malformed one, and without a prefix", async () => {
    expect(await call("/qrs/app", { user: null })).toMatchObject({ status: 401, text: expect.stringContaining('header "hdr-usr"') });
    expect(await call("/qrs/app", { user: "qadmin" })).toMatchObject({ status: 401, text: expect.stringContaining("DIRECTORY\\userid") });
    expect(await call("/qrs/app", { prefix: "" })).toMatchObject({ status: 401, text: expect.stringContaining("/hdr/") });
    expect((await call("/qrs/app", { prefix: "/nosuchproxy" })).status).toBe(404);
  });

  it("a user the site does not know is created with no roles and sees only what everyone sees", async () => {
    const r = await call("/qrs/app/full", { user: "ACME\\newcomer" });
    expect(r.status).toBe(200);
    const names = (r.json as Json[]).map((a) => a.name).sort();
    expect(names).toEqual(["Company KPIs", "Finance Report", "Legacy Forecast", "Sales Dashboard"]);
    const users = (await call("/qrs/user/full", { query: filter("userId eq 'newcomer'") })).json as Json[];
    expect(users).toMatchObject([{ userDirectory: "ACME", roles: [] }]);
    const objects = (await call("/qrs/app/object/full", { user: "ACME\\newcomer" })).json as Json[];
    expect(objects.length).toBeGreaterThan(0);
    expect(objects.every((o) => o.published)).toBe(true);
  });
});

describe("apps, objects, streams and users", () => {
  it("lists apps with streams, owners as DIRECTORY\\userid, tags and custom properties", async () => {
    const dash = await appByName("Sales Dashboard");
    expect(dash).toMatchObject({ published: true, stream: { name: "Sales" }, owner: { userDirectory: "ACME", userId: "johnsmith" } });
    expect(dash.tags.map((t: Json) => t.name).sort()).toEqual(["Certified", "Sales"]);
    expect(dash.customProperties).toMatchObject([{ value: "Sales", definition: { name: "Department" } }]);
    const work = await appByName("Work in Progress");
    expect(work).toMatchObject({ published: false, stream: null, publishTime: "1753-01-01T00:00:00.000Z" });
    expect((await call("/qrs/app/full", { query: filter("stream eq null") })).json.map((a: Json) => a.name)).toEqual(["Work in Progress"]);
    expect((await call("/qrs/app/full", { query: filter("stream.name eq 'Finance' and owner.userDirectory eq 'LEGACY'") })).json.map((a: Json) => a.name)).toEqual(["Legacy Forecast"]);
    expect((await call("/qrs/app/full", { query: filter("tags.name eq 'Certified'") })).json.map((a: Json) => a.name)).toEqual(["Sales Dashboard"]);
    expect((await call("/qrs/app", { query: "orderby=name desc" })).json.map((a: Json) => a.name)[0]).toBe("Work in Progress");
  });

  it("lists an app's objects with engineObjectId, owner and state, filtered as the facts do", async () => {
    const dash = await appByName("Sales Dashboard");
    const sheets = (await call("/qrs/app/object/full", { query: filter(`app.id eq ${dash.id} and objectType eq 'sheet'`) })).json as Json[];
    const byName = Object.fromEntries(sheets.map((s) => [s.name, s]));
    expect(Object.keys(byName).sort()).toEqual(["Details", "Li's private sheet", "Maria's private sheet", "Maria's regional view", "Overview"]);
    expect(byName["Overview"]).toMatchObject({ approved: true, published: true, owner: { userId: "johnsmith" }, app: { id: dash.id } });
    expect(byName["Maria's regional view"]).toMatchObject({ approved: false, published: true, owner: { userId: "mgarcia" } });
    expect(byName["Li's private sheet"]).toMatchObject({ approved: false, published: false, owner: { userDirectory: "ACME", userId: "liwei" }, publishTime: "1753-01-01T00:00:00.000Z" });
    for (const s of sheets) expect(s.engineObjectId).not.toBe(s.id);
    const all = (await call("/qrs/app/object/full", { query: filter(`app.id eq ${dash.id}`) })).json as Json[];
    expect(new Set(all.map((o) => o.objectType))).toEqual(new Set(["sheet", "story", "bookmark", "masterobject", "dimension", "measure"]));
    const one = await call(`/qrs/app/object/${byName["Overview"].id}`);
    expect(one.json).toMatchObject({ engineObjectId: byName["Overview"].engineObjectId });
  });

  it("answers a malformed filter with 400 and the expression", async () => {
    for (const f of ["name eq", "name eq 'x", "nosuch eq 'x'", "name is 'x'", "(name eq 'x'"]) {
      const r = await call("/qrs/app/full", { query: filter(f) });
      expect(r.status, f).toBe(400);
      expect(r.text, f).toContain("Cannot parse the expression");
    }
    expect((await call("/qrs/app/not-a-guid")).status).toBe(400);
    expect((await call(`/qrs/app/${randomUUID()}`)).status).toBe(404);
  });

  it("lists streams and users", async () => {
    const streams = (await call("/qrs/stream/full")).json as Json[];
    expect(streams.map((s) => s.name).sort()).toEqual(["Everyone", "Finance", "Sales"]);
    const users = (await call("/qrs/user/full")).json as Json[];
    expect(users.map((u) => `${u.userDirectory}\\${u.userId}`)).toEqual(expect.arrayContaining(["ACME\\qadmin", "ACME\\johnsmith", "LEGACY\\tkowalski"]));
    expect(users.find((u) => u.userId === "qadmin")?.roles).toEqual(["RootAdmin"]);
    expect((await call("/qrs/tag/full")).json.map((t: Json) => t.name).sort()).toEqual(["Certified", "Finance", "Sales"]);
    expect((await call("/qrs/custompropertydefinition/full")).json).toMatchObject([{ name: "Department", choiceValues: ["Sales", "Finance", "IT"] }]);
  });
});

async function exportApp(appId: string, query: string, user?: string): Promise<{ status: number; json: Json; text: string }> {
  return call(`/qrs/app/${appId}/export/${randomUUID()}`, { method: "POST", query, user });
}

async function download(path: string, user?: string): Promise<{ status: number; bytes: Buffer; text: string }> {
  return call(path, { user });
}

describe("app export", () => {
  it("carries the objects of the scope: approved, published (+ approved), all", async () => {
    const dash = await appByName("Sales Dashboard");
    const objects = (await call("/qrs/app/object/full", { query: filter(`app.id eq ${dash.id}`) })).json as Json[];
    const ids = (pred: (o: Json) => boolean): string[] => objects.filter(pred).map((o) => o.engineObjectId as string).sort();
    const expected = { approved: ids((o) => o.approved), published: ids((o) => o.approved || o.published), all: ids(() => true) };
    expect(expected.all.length).toBeGreaterThan(expected.published.length);
    expect(expected.published.length).toBeGreaterThan(expected.approved.length);
    for (const scope of ["approved", "published", "all"] as const) {
      const ex = await exportApp(dash.id, `skipData=true&exportScope=${scope}`);
      expect(ex.status).toBe(201);
      expect(ex.json).toMatchObject({ appId: dash.id, cancelled: false, downloadPath: expect.stringMatching(/^\/tempcontent\/[0-9a-f-]{36}\/Sales_Dashboard\.qvf\?serverNodeId=/) });
      const file = await download(ex.json.downloadPath);
      expect(file.status).toBe(200);
      const content = await parseContainer([file.bytes]);
      expect(content.withData).toBe(false);
      // Variables are in the file but have no repository row.
      const listed = Object.values(content.app.objects).filter((o) => o.type !== "variable").map((o) => o.id).sort();
      expect(listed, scope).toEqual(expected[scope]);
      for (const o of objects) {
        const inFile = content.app.objects[o.engineObjectId];
        if (inFile) expect({ approved: inFile.approved, published: inFile.published }).toEqual({ approved: o.approved, published: o.published });
      }
    }
    // Default scope: approved; camelCase and lower-case parameter names both work.
    const def = await exportApp(dash.id, "skipdata=true");
    expect(Object.values((await parseContainer([(await download(def.json.downloadPath)).bytes])).app.objects).every((o) => o.approved)).toBe(true);
    const withData = await exportApp(dash.id, "exportScope=all");
    const full = await download(withData.json.downloadPath);
    expect((await parseContainer([full.bytes])).withData).toBe(true);
    expect(full.bytes.length).toBeGreaterThan(256 * 1024);
  });

  it("refuses a bad scope or skipData, and an export by a user who is neither owner nor content admin", async () => {
    const dash = await appByName("Sales Dashboard");
    expect(await exportApp(dash.id, "exportScope=everything")).toMatchObject({ status: 400, text: expect.stringContaining("approved, published or all") });
    expect((await exportApp(dash.id, "skipData=maybe")).status).toBe(400);
    expect((await call(`/qrs/app/${dash.id}/export/not-a-token`, { method: "POST" })).status).toBe(400);
    expect((await exportApp(dash.id, "exportScope=all", "ACME\\liwei")).status).toBe(403);
  });

  it("an owner's export with scope all carries only the private objects the owner may read", async () => {
    const dash = await appByName("Sales Dashboard");
    const ex = await exportApp(dash.id, "skipData=true&exportScope=all", "ACME\\johnsmith");
    const content = await parseContainer([(await download(ex.json.downloadPath, "ACME\\johnsmith")).bytes]);
    const titles = Object.values(content.app.objects).map((o) => (o.properties.qMetaDef as Json | undefined)?.title);
    expect(titles).toContain("Maria's regional view");
    expect(titles).not.toContain("Li's private sheet");
  });

  it("downloads once, only by the exporting user; a cancelled export is gone", async () => {
    const dash = await appByName("Sales Dashboard");
    const ex = await exportApp(dash.id, "skipData=true&exportScope=all");
    const other = await download(ex.json.downloadPath, "ACME\\johnsmith");
    expect(other.status).toBe(403);
    expect((await download(ex.json.downloadPath)).status).toBe(200);
    // A spent export keeps nothing in memory.
    const fileId = /\/tempcontent\/([^/]+)\//.exec(ex.json.downloadPath)?.[1] ?? "";
    expect(Object.keys(emu.state.sites[0]?.exports ?? {})).not.toContain(fileId);
    expect((await download(ex.json.downloadPath)).status).toBe(404);
    const token = randomUUID();
    const again = await call(`/qrs/app/${dash.id}/export/${token}`, { method: "POST", query: "skipData=true" });
    expect(await call(`/qrs/app/${dash.id}/export/${token}`, { method: "DELETE" })).toMatchObject({ status: 200, json: { cancelled: true } });
    expect((await download(again.json.downloadPath)).status).toBe(404);
  });

  it("the exported file imports into the Cloud emulator with every object and its state", async () => {
    const dash = await appByName("Sales Dashboard");
    const ex = await exportApp(dash.id, "skipData=true&exportScope=all");
    const file = await download(ex.json.downloadPath);
    const cloud = emu.tenants[0];
    if (!cloud) throw new Error("no Cloud tenant");
    const res = await fetch(`${cloud.host}/api/v1/apps/import?name=${encodeURIComponent("Sales Dashboard")}`, { method: "POST", headers: { authorization: `Bearer ${cloud.apiKey}`, "content-type": "application/octet-stream" }, body: file.bytes });
    expect(res.status).toBe(200);
    const appId = ((await res.json()) as { attributes: { id: string } }).attributes.id;
    const imported = emu.state.tenants[0]?.apps[appId];
    const objects = (await call("/qrs/app/object/full", { query: filter(`app.id eq ${dash.id}`) })).json as Json[];
    for (const o of objects) {
      expect(imported?.objects[o.engineObjectId], o.name).toMatchObject({ approved: o.approved, published: o.published });
    }
    expect(imported?.script).toContain("LOAD * INLINE");
    expect(Object.keys(imported?.media ?? {})).toEqual(["images/logo.png"]);
  });
});

describe("fixtures", () => {
  it("qseow-generated: N apps × M objects × K users, deterministic from the seed", () => {
    const a = buildSite({ fixture: "qseow-generated", seed: "7", apps: 30, objectsPerApp: 8, users: 12, index: 0 });
    const b = buildSite({ fixture: "qseow-generated", seed: "7", apps: 30, objectsPerApp: 8, users: 12, index: 0 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(Object.keys(a.apps)).toHaveLength(30);
    expect(Object.keys(a.users)).toHaveLength(13);
    for (const app of Object.values(a.apps)) expect(Object.keys(app.objectRepoIds)).toHaveLength(8);
    expect(Object.values(a.users).some((u) => u.userDirectory === "LEGACY")).toBe(true);
    expect(Object.values(a.apps).some((x) => !x.streamId)).toBe(true);
  });

  it("qseow-demo has exactly one user in a directory other than ACME, and an app in no stream", () => {
    const s = buildSite({ fixture: "qseow-demo", seed: "0", index: 0 });
    expect(Object.values(s.users).filter((u) => u.userDirectory !== "ACME").map((u) => `${u.userDirectory}\\${u.userId}`)).toEqual(["LEGACY\\tkowalski"]);
    expect(Object.values(s.apps).filter((a) => !a.streamId).map((a) => a.app.name)).toEqual(["Work in Progress"]);
  });
});
