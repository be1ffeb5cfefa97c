/**
 * Sharing tasks, report templates, data alerts (with their conditions) and favourites as the
 * emulator serves them (rest/distribution.ts, rest/collections.ts): who sees what, the
 * e-mail content never in clear, a template's source app (validate / replace), app-bound
 * content dropped with its app, and the quirks. Shapes are checked in schema.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmulatorHandle } from "./server.ts";
import type { User } from "./model.ts";
import { startTestEmulator, userByName } from "./testing.ts";
import { templateFile } from "./fixtures-kinds.ts";
import { buildTenant } from "./fixtures.ts";
import { kindsOf } from "./kinds.ts";

type Json = Record<string, unknown>;

async function harness(quirks: Record<string, unknown> = {}): Promise<{ emu: EmulatorHandle; call: (method: string, path: string, opts?: { token?: string; body?: unknown; raw?: Uint8Array }) => Promise<{ status: number; json: Json; text: string; headers: Headers }>; tokenOf: (u: User) => string }> {
  const emu = await startTestEmulator({ quirks });
  const tokenOf = (user: User): string => {
    const token = `test_${user.id}`;
    emu.state.tenants[0]!.apiKeys[token] = { id: `k_${user.id}`, token, userId: user.id };
    return token;
  };
  const call = async (method: string, path: string, opts: { token?: string; body?: unknown; raw?: Uint8Array } = {}) => {
    const res = await fetch(`${emu.host}${path}`, {
      method,
      redirect: "manual",
      headers: { authorization: `Bearer ${opts.token ?? emu.apiKey}`, ...(opts.body !== undefined ? { "content-type": "application/json" } : opts.raw ? { "content-type": "application/octet-stream" } : {}) },
      body: opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)),
    });
    const text = await res.text();
    let json: Json = {};
    try {
      json = text ? (JSON.parse(text) as Json) : {};
    } catch {
      // a download
    }
    return { status: res.status, json, text, headers: res.headers };
  };
  return { emu, call, tokenOf };
}

describe("sharing tasks", () => {
  let h: Awaited<ReturnType<typeof harness>>;
  beforeAll(async () => {
    h = await harness();
  });
  afterAll(async () => h.emu.close());

  it("a tenant admin lists all, others what they own or receive; e-mail content only as ciphers", async () => {
    const all = await h.call("GET", "/api/v1/sharing-tasks?limit=100");
    expect((all.json.sharingTasks as Json[]).map((t) => t.name).sort()).toEqual(["P&L margin chart", "Weekly sales sheet"]);
    expect(all.text).not.toContain("SECRET-demo-sharing-email-1");
    const weekly = (all.json.sharingTasks as Json[]).find((t) => t.name === "Weekly sales sheet")!;
    expect(weekly.emailContent).toBeUndefined();
    expect(Object.keys(weekly.encryptedEmailContent as Json).sort()).toEqual(["body", "subject"]);
    const one = await h.call("GET", `/api/v1/sharing-tasks/${weekly.id as string}`);
    expect(one.text).not.toContain("SECRET-demo-sharing-email-1");
    const chloe = userByName(h.emu, "Chloe Chen");
    const grace = userByName(h.emu, "Grace Kim");
    expect(((await h.call("GET", "/api/v1/sharing-tasks", { token: h.tokenOf(chloe) })).json.sharingTasks as Json[]).map((t) => t.name)).toEqual(["Weekly sales sheet"]);
    expect((await h.call("GET", "/api/v1/sharing-tasks", { token: h.tokenOf(grace) })).json.sharingTasks).toEqual([]);
  });

  it("refuses unknown recipients, a bad schedule and templates naming no app; the owner changes by PATCH /ownerId", async () => {
    const tenant = h.emu.state.tenants[0]!;
    const app = Object.values(tenant.apps).find((a) => a.name === "Admin Scratchpad")!;
    const base = { name: "T", type: "sheet-sharing", state: {}, templates: [{ type: "sheet", sheetData: { appId: app.id, sheetId: "s" } }] };
    expect((await h.call("POST", "/api/v1/sharing-tasks", { body: { ...base, recipients: { userIds: [{ value: "nobody" }] } } })).status).toBe(400);
    expect((await h.call("POST", "/api/v1/sharing-tasks", { body: { ...base, scheduleOptions: { timezone: "UTC", recurrence: ["RRULE:FREQ=DAILY"], startDateTime: "2026-01-01T08:00:00Z" } } })).status).toBe(400);
    expect((await h.call("POST", "/api/v1/sharing-tasks", { body: { ...base, templates: [{ type: "sheet" }] } })).status).toBe(400);
    const made = await h.call("POST", "/api/v1/sharing-tasks", { body: base });
    expect(made.status).toBe(201);
    const ben = userByName(h.emu, "Ben Builder");
    expect((await h.call("PATCH", `/api/v1/sharing-tasks/${made.json.id as string}`, { body: [{ op: "replace", path: "/ownerId", value: ben.id }] })).status).toBe(204);
    expect((await h.call("GET", `/api/v1/sharing-tasks/${made.json.id as string}`)).json.owner).toBe(ben.id);
  });
});

describe("report templates", () => {
  it("are their owner's (a tenant admin sees others' only with reportTemplatesAdminSeesAll); validate refuses another app, replace re-binds", async () => {
    const h = await harness();
    try {
      const listed = (await h.call("GET", "/api/v1/report-templates")).json.data as Json[];
      expect(listed.map((t) => t.name)).toEqual(["Sales by region"]);
      const tenant = h.emu.state.tenants[0]!;
      const [a1, a2] = Object.values(tenant.apps).filter((a) => a.name === "Admin Scratchpad" || a.name === "Sales Overview");
      const up = await h.call("POST", "/api/v1/temp-contents?filename=t.xlsx", { raw: new Uint8Array(templateFile(a1!.id, "x")) });
      const temporaryContentId = up.headers.get("location")!.split("/").pop()!;
      const refused = await h.call("POST", "/api/v1/report-templates", { body: { name: "Moved", temporaryContentId, sourceAppId: a2!.id } });
      expect(refused.status).toBe(400);
      expect(refused.json).toMatchObject({ statusCode: 400, errors: [expect.objectContaining({ detail: expect.stringContaining("replace") })] });
      const replaced = await h.call("POST", "/api/v1/report-templates", { body: { name: "Moved", temporaryContentId, sourceAppId: a2!.id, sourceAppAction: "replace" } });
      expect(replaced.status).toBe(201);
      expect(replaced.json.sourceAppId).toBe(a2!.id);
      const file = await h.call("POST", `/api/v1/report-templates/${replaced.json.id as string}/actions/download`);
      expect(file.headers.get("content-type")).toBe("application/octet-stream");
      expect(Buffer.from(file.text, "latin1").length).toBeGreaterThan(0);
    } finally {
      await h.emu.close();
    }
    const all = await harness({ reportTemplatesAdminSeesAll: true });
    try {
      expect(((await all.call("GET", "/api/v1/report-templates")).json.data as Json[]).map((t) => t.name).sort()).toEqual(["P&L pack", "Sales by region"]);
    } finally {
      await all.emu.close();
    }
  });
});

describe("data alerts and conditions", () => {
  it("an alert needs a condition on its own app; owners and recipients see it (all of them with dataAlertsAdminSeesAll); deleting the app drops them", async () => {
    const h = await harness();
    try {
      expect(((await h.call("GET", "/api/v1/data-alerts")).json.tasks as Json[]).map((t) => t.name)).toEqual(["Margin below target"]);
      const ben = userByName(h.emu, "Ben Builder");
      expect(((await h.call("GET", "/api/v1/data-alerts", { token: h.tokenOf(ben) })).json.tasks as Json[]).map((t) => t.name)).toEqual(["Pipeline drop"]);
      const tenant = h.emu.state.tenants[0]!;
      const [a1, a2] = Object.values(tenant.apps).filter((a) => a.name === "Admin Scratchpad" || a.name === "Sales Overview");
      const cond = await h.call("POST", "/api/v1/conditions", { body: { type: "data", dataCondition: { conditionBase: { appId: a1!.id } } } });
      const conditionId = ((cond.json.condition as Json).dataCondition as { conditionBase: Json }).conditionBase.id as string;
      const body = { name: "A", conditionId, triggerType: "RELOAD", recipients: { userIds: [] } };
      expect((await h.call("POST", "/api/v1/data-alerts", { body: { ...body, appId: a2!.id } })).status).toBe(400);
      expect((await h.call("POST", "/api/v1/data-alerts", { body: { ...body, appId: a1!.id, triggerType: "SCHEDULED" } })).status).toBe(400);
      expect((await h.call("POST", "/api/v1/data-alerts", { body: { ...body, appId: a1!.id } })).status).toBe(202);
      delete tenant.apps[a1!.id];
      expect(((await h.call("GET", "/api/v1/data-alerts")).json.tasks as Json[]).map((t) => t.name)).toEqual(["Margin below target"]);
      expect((await h.call("GET", `/api/v1/conditions/${conditionId}`)).status).toBe(404);
    } finally {
      await h.emu.close();
    }
    const all = await harness({ dataAlertsAdminSeesAll: true });
    try {
      expect(((await all.call("GET", "/api/v1/data-alerts")).json.tasks as Json[]).map((t) => t.name).sort()).toEqual(["Margin below target", "Pipeline drop"]);
    } finally {
      await all.emu.close();
    }
  });
});

describe("favourites", () => {
  it("are the caller's own: a 302 to the collection, never in the collections listing; 404 without one", async () => {
    const h = await harness();
    try {
      const fav = await h.call("GET", "/api/v1/collections/favorites");
      expect(fav.status).toBe(302);
      const id = fav.headers.get("location")!.split("/").pop()!;
      expect((await h.call("GET", `/api/v1/collections/${id}`)).json.type).toBe("favorite");
      expect(((await h.call("GET", "/api/v1/collections?limit=100")).json.data as Json[]).some((c) => c.type === "favorite")).toBe(false);
      expect((await h.call("GET", "/api/v1/collections/favorites", { token: h.tokenOf(userByName(h.emu, "Grace Kim")) })).status).toBe(404);
      // Ben's favourites exist but no one else reaches them.
      expect((await h.call("GET", `/api/v1/collections/${Object.values(kindsOf(h.emu.state.tenants[0]!).collections).find((c) => c.type === "favorite" && c.creatorId === userByName(h.emu, "Ben Builder").id)!.id}`)).status).toBe(404);
    } finally {
      await h.emu.close();
    }
  });
});

describe("generated fixture", () => {
  it("scales sharing tasks, report templates, data alerts (with conditions) and tags with their counts", () => {
    const { tenant } = buildTenant({ fixture: "generated", seed: "7", tenantIndex: 0, apps: 100, objectsPerApp: 2, users: 10, sharingTasks: 5, reportTemplates: 3, dataAlerts: 4, tags: 6 });
    const k = kindsOf(tenant);
    expect([Object.keys(k.sharingTasks).length, Object.keys(k.reportTemplates).length, Object.keys(k.dataAlerts).length, Object.keys(k.conditions).length]).toEqual([5, 3, 4, 4]);
    expect(Object.values(k.collections).filter((c) => c.type === "public")).toHaveLength(6);
  });
});

describe("collection types", () => {
  it("a private collection with an item is published as publicgoverned and back; a tag stays a tag (qlik.dev collections PATCH)", async () => {
    const h = await harness();
    try {
      const app = Object.values(h.emu.state.tenants[0]!.apps).find((a) => a.name === "Admin Scratchpad")!;
      const col = (await h.call("POST", "/api/v1/collections", { body: { name: "Mine", type: "private" } })).json;
      const type = (value: string) => h.call("PATCH", `/api/v1/collections/${col.id as string}`, { body: [{ op: "replace", path: "/type", value }] });
      expect((await type("publicgoverned")).status).toBe(400);
      await h.call("POST", `/api/v1/collections/${col.id as string}/items`, { body: { id: app.itemId } });
      expect((await type("publicgoverned")).status).toBe(200);
      expect((await type("public")).status).toBe(400);
      expect((await type("private")).status).toBe(200);
      const tag = (await h.call("POST", "/api/v1/collections", { body: { name: "a-tag", type: "public" } })).json;
      expect((await h.call("PATCH", `/api/v1/collections/${tag.id as string}`, { body: [{ op: "replace", path: "/type", value: "private" }] })).status).toBe(400);
    } finally {
      await h.emu.close();
    }
  });
});

describe("notes", () => {
  it("are catalogue items of their author (resourceType=note), never in an app listing", async () => {
    const h = await harness();
    try {
      const mine = (await h.call("GET", "/api/v1/items?resourceType=note")).json.data as Json[];
      expect(mine.map((n) => [n.name, n.resourceType])).toEqual([["Q3 close checklist", "note"]]);
      expect((await h.call("GET", `/api/v1/items/${mine[0]!.id as string}`)).json.name).toBe("Q3 close checklist");
      const ben = userByName(h.emu, "Ben Builder");
      expect(((await h.call("GET", "/api/v1/items?resourceType=note", { token: h.tokenOf(ben) })).json.data as Json[]).map((n) => n.name)).toEqual(["Pipeline ideas"]);
      expect((await h.call("GET", `/api/v1/items/${mine[0]!.id as string}`, { token: h.tokenOf(ben) })).status).toBe(404);
      expect(((await h.call("GET", "/api/v1/items?resourceType=app&limit=100")).json.data as Json[]).some((i) => i.resourceType === "note")).toBe(false);
    } finally {
      await h.emu.close();
    }
  });
});
