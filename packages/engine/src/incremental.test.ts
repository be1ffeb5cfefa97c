/**
 * The backup's incremental path through a reader with object stamps (`readAppContent`),
 * run on the in-memory fake: unchanged stamps reference the stored objects without reading
 * them, a moved stamp reads the app's objects again, and a due deep check reads an app in
 * full — finding (and reporting) a change its stamps did not show.
 */
import { type SnapshotRepository } from "@lifeboat/repository";
import { createTestRepository } from "@lifeboat/repository/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ObjectRecord } from "@lifeboat/model";
// Through the package entry, whichever of its files the backup lives in.
import { backup } from "./index.ts";
import type { BackupEvent } from "./events.ts";
import { entryNameForId } from "./internal/names.ts";
import { PATHS } from "./layout.ts";
import { createFakeTenant, type FakeTenant, sampleTenantState } from "./testing.ts";

let repo: SnapshotRepository;
let tenant: FakeTenant;
const DAY = 86_400_000;
const t0 = Date.parse("2026-12-07T10:00:00.000Z");
const at = (days: number) => () => new Date(t0 + days * DAY);

beforeEach(async () => {
  repo = await createTestRepository();
  tenant = createFakeTenant(sampleTenantState(), { readAppContent: true });
});
afterEach(async () => {
  await repo.close();
});

/** The app's `objects` tree id in a snapshot, and the objects stored there. */
async function storedObjects(snapshotTree: string, appId: string): Promise<{ tree: string; objects: ObjectRecord[] }> {
  const root = await repo.loadTree(snapshotTree);
  const apps = root.entries.find((e) => e.name === PATHS.apps);
  if (apps?.type !== "tree") throw new Error("no apps");
  const app = (await repo.loadTree(apps.subtree)).entries.find((e) => e.name === entryNameForId(appId));
  if (app?.type !== "tree") throw new Error(`no app ${appId}`);
  const objects = (await repo.loadTree(app.subtree)).entries.find((e) => e.name === PATHS.objects);
  if (objects?.type !== "tree") throw new Error(`no objects in ${appId}`);
  const out: ObjectRecord[] = [];
  for (const e of (await repo.loadTree(objects.subtree)).entries) if (e.type === "blob") out.push(await repo.readJson<ObjectRecord>(e.blob));
  return { tree: objects.subtree, objects: out };
}

const objectReads = () => tenant.calls.readAppObjects ?? 0;

describe("backup through a reader with object stamps", () => {
  it("unchanged stamps: no object is read again and the stored objects are referenced", async () => {
    const first = await backup({ tenant, repository: repo, now: at(0) });
    expect(objectReads()).toBe(3);
    const before = objectReads();
    const second = await backup({ tenant, repository: repo, now: at(0) });
    expect(tenant.calls.readAppContent).toBe(6);
    expect(objectReads() - before, "no app's objects read again").toBe(0);
    for (const app of tenant.state.apps) {
      const a = await storedObjects(first.snapshot.tree, app.summary.appId);
      const b = await storedObjects(second.snapshot.tree, app.summary.appId);
      expect(b.tree, `${app.summary.appId}: the previous objects tree is referenced`).toBe(a.tree);
    }
    expect(second.manifest.counts.objects.captured).toBe(first.manifest.counts.objects.captured);
  });

  it("a moved stamp (an edited object) reads that app's objects again, and only that app's", async () => {
    const first = await backup({ tenant, repository: repo, now: at(0) });
    const jane = tenant.state.apps.find((a) => a.summary.appId === "app-jane")!;
    jane.objects[0]!.title = "Scratch, edited";
    (jane.objects[0]!.propertyTree as { qProperty: { qMetaDef: { title: string } } }).qProperty.qMetaDef.title = "Scratch, edited";
    const before = objectReads();
    const second = await backup({ tenant, repository: repo, now: at(0) });
    expect(objectReads() - before, "only the edited app's objects are read").toBe(1);
    const stored = await storedObjects(second.snapshot.tree, "app-jane");
    expect(stored.objects.map((o) => o.title)).toEqual(["Scratch, edited"]);
    expect(stored.tree).not.toBe((await storedObjects(first.snapshot.tree, "app-jane")).tree);
    expect((await storedObjects(second.snapshot.tree, "app-sales")).tree).toBe((await storedObjects(first.snapshot.tree, "app-sales")).tree);
  });

  it("an owner or state change moves the stamp too", async () => {
    await backup({ tenant, repository: repo, now: at(0) });
    const sales = tenant.state.apps.find((a) => a.summary.appId === "app-sales")!;
    const sheet = sales.objects.find((o) => o.id === "sh-jane")!;
    sheet.published = true;
    const before = objectReads();
    const second = await backup({ tenant, repository: repo, now: at(0) });
    expect(objectReads() - before).toBe(1);
    expect((await storedObjects(second.snapshot.tree, "app-sales")).objects.find((o) => o.id === "sh-jane")?.published).toBe(true);
  });

  it("a change the stamps do not show waits for the deep check, which reads the app in full and reports it", async () => {
    const sales = tenant.state.apps.find((a) => a.summary.appId === "app-sales")!;
    // Dates that stay put whatever changes: the engine "forgot" to move them.
    sales.modifiedDates = Object.fromEntries(sales.objects.map((o) => [o.id, "2026-01-01T00:00:00.000Z"]));
    await backup({ tenant, repository: repo, now: at(0), deepCheckDays: 7 });
    const sheet = sales.objects.find((o) => o.id === "sh-overview")!;
    (sheet.propertyTree as { qProperty: Record<string, unknown> }).qProperty.color = "red";

    // Same day: not due; the stamps say unchanged, so the old object is referenced.
    let before = objectReads();
    const missed = await backup({ tenant, repository: repo, now: at(0), deepCheckDays: 7 });
    expect(objectReads() - before).toBe(0);
    const stale = (await storedObjects(missed.snapshot.tree, "app-sales")).objects.find((o) => o.id === "sh-overview");
    expect((stale?.propertyTree as { qProperty: Record<string, unknown> }).qProperty.color).toBeUndefined();

    // Seven days on, every app's deep check is due: read in full, the change found and reported.
    const events: BackupEvent[] = [];
    before = objectReads();
    const deep = await backup({ tenant, repository: repo, now: at(7), deepCheckDays: 7, onEvent: (e) => events.push(e) });
    expect(objectReads() - before, "every app read in full").toBe(3);
    const fresh = (await storedObjects(deep.snapshot.tree, "app-sales")).objects.find((o) => o.id === "sh-overview");
    expect((fresh?.propertyTree as { qProperty: Record<string, unknown> }).qProperty.color).toBe("red");
    const warnings = events.filter((e) => e.type === "warning" && e.code === "stamps-missed-change");
    expect(warnings).toHaveLength(1);
    expect(JSON.stringify(warnings[0])).toContain("app-sales");
  });

  it("deepCheckDays 0 reads every app in full every run", async () => {
    await backup({ tenant, repository: repo, now: at(0), deepCheckDays: 0 });
    const before = objectReads();
    await backup({ tenant, repository: repo, now: at(0), deepCheckDays: 0 });
    expect(objectReads() - before).toBe(3);
  });
});
