/**
 * The tenant reader's conformance suite: what `TenantReader` (`@lifeboat/model` ports.ts)
 * promises and the backup relies on, checked against the port only. Every implementation
 * runs exactly these cases — the engine's in-memory fake, the connector against the
 * emulator, the connector against a live tenant (read-only) — like the storage backends'
 * `backendConformance`.
 *
 * ```ts
 * tenantReaderContract("emulator via the connector", async () => {
 *   const emu = await startEmulator({ fixture: "empty" });
 *   seed(emu, contractFixture());                // the harness's own seeding
 *   return { reader: createTenantClient(…), seeded: { fixture, caller }, teardown: () => emu.close() };
 * });
 * ```
 *
 * `setup()` runs once per suite (the checks only read). Without `seeded` (a live tenant the
 * suite cannot seed) the checks against the seed are skipped and the invariants — unique
 * ids, record shapes, stamps against objects, one-shot export bodies — run on what the
 * tenant holds, reading the objects of one app (`probeAppId`, or the first one listed).
 */
import { afterAll, beforeAll, describe, expect, it, type TestContext } from "vitest";
import type { AppContent, ObjectRecord, ObjectStamp, ResourceKindName, ResourceRecord, TenantReader } from "@lifeboat/model";
import { FIXTURE_SECRETS, fixtureSpaceType, type SeededTenant } from "./fixture.ts";

export interface ReaderUnderTest {
  reader: TenantReader;
  /** What the tenant was seeded with (`contractFixture()`), and who the reader's caller is. */
  seeded?: SeededTenant;
  /** Without a seed: the app whose objects, content and export are read (default: the first listed outside personal spaces). */
  probeAppId?: string;
  teardown?(): Promise<void>;
}

export interface ContractOptions {
  /** Per check (default 60 s). */
  timeoutMs?: number;
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

async function bytes(it: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const c of it) chunks.push(c);
  return Buffer.concat(chunks);
}

/** No listed record holds a secret value the fixture planted (API-FACTS §7). */
export function expectNoPlantedSecret(records: unknown, where: string): void {
  const text = JSON.stringify(records);
  for (const secret of FIXTURE_SECRETS) expect(text.includes(secret), `${where} holds the planted secret ${secret.slice(0, 14)}…`).toBe(false);
}

const GENERIC_TYPES = new Set(["genericObject", "genericBookmark", "genericMeasure", "genericDimension", "genericVariable"]);

function expectUnique(ids: string[], what: string): void {
  const dup = ids.filter((id, i) => ids.indexOf(id) !== i);
  expect(dup, `${what} listed more than once`).toEqual([]);
}

type Tree = { qProperty?: { qInfo?: { qId?: string } }; qChildren?: Tree[] };
const childIds = (tree: unknown): string[] => ((tree as Tree).qChildren ?? []).flatMap((c) => [c.qProperty?.qInfo?.qId ?? "?", ...childIds(c)]);
const byId = <T extends { id: string }>(xs: T[]): T[] => [...xs].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

/** The checks every object record must pass. */
function expectWellFormed(objects: ObjectRecord[], where: string): void {
  expectUnique(
    objects.map((o) => o.id),
    `objects of ${where}`,
  );
  const top = new Set(objects.map((o) => o.id));
  for (const o of objects) {
    const at = `object ${o.id} of ${where}`;
    expect(typeof o.type, at).toBe("string");
    expect(GENERIC_TYPES.has(o.genericType), `${at}: genericType ${o.genericType}`).toBe(true);
    expect(typeof o.title, at).toBe("string");
    expect(typeof o.ownerId, at).toBe("string");
    expect(typeof o.ownerSubject, at).toBe("string");
    expect(typeof o.approved, at).toBe("boolean");
    expect(typeof o.published, at).toBe("boolean");
    const tree = o.propertyTree as Tree & { qEmbeddedSnapshotRef?: unknown };
    expect(tree?.qProperty?.qInfo?.qId, `${at}: the property tree's qInfo.qId`).toBe(o.id);
    expect(Array.isArray(tree.qChildren), `${at}: qChildren`).toBe(true);
    // Top-level objects only: a child is inside its parent's tree, not listed on its own.
    for (const c of childIds(tree)) expect(top.has(c), `${at}: its child ${c} is also listed as a top-level object`).toBe(false);
  }
}

/** Stamps sorted by id, unique, one for every object, with the object's owner and state. */
function expectStampsCover(stamps: ObjectStamp[], objects: ObjectRecord[], where: string): void {
  const ids = stamps.map((s) => s.id);
  expect(ids, `stamps of ${where} are sorted by id`).toEqual([...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  expectUnique(ids, `stamps of ${where}`);
  const stamp = new Map(stamps.map((s) => [s.id, s]));
  for (const o of objects) {
    const s = stamp.get(o.id);
    expect(s, `object ${o.id} of ${where} has a stamp`).toBeDefined();
    expect({ type: s?.type, ownerId: s?.ownerId, published: s?.published, approved: s?.approved }, `stamp of ${o.id} in ${where}`).toEqual({
      type: o.type,
      ownerId: o.ownerId,
      published: o.published,
      approved: o.approved,
    });
    expect(typeof s?.modifiedDate, `stamp of ${o.id}`).toBe("string");
  }
}

export function tenantReaderContract(name: string, setup: () => Promise<ReaderUnderTest>, opts: ContractOptions = {}): void {
  const timeout = opts.timeoutMs ?? 60_000;
  describe(`tenant reader contract: ${name}`, () => {
    let u: ReaderUnderTest;
    let probeApps: string[] = [];
    beforeAll(async () => {
      u = await setup();
      if (u.seeded) {
        const r = u.seeded.fixture.refs;
        probeApps = [r.sharedAppId, r.managedAppId, r.personalAppId];
      } else if (u.probeAppId) {
        probeApps = [u.probeAppId];
      } else {
        let first: string | undefined;
        for await (const a of u.reader.listApps()) {
          first ??= a.appId;
          if (a.spaceType !== "personal") {
            first = a.appId;
            break;
          }
        }
        probeApps = first ? [first] : [];
      }
    }, timeout);
    afterAll(async () => {
      await u?.teardown?.();
    });
    const probesOrSkip = (ctx: TestContext): string[] => {
      if (probeApps.length === 0) ctx.skip("the tenant lists no app to read");
      return probeApps;
    };

    it("whoAmI names the caller and says whether it is a private-content bot", { timeout }, async () => {
      const me = await u.reader.whoAmI();
      expect(me.userId).toMatch(/./);
      expect(me.subject).toMatch(/./);
      expect(typeof me.isPrivateContentBot).toBe("boolean");
      if (u.seeded) expect({ userId: me.userId, subject: me.subject, isPrivateContentBot: me.isPrivateContentBot }).toEqual(u.seeded.caller);
    });

    it("lists every user once (across pages), with subject, roles and groups", { timeout }, async () => {
      const users = await collect(u.reader.listUsers());
      expectUnique(
        users.map((x) => x.id),
        "users",
      );
      for (const x of users) {
        expect(typeof x.subject, `user ${x.id}`).toBe("string");
        expect(typeof x.status, `user ${x.id}`).toBe("string");
        expect(Array.isArray(x.assignedRoles) && Array.isArray(x.assignedGroups), `user ${x.id}: assignedRoles and assignedGroups`).toBe(true);
      }
      if (!u.seeded) return;
      const got = new Map(users.map((x) => [x.id, x]));
      for (const want of u.seeded.fixture.users) {
        const x = got.get(want.id);
        expect(x, `seeded user ${want.name} (${want.id}) is listed`).toBeDefined();
        expect({ subject: x?.subject, name: x?.name, email: x?.email, status: x?.status }, `user ${want.id}`).toEqual({ subject: want.subject, name: want.name, email: want.email, status: want.status });
        expect(x?.assignedRoles.map((r) => r.name).sort(), `roles of ${want.id}`).toEqual(expect.arrayContaining(want.assignedRoles.map((r) => r.name)));
        expect(x?.assignedGroups.map((g) => g.id).sort(), `groups of ${want.id}`).toEqual(want.assignedGroups.map((g) => g.id).sort());
      }
    });

    it("lists every group and role once", { timeout }, async () => {
      const groups = await collect(u.reader.listGroups());
      const roles = await collect(u.reader.listRoles());
      expectUnique(
        groups.map((g) => g.id),
        "groups",
      );
      expectUnique(
        roles.map((r) => r.id),
        "roles",
      );
      for (const r of roles) expect(typeof r.name === "string" && typeof r.type === "string", `role ${r.id}`).toBe(true);
      if (!u.seeded) return;
      for (const g of u.seeded.fixture.groups) expect(groups.find((x) => x.id === g.id), `group ${g.name}`).toMatchObject({ name: g.name });
      for (const r of u.seeded.fixture.roles) expect(roles.find((x) => x.id === r.id), `role ${r.name}`).toMatchObject({ name: r.name, type: r.type });
    });

    it("lists every space once (across pages), and every assignment of a space", { timeout }, async () => {
      const spaces = await collect(u.reader.listSpaces());
      expectUnique(
        spaces.map((s) => s.id),
        "spaces",
      );
      for (const s of spaces) {
        expect(["shared", "managed", "data"], `space ${s.id}`).toContain(s.type);
        expect(typeof s.ownerId, `space ${s.id}`).toBe("string");
      }
      const wanted = u.seeded ? Object.keys(u.seeded.fixture.assignments) : spaces.slice(0, 2).map((s) => s.id);
      for (const spaceId of wanted) {
        const got = await collect(u.reader.listSpaceAssignments(spaceId));
        expectUnique(
          got.map((a) => a.id),
          `assignments of space ${spaceId}`,
        );
        for (const a of got) {
          expect(["user", "group"], `assignment ${a.id}`).toContain(a.type);
          expect(Array.isArray(a.roles), `assignment ${a.id}`).toBe(true);
        }
        if (!u.seeded) continue;
        const key = (a: { type: string; assigneeId: string; roles: string[] }) => `${a.type}:${a.assigneeId}:${[...a.roles].sort().join("+")}`;
        expect(got.map(key).sort(), `assignments of space ${spaceId}`).toEqual(expect.arrayContaining((u.seeded.fixture.assignments[spaceId] ?? []).map(key)));
      }
      if (!u.seeded) return;
      for (const s of u.seeded.fixture.spaces) expect(spaces.find((x) => x.id === s.id), `space ${s.name}`).toMatchObject({ name: s.name, type: s.type, ownerId: s.ownerId });
    });

    it("lists every app once (across pages, personal spaces included), with its space and space type", { timeout }, async () => {
      const apps = await collect(u.reader.listApps());
      expectUnique(
        apps.map((a) => a.appId),
        "apps",
      );
      for (const a of apps) {
        expect(a.itemId, `app ${a.appId} has an item id`).toMatch(/./);
        expect(["shared", "managed", "personal", "data"], `app ${a.appId}`).toContain(a.spaceType);
        expect(a.spaceType === "personal", `app ${a.appId}: personal exactly when it has no space`).toBe(a.spaceId === undefined);
      }
      if (!u.seeded) return;
      const f = u.seeded.fixture;
      for (const want of f.apps) {
        const a = apps.find((x) => x.appId === want.id);
        expect(a, `seeded app ${want.name} (${want.id}) is listed`).toBeDefined();
        expect({ name: a?.name, spaceId: a?.spaceId, spaceType: a?.spaceType, ownerId: a?.ownerId }, `app ${want.id}`).toEqual({
          name: want.name,
          spaceId: want.spaceId,
          spaceType: fixtureSpaceType(f, want),
          ownerId: want.ownerId,
        });
      }
    });

    it("reads an app's attributes, script and script history; a missing app is an error naming it", { timeout }, async (ctx) => {
      for (const appId of probesOrSkip(ctx)) {
        const info = await u.reader.getAppInfo(appId);
        expect(info.attributes.id, `attributes of ${appId}`).toBe(appId);
        const script = await u.reader.getAppScript(appId);
        expect(typeof script).toBe("string");
        const history = await u.reader.getAppScriptHistory(appId);
        for (const h of history) expect(typeof h.scriptId === "string" && typeof h.modifiedTime === "string", `script version of ${appId}`).toBe(true);
        const want = u.seeded?.fixture.apps.find((a) => a.id === appId);
        if (want) {
          expect(info.attributes.name).toBe(want.name);
          expect(script).toBe(want.script);
        }
      }
      const missing = "00000000-0000-4000-8000-00000000dead";
      const err = await u.reader.getAppInfo(missing).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, "getAppInfo of a missing app rejects").toBeInstanceOf(Error);
      expect((err as Error).message, "and the error names the app").toContain(missing);
    });

    it("readAppObjects: top-level objects with owner subject, state and property tree; other users' private objects for a private-content bot", { timeout }, async (ctx) => {
      for (const appId of probesOrSkip(ctx)) {
        const objects = await u.reader.readAppObjects(appId);
        expectWellFormed(objects, `app ${appId}`);
        const want = u.seeded?.fixture.apps.find((a) => a.id === appId);
        if (!want || !u.seeded) continue;
        const f = u.seeded.fixture;
        const visible = want.objects.filter((o) => u.seeded!.caller.isPrivateContentBot || o.approved || o.published || o.ownerId === u.seeded!.caller.userId);
        for (const o of visible) {
          const got = objects.find((x) => x.id === o.id);
          expect(got, `object ${o.id} (${o.title}) of app ${appId} is read`).toBeDefined();
          expect(
            { type: got?.type, genericType: got?.genericType, title: got?.title, ownerId: got?.ownerId, ownerSubject: got?.ownerSubject, approved: got?.approved, published: got?.published },
            `object ${o.id} of app ${appId}`,
          ).toEqual({ type: o.type, genericType: o.genericType, title: o.title, ownerId: o.ownerId, ownerSubject: f.users.find((x) => x.id === o.ownerId)?.subject, approved: o.approved, published: o.published });
          expect(childIds(got?.propertyTree).sort(), `children of ${o.id}`).toEqual(o.children.map((c) => c.id).sort());
        }
      }
      if (u.seeded?.caller.isPrivateContentBot) {
        const r = u.seeded.fixture.refs;
        const objects = await u.reader.readAppObjects(r.sharedAppId);
        const sheet = objects.find((o) => o.id === r.privateSheetId);
        expect(sheet, "another user's private sheet is visible to a private-content bot").toMatchObject({ approved: false, published: false, ownerId: r.producerUserId });
        expect(objects.find((o) => o.id === r.bookmarkId), "another user's private bookmark too").toMatchObject({ genericType: "genericBookmark", ownerId: r.consumerUserId });
      }
    });

    it("readAppContent: unchanged() true leaves the objects out, false reads every object; stamps sorted by id cover every object and are stable", { timeout }, async (ctx) => {
      const read = u.reader.readAppContent?.bind(u.reader);
      if (!read) return ctx.skip("this reader has no readAppContent: the backup reads it through readAppObjects every run");
      for (const appId of probesOrSkip(ctx)) {
        const objects = byId(await u.reader.readAppObjects(appId));
        const seen: ObjectStamp[][] = [];
        const skipped: AppContent = await read(appId, { unchanged: (s) => (seen.push(s), true) });
        if (skipped.stamps === undefined) {
          // No stamps (the engine gave some object no date): the objects are always read.
          expect(skipped.objects, `app ${appId}: without stamps the objects are read`).toBeDefined();
          continue;
        }
        expect(seen, `app ${appId}: unchanged() is asked once, with the stamps`).toEqual([skipped.stamps]);
        expect(skipped.objects, `app ${appId}: unchanged() said true`).toBeUndefined();
        expect(skipped.script, `app ${appId}: no script asked for`).toBeUndefined();
        expectStampsCover(skipped.stamps, objects, `app ${appId}`);

        const full = await read(appId, { unchanged: () => false, script: true });
        expect(full.stamps, `app ${appId}: stamps of an unchanged app are the same on the next read`).toEqual(skipped.stamps);
        expect(byId(full.objects ?? []), `app ${appId}: unchanged() said false: every object, as readAppObjects reads it`).toEqual(objects);
        expect(full.script, `app ${appId}: the script, when asked for`).toBe(await u.reader.getAppScript(appId));

        const noCallback = await read(appId, {});
        expect(byId(noCallback.objects ?? []), `app ${appId}: without unchanged() every object is read`).toEqual(objects);
      }
    });

    it("exportApp delivers a non-empty body, once", { timeout }, async (ctx) => {
      const appId = probesOrSkip(ctx)[0]!;
      const exp = await u.reader.exportApp(appId, { withData: false });
      let n = 0;
      for await (const ch of exp.body) n += ch.byteLength;
      expect(n, `export of ${appId} has bytes`).toBeGreaterThan(0);
      if (exp.size !== undefined) expect(n, "as many as its size says").toBe(exp.size);
      // Consumed: a second pass yields nothing more (or refuses); it never replays the file.
      let again = 0;
      try {
        for await (const ch of exp.body) again += ch.byteLength;
      } catch {
        // refusing is fine
      }
      expect(again, "a consumed export body yields nothing again").toBe(0);
    });

    it("resources (the kinds it lists): every seeded item once, with owner and fields, secrets named and never returned, files byte for byte; unchanged() skips no item", { timeout }, async (ctx) => {
      const r = u.reader;
      const kinds = r.listResources ? (r.resourceKinds?.() ?? []) : [];
      if (kinds.length === 0) return ctx.skip("this reader lists no resource kinds");
      const listed = new Map<ResourceKindName, ResourceRecord[]>();
      for (const kind of kinds) {
        const items = await collect(r.listResources!(kind));
        expectUnique(
          items.map((x) => x.id),
          `${kind}`,
        );
        for (const x of items) {
          expect(x.kind, `${kind} ${x.id}: its kind`).toBe(kind);
          expect(typeof x.name, `${kind} ${x.id}: its name`).toBe("string");
          expect(typeof x.body, `${kind} ${x.id}: its body`).toBe("object");
          expect(x.summaryOnly, `${kind} ${x.id}: without unchanged() every item is read in full`).toBeUndefined();
        }
        expectNoPlantedSecret(items, `the ${kind} listing`);
        listed.set(kind, items);
        // unchanged() true for every item: each is still listed once, whole or as a summary.
        const again = await collect(r.listResources!(kind, { unchanged: () => true }));
        expect(again.map((x) => x.id).sort(), `${kind}: unchanged() leaves no item out`).toEqual(items.map((x) => x.id).sort());
      }
      if (!u.seeded) return;
      const mine = u.seeded.fixture.resources.filter((x) => kinds.includes(x.record.kind));
      if (mine.length === 0) return ctx.skip(`this reader lists none of the fixture's resource kinds (it lists ${kinds.join(", ")})`);
      for (const want of mine) {
        const w = want.record;
        const got = listed.get(w.kind)!.find((x) => x.id === w.id);
        expect(got, `${w.kind} '${w.name}' is listed`).toBeDefined();
        expect({ name: got!.name, ownerId: got!.ownerId, spaceId: got!.spaceId }, `${w.kind} '${w.name}'`).toEqual({ name: w.name, ownerId: w.ownerId, spaceId: w.spaceId });
        expect(got!.body, `${w.kind} '${w.name}': the fields it was seeded with`).toMatchObject(w.body);
        for (const field of Object.keys(want.secretValues ?? {})) expect(got!.secrets ?? [], `${w.kind} '${w.name}': its secret ${field} is named as set`).toContain(field);
        for (const [file, content] of Object.entries(want.files ?? {})) {
          expect(got!.files ?? [], `${w.kind} '${w.name}' names its file ${file}`).toContain(file);
          expect((await bytes(r.readResourceFile!(w.kind, w.id, file))).equals(Buffer.from(content)), `${w.kind} '${w.name}': ${file} byte for byte`).toBe(true);
        }
      }
    });
  });
}
