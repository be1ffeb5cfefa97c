/**
 * The restore target's conformance suite: what `RestoreTarget` (`@lifeboat/model` ports.ts)
 * promises and the restore executor relies on, checked against the port only. The
 * in-memory `FakeTarget` and the connector against the emulator run exactly these cases.
 *
 * `setup()` runs before every check (they change the tenant) and returns a target seeded
 * with `contractFixture()` — its apps created more than 45 minutes ago, so deleting one is
 * a soft delete where the target supports Qlik's soft delete — and an app file of a seeded
 * app to import, as a backup would have exported it. `hasData`, when given, looks outside
 * the port at whether an app still has its data model.
 */
import { describe, expect, it, type TestContext } from "vitest";
import type { ObjectRecord, ObjectStamp, ResourceRecord, RestoreTarget } from "@lifeboat/model";
import { FIXTURE_SECRETS, type SeededTenant } from "./fixture.ts";

export interface TargetUnderTest {
  target: RestoreTarget;
  seeded: SeededTenant;
  /** The bytes of a seeded app's export (a .qvf for Qlik), as `importApp` takes them. */
  appFile(appId: string): () => AsyncIterable<Uint8Array>;
  /** Outside the port: whether the app has its data model (a save from a session without data drops it). */
  hasData?(appId: string): Promise<boolean>;
  teardown?(): Promise<void>;
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

const ids = (xs: { id: string }[]): string[] => xs.map((x) => x.id).sort();
type Tree = { qProperty?: { qInfo?: { qId?: string }; qMetaDef?: { title?: string } }; qChildren?: Tree[] };
const childIds = (tree: unknown): string[] => ((tree as Tree).qChildren ?? []).flatMap((c) => [c.qProperty?.qInfo?.qId ?? "?", ...childIds(c)]);
/** A secret the resources check writes: no listing may return it. */
const NEW_SECRET = "SECRET-contract-restored-hmac-abcdef0123456789abcdef";
const MISSING_APP = "00000000-0000-4000-8000-00000000dead";

export function restoreTargetContract(name: string, setup: () => Promise<TargetUnderTest>, opts: { timeoutMs?: number } = {}): void {
  const timeout = opts.timeoutMs ?? 60_000;
  /** One check on a freshly seeded target. */
  const check = (title: string, fn: (u: TargetUnderTest, ctx: TestContext) => Promise<void>) =>
    it(title, { timeout }, async (ctx) => {
      const u = await setup();
      try {
        await fn(u, ctx);
      } finally {
        await u.teardown?.();
      }
    });

  describe(`restore target contract: ${name}`, () => {
    check("whoAmI, and listings of users, groups, spaces, assignments and apps hold everything seeded", async ({ target, seeded }) => {
      const f = seeded.fixture;
      const me = await target.whoAmI();
      expect({ userId: me.userId, subject: me.subject, isPrivateContentBot: me.isPrivateContentBot }).toEqual(seeded.caller);
      const users = await collect(target.listUsers());
      for (const want of f.users) expect(users.find((x) => x.id === want.id), `user ${want.name}`).toMatchObject({ subject: want.subject });
      const groups = await collect(target.listGroups());
      for (const want of f.groups) expect(groups.find((x) => x.id === want.id), `group ${want.name}`).toMatchObject({ name: want.name });
      const spaces = await collect(target.listSpaces());
      for (const want of f.spaces) expect(spaces.find((x) => x.id === want.id), `space ${want.name}`).toMatchObject({ name: want.name, type: want.type, ownerId: want.ownerId });
      for (const [spaceId, want] of Object.entries(f.assignments)) {
        const got = await collect(target.listSpaceAssignments(spaceId));
        const key = (a: { type: string; assigneeId: string; roles: string[] }) => `${a.type}:${a.assigneeId}:${[...a.roles].sort().join("+")}`;
        expect(got.map(key), `assignments of ${spaceId}`).toEqual(expect.arrayContaining(want.map(key)));
      }
      const apps = await collect(target.listApps());
      for (const want of f.apps)
        expect(
          apps.filter((a) => a.appId === want.id).map((a) => ({ name: a.name, spaceId: a.spaceId, ownerId: a.ownerId })),
          `app ${want.name}`,
        ).toEqual([{ name: want.name, spaceId: want.spaceId, ownerId: want.ownerId }]);
    });

    check("getApp: the attributes of an app; undefined (never an error) for a missing one", async ({ target, seeded }) => {
      const r = seeded.fixture.refs;
      expect((await target.getApp(r.sharedAppId))?.attributes).toMatchObject({ id: r.sharedAppId, name: "Contract Sales" });
      await expect(target.getApp(MISSING_APP)).resolves.toBeUndefined();
    });

    check("finds users by subject and spaces by name; unknown ones are undefined", async ({ target, seeded }) => {
      const f = seeded.fixture;
      const pat = f.users.find((x) => x.id === f.refs.producerUserId)!;
      expect((await target.findUserBySubject(pat.subject))?.id).toBe(pat.id);
      expect(await target.findUserBySubject('auth0|nobody-"quoted"')).toBeUndefined();
      expect((await target.findSpaceByName("Contract Dev"))?.id).toBe(f.refs.sharedSpaceId);
      expect(await target.findSpaceByName("No such space")).toBeUndefined();
    });

    check("createUser makes an invited user that is then found and listed", async ({ target }) => {
      const u = await target.createUser({ subject: "auth0|contract-new", name: "New Person", email: "new.person@example.com" });
      expect(u).toMatchObject({ subject: "auth0|contract-new", status: "invited" });
      expect((await target.findUserBySubject("auth0|contract-new"))?.id).toBe(u.id);
      expect((await collect(target.listUsers())).filter((x) => x.id === u.id)).toHaveLength(1);
    });

    check("createSpace, createSpaceAssignment and updateSpaceOwner show in the listings", async ({ target, seeded }) => {
      const r = seeded.fixture.refs;
      const shared = await target.createSpace({ name: "Contract New Shared", type: "shared", description: "made by the contract" });
      const managed = await target.createSpace({ name: "Contract New Managed", type: "managed" });
      expect(shared).toMatchObject({ name: "Contract New Shared", type: "shared" });
      expect(managed).toMatchObject({ name: "Contract New Managed", type: "managed" });
      expect((await target.findSpaceByName("Contract New Shared"))?.id).toBe(shared.id);
      const a = await target.createSpaceAssignment(shared.id, { type: "user", assigneeId: r.consumerUserId, roles: ["consumer"] });
      expect(a).toMatchObject({ type: "user", assigneeId: r.consumerUserId, roles: ["consumer"] });
      const g = await target.createSpaceAssignment(managed.id, { type: "group", assigneeId: seeded.fixture.groups[0]!.id, roles: ["consumer"] });
      expect(g).toMatchObject({ type: "group", roles: ["consumer"] });
      expect((await collect(target.listSpaceAssignments(shared.id))).find((x) => x.id === a.id)).toMatchObject({ assigneeId: r.consumerUserId, roles: ["consumer"] });
      expect((await collect(target.listSpaceAssignments(managed.id))).find((x) => x.id === g.id)).toMatchObject({ type: "group" });
      await target.updateSpaceOwner(shared.id, r.producerUserId);
      expect((await collect(target.listSpaces())).find((s) => s.id === shared.id)?.ownerId).toBe(r.producerUserId);
    });

    check("importApp makes a new app with the file's objects, in a space or the caller's personal space", async ({ target, seeded, appFile }) => {
      const f = seeded.fixture;
      const source = f.apps.find((a) => a.id === f.refs.sharedAppId)!;
      const before = new Set((await collect(target.listApps())).map((a) => a.appId));
      const { appId } = await target.importApp({ name: "Contract Imported", spaceId: f.refs.sharedSpaceId, body: appFile(source.id) });
      expect(before.has(appId), "a new app id").toBe(false);
      expect((await target.getApp(appId))?.attributes).toMatchObject({ id: appId, name: "Contract Imported" });
      expect((await collect(target.listApps())).find((a) => a.appId === appId)).toMatchObject({ name: "Contract Imported", spaceId: f.refs.sharedSpaceId, spaceType: "shared" });
      const objects = await target.readObjects(appId);
      for (const o of source.objects.filter((x) => x.approved)) expect(objects.find((x) => x.id === o.id), `base object ${o.id} travels in the file`).toMatchObject({ type: o.type });
      const personal = await target.importApp({ name: "Contract Imported (personal)", body: appFile(source.id) });
      expect((await collect(target.listApps())).find((a) => a.appId === personal.appId)).toMatchObject({ spaceType: "personal", ownerId: seeded.caller.userId });
    });

    check("copyApp, moveToManagedSpace (naming the origin), moveAppToSpace and updateAppOwner", async ({ target, seeded }) => {
      const r = seeded.fixture.refs;
      const source = seeded.fixture.apps.find((a) => a.id === r.sharedAppId)!;
      const { appId: copy } = await target.copyApp(r.sharedAppId, { name: "Contract Copy", spaceId: r.sharedSpaceId });
      expect(copy).not.toBe(r.sharedAppId);
      expect((await collect(target.listApps())).find((a) => a.appId === copy)).toMatchObject({ name: "Contract Copy", spaceId: r.sharedSpaceId });
      const objects = await target.readObjects(copy);
      for (const o of source.objects.filter((x) => x.approved)) expect(objects.find((x) => x.id === o.id), `base object ${o.id} is copied`).toBeDefined();

      await target.moveToManagedSpace(copy, { spaceId: r.managedSpaceId, originAppId: r.sharedAppId });
      expect((await collect(target.listApps())).find((a) => a.appId === copy)).toMatchObject({ spaceId: r.managedSpaceId, spaceType: "managed" });
      expect((await target.getApp(copy))?.attributes.originAppId).toBe(r.sharedAppId);

      const { appId: second } = await target.copyApp(r.sharedAppId, { name: "Contract Copy 2", spaceId: r.sharedSpaceId });
      const filler = seeded.fixture.spaces.find((s) => s.name === "Contract Fillers")!;
      await target.moveAppToSpace(second, filler.id);
      expect((await collect(target.listApps())).find((a) => a.appId === second)).toMatchObject({ spaceId: filler.id, spaceType: "shared" });

      await target.updateAppOwner(second, r.producerUserId);
      expect((await collect(target.listApps())).find((a) => a.appId === second)?.ownerId).toBe(r.producerUserId);
      expect((await target.getApp(second))?.attributes.ownerId).toBe(r.producerUserId);
    });

    check("withApp: upsertObject creates under the id it returns, updates in place; setState, destroyObject; save makes it so", async ({ target, seeded }) => {
      const r = seeded.fixture.refs;
      const appId = r.sharedAppId;
      const tree = (title: string) => ({ qProperty: { qInfo: { qId: "ctNew0001", qType: "sheet" }, qMetaDef: { title }, rank: 9, cells: [] }, qChildren: [], qEmbeddedSnapshotRef: null });
      let id = "";
      await target.withApp(appId, async (ed) => {
        const made = await ed.upsertObject({ id: "ctNew0001", type: "sheet", genericType: "genericObject", propertyTree: tree("Made by the contract") });
        expect(made.created).toBe(true);
        id = made.id;
        expect((await ed.readObjects()).map((o) => o.id), "the session sees its own change").toContain(id);
        await ed.setState(id, "genericObject", { published: true, approved: false });
        await ed.save();
      });
      expect(id, "an id that was free is used as asked").toBe("ctNew0001");
      expect((await target.readObjects(appId)).find((o) => o.id === id)).toMatchObject({ type: "sheet", title: "Made by the contract", published: true, approved: false, ownerId: seeded.caller.userId });

      await target.withApp(appId, async (ed) => {
        expect(await ed.upsertObject({ id, type: "sheet", genericType: "genericObject", propertyTree: tree("Renamed by the contract") })).toEqual({ id, created: false });
        await ed.save();
      });
      const renamed = (await target.readObjects(appId)).filter((o) => o.id === id);
      expect(renamed.map((o) => o.title), "updated in place, not duplicated").toEqual(["Renamed by the contract"]);

      await target.withApp(appId, async (ed) => {
        await ed.destroyObject(id, "genericObject");
        await ed.save();
      });
      expect((await target.readObjects(appId)).map((o) => o.id)).not.toContain(id);
    });

    check("a deleted private sheet (with its chart) and bookmark come back under the same ids, with owner and state", async ({ target, seeded }) => {
      const r = seeded.fixture.refs;
      const appId = r.sharedAppId;
      const before = await target.readObjects(appId);
      const wanted = [r.privateSheetId, r.bookmarkId, r.measureId].map((id) => before.find((o) => o.id === id)!);
      expect(wanted.every(Boolean), "the seeded sheet, bookmark and measure are read").toBe(true);
      await target.withApp(appId, async (ed) => {
        for (const o of wanted) await ed.destroyObject(o.id, o.genericType);
        await ed.save();
      });
      const gone = ids(await target.readObjects(appId));
      for (const o of wanted) expect(gone).not.toContain(o.id);

      const used: Record<string, string> = {};
      await target.withApp(appId, async (ed) => {
        for (const o of wanted) {
          const got = await ed.upsertObject({ id: o.id, type: o.type, genericType: o.genericType, propertyTree: o.propertyTree });
          expect(got.created, `${o.id} is created`).toBe(true);
          used[o.id] = got.id;
          await ed.setState(got.id, o.genericType, { published: o.published, approved: o.approved });
        }
        await ed.save();
      });
      for (const o of wanted) {
        expect(used[o.id], `${o.id} is restored under its own id`).toBe(o.id);
        if (o.ownerId !== seeded.caller.userId) await target.updateObjectOwner(appId, o.id, o.ownerId);
      }
      const after = await target.readObjects(appId);
      for (const o of wanted) {
        const got = after.find((x) => x.id === o.id);
        expect({ type: got?.type, genericType: got?.genericType, title: got?.title, ownerId: got?.ownerId, ownerSubject: got?.ownerSubject, approved: got?.approved, published: got?.published }, o.id).toEqual({
          type: o.type,
          genericType: o.genericType,
          title: o.title,
          ownerId: o.ownerId,
          ownerSubject: o.ownerSubject,
          approved: o.approved,
          published: o.published,
        });
        expect(childIds(got?.propertyTree).sort(), `children of ${o.id}`).toEqual(childIds(o.propertyTree).sort());
      }
      // Nothing else changed.
      const others = (xs: ObjectRecord[]) => xs.filter((o) => !wanted.some((w) => w.id === o.id)).map((o) => ({ id: o.id, title: o.title, ownerId: o.ownerId, approved: o.approved, published: o.published }));
      expect(others(after).sort((a, b) => a.id.localeCompare(b.id))).toEqual(others(before).sort((a, b) => a.id.localeCompare(b.id)));
    });

    check("updateObjectOwner hands an object to another user", async ({ target, seeded }) => {
      const f = seeded.fixture;
      const cara = f.users.find((x) => x.id === f.refs.consumerUserId)!;
      await target.updateObjectOwner(f.refs.sharedAppId, f.refs.privateSheetId, cara.id);
      expect((await target.readObjects(f.refs.sharedAppId)).find((o) => o.id === f.refs.privateSheetId)).toMatchObject({ ownerId: cara.id, ownerSubject: cara.subject });
    });

    check("changes in withApp are lost without save()", async ({ target, seeded }) => {
      const r = seeded.fixture.refs;
      const before = ids(await target.readObjects(r.sharedAppId));
      await target.withApp(r.sharedAppId, async (ed) => {
        await ed.upsertObject({ id: "ctLost001", type: "sheet", genericType: "genericObject", propertyTree: { qProperty: { qInfo: { qId: "ctLost001", qType: "sheet" }, qMetaDef: { title: "never saved" } }, qChildren: [], qEmbeddedSnapshotRef: null } });
        await ed.destroyObject(r.approvedSheetId, "genericObject");
      });
      expect(ids(await target.readObjects(r.sharedAppId))).toEqual(before);
      await target.withApp(r.sharedAppId, async (ed) => {
        expect(ids(await ed.readObjects()), "a new session does not see them either").toEqual(before);
      });
    });

    check("readObjects reads what a session reads; a save in withApp keeps the app's data model", async ({ target, seeded, hasData }, ctx) => {
      const appId = seeded.fixture.refs.sharedAppId;
      const outside = await target.readObjects(appId);
      const inside = await target.withApp(appId, async (ed) => ed.readObjects());
      expect(ids(outside)).toEqual(ids(inside));
      if (!hasData) return ctx.skip("this implementation has no data model to look at (no hasData in its setup)");
      expect(await hasData(appId), "the seeded app has data").toBe(true);
      await target.withApp(appId, async (ed) => ed.save());
      expect(await hasData(appId), "withApp opens with data: saving keeps it").toBe(true);
    });

    check("readObjectStamps (where implemented): one stamp per object, sorted by id; a saved change moves its object's date, and the app's, and no other", async ({ target, seeded }, ctx) => {
      const t = target;
      if (!t.readObjectStamps) return ctx.skip("this target has no readObjectStamps: the restore compares fingerprints");
      const r = seeded.fixture.refs;
      const appId = r.sharedAppId;
      const before = await t.readObjectStamps(appId);
      if (before === undefined) return ctx.skip("the target reports no object dates (readObjectStamps undefined): the restore compares fingerprints");
      const stampIds = before.map((s) => s.id);
      expect(stampIds, "sorted by id").toEqual([...stampIds].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      expect(new Set(stampIds).size, "unique").toBe(stampIds.length);
      const objects = await target.readObjects(appId);
      for (const o of objects) {
        const s = before.find((x) => x.id === o.id);
        expect(s, `object ${o.id} has a stamp`).toBeDefined();
        expect({ ownerId: s?.ownerId, approved: s?.approved, published: s?.published }, `stamp of ${o.id}`).toEqual({ ownerId: o.ownerId, approved: o.approved, published: o.published });
      }
      const appBefore = (await target.getApp(appId))?.attributes.modifiedDate;

      const sheet = objects.find((o) => o.id === r.approvedSheetId)!;
      const tree = structuredClone(sheet.propertyTree) as Tree;
      tree.qProperty!.qMetaDef = { ...tree.qProperty!.qMetaDef, title: "Edited by the contract" };
      await target.withApp(appId, async (ed) => {
        await ed.upsertObject({ id: sheet.id, type: sheet.type, genericType: sheet.genericType, propertyTree: tree });
        await ed.save();
      });
      const after = (await t.readObjectStamps(appId))!;
      const date = (xs: ObjectStamp[], id: string) => xs.find((s) => s.id === id)?.modifiedDate;
      expect(date(after, sheet.id), "the edited object's modifiedDate moved").not.toBe(date(before, sheet.id));
      for (const o of objects.filter((x) => x.id !== sheet.id)) expect(date(after, o.id), `${o.id} was not changed`).toBe(date(before, o.id));
      const appAfter = (await target.getApp(appId))?.attributes.modifiedDate;
      if (typeof appBefore === "string" && appBefore) expect(appAfter, "the app's modifiedDate moved").not.toBe(appBefore);
    });

    check("setAppScript sets what getAppScript reads", async ({ target, seeded }) => {
      const appId = seeded.fixture.refs.sharedAppId;
      expect(await target.getAppScript(appId)).toBe(seeded.fixture.apps.find((a) => a.id === appId)!.script);
      const script = "///$tab Main\n// restored by the contract\nLOAD 1 AS x AUTOGENERATE 1;";
      await target.setAppScript(appId, script, "restored by the contract");
      expect(await target.getAppScript(appId)).toBe(script);
    });

    check("resources (the fixture's kinds it writes): createResource gives an id that lists with its fields and owner; secrets kept, never returned; updateResource changes in place; files byte for byte", async ({ target, seeded }, ctx) => {
      const t = target;
      const kinds = t.listResources && t.createResource && t.updateResource ? (t.resourceKinds?.() ?? []) : [];
      const mine = seeded.fixture.resources.filter((x) => kinds.includes(x.record.kind));
      if (mine.length === 0) return ctx.skip("this target writes none of the fixture's resource kinds");
      const noSecret = (xs: ResourceRecord[], where: string) => {
        const text = JSON.stringify(xs);
        for (const secret of [...FIXTURE_SECRETS, NEW_SECRET]) expect(text.includes(secret), `${where} returns a secret value`).toBe(false);
      };
      for (const want of mine) {
        const w = want.record;
        const before = await collect(t.listResources!(w.kind));
        for (const x of before.filter((x) => x.id === w.id)) expect(x.name, `the seeded ${w.kind} is listed`).toBe(w.name);
        noSecret(before, `listing ${w.kind}`);
        const name = `${w.name} (restored by the contract)`;
        const secrets = want.secretValues ? Object.fromEntries(Object.keys(want.secretValues).map((k) => [k, NEW_SECRET])) : undefined;
        const files = want.files ? Object.fromEntries(Object.entries(want.files).map(([f, b]) => [f, () => (async function* () { yield b.slice(); })()])) : undefined;
        const nameField = want.nameField ?? "name";
        const copy = structuredClone(w.body);
        for (const f of want.copyWithout ?? []) delete copy[f];
        const made = await t.createResource!(w.kind, {
          body: { ...copy, [nameField]: name },
          ...(w.ownerId ? { ownerId: w.ownerId } : {}),
          ...(w.spaceId ? { spaceId: w.spaceId } : {}),
          ...(secrets ? { secrets } : {}),
          ...(files ? { files } : {}),
        });
        expect(made.id, `a created ${w.kind} has an id`).toMatch(/./);
        const after = await collect(t.listResources!(w.kind));
        noSecret(after, `listing ${w.kind} after create`);
        const got = after.filter((x) => x.id === made.id);
        expect(got.length, `the created ${w.kind} is listed once`).toBe(1);
        expect(got[0]!.name).toBe(name);
        if (w.ownerId) expect(got[0]!.ownerId, `the created ${w.kind}'s owner`).toBe(w.ownerId);
        const { [nameField]: _n, ...fields } = copy;
        expect(got[0]!.body, `the created ${w.kind}'s fields`).toMatchObject(fields);
        for (const field of Object.keys(secrets ?? {})) expect(got[0]!.secrets ?? [], `the created ${w.kind}'s secret ${field} is named as set`).toContain(field);
        for (const [file, content] of Object.entries(want.files ?? {})) {
          const read: Uint8Array[] = [];
          for await (const c of t.readResourceFile!(w.kind, made.id, file)) read.push(c);
          expect(Buffer.concat(read).equals(Buffer.from(content)), `the created ${w.kind}'s ${file} byte for byte`).toBe(true);
        }
        const renamed = `${name}, updated`;
        const up = await t.updateResource!(w.kind, made.id, { body: { ...structuredClone(got[0]!.body), [nameField]: renamed }, ...(w.ownerId ? { ownerId: w.ownerId } : {}), ...(w.spaceId ? { spaceId: w.spaceId } : {}) });
        expect(up.id, "updated in place").toBe(made.id);
        const last = await collect(t.listResources!(w.kind));
        noSecret(last, `listing ${w.kind} after update`);
        expect(last.filter((x) => x.id === made.id).map((x) => x.name), `the ${w.kind} is updated, not duplicated`).toEqual([renamed]);
        expect(last.length, `no ${w.kind} appeared or went`).toBe(after.length);
      }
    });

    check("deleteApp removes the app; where soft delete is readable, it is listed and restored under its id", async ({ target, seeded }, ctx) => {
      const r = seeded.fixture.refs;
      await target.deleteApp(r.sharedAppId);
      expect(await target.getApp(r.sharedAppId)).toBeUndefined();
      expect((await collect(target.listApps())).map((a) => a.appId)).not.toContain(r.sharedAppId);
      const deleted = await target.listSoftDeletedApps();
      if (deleted === undefined) return ctx.skip("the caller may not read deletion events (listSoftDeletedApps undefined)");
      const entry = deleted.find((d) => d.appId === r.sharedAppId);
      expect(entry, "a seeded app (older than 45 minutes) is soft-deleted").toMatchObject({ appId: r.sharedAppId, spaceId: r.sharedSpaceId });
      expect(Date.parse(entry!.purgeAt)).toBeGreaterThan(Date.parse(entry!.deletedAt));
      await target.restoreDeletedApp(r.sharedAppId);
      expect((await target.getApp(r.sharedAppId))?.attributes.id).toBe(r.sharedAppId);
      expect((await collect(target.listApps())).find((a) => a.appId === r.sharedAppId)).toMatchObject({ spaceId: r.sharedSpaceId });
      expect(ids(await target.readObjects(r.sharedAppId))).toEqual(expect.arrayContaining([r.privateSheetId, r.bookmarkId, r.approvedSheetId]));
    });
  });
}
