import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmulatorHandle } from "./server.ts";
import { createTenantApp } from "./server.ts";
import { createQlikApi } from "@qlik/api";
import { adminApi, botApi, rejection, startTestEmulator, userApi, userByName, type QlikApi } from "./testing.ts";

let emu: EmulatorHandle;
let admin: QlikApi;
let bot: QlikApi;

beforeAll(async () => {
  emu = await startTestEmulator({ admin: true });
  admin = adminApi(emu);
  bot = botApi(emu);
});
afterAll(async () => {
  await emu?.close();
});

const tenant = () => emu.state.tenants[0]!;

describe("users, groups, roles", () => {
  it("lists users and finds one by subject", async () => {
    const all = await admin.users.getUsers({ limit: 100 }, { noCache: true });
    expect(all.data.data?.length).toBeGreaterThanOrEqual(10);
    const ben = userByName(emu, "Ben Builder");
    const found = await admin.users.getUsers({ filter: `subject eq "${ben.subject}"` }, { noCache: true });
    expect(found.data.data?.map((u) => u.id)).toEqual([ben.id]);
    expect(ben.subject).toMatch(/^auth0\|/);
  });
  it("pages users with absolute next links", async () => {
    const page = await admin.users.getUsers({ limit: 3 }, { noCache: true });
    expect(page.data.links?.next?.href).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v1\/users\?/);
    const next = await page.next!();
    expect(next.data.data?.[0]?.id).not.toBe(page.data.data?.[0]?.id);
  });
  it("answers /users/me with the caller (via 301)", async () => {
    const me = await admin.users.getMyUser({ noCache: true });
    expect(me.data.name).toBe("Ada Admin");
  });
  it("answers /tenants/me with this tenant (via 302)", async () => {
    const me = await admin.tenants.getMyTenant({ noCache: true });
    expect(me.data.id).toBe(tenant().id);
  });
  it("creates an invited user and refuses a duplicate subject", async () => {
    const created = await admin.users.createUser({ subject: "auth0|new-user-1", name: "New User", email: "new@example.com", status: "invited" });
    expect(created.status).toBe(201);
    expect(created.data.status).toBe("invited");
    const dup = await rejection(admin.users.createUser({ subject: "auth0|new-user-1", name: "Again" }));
    expect(dup.status).toBe(409);
  });
  it("refuses user creation to a non-admin", async () => {
    const dev = userApi(emu, userByName(emu, "Dev Patel"));
    const e = await rejection(dev.users.createUser({ subject: "auth0|x", name: "x" }));
    expect(e.status).toBe(403);
  });
  it("lists groups and roles", async () => {
    const groups = await admin.groups.getGroups({}, { noCache: true });
    expect(groups.data.data?.map((g) => g.name)).toContain("Sales");
    const roles = await admin.roles.getRoles({}, { noCache: true });
    expect(roles.data.data?.map((r) => r.name)).toContain("TenantAdmin");
  });
});

describe("spaces and assignments", () => {
  it("filters spaces by type", async () => {
    const managed = await bot.spaces.getSpaces({ type: "managed" }, { noCache: true });
    expect(managed.data.data?.map((s) => s.name).sort()).toEqual(["Finance", "Sales"]);
  });
  it("hides spaces a plain user is not a member of", async () => {
    const hiro = userApi(emu, userByName(emu, "Hiro Tanaka"));
    const spaces = await hiro.spaces.getSpaces({}, { noCache: true });
    expect(spaces.data.data?.map((s) => s.name)).toEqual(["Finance"]);
    const salesDev = Object.values(tenant().spaces).find((s) => s.name === "Sales Dev")!;
    expect((await rejection(hiro.spaces.getSpace(salesDev.id))).status).toBe(404);
  });
  it("creates a space, refuses a name clash, assigns a member once, refuses deleting a non-empty space", async () => {
    const s = await admin.spaces.createSpace({ name: "Restore target", type: "shared", description: "" });
    expect(s.status).toBe(201);
    expect((await rejection(admin.spaces.createSpace({ name: "Restore target", type: "shared" }))).status).toBe(409);
    const chloe = userByName(emu, "Chloe Chen");
    const a = await admin.spaces.createSpaceAssignment(s.data.id, { type: "user", assigneeId: chloe.id, roles: ["producer"] });
    expect(a.status).toBe(201);
    expect((await rejection(admin.spaces.createSpaceAssignment(s.data.id, { type: "user", assigneeId: chloe.id, roles: ["consumer"] }))).status).toBe(409);
    const list = await admin.spaces.getSpaceAssignments(s.data.id, {}, { noCache: true });
    expect(list.data.data?.map((x) => x.assigneeId)).toEqual([chloe.id]);
    const salesDev = Object.values(tenant().spaces).find((x) => x.name === "Sales Dev")!;
    expect((await rejection(admin.spaces.deleteSpace(salesDev.id))).status).toBe(412);
    expect((await admin.spaces.deleteSpace(s.data.id)).status).toBe(204);
  });
});

describe("items and apps", () => {
  it("lists every app for the bot, personal apps with spaceType=personal, with item id ≠ app id", async () => {
    const items = await bot.items.getItems({ resourceType: "app", limit: 100 }, { noCache: true });
    // Without a space filter, other users' personal apps are left out (itemsListIncludesOthersPersonal=false).
    expect(items.data.data.length).toBe(Object.values(tenant().apps).filter((a) => a.spaceId).length);
    for (const i of items.data.data) expect(i.id).not.toBe(i.resourceId);
    const personal = await bot.items.getItems({ resourceType: "app", spaceType: "personal", limit: 100 }, { noCache: true });
    expect(personal.data.data.map((i) => i.name).sort()).toEqual(["Admin Scratchpad", "Ben's Sandbox", "Experiments", "Quick Look"]);
    for (const i of personal.data.data) expect(i.id).not.toBe(i.resourceId);
  });
  it("shows a member only their spaces' apps and their own personal apps", async () => {
    const dev = userApi(emu, userByName(emu, "Dev Patel"));
    const items = await dev.items.getItems({ resourceType: "app", limit: 100 }, { noCache: true });
    const names = items.data.data.map((i) => i.name);
    expect(names).toContain("Experiments");
    expect(names).not.toContain("Ben's Sandbox");
    expect(names).not.toContain("P&L");
    const bens = Object.values(tenant().apps).find((a) => a.name === "Ben's Sandbox")!;
    expect((await rejection(dev.apps.getAppInfo(bens.id))).status).toBe(403);
  });
  it("refuses export to a consumer and private content to an OAuth token without admin.apps", async () => {
    const dev = userApi(emu, userByName(emu, "Dev Patel"));
    const src = Object.values(tenant().apps).find((a) => a.name === "Sales Overview" && !a.originAppId)!;
    expect((await rejection(dev.apps.exportApp(src.id, { NoData: true }))).status).toBe(403);
    const plain = createQlikApi({ hostConfig: { authType: "oauth2", host: emu.host, clientId: emu.clientId, clientSecret: emu.clientSecret, scope: "user_default" } });
    const personal = await plain.items.getItems({ resourceType: "app", spaceType: "personal", limit: 100 }, { noCache: true });
    expect(personal.data.data).toEqual([]);
  });
  it("filters items by spaceId and pages with a cursor", async () => {
    const sales = Object.values(tenant().spaces).find((s) => s.name === "Sales")!;
    const items = await bot.items.getItems({ resourceType: "app", spaceId: sales.id }, { noCache: true });
    expect(items.data.data.every((i) => i.spaceId === sales.id)).toBe(true);
    expect(items.data.data.length).toBe(2);
    const first = await bot.items.getItems({ resourceType: "app", limit: 4 }, { noCache: true });
    const second = await first.next!();
    expect(second.data.data[0]?.id).not.toBe(first.data.data[0]?.id);
    expect((await rejection(bot.items.getItems({ resourceType: "app", limit: 101 }, { noCache: true }))).status).toBe(400);
  });
  it("gets app info with attributes and privileges", async () => {
    const pub = Object.values(tenant().apps).find((a) => a.originAppId)!;
    const info = await bot.apps.getAppInfo(pub.id, { noCache: true });
    expect(info.data.attributes?.originAppId).toBe(pub.originAppId);
    expect(info.data.attributes?.publishTime).toBeTruthy();
    expect(info.data.privileges).toContain("export");
  });
});

describe("export, download, import", () => {
  it("exports without data, downloads and imports into a shared space as a new app with the same object ids", async () => {
    const src = Object.values(tenant().apps).find((a) => a.name === "Sales Overview" && !a.originAppId)!;
    const ex = await bot.apps.exportApp(src.id, { NoData: true });
    expect(ex.status).toBe(201);
    const location = ex.headers.get("location")!;
    expect(location).toMatch(/^\/api\/v1\/temp-contents\/[0-9a-f]+$/);
    const dl = await bot.tempContents.downloadTempFile(location.split("/").pop()!, {}, { noCache: true });
    const bytes = new Uint8Array(await (dl.data as Blob).arrayBuffer());
    const space = Object.values(tenant().spaces).find((s) => s.name === "Sales Dev")!;
    const imp = await bot.apps.importApp({ name: "Restored Sales", spaceId: space.id }, bytes as never);
    const newId = imp.data.attributes!.id!;
    expect(newId).not.toBe(src.id);
    const restored = tenant().apps[newId]!;
    expect(Object.keys(restored.objects).sort()).toEqual(Object.keys(src.objects).sort());
    // the bot's export carries every user's private objects, with their state
    const priv = Object.values(src.objects).find((o) => !o.approved && !o.published)!;
    expect(restored.objects[priv.id]?.published).toBe(false);
    // object owners are reset to the importer
    const botUser = Object.values(tenant().users).find((u) => u.subject.startsWith("qlikbot"))!;
    expect(Object.values(restored.objects).every((o) => o.ownerId === botUser.id)).toBe(true);
    expect(restored.dataModelBytes).toBe(0);
  });
  it("an API-key export carries only the exporter's own private objects", async () => {
    const src = Object.values(tenant().apps).find((a) => a.name === "Sales Overview" && !a.originAppId)!;
    const ex = await admin.apps.exportApp(src.id, { NoData: true });
    const id = ex.headers.get("location")!.split("/").pop()!;
    const imp = await admin.apps.importApp({ fileId: id, name: "Admin copy" }, undefined as never);
    const restored = tenant().apps[imp.data.attributes!.id!]!;
    const othersPrivate = Object.values(src.objects).filter((o) => !o.approved && !o.published);
    expect(othersPrivate.length).toBeGreaterThan(0);
    for (const o of othersPrivate) expect(restored.objects[o.id]).toBeUndefined();
  });
  it("streams an export with data, supports Range, and answers 410 after expiry and 404 for unknown ids", async () => {
    const src = Object.values(tenant().apps).find((a) => a.name === "Customer 360")!;
    const ex = await bot.apps.exportApp(src.id, {});
    const id = ex.headers.get("location")!.split("/").pop()!;
    const res = await fetch(`${emu.host}/api/v1/temp-contents/${id}`, { headers: { authorization: `Bearer ${emu.apiKey}` } });
    expect(res.headers.get("content-type")).toBe("application/octet-stream");
    expect(res.headers.get("content-disposition")).toMatch(/^attachment/);
    const full = new Uint8Array(await res.arrayBuffer());
    expect(full.length).toBeGreaterThan(src.dataModelBytes);
    const part = await fetch(`${emu.host}/api/v1/temp-contents/${id}`, { headers: { authorization: `Bearer ${emu.apiKey}`, range: "bytes=100-199" } });
    expect(part.status).toBe(206);
    expect(Buffer.from(await part.arrayBuffer()).equals(Buffer.from(full.subarray(100, 200)))).toBe(true);
    await fetch(`${emu.host}/__emulator/temp-contents/${id}/expire`, { method: "POST" });
    expect((await rejection(bot.tempContents.downloadTempFile(id, {}, { noCache: true }))).status).toBe(410);
    expect((await rejection(bot.tempContents.downloadTempFile("000000000000000000000000", {}, { noCache: true }))).status).toBe(404);
  });
  it("imports an export with data from a raw body and from an upload, keeping the data model without buffering it", async () => {
    const src = Object.values(tenant().apps).find((a) => a.name === "Customer 360")!;
    const ex = await bot.apps.exportApp(src.id, {});
    const dl = await bot.tempContents.downloadTempFile(ex.headers.get("location")!.split("/").pop()!, {}, { noCache: true });
    const bytes = new Uint8Array(await (dl.data as Blob).arrayBuffer());
    const raw = await bot.apps.importApp({ name: "With data" }, bytes as never);
    expect(tenant().apps[raw.data.attributes!.id!]?.dataModelBytes).toBe(src.dataModelBytes);
    const up = await bot.tempContents.uploadTempFile({ filename: "c.qvf" }, dl.data as Blob);
    const fileId = up.headers.get("location")!.split("/").pop()!;
    expect(tenant().tempContents[fileId]?.source.kind).toBe("export");
    expect(tenant().tempContents[fileId]?.size).toBe(bytes.length);
    const viaFile = await bot.apps.importApp({ fileId }, undefined as never);
    expect(tenant().apps[viaFile.data.attributes!.id!]?.dataModelBytes).toBe(src.dataModelBytes);
  });
  it("imports an uploaded temp file; refuses garbage, AUTOREPLACE and managed spaces", async () => {
    const src = Object.values(tenant().apps).find((a) => a.name === "Budget vs Actual")!;
    const ex = await bot.apps.exportApp(src.id, { NoData: true });
    const dl = await bot.tempContents.downloadTempFile(ex.headers.get("location")!.split("/").pop()!, {}, { noCache: true });
    const up = await bot.tempContents.uploadTempFile({ filename: "b.qvf", ttl: 600 }, dl.data as Blob);
    expect(up.status).toBe(201);
    const fileId = up.headers.get("location")!.split("/").pop()!;
    const imp = await bot.apps.importApp({ fileId }, undefined as never);
    expect(imp.data.attributes?.name).toBe("Budget vs Actual");
    expect((await rejection(bot.apps.importApp({}, new Uint8Array([1, 2, 3, 4]) as never))).status).toBe(400);
    expect((await rejection(bot.apps.importApp({ fileId, mode: "AUTOREPLACE" as never }, undefined as never))).status).toBe(400);
    const sales = Object.values(tenant().spaces).find((s) => s.name === "Sales")!;
    expect((await rejection(bot.apps.importApp({ fileId, spaceId: sales.id }, undefined as never))).status).toBe(403);
  });
});

describe("owners and publishing", () => {
  it("lets the bot and the owner change an object's owner; refuses another user's and a tenant admin's API key", async () => {
    const app = Object.values(tenant().apps).find((a) => a.name === "Sales Overview" && !a.originAppId)!;
    const chloe = userByName(emu, "Chloe Chen");
    const ben = userByName(emu, "Ben Builder");
    const chloesPrivate = Object.values(app.objects).find((o) => o.ownerId === chloe.id && !o.published)!;
    const asBen = userApi(emu, ben);
    const refused = await rejection(asBen.apps.updateAppObjectOwner(app.id, chloesPrivate.id, { ownerId: ben.id }));
    expect(refused.status).toBe(403);
    // A tenant admin's API key is not a private-content bot: refused too.
    expect((await rejection(admin.apps.updateAppObjectOwner(app.id, chloesPrivate.id, { ownerId: ben.id }))).status).toBe(403);
    expect(tenant().apps[app.id]!.objects[chloesPrivate.id]!.ownerId).toBe(chloe.id);
    const ok = await bot.apps.updateAppObjectOwner(app.id, chloesPrivate.id, { ownerId: ben.id });
    expect(ok.data.attributes?.ownerId).toBe(ben.id);
    expect(ok.data.attributes?.id).toBe(chloesPrivate.id);
    // the owner may hand it on
    const back = await asBen.apps.updateAppObjectOwner(app.id, chloesPrivate.id, { ownerId: chloe.id });
    expect(back.data.attributes?.ownerId).toBe(chloe.id);
  });
  it("publishes to a managed space as a copy with base objects and originAppId; refuses a shared target", async () => {
    const src = Object.values(tenant().apps).find((a) => a.name === "Customer 360")!;
    const sales = Object.values(tenant().spaces).find((s) => s.name === "Sales")!;
    const pub = await bot.apps.publishApp(src.id, { spaceId: sales.id, data: "source", attributes: { name: "Customer 360" } });
    const copy = tenant().apps[pub.data.attributes!.id!]!;
    expect(copy.id).not.toBe(src.id);
    expect(copy.originAppId).toBe(src.id);
    expect(copy.spaceId).toBe(sales.id);
    expect(Object.values(copy.objects).every((o) => o.approved)).toBe(true);
    const salesDev = Object.values(tenant().spaces).find((s) => s.name === "Sales Dev")!;
    expect((await rejection(bot.apps.publishApp(src.id, { spaceId: salesDev.id }))).status).toBe(400);
    const republished = await bot.apps.republishApp(src.id, { targetId: copy.id, data: "source" });
    expect(republished.data.attributes?.id).toBe(copy.id);
  });
  it("moves an app to a space and back to personal, and changes the app owner", async () => {
    const app = Object.values(tenant().apps).find((a) => a.name === "Quick Look")!;
    const financeDev = Object.values(tenant().spaces).find((s) => s.name === "Finance Dev")!;
    await bot.apps.moveAppToSpace(app.id, { spaceId: financeDev.id });
    expect(tenant().apps[app.id]?.spaceId).toBe(financeDev.id);
    await bot.apps.removeAppFromSpace(app.id);
    expect(tenant().apps[app.id]?.spaceId).toBeUndefined();
    const grace = userByName(emu, "Grace Kim");
    const r = await bot.apps.updateAppOwner(app.id, { ownerId: grace.id });
    expect(r.data.attributes?.ownerId).toBe(grace.id);
  });
});

describe("scripts and media", () => {
  it("reads script history and the current script, adds a version", async () => {
    const app = Object.values(tenant().apps).find((a) => a.name === "P&L" && !a.originAppId)!;
    const hist = await bot.apps.getAppScriptHistory(app.id, {}, { noCache: true });
    expect(hist.data.scripts?.length).toBe(2);
    const cur = await bot.apps.getAppScript(app.id, "current", { noCache: true });
    expect(cur.data.script).toBe(app.script);
    await bot.apps.updateAppScript(app.id, { script: "// v3", versionMessage: "third" });
    const hist2 = await bot.apps.getAppScriptHistory(app.id, {}, { noCache: true });
    expect(hist2.data.scripts?.[0]?.versionMessage).toBe("third");
  });
  it("lists, downloads, uploads (409 on clash) and deletes media", async () => {
    const app = Object.values(tenant().apps).find((a) => a.name === "P&L" && !a.originAppId)!;
    const list = await bot.apps.getAppMediaList(app.id, "", {}, { noCache: true });
    expect(list.data.data?.map((d) => d.name)).toEqual(["images"]);
    const file = await bot.apps.getAppMedia(app.id, "images/logo.png", { noCache: true });
    expect((file.data as Blob).size).toBeGreaterThan(0);
    await bot.apps.uploadAppMedia(app.id, "images/new.png", new Uint8Array([1, 2, 3]) as never);
    expect((await rejection(bot.apps.uploadAppMedia(app.id, "images/new.png", new Uint8Array([1]) as never))).status).toBe(409);
    await bot.apps.deleteAppMedia(app.id, "images/new.png");
    expect(app.media["images/new.png"]).toBeUndefined();
  });
});

describe("bad input", () => {
  const raw = (path: string, init: RequestInit = {}, token: string | null = emu.apiKey) =>
    fetch(`${emu.host}${path}`, { ...init, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.headers as Record<string, string>) } });
  it("answers the product-info probe with a JSON 404", async () => {
    const r = await fetch(`${emu.host}/resources/autogenerated/product-info.json`, { redirect: "manual" });
    expect(r.status).toBe(404);
    expect(r.headers.get("content-type")).toMatch(/json/);
  });
  it("unknown route → Qlik-shaped 404; malformed JSON → 400; no/wrong token → 401", async () => {
    const nf = await raw("/api/v1/nothing-here");
    expect(nf.status).toBe(404);
    expect(((await nf.json()) as { errors: unknown[] }).errors).toHaveLength(1);
    const bad = await raw("/api/v1/spaces", { method: "POST", body: "{not json", headers: { "content-type": "application/json" } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errors: { code: string }[] }).errors[0]?.code).toBeTruthy();
    expect((await raw("/api/v1/users", {}, null)).status).toBe(401);
    expect((await raw("/api/v1/users", {}, "wrong")).status).toBe(401);
    const tok = await fetch(`${emu.host}/oauth/token`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ client_id: emu.clientId, client_secret: "nope", grant_type: "client_credentials" }) });
    expect(tok.status).toBe(401);
  });
  it("issues OAuth tokens for JSON and form bodies", async () => {
    const form = await fetch(`${emu.host}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ client_id: emu.clientId, client_secret: emu.clientSecret, grant_type: "client_credentials", scope: "admin.apps admin_classic" }).toString(),
    });
    const body = (await form.json()) as { access_token: string; token_type: string; expires_in: number };
    expect(body.token_type).toBe("bearer");
    expect(body.expires_in).toBe(21600);
    expect((await raw("/api/v1/items?resourceType=app&spaceType=personal", {}, body.access_token)).status).toBe(200);
  });
  it("survives garbage on every route family", async () => {
    const paths = ["/api/v1/users", "/api/v1/groups", "/api/v1/roles", "/api/v1/spaces", "/api/v1/items", "/api/v1/apps/import", "/api/v1/apps/x/export", "/api/v1/temp-contents", "/api/v1/users/x", "/api/v1/spaces/x/assignments", "/api/v1/apps/x/objects/y/actions/change-owner", "/oauth/token"];
    for (const p of paths) {
      for (const method of ["GET", "POST", "PUT", "PATCH", "DELETE"]) {
        const r = await raw(p, { method, body: method === "GET" ? undefined : "\u0000garbage{[", headers: { "content-type": "application/json" } });
        expect(r.status).toBeGreaterThanOrEqual(200);
        expect(r.status).toBeLessThan(500);
      }
    }
    expect((await raw("/api/v1/users")).status).toBe(200);
  });
  it("answers every registered route, with every method, ill-formed ids and bodies, without a 5xx and with Qlik's error shape", async () => {
    const app = createTenantApp(tenant(), {} as never, { admin: false });
    const paths = new Set(app.routes.filter((r) => r.path.startsWith("/api/")).map((r) => r.path));
    const ids = ["%E0%A4%A", "a".repeat(300)];
    const bodies = ["", "[]", '{"attributes":5,"spaceId":[],"ownerId":{},"roles":"x","name":7,"type":"user"}'];
    let calls = 0;
    const failures: string[] = [];
    for (const path of paths) {
      const jobs: Promise<void>[] = [];
      for (const id of ids) {
        const concrete = path.replace(/:([A-Za-z]+)(\{[^}]*\})?/g, id);
        for (const method of ["GET", "POST", "PUT", "PATCH", "DELETE"]) {
          for (const body of method === "GET" || method === "DELETE" ? [undefined] : bodies) {
            jobs.push(
              (async () => {
                const r = await raw(concrete, { method, body, headers: { "content-type": "application/json" } });
                const text = await r.text();
                calls++;
                const where = `${method} ${concrete.slice(0, 80)} with ${JSON.stringify(body)} → ${r.status}`;
                if (r.status >= 500) failures.push(where);
                // Every refusal is in Qlik's error shape: {"errors":[{"code","title",…}]}.
                if (r.status >= 400) {
                  let errors: unknown;
                  try {
                    errors = (JSON.parse(text) as { errors?: unknown }).errors;
                  } catch {
                    errors = undefined;
                  }
                  const first = Array.isArray(errors) ? (errors[0] as { code?: unknown; title?: unknown } | undefined) : undefined;
                  if (typeof first?.code !== "string" || typeof first.title !== "string") failures.push(`${where}: not Qlik's error shape: ${text.slice(0, 80)}`);
                }
              })(),
            );
          }
        }
      }
      await Promise.all(jobs);
    }
    expect(failures).toEqual([]);
    expect(calls).toBeGreaterThan(800);
    expect((await raw("/api/v1/users")).status).toBe(200);
  });
});
