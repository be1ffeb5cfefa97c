/**
 * The connector against the emulator over real sockets (REST + QIX websocket): what it
 * reads must equal the emulator's tenant state, seen through Qlik's visibility rules.
 */
import { VirtualClock } from "@lifeboat/kit/testing";
import { describe, expect, it } from "vitest";
import { startEmulator, type Tenant } from "@lifeboat/emulator";
import type { ObjectRecord } from "@lifeboat/model";
import { createTenantClient, type TenantClient } from "./client.ts";
import { QlikApiError } from "./errors.ts";
import { createRestoreTarget } from "./restore-target.ts";
import { botOf, keyOf, useEmulator } from "./testing-emulator.ts";

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}


/** Top-level objects of an app in emulator state, as the reader should record them. */
const SYSTEM = new Set(["LoadModel", "appprops"]);

function expectedObjects(tenant: Tenant, appId: string, visibleTo?: string): Partial<ObjectRecord>[] {
  const app = tenant.apps[appId];
  if (!app) throw new Error(`no app ${appId}`);
  return Object.values(app.objects)
    .filter((o) => visibleTo === undefined || o.approved || o.published || o.ownerId === visibleTo)
    .map((o) => ({
      id: o.id,
      type: o.type,
      genericType: o.genericType,
      // System objects (LoadModel, appprops) have no qMeta in Qlik Cloud: no owner or state is recorded.
      ownerId: SYSTEM.has(o.type) ? "" : o.ownerId,
      ownerSubject: SYSTEM.has(o.type) ? "" : (tenant.users[o.ownerId]?.subject ?? ""),
      approved: SYSTEM.has(o.type) ? false : o.approved,
      published: SYSTEM.has(o.type) ? false : o.published,
    }))
    .sort((a, b) => (a.id ?? "").localeCompare(b.id ?? ""));
}

const pick = (o: ObjectRecord): Partial<ObjectRecord> => ({
  id: o.id,
  type: o.type,
  genericType: o.genericType,
  ownerId: o.ownerId,
  ownerSubject: o.ownerSubject,
  approved: o.approved,
  published: o.published,
});

describe("against the emulator (demo fixture)", () => {
  const ctx = useEmulator();

  it("whoAmI: the OAuth bot is a private-content bot, the API key's user is not", async () => {
    const bot = await botOf(ctx.emu).whoAmI();
    const key = await keyOf(ctx.emu).whoAmI();
    expect(bot.isPrivateContentBot).toBe(true);
    expect(key.isPrivateContentBot).toBe(false);
    expect(ctx.tenant.users[bot.userId]?.subject).toBe(bot.subject);
    expect(ctx.tenant.users[key.userId]?.subject).toBe(key.subject);
    expect(key.userId).not.toBe(bot.userId);
  });

  it("lists every app, other users' personal apps included, whether or not the unfiltered listing has them (itemsListIncludesOthersPersonal)", async () => {
    for (const quirks of [{}, { itemsListIncludesOthersPersonal: true }, { itemsListIncludesOthersPersonal: false }]) {
      const e = await startEmulator({ fixture: "demo", port: 0, rateLimits: "off", quirks });
      try {
        const t = e.state.tenants[0] as Tenant;
        const c = botOf(e);
        const apps = await collect(c.listApps());
        expect(apps.map((a) => a.appId).sort(), JSON.stringify(quirks)).toEqual(Object.keys(t.apps).sort());
        expect(new Set(apps.map((a) => a.appId)).size).toBe(apps.length);
        const bot = await c.whoAmI();
        expect(apps.filter((a) => a.spaceType === "personal" && a.ownerId !== bot.userId).length).toBeGreaterThan(0);
      } finally {
        await e.close();
      }
    }
  });

  it("a client not granted admin.apps/admin_classic is no bot, whatever it asked for (unassignedScopes drop and refuse)", async () => {
    for (const unassignedScopes of ["drop", "refuse"] as const) {
      const e = await startEmulator({ fixture: "demo", port: 0, rateLimits: "off", quirks: { unassignedScopes } });
      try {
        const t = e.state.tenants[0] as Tenant;
        const botUser = Object.values(t.users).find((u) => u.subject.startsWith("qlikbot\\"))!;
        t.oauthClients["limited-client"] = { clientId: "limited-client", clientSecret: "limited-secret", userId: botUser.id, scopes: ["user_default"] };
        const c = createTenantClient({ host: e.host, auth: { type: "oauth2", clientId: "limited-client", clientSecret: "limited-secret" } });
        const me = await c.whoAmI();
        expect(me.isPrivateContentBot, unassignedScopes).toBe(false);
        expect(me.grantedScopes).toEqual(["user_default"]);
        expect(me.scopeNote).toMatch(unassignedScopes === "drop" ? /granted "user_default".*without admin\.apps and admin_classic/ : /refused the scopes admin\.apps admin_classic.*invalid_scope/);
        // What it sees matches: no other user's personal app.
        const apps = await collect(c.listApps());
        expect(apps.some((a) => a.spaceType === "personal" && a.ownerId !== me.userId)).toBe(false);
        // Scopes the user configured are not second-guessed: a refusal is the error.
        const explicit = createTenantClient({ host: e.host, auth: { type: "oauth2", clientId: "limited-client", clientSecret: "limited-secret", scope: "user_default admin.apps admin_classic" } });
        if (unassignedScopes === "refuse") await expect(explicit.whoAmI()).rejects.toThrow(/invalid_scope/);
        else expect((await explicit.whoAmI()).isPrivateContentBot).toBe(false);
        // The real bot is granted both and is one.
        const full = await botOf(e).whoAmI();
        expect(full.isPrivateContentBot).toBe(true);
        expect(full.grantedScopes?.sort()).toEqual(["admin.apps", "admin_classic", "user_default"]);
        expect(full.scopeNote).toBeUndefined();
      } finally {
        await e.close();
      }
    }
  });

  it("lists users, groups, roles, spaces, assignments and every app with its space type", async () => {
    const c = botOf(ctx.emu);
    const users = await collect(c.listUsers());
    expect(users.map((u) => u.id).sort()).toEqual(Object.keys(ctx.tenant.users).sort());
    for (const u of users) expect(u.subject).toBe(ctx.tenant.users[u.id]?.subject);
    expect((await collect(c.listGroups())).map((g) => g.id).sort()).toEqual(Object.keys(ctx.tenant.groups).sort());
    expect((await collect(c.listRoles())).map((r) => r.id).sort()).toEqual(Object.keys(ctx.tenant.roles).sort());
    const spaces = await collect(c.listSpaces());
    expect(spaces.map((s) => s.id).sort()).toEqual(Object.keys(ctx.tenant.spaces).sort());
    for (const s of spaces) {
      const want = Object.values(ctx.tenant.assignments).filter((a) => a.spaceId === s.id);
      const got = await collect(c.listSpaceAssignments(s.id));
      expect(got.map((a) => [a.id, a.assigneeId, [...a.roles].sort()]).sort()).toEqual(want.map((a) => [a.id, a.assigneeId, [...a.roles].sort()]).sort());
    }
    const apps = await collect(c.listApps());
    expect(apps.map((a) => a.appId).sort()).toEqual(Object.keys(ctx.tenant.apps).sort());
    for (const a of apps) {
      const st = ctx.tenant.apps[a.appId];
      expect(a.itemId).toBe(st?.itemId);
      expect(a.spaceId).toBe(st?.spaceId);
      expect(a.spaceType).toBe(st?.spaceId ? ctx.tenant.spaces[st.spaceId]?.type : "personal");
    }
    expect(apps.some((a) => a.spaceType === "personal")).toBe(true);
    expect(apps.some((a) => a.spaceType === "managed")).toBe(true);
  });

  it("reads app info, script and script history", async () => {
    const c = botOf(ctx.emu);
    const app = Object.values(ctx.tenant.apps)[0];
    if (!app) throw new Error("demo has apps");
    const info = await c.getAppInfo(app.id);
    expect(info.attributes.id).toBe(app.id);
    expect(info.attributes.name).toBe(app.name);
    expect(await c.getAppScript(app.id)).toBe(app.script);
    const history = await c.getAppScriptHistory(app.id);
    expect(history.map((h) => h.scriptId).sort()).toEqual(app.scriptHistory.map((h) => h.scriptId).sort());
  });

  it("readAppObjects: the bot sees every user's objects; an API key only its own and public ones", async () => {
    const bot = botOf(ctx.emu);
    const key = keyOf(ctx.emu);
    const keyUser = (await key.whoAmI()).userId;
    let privateOfOthers = 0;
    for (const app of Object.values(ctx.tenant.apps)) {
      const all = (await bot.readAppObjects(app.id)).map(pick).sort((a, b) => (a.id ?? "").localeCompare(b.id ?? ""));
      expect(all).toEqual(expectedObjects(ctx.tenant, app.id));
      privateOfOthers += Object.values(app.objects).filter((o) => !o.approved && !o.published && o.ownerId !== keyUser).length;
      const visible = await key.readAppObjects(app.id).catch((e: unknown) => e);
      if (visible instanceof QlikApiError) {
        // Apps in other users' personal spaces are closed to an API key.
        expect(visible.kind).toBe("forbidden");
        expect(app.spaceId).toBeUndefined();
        continue;
      }
      expect((visible as ObjectRecord[]).map(pick).sort((a, b) => (a.id ?? "").localeCompare(b.id ?? ""))).toEqual(expectedObjects(ctx.tenant, app.id, keyUser));
    }
    expect(privateOfOthers).toBeGreaterThan(0);
    expect(bot.stats().qixSessions).toBe(Object.keys(ctx.tenant.apps).length);
  });

  it("exports stream the app file, which imports back as a new app with the same objects", async () => {
    const c = botOf(ctx.emu);
    const app = Object.values(ctx.tenant.apps).find((a) => Object.keys(a.objects).length > 0 && a.spaceId);
    if (!app) throw new Error("demo has an app with objects");
    const exp = await c.exportApp(app.id, { withData: false });
    const chunks: Uint8Array[] = [];
    for await (const ch of exp.body) chunks.push(ch);
    const bytes = Buffer.concat(chunks);
    expect(bytes.length).toBe(exp.size);
    expect(c.stats().bytesDownloaded).toBe(bytes.length);

    const w = c.writer();
    const shared = Object.values(ctx.tenant.spaces).find((s) => s.type === "shared");
    const { appId } = await w.importApp({ name: `${app.name} (restored)`, spaceId: shared?.id, body: async function* () {
      yield bytes;
    } });
    expect(appId).not.toBe(app.id);
    expect(ctx.tenant.apps[appId]?.name).toBe(`${app.name} (restored)`);
    expect(Object.keys(ctx.tenant.apps[appId]?.objects ?? {}).sort()).toEqual(Object.keys(app.objects).sort());
    await w.deleteApp(appId);
    expect(ctx.tenant.apps[appId]).toBeUndefined();
  });

  it("an import whose body cannot be read fails with the body's own error, once: not retried, not a network error", async () => {
    const c = botOf(ctx.emu);
    const damage = Object.assign(new Error("chunk c0 in pack p0 is damaged: authentication failed"), { code: "damaged" });
    let reads = 0;
    const before = Object.keys(ctx.tenant.apps).length;
    const err = await c
      .writer()
      .importApp({
        name: "never imported",
        body: async function* () {
          reads++;
          yield new Uint8Array(64 * 1024);
          throw damage;
        },
      })
      .catch((e: unknown) => e);
    expect(err).toBe(damage);
    expect(reads).toBe(1);
    expect(c.stats().retries).toBe(0);
    expect(Object.keys(ctx.tenant.apps)).toHaveLength(before);
  });

  it("a missing app fails with a not-found error that names the app and the tenant", async () => {
    const err = (await botOf(ctx.emu)
      .getAppInfo("00000000-0000-0000-0000-000000000000")
      .catch((e: unknown) => e)) as QlikApiError;
    expect(err).toBeInstanceOf(QlikApiError);
    expect(err.kind).toBe("not-found");
    expect(err.message).toContain(ctx.emu.host);
  });

  it("wrong credentials fail as unauthorized", async () => {
    const bad = createTenantClient({ host: ctx.emu.host, auth: { type: "apikey", apiKey: "not-a-key" } });
    const err = (await bad.whoAmI().catch((e: unknown) => e)) as QlikApiError;
    expect(err.kind).toBe("unauthorized");
    const badBot = createTenantClient({ host: ctx.emu.host, auth: { type: "oauth2", clientId: ctx.emu.clientId, clientSecret: "wrong" } });
    const err2 = (await badBot.whoAmI().catch((e: unknown) => e)) as QlikApiError;
    expect(err2).toBeInstanceOf(QlikApiError);
    expect(err2.kind).toBe("unauthorized");
  });
});

describe("against the emulator with Qlik's rate limits, on one virtual clock", () => {
  // The emulator's rate-limit windows and the client's limiter and retries read the same
  // clock, which moves only when the client waits: Qlik's real 5-minute windows, in no real
  // time, and no event-loop delay on a loaded machine shifts one side against the other.
  const clock = new VirtualClock(1_000_000);
  const ctx = useEmulator({ rateLimits: "qlik", nowMs: () => clock.now() });

  /** 560 Tier-2 calls (more than the 500 a window allows): setting each app's owner to itself. */
  async function tier2Burst(c: TenantClient): Promise<void> {
    const w = c.writer();
    const apps = Object.values(ctx.tenant.apps);
    const jobs = Array.from({ length: 560 }, (_, i) => apps[i % apps.length]);
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < jobs.length) {
          const app = jobs[next++];
          if (app) await w.updateAppOwner(app.id, app.ownerId);
        }
      }),
    );
  }

  it("the limiter keeps a burst under the limit: no 429 at all", async () => {
    const c = botOf(ctx.emu, { clock });
    await tier2Burst(c);
    expect(c.stats().callsPerOperation.updateAppOwner).toBe(560);
    expect(c.stats().rateLimited).toBe(0);
    // 560 > the 500 we allow per window (the whole budget, default headroom 1): the limiter had to hold requests back.
    expect(c.stats().throttledMs).toBeGreaterThan(0);
  }, 60_000);

  it("without the client-side limiter, 429s are honoured and retried, never surfaced", async () => {
    const c = botOf(ctx.emu, { clock, limits: { enabled: false } });
    await tier2Burst(c);
    expect(c.stats().rateLimited).toBeGreaterThan(0);
  }, 60_000);
});

describe("against the emulator with faults injected", () => {
  const ctx = useEmulator({ faults: "rate=0.15,seed=3,kinds=429+500+503+reset+truncate+expire" });

  it("every call succeeds after retries or fails with a classified error", async () => {
    const c = botOf(ctx.emu, { retry: { baseMs: 5, maxMs: 40 } });
    const outcomes: ("ok" | QlikApiError)[] = [];
    const attempt = async (fn: () => Promise<unknown>): Promise<void> => {
      try {
        await fn();
        outcomes.push("ok");
      } catch (e) {
        if (!(e instanceof QlikApiError)) throw e;
        outcomes.push(e);
      }
    };
    await attempt(() => collect(c.listUsers()));
    await attempt(() => collect(c.listGroups()));
    await attempt(() => collect(c.listSpaces()));
    await attempt(() => collect(c.listApps()));
    for (const app of Object.values(ctx.tenant.apps)) {
      await attempt(() => c.getAppInfo(app.id));
      await attempt(() => c.getAppScript(app.id));
      await attempt(async () => {
        const exp = await c.exportApp(app.id, { withData: false });
        let n = 0;
        for await (const ch of exp.body) n += ch.byteLength;
        if (exp.size !== undefined) expect(n).toBe(exp.size);
      });
      await attempt(() => c.readAppObjects(app.id));
    }
    expect(outcomes.length).toBe(4 + 4 * Object.keys(ctx.tenant.apps).length);
    const failures = outcomes.filter((o): o is QlikApiError => o !== "ok");
    for (const f of failures) expect(["transient", "rate-limited"]).toContain(f.kind);
    // With 5 attempts per call and a 15% fault rate, failures are rare; retries are not.
    expect(failures.length).toBeLessThanOrEqual(2);
    expect(c.stats().retries).toBeGreaterThan(0);
  }, 90_000);
});

describe("the writer against the emulator (restore operations)", () => {
  const ctx = useEmulator();

  it("restores a deleted private sheet with its owner and state, and moves a copy into a managed space", async () => {
    const client = botOf(ctx.emu);
    const target = createRestoreTarget(client);
    const app = Object.values(ctx.tenant.apps).find((a) => a.spaceId && ctx.tenant.spaces[a.spaceId]?.type === "shared" && Object.values(a.objects).some((o) => o.type === "sheet" && !o.approved && !o.published));
    if (!app) throw new Error("demo has a shared app with a private sheet");
    const before = await client.readAppObjects(app.id);
    const sheet = before.find((o) => o.type === "sheet" && !o.approved && !o.published);
    if (!sheet) throw new Error("private sheet not read");

    // Delete it, then restore it from the record: create, state, save, then hand it to its owner.
    await target.withApp(app.id, async (ed) => {
      await ed.destroyObject(sheet.id, sheet.genericType);
      await ed.save();
    });
    expect(ctx.tenant.apps[app.id]?.objects[sheet.id]).toBeUndefined();
    let restoredId = "";
    await target.withApp(app.id, async (ed) => {
      const r = await ed.upsertObject(sheet);
      expect(r.created).toBe(true);
      restoredId = r.id;
      await ed.setState(r.id, sheet.genericType, { published: true, approved: false });
      await ed.save();
    });
    await target.updateObjectOwner(app.id, restoredId, sheet.ownerId);
    const after = (await client.readAppObjects(app.id)).find((o) => o.id === restoredId);
    expect(after).toMatchObject({ type: "sheet", title: sheet.title, ownerId: sheet.ownerId, ownerSubject: sheet.ownerSubject, published: true, approved: false });
    expect((after?.propertyTree as { qChildren: unknown[] }).qChildren.length).toBe((sheet.propertyTree as { qChildren: unknown[] }).qChildren.length);

    // Updating an existing object replaces its properties.
    await target.withApp(app.id, async (ed) => {
      const tree = structuredClone(after?.propertyTree) as { qProperty: { qMetaDef: { title: string } } };
      tree.qProperty.qMetaDef.title = "Renamed by restore";
      const r = await ed.upsertObject({ id: restoredId, type: "sheet", genericType: "genericObject", propertyTree: tree });
      expect(r).toEqual({ id: restoredId, created: false });
      await ed.save();
    });
    expect((await client.readAppObjects(app.id)).find((o) => o.id === restoredId)?.title).toBe("Renamed by restore");

    // Managed-space flow: a development copy, the original moved into a managed space with the copy as origin.
    const managed = Object.values(ctx.tenant.spaces).find((s) => s.type === "managed");
    if (!managed) throw new Error("demo has a managed space");
    const { appId: copyId } = await target.copyApp(app.id, { name: `${app.name} (dev)`, spaceId: app.spaceId });
    expect(ctx.tenant.apps[copyId]?.name).toBe(`${app.name} (dev)`);
    await target.moveToManagedSpace(app.id, { spaceId: managed.id, originAppId: copyId });
    expect(ctx.tenant.apps[app.id]?.spaceId).toBe(managed.id);
    expect(ctx.tenant.apps[app.id]?.originAppId).toBe(copyId);
    expect(await target.getApp("00000000-0000-0000-0000-000000000000")).toBeUndefined();
  });

  it("finds users by subject and email, creates invited users and spaces with assignments", async () => {
    const w = botOf(ctx.emu).writer();
    const someone = Object.values(ctx.tenant.users).find((u) => u.email);
    if (!someone) throw new Error("demo has users");
    expect((await w.findUserBySubject(someone.subject))?.id).toBe(someone.id);
    expect((await w.findUserByEmail(someone.email))?.id).toBe(someone.id);
    expect(await w.findUserBySubject("auth0|nobody-\"quoted\"")).toBeUndefined();
    const created = await w.createUser({ subject: "auth0|restored-user", name: "Restored User", email: "restored@example.com" });
    expect(created.status).toBe("invited");
    expect(ctx.tenant.users[created.id]?.subject).toBe("auth0|restored-user");

    const first = await w.ensureSpace({ name: "Restored space", type: "shared", description: "from a snapshot" });
    expect(first.created).toBe(true);
    const again = await w.ensureSpace({ name: "Restored space", type: "shared" });
    expect(again).toEqual({ space: first.space, created: false });
    const a = await w.createSpaceAssignment(first.space.id, { type: "user", assigneeId: created.id, roles: ["consumer"] });
    expect(ctx.tenant.assignments[a.id]).toMatchObject({ spaceId: first.space.id, assigneeId: created.id, roles: ["consumer"] });
    // A space the restore created goes to its owner in the snapshot (PATCH replace /ownerId).
    await w.updateSpaceOwner(first.space.id, someone.id);
    expect(ctx.tenant.spaces[first.space.id]?.ownerId).toBe(someone.id);
  });
});
