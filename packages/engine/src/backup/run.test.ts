import { type SnapshotRepository } from "@lifeboat/repository";
import { createTestRepository } from "@lifeboat/repository/testing";
import { deferred, flush } from "@lifeboat/kit/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { backup } from "./run.ts";
import { browseSnapshot } from "../browse.ts";
import { diffSnapshots } from "../diff.ts";
import type { BackupEvent } from "../events.ts";
import { entryNameForId } from "../internal/names.ts";
import { type AppDoc, PATHS } from "../layout.ts";
import { loadManifest, type Manifest } from "../manifest.ts";
import type { ObjectRecord, ObjectStamp } from "@lifeboat/model";
import { coreGaps, createFakeTenant, type FakeTenant, sampleTenantState } from "../testing.ts";

/** The manifest's coverage gaps of the kinds before issue 12 (the fake tenant lists no declared resource kind: each is a gap of its own). */

let repo: SnapshotRepository;
let tenant: FakeTenant;

beforeEach(async () => {
  repo = await createTestRepository();
  tenant = createFakeTenant(sampleTenantState());
});
afterEach(async () => {
  await repo.close();
});

/** Lets whatever is ready run: 50 turns of the event loop, no timers involved. */
async function quiet(): Promise<void> {
  for (let i = 0; i < 50; i++) await flush();
}

/**
 * A bound for a wait that only a regression makes long: it never decides a passing run. With
 * `why` it rejects (the test fails saying why); without, it resolves.
 */
function failAfter(ms: number, why?: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => (why ? reject(new Error(why())) : resolve()), ms);
    t.unref();
  });
}

async function readText(ref: { id: string }): Promise<string> {
  const parts: Uint8Array[] = [];
  for await (const p of repo.readBlob(ref.id)) parts.push(p);
  return Buffer.concat(parts).toString("utf8");
}

async function objectsOf(snapshotTree: string, appId: string): Promise<ObjectRecord[]> {
  const root = await repo.loadTree(snapshotTree);
  const apps = root.entries.find((e) => e.name === PATHS.apps);
  if (apps?.type !== "tree") throw new Error("no apps");
  const app = (await repo.loadTree(apps.subtree)).entries.find((e) => e.name === entryNameForId(appId));
  if (app?.type !== "tree") throw new Error("no app");
  const objects = (await repo.loadTree(app.subtree)).entries.find((e) => e.name === PATHS.objects);
  if (objects?.type !== "tree") throw new Error("no objects");
  const out: ObjectRecord[] = [];
  for (const e of (await repo.loadTree(objects.subtree)).entries) if (e.type === "blob") out.push(await repo.readJson<ObjectRecord>(e.blob));
  return out;
}

describe("backup", () => {
  it("captures every layer, every app and every object with its owner and state", async () => {
    const events: BackupEvent[] = [];
    const { snapshot, manifest } = await backup({ tenant, repository: repo, onEvent: (e) => events.push(e) });

    expect(snapshot.partial).toBe(false);
    expect(snapshot.tenant).toBe("acme.example.qlikcloud.com");
    expect(manifest.counts.apps).toEqual({ captured: 3, unchanged: 0, failed: 0, skipped: 0 });
    expect(manifest.counts.users.captured).toBe(3);
    expect(manifest.counts.spaces.captured).toBe(2);
    expect(manifest.counts.objects.captured).toBe(5);
    expect(coreGaps(manifest)).toEqual([]);
    expect(manifest.exports.count).toBe(3);
    expect(await loadManifest(repo, snapshot)).toEqual(manifest);

    for (const app of tenant.state.apps) {
      const stored = await objectsOf(snapshot.tree, app.summary.appId);
      expect(stored.sort((a, b) => a.id.localeCompare(b.id))).toEqual([...app.objects].sort((a, b) => a.id.localeCompare(b.id)));
    }
    const janeSheet = manifest.items.find((i) => i.layer === "objects" && i.id === "sh-jane");
    expect(janeSheet).toMatchObject({ status: "captured", owner: "auth0|jane", appId: "app-sales", type: "sheet" });

    const root = await repo.loadTree(snapshot.tree);
    expect(root.entries.map((e) => e.name)).toEqual(["apps", "groups.json", "roles.json", "spaces", "tenant.json", "users"]);
    const listing = await browseSnapshot(repo, snapshot, "apps/app-sales");
    expect(listing.entries.map((e) => e.name).sort()).toEqual(["app.json", "app.qvf", "objects", "script-history.json", "script.qvs"]);
    expect(listing.entries.find((e) => e.name === PATHS.qvf)).toMatchObject({ kind: "qvf", type: "blob" });
    const objects = await browseSnapshot(repo, snapshot, "apps/Sales (dev)".replace("Sales (dev)", "app-sales") + "/objects");
    expect(objects.entries.find((e) => e.name === "sh-jane.json")).toMatchObject({ kind: "sheet", label: "Q3 review" });

    const types = events.map((e) => e.type);
    expect(types[0]).toBe("layer-start");
    expect(types.at(-1)).toBe("done");
    expect(events.filter((e) => e.type === "item" && e.layer === "apps")).toHaveLength(3);
  });

  it("ls walks tenant → space → app → object by id or unique name", async () => {
    const { snapshot } = await backup({ tenant, repository: repo });
    const space = await browseSnapshot(repo, snapshot, "spaces/Sales (dev)");
    expect(space.kind).toBe("space");
    expect(space.entries.map((e) => e.name).sort()).toEqual(["assignments.json", "space.json"]);
    expect(space.apps?.map((e) => e.name)).toEqual(["app-sales"]);
    expect(space.apps?.[0]).toMatchObject({ kind: "app", label: "Sales", ownerName: "Ada Admin", spaceName: "Sales (dev)" });
    const objects = await browseSnapshot(repo, snapshot, "apps/Jane's scratch/objects");
    expect(objects.entries.map((e) => [e.label, e.kind, e.ownerName])).toEqual([["Scratch", "sheet", "Jane Doe"]]);
    await expect(browseSnapshot(repo, snapshot, "apps/Sales")).rejects.toThrow(/'Sales' names 2 entries \(app-sales, app-sales-pub\); use the id/);
    await expect(browseSnapshot(repo, snapshot, "apps/nope")).rejects.toThrow(/no entry 'nope' under apps/);
    await expect(browseSnapshot(repo, snapshot, "tenant.json/x")).rejects.toThrow(/is a file, not a folder/);
  });

  it("stores app attributes, owner, space and publish lineage", async () => {
    const { snapshot } = await backup({ tenant, repository: repo });
    const appTree = await browseSnapshot(repo, snapshot, "apps/app-sales-pub");
    const appJson = appTree.entries.find((e) => e.name === PATHS.app)!;
    expect(appJson.type).toBe("blob");
    const root = await repo.loadTree(snapshot.tree);
    const apps = root.entries.find((e) => e.name === PATHS.apps) as { subtree: string };
    const entry = (await repo.loadTree(apps.subtree)).entries.find((e) => e.name === "app-sales-pub") as { subtree: string };
    const docEntry = (await repo.loadTree(entry.subtree)).entries.find((e) => e.name === PATHS.app);
    if (docEntry?.type !== "blob") throw new Error("no app.json");
    const doc = await repo.readJson<AppDoc>(docEntry.blob);
    expect(doc.space).toEqual({ id: "sp-managed", name: "Sales", type: "managed" });
    expect(doc.owner).toEqual({ id: "u-admin", subject: "auth0|admin", name: "Ada Admin" });
    expect(doc.lineage).toEqual({ published: true, publishTime: "2026-01-02T00:00:00.000Z", originAppId: "app-sales" });
    const scriptEntry = (await repo.loadTree(entry.subtree)).entries.find((e) => e.name === PATHS.script);
    if (scriptEntry?.type !== "blob") throw new Error("no script");
    expect(await readText(scriptEntry.blob)).toContain("LOAD 1 AS x");
  });

  it("a second run on an unchanged tenant exports nothing and references the previous files", async () => {
    const first = await backup({ tenant, repository: repo });
    tenant.exported.length = 0;
    const second = await backup({ tenant, repository: repo });
    expect(tenant.exported).toEqual([]);
    expect(second.manifest.counts.apps).toEqual({ captured: 0, unchanged: 3, failed: 0, skipped: 0 });
    expect(second.manifest.previousSnapshot).toBe(first.snapshot.id);
    expect(second.manifest.exports).toEqual({ count: 0, bytes: 0 });
    expect(second.snapshot.tree).not.toBe("");
    // The unchanged snapshot still holds every .qvf.
    const listing = await browseSnapshot(repo, second.snapshot, "apps/app-jane");
    expect(listing.entries.some((e) => e.name === PATHS.qvf)).toBe(true);
  });

  it("loadManifest reads an old (inline) manifest as it is", async () => {
    const { manifest } = await backup({ tenant, repository: repo });
    const snapshot = await repo.saveSnapshot({ tenant: "t", time: manifest.startedAt, toolVersion: "0", tags: [], partial: false, tree: (await repo.saveTree({ entries: [] })), manifest: await repo.saveJson(manifest) });
    expect(await loadManifest(repo, snapshot)).toEqual(manifest);
  });

  it("an unchanged app's app.json and tree are byte-identical to the previous run's (they dedup)", async () => {
    const appsTreeOf = async (snapshotTree: string) => {
      const apps = (await repo.loadTree(snapshotTree)).entries.find((e) => e.name === PATHS.apps);
      if (apps?.type !== "tree") throw new Error("no apps");
      return apps.subtree;
    };
    const first = await backup({ tenant, repository: repo, now: () => new Date("2026-11-25T10:00:00Z") });
    const second = await backup({ tenant, repository: repo, now: () => new Date("2026-11-26T10:00:00Z") });
    expect(second.manifest.counts.apps.unchanged).toBe(3);
    expect(second.manifest.previousSnapshot).toBe(first.snapshot.id);
    expect(await appsTreeOf(second.snapshot.tree)).toBe(await appsTreeOf(first.snapshot.tree));
    const firstApps = await repo.loadTree(await appsTreeOf(first.snapshot.tree));
    const secondApps = await repo.loadTree(await appsTreeOf(second.snapshot.tree));
    expect(secondApps.entries.map((e) => (e.type === "tree" ? e.subtree : ""))).toEqual(
      firstApps.entries.map((e) => (e.type === "tree" ? e.subtree : "")),
    );
    // The stored document names no run: exportedAt stays the first export's date.
    const janeApp = secondApps.entries.find((e) => e.name === entryNameForId("app-jane"));
    if (janeApp?.type !== "tree") throw new Error("no app-jane");
    const appJson = (await repo.loadTree(janeApp.subtree)).entries.find((e) => e.name === PATHS.app);
    if (appJson?.type !== "blob") throw new Error("no app.json");
    const doc = await repo.readJson<AppDoc>(appJson.blob);
    expect(doc.qvf).toEqual({ withData: false, exportedAt: "2026-11-25T10:00:00.000Z" });
  });

  describe("trustItemDates", () => {
    const dated = () => {
      for (const a of tenant.state.apps) Object.assign(a.summary, { updatedAt: "2026-11-01T00:00:00.000Z", resourceUpdatedAt: "2026-11-01T00:00:00.000Z" });
    };
    const restReads = () => (tenant.calls.getAppInfo ?? 0) + (tenant.calls.getAppScript ?? 0) + (tenant.calls.getAppScriptHistory ?? 0);

    it("is off by default: every run reads attributes, script and history of every app", async () => {
      dated();
      await backup({ tenant, repository: repo });
      const before = restReads();
      await backup({ tenant, repository: repo });
      expect(restReads() - before).toBe(3 * tenant.state.apps.length);
    });

    it("with unchanged catalogue dates reuses the previous REST reads, still reads objects, and stores the same content", async () => {
      dated();
      const first = await backup({ tenant, repository: repo, trustItemDates: true });
      const reads = restReads();
      const objectReads = tenant.calls.readAppObjects ?? 0;
      const second = await backup({ tenant, repository: repo, trustItemDates: true });
      expect(restReads()).toBe(reads);
      expect((tenant.calls.readAppObjects ?? 0) - objectReads).toBe(tenant.state.apps.length);
      expect(second.manifest.counts.apps.unchanged).toBe(3);
      expect(second.manifest.items.find((i) => i.layer === "apps" && i.id === "app-sales")?.reason).toContain("--trust-item-dates");
      const appsOf = async (t: string) => (await repo.loadTree(t)).entries.find((e) => e.name === PATHS.apps);
      expect(await appsOf(second.snapshot.tree)).toEqual(await appsOf(first.snapshot.tree));
    });

    it("still finds an object change that did not move the app's dates (objects are always read)", async () => {
      dated();
      await backup({ tenant, repository: repo, trustItemDates: true });
      tenant.state.apps[0]!.objects.find((o) => o.id === "sh-jane")!.title = "edited privately";
      tenant.exported.length = 0;
      await backup({ tenant, repository: repo, trustItemDates: true });
      expect(tenant.exported).toEqual(["app-sales"]);
    });

    it("reads again the apps whose catalogue dates moved, and finds their script change", async () => {
      dated();
      await backup({ tenant, repository: repo, trustItemDates: true });
      const reads = restReads();
      const app = tenant.state.apps[1]!;
      app.script = "LOAD 42 AS answer AUTOGENERATE 1;";
      app.summary.updatedAt = "2026-11-02T00:00:00.000Z";
      tenant.exported.length = 0;
      await backup({ tenant, repository: repo, trustItemDates: true });
      expect(restReads() - reads).toBe(3);
      expect(tenant.exported).toEqual([app.summary.appId]);
    });

    it("does not trust dates (to the second, as Qlik's items) within two seconds of the previous run: a change in that second is found", async () => {
      let clock = Date.parse("2026-11-01T00:00:00.400Z");
      const now = () => new Date(clock);
      const secs = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
      const app = tenant.state.apps[1]!;
      for (const a of tenant.state.apps) Object.assign(a.summary, { updatedAt: secs(clock - 300), resourceUpdatedAt: secs(clock - 300) });
      await backup({ tenant, repository: repo, trustItemDates: true, now });
      // Changed 300 ms after that run listed it: the dates, to the second, do not move.
      app.script = "LOAD 7 AS late AUTOGENERATE 1;";
      clock += 60_000;
      const reads = restReads();
      const second = await backup({ tenant, repository: repo, trustItemDates: true, now });
      expect(restReads() - reads).toBe(3 * tenant.state.apps.length);
      expect(second.manifest.items.find((i) => i.layer === "apps" && i.id === app.summary.appId)?.status).toBe("captured");
      // A run later, the same dates lie well before the previous run: trusted again.
      const again = restReads();
      await backup({ tenant, repository: repo, trustItemDates: true, now });
      expect(restReads()).toBe(again);
    });

    it("is ignored with full: every app is read again", async () => {
      dated();
      await backup({ tenant, repository: repo, trustItemDates: true });
      const reads = restReads();
      await backup({ tenant, repository: repo, trustItemDates: true, full: true });
      expect(restReads() - reads).toBe(3 * tenant.state.apps.length);
    });
  });

  it("--full exports every app again", async () => {
    await backup({ tenant, repository: repo });
    tenant.exported.length = 0;
    const second = await backup({ tenant, repository: repo, full: true });
    expect(tenant.exported.sort()).toEqual(["app-jane", "app-sales", "app-sales-pub"]);
    expect(second.manifest.counts.apps.captured).toBe(3);
  });

  it("changing one private sheet re-exports only its app, and diff names that sheet and its owner", async () => {
    const first = await backup({ tenant, repository: repo });
    const sheet = tenant.state.apps[0]!.objects.find((o) => o.id === "sh-jane")!;
    sheet.title = "Q3 review (final)";
    const tree = sheet.propertyTree as { qChildren: { qProperty: Record<string, unknown> }[] };
    tree.qChildren[0]!.qProperty.color = "red";
    tree.qChildren[1]!.qProperty.color = "green";
    tenant.exported.length = 0;
    const second = await backup({ tenant, repository: repo });
    expect(tenant.exported).toEqual(["app-sales"]);
    expect(second.manifest.counts.apps).toMatchObject({ captured: 1, unchanged: 2 });

    const diff = await diffSnapshots(repo, first.snapshot, second.snapshot);
    expect(diff.changes).toHaveLength(1);
    expect(diff.changes[0]).toMatchObject({
      kind: "changed",
      layer: "objects",
      id: "sh-jane",
      appId: "app-sales",
      owner: "auth0|jane",
      type: "sheet",
      title: "Q3 review (final)",
      details: ["title", "2 charts changed"],
    });
    expect(diff.changes[0]!.summary).toBe("sheet 'Q3 review (final)' of auth0|jane (Jane Doe) in app 'Sales': title and 2 charts changed");
  });

  it("diff reports app attribute and script changes, and added and removed objects", async () => {
    const first = await backup({ tenant, repository: repo });
    const app = tenant.state.apps[0]!;
    app.attributes.description = "now with a description";
    app.attributes.modifiedDate = "2026-02-02T00:00:00.000Z"; // volatile: not a change by itself
    app.script += "\n// more";
    app.objects.pop();
    app.objects.push({ ...structuredClone(app.objects[0]!), id: "sh-new", title: "New sheet" });
    const second = await backup({ tenant, repository: repo });
    const diff = await diffSnapshots(repo, first.snapshot, second.snapshot);
    expect(diff.changes.map((c) => c.summary)).toEqual([
      "app 'Sales' (app-sales): script and description changed",
      "sheet 'Q3 review' of auth0|jane (Jane Doe) in app 'Sales': removed",
      "sheet 'New sheet' of auth0|admin (Ada Admin) in app 'Sales': added",
    ]);
    expect(diff.counts).toEqual({ added: 1, removed: 1, changed: 1 });
  });

  it("a non-bot caller records a coverage gap and warns", async () => {
    tenant = createFakeTenant(sampleTenantState({ bot: false }));
    const events: BackupEvent[] = [];
    const { manifest } = await backup({ tenant, repository: repo, onEvent: (e) => events.push(e) });
    expect(coreGaps(manifest)).toHaveLength(1);
    expect(coreGaps(manifest)[0]!.description).toContain("other users' private content not visible to auth0|admin");
    expect(events.some((e) => e.type === "warning" && e.code === "coverage-gap")).toBe(true);
    // Jane's private sheets are not visible to the admin's API key.
    expect(manifest.items.some((i) => i.id === "sh-jane")).toBe(false);
  });

  it("browsing apps names each owner by subject, not only by id", async () => {
    const { snapshot } = await backup({ tenant, repository: repo });
    const apps = await browseSnapshot(repo, snapshot, "apps");
    expect(apps.entries.length).toBeGreaterThan(0);
    for (const e of apps.entries) expect(e.ownerSubject, e.name).toMatch(/^auth0\|/);
  });

  it("a reader's own coverage gaps reach the manifest and warn", async () => {
    const gap = { layer: "apps" as const, description: "scripts are inside app.qvf only" };
    const reader = Object.assign(createFakeTenant(sampleTenantState()), { coverageGaps: () => [gap] });
    const events: BackupEvent[] = [];
    const { manifest } = await backup({ tenant: reader, repository: repo, onEvent: (e) => events.push(e) });
    expect(coreGaps(manifest)).toEqual([gap]);
    expect(events.some((e) => e.type === "warning" && e.code === "coverage-gap" && e.message === gap.description)).toBe(true);
  });

  it("an empty export (0 bytes) is a failed export, never a stored 0-byte .qvf", async () => {
    const original = tenant.exportApp.bind(tenant);
    tenant.exportApp = async (appId, opts) => (appId === "app-sales" ? { body: (async function* () {})() } : original(appId, opts));
    const { manifest } = await backup({ tenant, repository: repo });
    const item = manifest.items.find((i) => i.layer === "apps" && i.id === "app-sales")!;
    expect(item.status).toBe("failed");
    expect(item.reason).toMatch(/could not export app 'Sales'.*empty file \(0 bytes\)/);
    expect(manifest.partial).toBe(true);
    expect(manifest.exports.bytes).toBeGreaterThan(0);
    // The next run exports it again.
    tenant.exportApp = original;
    tenant.exported.length = 0;
    await backup({ tenant, repository: repo });
    expect(tenant.exported).toContain("app-sales");
  });

  it("an OAuth caller not granted the bot scopes: the gap says what the token was granted", async () => {
    tenant = createFakeTenant(sampleTenantState({ bot: false }));
    const who = tenant.whoAmI.bind(tenant);
    tenant.whoAmI = async () => ({ ...(await who()), grantedScopes: ["user_default"], scopeNote: 'the OAuth token was granted "user_default" (asked: "user_default admin.apps admin_classic"), without admin.apps and admin_classic' });
    const events: BackupEvent[] = [];
    const { manifest } = await backup({ tenant, repository: repo, onEvent: (e) => events.push(e) });
    expect(manifest.caller.isPrivateContentBot).toBe(false);
    expect(coreGaps(manifest)).toHaveLength(1);
    expect(coreGaps(manifest)[0]!.description).toMatch(/personal-space apps.*granted "user_default".*without admin\.apps and admin_classic\. Use an OAuth client/);
    expect(events.some((e) => e.type === "warning" && e.code === "coverage-gap" && e.message.includes('granted "user_default"'))).toBe(true);
  });

  it("failures are recorded with reasons, the rest is saved, the snapshot is partial", async () => {
    tenant.fail("exportApp", "app-sales", new Error("503 Service Unavailable"), 1);
    tenant.fail("readAppObjects", "app-jane", new Error("websocket closed"), 1);
    tenant.fail("listSpaceAssignments", "sp-managed", new Error("403 Forbidden"), 1);
    const { snapshot, manifest } = await backup({ tenant, repository: repo });
    expect(snapshot.partial).toBe(true);
    expect(manifest.partial).toBe(true);
    const status = (layer: string, id: string) => manifest.items.find((i) => i.layer === layer && i.id === id);
    expect(status("apps", "app-sales")).toMatchObject({ status: "failed" });
    expect(status("apps", "app-sales")!.reason).toMatch(/could not export app 'Sales' \(app-sales\) on https:\/\/acme.*503/);
    expect(status("apps", "app-jane")!.reason).toMatch(/could not read the objects of app 'Jane's scratch'.*websocket closed/);
    expect(status("apps", "app-sales-pub")).toMatchObject({ status: "captured" });
    expect(status("spaces", "sp-managed")).toMatchObject({ status: "failed" });
    // Every app ends captured or failed; none missing.
    for (const app of tenant.state.apps) expect(status("apps", app.summary.appId)).toBeDefined();
    // The failed export's objects are still captured.
    expect(status("objects", "sh-jane")).toMatchObject({ status: "captured" });
    // The next run exports the app whose export failed, even though its content is unchanged.
    tenant.exported.length = 0;
    const next = await backup({ tenant, repository: repo });
    expect(tenant.exported.sort()).toEqual(["app-jane", "app-sales"]);
    expect(next.snapshot.partial).toBe(false);
  });

  it("a connector that omits an app's objects fails that app, named, and the run goes on", async () => {
    // Without a previous snapshot nothing allows leaving the objects out: the connector is wrong.
    const omitting = { ...tenant, readAppObjects: async (appId: string) => (appId === "app-sales" ? (undefined as unknown as ObjectRecord[]) : tenant.readAppObjects(appId)) };
    const { snapshot, manifest } = await backup({ tenant: omitting, repository: repo });
    expect(snapshot.partial).toBe(true);
    const sales = manifest.items.find((i) => i.layer === "apps" && i.id === "app-sales");
    expect(sales).toMatchObject({ status: "failed", name: "Sales" });
    expect(sales!.reason).toMatch(/app 'Sales' \(app-sales\) on https:\/\/acme.*returned no objects/);
    expect(manifest.items.find((i) => i.layer === "apps" && i.id === "app-jane")).toMatchObject({ status: "captured" });

    // Through readAppContent too: stamps but no objects although the engine did not say "unchanged".
    const stamping = {
      ...tenant,
      readAppContent: async (appId: string) =>
        appId === "app-jane" ? { stamps: [] } : { objects: await tenant.readAppObjects(appId), stamps: [] },
    };
    const second = await backup({ tenant: stamping, repository: repo });
    const jane = second.manifest.items.find((i) => i.layer === "apps" && i.id === "app-jane");
    expect(jane).toMatchObject({ status: "failed" });
    expect(jane!.reason).toMatch(/app 'Jane's scratch' \(app-jane\).*returned no objects/);
    expect(second.manifest.items.find((i) => i.layer === "apps" && i.id === "app-sales")).toMatchObject({ status: "captured" });

    // Whatever else a broken connector hands over (here: a null object) is that app's failure too.
    const garbled = { ...tenant, readAppObjects: async (appId: string) => (appId === "app-sales" ? ([null] as unknown as ObjectRecord[]) : tenant.readAppObjects(appId)) };
    const third = await backup({ tenant: garbled, repository: repo });
    const sales3 = third.manifest.items.find((i) => i.layer === "apps" && i.id === "app-sales");
    expect(sales3).toMatchObject({ status: "failed", name: "Sales" });
    expect(sales3!.reason).toMatch(/^could not back up app 'Sales' \(app-sales\) on https:\/\/acme/);
    expect(third.manifest.counts.apps.failed).toBe(1);
  });

  it("incremental run: a reader that leaves the objects out although their stamps moved fails that app, named, and the run goes on (D-10)", async () => {
    // An honest first run with stamps, so the second run has previous objects it could reference.
    const modified = new Map<string, string>();
    const stampOf = (o: ObjectRecord): ObjectStamp => ({
      id: o.id, type: o.type, modifiedDate: modified.get(o.id) ?? "2026-01-01T00:00:00.000Z", ownerId: o.ownerId, published: o.published, approved: o.approved,
    });
    const reader = (misbehaving: string | undefined) => ({
      ...tenant,
      readAppContent: async (appId: string, opts: { unchanged?: (stamps: ObjectStamp[]) => boolean }) => {
        const objects = await tenant.readAppObjects(appId);
        const stamps = objects.map(stampOf);
        // The misbehaving reader leaves the objects out without asking `unchanged` (or against its answer).
        if (appId === misbehaving || opts.unchanged?.(stamps)) return { stamps };
        return { stamps, objects };
      },
    });
    const day = (d: number) => () => new Date(Date.UTC(2026, 2, d, 10));
    await backup({ tenant: reader(undefined), repository: repo, now: day(3), deepCheckDays: 30 });

    tenant.state.apps[0]!.objects.find((o) => o.id === "sh-jane")!.title = "Q3 review (final)";
    modified.set("sh-jane", "2026-03-04T09:00:00.000Z");
    const { snapshot, manifest } = await backup({ tenant: reader("app-sales"), repository: repo, now: day(4), deepCheckDays: 30 });
    expect(snapshot.partial).toBe(true);
    const sales = manifest.items.find((i) => i.layer === "apps" && i.id === "app-sales");
    expect(sales).toMatchObject({ status: "failed", name: "Sales" });
    expect(sales!.reason).toMatch(/^could not read the objects of app 'Sales' \(app-sales\) on https:\/\/acme.*returned no objects for it \(none\) although they were not known to be unchanged/);
    // Never the previous run's (stale) objects in place of the ones that moved.
    expect(manifest.items.filter((i) => i.layer === "objects" && i.appId === "app-sales" && i.status === "captured")).toEqual([]);
    for (const id of ["app-sales-pub", "app-jane"]) expect(manifest.items.find((i) => i.layer === "apps" && i.id === id)).toMatchObject({ status: "unchanged" });

    // On a deep check (the engine asks nothing: no `unchanged`), leaving them out is the same failure.
    const deep = await backup({ tenant: reader("app-jane"), repository: repo, now: day(5), deepCheckDays: 0 });
    expect(deep.manifest.items.find((i) => i.layer === "apps" && i.id === "app-jane")).toMatchObject({ status: "failed", name: "Jane's scratch" });
    expect(deep.manifest.counts.apps).toMatchObject({ failed: 1 });
  });

  it("objects the reader skipped are recorded as skipped with their reason", async () => {
    const { manifest, snapshot } = await backup({
      tenant,
      repository: repo,
      skippedObjects: (appId) => (appId === "app-sales" ? [{ objectId: "broken-1", objectType: "map", reason: "GetFullPropertyTree failed: 500" }] : []),
    });
    const item = manifest.items.find((i) => i.id === "broken-1");
    expect(item).toMatchObject({ layer: "objects", status: "skipped", appId: "app-sales", type: "map" });
    expect(item!.reason).toContain("GetFullPropertyTree failed: 500");
    expect(snapshot.partial).toBe(true);
  });

  it("a failed listing is recorded as a failed layer, not an abort", async () => {
    tenant.fail("listUsers", "*", new Error("500"));
    const { manifest } = await backup({ tenant, repository: repo });
    expect(manifest.items.find((i) => i.layer === "users")).toMatchObject({ status: "failed", id: "(users)" });
    expect(manifest.counts.apps.captured).toBe(3);
    expect(manifest.partial).toBe(true);
  });

  it("bad credentials abort before anything is written", async () => {
    tenant.fail("whoAmI", "*", new Error("401 Unauthorized"));
    await expect(backup({ tenant, repository: repo })).rejects.toThrow("401");
    expect(await repo.listSnapshots()).toEqual([]);
  });

  it("stores hostile ids and names safely: entry names never contain '/', '..' or control characters", async () => {
    const app = tenant.state.apps[0]!;
    const hostile = ["../../etc/passwd", "a/b", "..", ".", "tab\there\u0000nul", "ünïcødé-😀", "x".repeat(10_240)];
    app.summary.name = "../" + "n".repeat(10_240) + "\u0007";
    app.objects = hostile.map((id, i) => ({ ...app.objects[0]!, id, title: `${id} title ${i}` }));
    const { snapshot } = await backup({ tenant, repository: repo });
    const stored = await objectsOf(snapshot.tree, "app-sales");
    expect(stored.map((o) => o.id).sort()).toEqual([...hostile].sort());
    const listing = await browseSnapshot(repo, snapshot, "apps/app-sales/objects");
    for (const e of listing.entries) {
      expect(e.name).not.toMatch(/[/\\\u0000-\u001f]/);
      expect(e.name.replace(/\.json$/, "")).not.toMatch(/^\.+$/);
      expect(e.name.length).toBeLessThanOrEqual(200);
    }
    expect(new Set(listing.entries.map((e) => e.name)).size).toBe(hostile.length);
    const apps = await browseSnapshot(repo, snapshot, "apps");
    const label = apps.entries.find((e) => e.name === "app-sales")!.label!;
    expect(label.length).toBeLessThanOrEqual(1024);
    expect(label).not.toMatch(/[\u0000-\u001f]/);
  });

  it("refuses a deep-check cycle outside 0..30 days, saying what is allowed, and writes no snapshot", async () => {
    for (const bad of [31, -1, 1.5]) {
      await expect(backup({ tenant, repository: repo, deepCheckDays: bad })).rejects.toThrow(/deepCheckDays must be a whole number of days from 0 to 30/);
    }
    expect(await repo.listSnapshots()).toEqual([]);
  });

  it("reads an app's attributes (REST) and its objects (QIX) at once, not one after the other", async () => {
    const objectsReadStarted = new Map<string, ReturnType<typeof deferred<void>>>();
    const startedFor = (appId: string) => objectsReadStarted.get(appId) ?? objectsReadStarted.set(appId, deferred()).get(appId)!;
    let overlapped = 0;
    const read = tenant.readAppObjects.bind(tenant);
    tenant.readAppObjects = async (appId) => {
      startedFor(appId).resolve();
      return read(appId);
    };
    const info = tenant.getAppInfo.bind(tenant);
    tenant.getAppInfo = async (appId) => {
      // Waits for the same app's object read to start: only possible if both run at once.
      const started = await Promise.race([startedFor(appId).promise.then(() => true), failAfter(5_000).then(() => false)]);
      if (started) overlapped++;
      return info(appId);
    };
    await backup({ tenant, repository: repo, sessions: 1 });
    expect(overlapped).toBe(tenant.state.apps.length);
  });

  it("an app's read slot is free before its export waits (for Tier 2): reads run ahead of exports", async () => {
    const apps = tenant.state.apps.length;
    expect(apps).toBeGreaterThan(1);
    expect(apps).toBeLessThanOrEqual(4); // within the read-ahead bound for 1 session and 1 export
    let reads = 0;
    const allRead = deferred();
    let readsWhenFirstExportRan = -1;
    const read = tenant.readAppObjects.bind(tenant);
    tenant.readAppObjects = async (appId) => {
      if (++reads === apps) allRead.resolve();
      return read(appId);
    };
    const original = tenant.exportApp.bind(tenant);
    tenant.exportApp = async (appId, opts) => {
      if (readsWhenFirstExportRan < 0) {
        // The first export waits (as for a full Tier-2 window) until every app was read.
        await Promise.race([allRead.promise, failAfter(5_000)]);
        readsWhenFirstExportRan = reads;
      }
      return original(appId, opts);
    };
    await backup({ tenant, repository: repo, sessions: 1, exports: 1 });
    expect(readsWhenFirstExportRan).toBe(apps);
  });

  /**
   * Holds every object read until `expected.reads` of them run, lets everything else that
   * could start do so, and counts them; then the same for exports. The counts are the pool
   * bounds, exactly (a smaller pool fails the wait, a larger one the count).
   */
  async function peaksOf(options: { sessions?: number; exports?: number }, expected: { reads: number; exports: number }): Promise<{ reads: number; exports: number }> {
    for (let i = 0; i < 40; i++) tenant.state.apps.push({ ...structuredClone(tenant.state.apps[2]!), summary: { ...tenant.state.apps[2]!.summary, appId: `extra-${i}` } });
    let reading = 0;
    let exporting = 0;
    const readsFull = deferred();
    const exportsFull = deferred();
    const readsOpen = deferred();
    const exportsOpen = deferred();
    const read = tenant.readAppObjects.bind(tenant);
    tenant.readAppObjects = async (appId) => {
      if (++reading === expected.reads) readsFull.resolve();
      await readsOpen.promise;
      reading--;
      return read(appId);
    };
    const original = tenant.exportApp.bind(tenant);
    tenant.exportApp = async (appId, opts) => {
      if (++exporting === expected.exports) exportsFull.resolve();
      await exportsOpen.promise;
      const result = await original(appId, opts);
      exporting--;
      return result;
    };
    const run = backup({ tenant, repository: repo, ...options });
    await Promise.race([readsFull.promise, failAfter(10_000, () => `only ${reading} object reads started`)]);
    await quiet(); // one more read, were the pool larger, would start now
    const reads = reading;
    readsOpen.resolve();
    await Promise.race([exportsFull.promise, failAfter(10_000, () => `only ${exporting} exports started`)]);
    await quiet();
    const exports = exporting;
    exportsOpen.resolve();
    await run;
    return { reads, exports };
  }

  it("by default reads 32 apps and exports 16 at once (the connector's default pools)", async () => {
    expect(await peaksOf({}, { reads: 32, exports: 16 })).toEqual({ reads: 32, exports: 16 });
  });

  it("respects the session and export pool bounds", async () => {
    expect(await peaksOf({ sessions: 8, exports: 2 }, { reads: 8, exports: 2 })).toEqual({ reads: 8, exports: 2 });
  });
});
