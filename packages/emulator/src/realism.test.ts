import { mkdtemp, rm } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { EmulatorHandle } from "./server.ts";
import { startTestEmulator, userApi, userByName } from "./testing.ts";
import { parseFaultSpec } from "./internal/faults.ts";

const running: EmulatorHandle[] = [];
async function start(opts: Parameters<typeof startTestEmulator>[0]): Promise<EmulatorHandle> {
  const emu = await startTestEmulator(opts);
  running.push(emu);
  return emu;
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()));
});

const get = (emu: { host: string }, path: string, token: string, init: RequestInit = {}) =>
  fetch(`${emu.host}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) } });

async function inParallel<T>(n: number, width: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await fn(i);
      }
    }),
  );
  return out;
}

describe("rate limits", () => {
  it("answers 429 with an integer Retry-After after 500 Tier-2 calls in the 5-minute window, per tier and per user", async () => {
    // timeScale 60: the 5-minute window lasts 5 real seconds, on a clock the test moves.
    let now = 1_000_000;
    const emu = await start({ rateLimits: "qlik", timeScale: 60, nowMs: () => now });
    const statuses = await inParallel(500, 25, async () => (await get(emu, "/api/v1/spaces/nope", emu.apiKey, { method: "PUT", body: "{}" })).status);
    expect(statuses.filter((s) => s === 429)).toHaveLength(0);
    const limited = await get(emu, "/api/v1/spaces/nope", emu.apiKey, { method: "PUT", body: "{}" });
    expect(limited.status).toBe(429);
    const retryAfter = limited.headers.get("retry-after")!;
    expect(retryAfter).toMatch(/^\d+$/);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(retryAfter)).toBeLessThanOrEqual(5);
    const body = (await limited.json()) as { errors: { code: string; title: string }[] };
    expect(body.errors[0]).toMatchObject({ code: "HTTP-429", title: "API rate limit reached." });
    // Tier 1 is counted separately; another user has their own window
    expect((await get(emu, "/api/v1/users/me", emu.apiKey, { redirect: "manual" })).status).toBe(301);
    const ben = userByName(emu, "Ben Builder");
    userApi(emu, ben);
    expect((await get(emu, "/api/v1/spaces/nope", `test_${ben.id}`, { method: "PUT", body: "{}" })).status).toBe(404);
    // Just before Retry-After has passed the tier is still closed; after it, open again.
    now += Number(retryAfter) * 1000 - 100;
    expect((await get(emu, "/api/v1/spaces/nope", emu.apiKey, { method: "PUT", body: "{}" })).status).toBe(429);
    now += 200;
    expect((await get(emu, "/api/v1/spaces/nope", emu.apiKey, { method: "PUT", body: "{}" })).status).toBe(404);
  });
  it("is off by default", async () => {
    const emu = await start({});
    const statuses = await inParallel(150, 25, async () => (await get(emu, "/api/v1/spaces/nope", emu.apiKey, { method: "PUT", body: "{}" })).status);
    expect(statuses.every((s) => s === 404)).toBe(true);
  });
});

describe("faults", () => {
  it("parses specs and rejects bad ones", () => {
    expect(parseFaultSpec("rate=0.05,kinds=429+500+503+reset+truncate+expire,seed=7")).toEqual({ rate: 0.05, kinds: ["429", "500", "503", "reset", "truncate", "expire"], seed: "7" });
    expect(() => parseFaultSpec("rate=2")).toThrow(/rate/);
    expect(() => parseFaultSpec("kinds=boom")).toThrow(/boom/);
  });
  it("injects faults at the configured rate, reproducibly from the seed", async () => {
    const observe = async (): Promise<number[]> => {
      const emu = await start({ faults: "rate=0.2,kinds=429+500+503,seed=7" });
      const statuses: number[] = [];
      for (let i = 0; i < 400; i++) statuses.push((await get(emu, "/api/v1/users?limit=1", emu.apiKey)).status);
      return statuses;
    };
    const first = await observe();
    const rate = first.filter((s) => s !== 200).length / first.length;
    expect(rate).toBeGreaterThan(0.15);
    expect(rate).toBeLessThan(0.25);
    expect(new Set(first.filter((s) => s !== 200))).toEqual(new Set([429, 500, 503]));
    expect(await observe()).toEqual(first);
  });
  it("resets connections, truncates downloads and expires temp files", async () => {
    const emu = await start({});
    const app = Object.values(emu.state.tenants[0]!.apps).find((a) => a.name === "Customer 360")!;
    const ex = await get(emu, `/api/v1/apps/${app.id}/export`, emu.apiKey, { method: "POST" });
    const path = `${ex.headers.get("location")}`;
    emu.setFaults("rate=1,kinds=reset");
    await expect(get(emu, "/api/v1/users", emu.apiKey)).rejects.toThrow();
    emu.setFaults("rate=1,kinds=truncate");
    const res = await get(emu, path, emu.apiKey);
    const expected = Number(res.headers.get("content-length"));
    let got = 0;
    await expect(
      (async () => {
        const reader = res.body!.getReader();
        for (;;) {
          const r = await reader.read();
          if (r.done) break;
          got += r.value.length;
        }
      })(),
    ).rejects.toThrow();
    expect(got).toBeLessThan(expected);
    emu.setFaults("rate=1,kinds=expire");
    expect((await get(emu, path, emu.apiKey)).status).toBe(410);
    emu.setFaults("");
    expect((await get(emu, path, emu.apiKey)).status).toBe(200);
  });
});

describe("latency", () => {
  it("delays Tier-1 calls by 150 ms and exports by 1 s + 1 s per 50 MB, divided by timeScale", async () => {
    const emu = await start({ latency: "realistic", timeScale: 10 });
    let t = performance.now();
    await get(emu, "/api/v1/users?limit=1", emu.apiKey);
    const tier1 = performance.now() - t;
    expect(tier1).toBeGreaterThanOrEqual(14);
    expect(tier1).toBeLessThan(150);
    const app = Object.values(emu.state.tenants[0]!.apps).find((a) => a.name === "Customer 360")!;
    t = performance.now();
    await get(emu, `/api/v1/apps/${app.id}/export`, emu.apiKey, { method: "POST" });
    const exportMs = performance.now() - t;
    expect(exportMs).toBeGreaterThanOrEqual((300 + 1000) / 10 - 2);
    // Between runs a benchmark can change the scale: the same call now waits the full 150 ms.
    emu.setTimeScale(1);
    t = performance.now();
    await get(emu, "/api/v1/users?limit=1", emu.apiKey);
    expect(performance.now() - t).toBeGreaterThanOrEqual(148);
    expect(() => emu.setTimeScale(0)).toThrow(/positive/);
  });
});

describe("state, tenants, upgrades", () => {
  it("persists tenants to --state and loads them on restart", async () => {
    const dir = await mkdtemp(join(tmpdir(), "lb-emu-"));
    try {
      const stateFile = join(dir, "state.json");
      const a = await startTestEmulator({ stateFile });
      const created = await get(a, "/api/v1/spaces", a.apiKey, { method: "POST", body: JSON.stringify({ name: "Survives restart", type: "shared" }), headers: { "content-type": "application/json" } });
      expect(created.status).toBe(201);
      await a.close();
      const b = await start({ stateFile, seed: "another seed" });
      expect(b.apiKey).toBe(a.apiKey);
      const list = (await (await get(b, "/api/v1/spaces?limit=100", b.apiKey)).json()) as { data: { name: string }[] };
      expect(list.data.map((s) => s.name)).toContain("Survives restart");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
  it("serves several tenants, each on its own host with its own credentials", async () => {
    const emu = await start({ tenants: 2 });
    const [one, two] = emu.tenants;
    expect(one!.host).not.toBe(two!.host);
    expect(one!.tenantId).not.toBe(two!.tenantId);
    expect((await get(two!, "/api/v1/users?limit=1", two!.apiKey)).status).toBe(200);
    expect((await get(two!, "/api/v1/users?limit=1", one!.apiKey)).status).toBe(401);
  });
  it("mixes fixtures per tenant, and different fixtures never share ids or keys", async () => {
    const emu = await start({ tenantFixtures: ["demo", "empty"] });
    const [demo, empty] = emu.state.tenants;
    expect(Object.keys(demo!.apps).length).toBeGreaterThan(0);
    expect(Object.keys(empty!.apps)).toHaveLength(0);
    expect(demo!.id).not.toBe(empty!.id);
    const shared = Object.keys(demo!.users).filter((id) => id in empty!.users);
    expect(shared).toEqual([]);
    expect(emu.tenants[0]!.apiKey).not.toBe(emu.tenants[1]!.apiKey);
  });
  it("is deterministic per seed", async () => {
    const a = await start({ seed: 42 });
    const b = await start({ seed: 42 });
    expect(Object.keys(a.state.tenants[0]!.apps)).toEqual(Object.keys(b.state.tenants[0]!.apps));
    expect(a.apiKey).toBe(b.apiKey);
  });
  it("refuses websocket upgrades outside /app/ and without a valid token", async () => {
    const emu = await start({});
    const upgrade = (path: string, token?: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request(`${emu.host}${path}`, { headers: { connection: "Upgrade", upgrade: "websocket", "sec-websocket-version": "13", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==", ...(token ? { authorization: `Bearer ${token}` } : {}) } });
        req.on("response", (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on("upgrade", (res, socket) => {
          socket.destroy();
          resolve(res.statusCode ?? 0);
        });
        req.on("error", reject);
        req.end();
      });
    expect(await upgrade("/elsewhere")).toBe(404);
    expect(await upgrade("/app/whatever")).toBe(401);
    expect(await upgrade("/app/whatever", "bad")).toBe(401);
  });
});

describe("admin surface", () => {
  it("is off unless enabled, and can resize an app's data model", async () => {
    const off = await start({});
    expect((await fetch(`${off.host}/__emulator/state`)).status).toBe(404);
    const emu = await start({ admin: true });
    const app = Object.values(emu.state.tenants[0]!.apps)[0]!;
    const r = await fetch(`${emu.host}/__emulator/apps/${app.id}`, { method: "PATCH", headers: { "content-type": "application/json" }, body: JSON.stringify({ dataModelBytes: 3 * 1024 ** 3 }) });
    expect(r.status).toBe(200);
    expect(app.dataModelBytes).toBe(3 * 1024 ** 3);
    const ex = await get(emu, `/api/v1/apps/${app.id}/export`, emu.apiKey, { method: "POST" });
    const head = await get(emu, `${ex.headers.get("location")}`, emu.apiKey, { headers: { range: "bytes=0-99" } });
    expect(head.status).toBe(206);
    const total = /^bytes 0-99\/(\d+)$/.exec(head.headers.get("content-range") ?? "")?.[1];
    expect(Number(total)).toBeGreaterThan(3 * 1024 ** 3);
    await head.arrayBuffer();
    const bad = await fetch(`${emu.host}/__emulator/apps/${app.id}`, { method: "PATCH", headers: { "content-type": "application/json" }, body: JSON.stringify({ dataModelBytes: -1 }) });
    expect(bad.status).toBe(400);
  });
});

describe("quirk switches", () => {
  it("importIntoManagedSpace=allow, importKeepsObjectOwners and appInfoIncludesSpaceId change behaviour", async () => {
    const emu = await start({ quirks: { importIntoManagedSpace: "allow", importKeepsObjectOwners: true, appInfoIncludesSpaceId: true } });
    const t = emu.state.tenants[0]!;
    const src = Object.values(t.apps).find((a) => a.name === "Sales Overview" && !a.originAppId)!;
    const sales = Object.values(t.spaces).find((s) => s.name === "Sales")!;
    const token = await fetch(`${emu.host}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ client_id: emu.clientId, client_secret: emu.clientSecret, grant_type: "client_credentials" }),
    });
    const bot = ((await token.json()) as { access_token: string }).access_token;
    const ex = await get(emu, `/api/v1/apps/${src.id}/export?NoData=true`, bot, { method: "POST" });
    const fileId = ex.headers.get("location")!.split("/").pop();
    const imp = await get(emu, `/api/v1/apps/import?fileId=${fileId}&spaceId=${sales.id}`, bot, { method: "POST" });
    expect(imp.status).toBe(200);
    const body = (await imp.json()) as { attributes: { id: string; spaceId?: string } };
    expect(body.attributes.spaceId).toBe(sales.id);
    const imported = t.apps[body.attributes.id]!;
    for (const o of Object.values(src.objects)) expect(imported.objects[o.id]?.ownerId).toBe(o.ownerId);
  });
  it("exportIncludesCommunity: other users' community objects are out of an API-key export by default, in with true", async () => {
    for (const [quirks, included] of [[{}, false], [{ exportIncludesCommunity: false }, false], [{ exportIncludesCommunity: true }, true]] as const) {
      const emu = await start({ quirks });
      const t = emu.state.tenants[0]!;
      const src = Object.values(t.apps).find((a) => a.name === "Sales Overview" && !a.originAppId)!;
      const admin = Object.values(t.apiKeys).find((k) => k.token === emu.apiKey)!.userId;
      const community = Object.values(src.objects).find((o) => o.published && !o.approved && o.ownerId !== admin)!;
      expect(community).toBeDefined();
      const ex = await get(emu, `/api/v1/apps/${src.id}/export?NoData=true`, emu.apiKey, { method: "POST" });
      expect(ex.headers.get("location")).toMatch(/^\/api\/v1\/temp-contents\/[0-9a-f]+$/);
      const snapshot = t.tempContents[ex.headers.get("location")!.split("/").pop()!]!.source;
      expect(snapshot.kind === "export" && !!snapshot.snapshot.app.objects[community.id], JSON.stringify(quirks)).toBe(included);
    }
  });
  it("appInfoIncludesSpaceId: GET /apps/{id} reports attributes.spaceId by default, not with false", async () => {
    for (const [quirks, included] of [[{}, true], [{ appInfoIncludesSpaceId: false }, false]] as const) {
      const emu = await start({ quirks });
      const t = emu.state.tenants[0]!;
      const src = Object.values(t.apps).find((a) => a.name === "Sales Overview" && !a.originAppId)!;
      const info = (await (await get(emu, `/api/v1/apps/${src.id}`, emu.apiKey)).json()) as { attributes: { spaceId?: string } };
      expect(info.attributes.spaceId, JSON.stringify(quirks)).toBe(included ? src.spaceId : undefined);
    }
  });
});

describe("OAuth scopes and personal apps (issue 10 items 5, 6)", () => {
  /** A second OAuth client whose bot user holds TenantAdmin but only the `user_default` scope. */
  function limitedClient(emu: EmulatorHandle): { clientId: string; clientSecret: string } {
    const t = emu.state.tenants[0]!;
    const bot = Object.values(t.users).find((u) => u.subject.startsWith("qlikbot\\"))!;
    const c = { clientId: "limited-client", clientSecret: "limited-secret", userId: bot.id, scopes: ["user_default"] };
    t.oauthClients[c.clientId] = c;
    return c;
  }
  const token = (emu: EmulatorHandle, c: { clientId: string; clientSecret: string }, scope: string) =>
    fetch(`${emu.host}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ client_id: c.clientId, client_secret: c.clientSecret, grant_type: "client_credentials", scope }),
    });
  it("unassignedScopes=drop (default) grants what the client holds and says so in `scope`; refuse answers 400", async () => {
    const emu = await start({});
    const c = limitedClient(emu);
    const dropped = await token(emu, c, "user_default admin.apps admin_classic");
    expect(dropped.status).toBe(200);
    const body = (await dropped.json()) as { access_token: string; scope: string };
    expect(body.scope).toBe("user_default");
    // Not a bot: another user's personal app is out of reach.
    const t = emu.state.tenants[0]!;
    const personal = Object.values(t.apps).find((a) => !a.spaceId)!;
    expect((await get(emu, `/api/v1/apps/${personal.id}`, body.access_token)).status).toBe(403);
    const full = (await (await token(emu, emu, "user_default admin.apps admin_classic")).json()) as { scope: string };
    expect(full.scope.split(" ").sort()).toEqual(["admin.apps", "admin_classic", "user_default"]);

    const strict = await start({ quirks: { unassignedScopes: "refuse" } });
    const sc = limitedClient(strict);
    const refused = await token(strict, sc, "user_default admin.apps admin_classic");
    expect(refused.status).toBe(400);
    expect(JSON.stringify(await refused.json())).toMatch(/invalid_scope.*admin\.apps admin_classic/);
    expect((await token(strict, sc, "user_default")).status).toBe(200);
    expect((await token(strict, strict, "user_default admin.apps admin_classic")).status).toBe(200);
  });
  it("itemsListIncludesOthersPersonal=false (default): the unfiltered listing omits other users' personal apps, even for a bot; spaceType=personal lists them", async () => {
    for (const [quirks, included] of [[{}, false], [{ itemsListIncludesOthersPersonal: true }, true]] as const) {
      const emu = await start({ quirks });
      const t = emu.state.tenants[0]!;
      const bot = ((await (await token(emu, emu, "user_default admin.apps admin_classic")).json()) as { access_token: string }).access_token;
      const list = async (query: string) =>
        ((await (await get(emu, `/api/v1/items?resourceType=app&limit=100${query}`, bot)).json()) as { data: { resourceId: string }[] }).data.map((i) => i.resourceId);
      const personal = Object.values(t.apps).filter((a) => !a.spaceId);
      expect(personal.length).toBeGreaterThan(0);
      const all = await list("");
      for (const a of personal) expect(all.includes(a.id), `${JSON.stringify(quirks)} ${a.name}`).toBe(included);
      expect((await list("&spaceType=personal")).sort()).toEqual(personal.map((a) => a.id).sort());
      expect(all.length + (included ? 0 : personal.length)).toBe(Object.keys(t.apps).length);
    }
  });
});

describe("changing an app's owner (issue 10 item 7)", () => {
  it("raises the new owner's role in the app's space as Qlik does: shared → producer, managed → facilitator, unless already held", async () => {
    const emu = await start({});
    const t = emu.state.tenants[0]!;
    const bot = ((await (await fetch(`${emu.host}/oauth/token`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ client_id: emu.clientId, client_secret: emu.clientSecret, grant_type: "client_credentials", scope: "user_default admin.apps admin_classic" }) })).json()) as { access_token: string }).access_token;
    const setOwner = async (appId: string, ownerId: string) => {
      const r = await get(emu, `/api/v1/apps/${appId}/owner`, bot, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ ownerId }) });
      expect(r.status).toBe(200);
    };
    const rolesOf = (spaceId: string, userId: string) =>
      Object.values(t.assignments).filter((a) => a.spaceId === spaceId && a.type === "user" && a.assigneeId === userId).map((a) => [...a.roles].sort());
    const humans = Object.values(t.users).filter((u) => u.subject.startsWith("auth0|") && u.status === "active");
    for (const type of ["shared", "managed"] as const) {
      const app = Object.values(t.apps).find((a) => a.spaceId && t.spaces[a.spaceId]?.type === type)!;
      const space = t.spaces[app.spaceId!]!;
      const role = type === "shared" ? "producer" : "facilitator";
      // A user with no assignment in the space gets one with the role.
      const stranger = humans.find((u) => u.id !== space.ownerId && rolesOf(space.id, u.id).length === 0 && !u.groups.some((g) => Object.values(t.assignments).some((a) => a.spaceId === space.id && a.assigneeId === g)))!;
      await setOwner(app.id, stranger.id);
      expect(rolesOf(space.id, stranger.id), type).toEqual([[role]]);
      // A consumer keeps consumer and gains the role.
      const consumer = { ...stranger, id: `u-consumer-${type}`, subject: `auth0|consumer-${type}`, groups: [] };
      t.users[consumer.id] = consumer;
      t.assignments["a-consumer-" + type] = { id: "a-consumer-" + type, spaceId: space.id, tenantId: t.id, type: "user", assigneeId: consumer.id, roles: ["consumer"], createdAt: "", createdBy: "", updatedAt: "", updatedBy: "" };
      await setOwner(app.id, consumer.id);
      expect(rolesOf(space.id, consumer.id), type).toEqual([["consumer", role].sort()]);
      // Already holding it, or owning the space: nothing changes.
      const before = JSON.stringify(t.assignments);
      await setOwner(app.id, stranger.id);
      await setOwner(app.id, space.ownerId);
      expect(JSON.stringify(t.assignments)).toBe(before);
    }
    // A personal app has no space: nothing to raise.
    const personal = Object.values(t.apps).find((a) => !a.spaceId)!;
    const count = Object.keys(t.assignments).length;
    await setOwner(personal.id, humans[0]!.id);
    expect(Object.keys(t.assignments)).toHaveLength(count);
  });
});

describe("generated fixture", () => {
  it("is deterministic and sized as asked", async () => {
    const emu = await start({ fixture: "generated", apps: 30, objectsPerApp: 7, users: 12, seed: "g" });
    const t = emu.state.tenants[0]!;
    expect(Object.keys(t.apps)).toHaveLength(30);
    // 7 objects as asked, plus the two system objects every app holds (LoadModel, appprops).
    expect(Object.values(t.apps).every((a) => Object.keys(a.objects).length === 7 + 2)).toBe(true);
    expect(Object.values(t.apps).every((a) => a.objects.LoadModel?.type === "LoadModel" && Object.values(a.objects).some((o) => o.type === "appprops"))).toBe(true);
    expect(Object.keys(t.users)).toHaveLength(14);
    const again = await start({ fixture: "generated", apps: 30, objectsPerApp: 7, users: 12, seed: "g" });
    expect(Object.keys(again.state.tenants[0]!.apps)).toEqual(Object.keys(t.apps));
  });
  it("holds 2,000 apps × 50 objects", async () => {
    const emu = await start({ fixture: "generated", apps: 2000, objectsPerApp: 50, users: 100, seed: "big" });
    const t = emu.state.tenants[0]!;
    expect(Object.keys(t.apps)).toHaveLength(2000);
    const res = await get(emu, "/api/v1/items?resourceType=app&limit=100", emu.apiKey);
    expect(res.status).toBe(200);
  });
  it("empty has only the admin and the bot", async () => {
    const emu = await start({ fixture: "empty" });
    const t = emu.state.tenants[0]!;
    expect(Object.keys(t.users)).toHaveLength(2);
    expect(Object.keys(t.apps)).toHaveLength(0);
  });
});
