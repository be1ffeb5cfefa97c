/**
 * Restoring into the tenant the snapshot came from, where the app still exists or Qlik still
 * holds it (issue 10, items 2, 3, 8 and 9):
 * - an in-place restore never empties an app's data model, whether or not the emulator's
 *   `DoSave` from a no-data session drops data (quirk `noDataSaveDropsData`, both settings);
 * - objects users made after the snapshot are kept unless `--delete-extra-objects`, and then
 *   every deletion is a line of the plan shown before anything changes;
 * - a section-access app imported by the bot gets the snapshot's script back;
 * - an app still soft-deleted comes back with Qlik's restore under its own id; one whose
 *   14-day window passed is imported.
 * Stored sizes, scripts and ids are read through the emulator's admin surface (test-only).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RestoreSource } from "@lifeboat/engine";
import { startEmulator, type EmulatorHandle } from "@lifeboat/emulator";
import { type Repository, type Snapshot } from "@lifeboat/repository";
import { createTestRepository } from "@lifeboat/repository/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { botApi, botEnv, deleteForGood, expectedObjects, hostConfigOf, readReference, restoreCli, takeBackup, type Tenantish, loadSourceWithObjects, objectsIn } from "./restore-helpers.ts";

interface StoredApp {
  id: string;
  name: string;
  script: string;
  dataModelBytes: number;
  spaceId?: string;
  objects: Record<string, { properties: { qMetaDef?: { title?: string } } }>;
}
const stored = async (t: Tenantish, appId: string): Promise<StoredApp> => {
  const r = await fetch(`${t.host}/__emulator/apps/${encodeURIComponent(appId)}`);
  if (!r.ok) throw new Error(`admin read of ${appId}: ${r.status}`);
  return (await r.json()) as StoredApp;
};
const deleteObjectAsAdmin = async (t: Tenantish, appId: string, objectId: string) => {
  const r = await fetch(`${t.host}/__emulator/apps/${encodeURIComponent(appId)}/objects/${encodeURIComponent(objectId)}`, { method: "DELETE" });
  expect(r.status).toBe(204);
};

/** A sheet made in the app after the snapshot (through QIX, as the Sense client does), saved. */
async function addSheet(t: Tenantish, appId: string, title: string): Promise<string> {
  const session = botApi(t).qix.openAppSession({ appId, withoutData: false, identity: "e2e-user", hostConfig: hostConfigOf(t) });
  try {
    const doc = await session.getDoc();
    const h = await doc.createObject({ qInfo: { qType: "sheet" }, qMetaDef: { title, description: "" }, cells: [], rank: 99, columns: 24, rows: 12 } as never);
    await doc.doSave();
    return h.id;
  } finally {
    await session.close({ websocketCloseDelay: 0 }).catch(() => undefined);
  }
}

describe("an in-place restore leaves the app's data model as it was", () => {
  for (const noDataSaveDropsData of [true, false]) {
    it(`noDataSaveDropsData=${noDataSaveDropsData}: a reconcile that writes objects keeps the stored data model; a no-data DoSave ${noDataSaveDropsData ? "would empty" : "keeps"} it`, async () => {
      const emu = await startEmulator({ fixture: "demo", admin: true, quirks: { noDataSaveDropsData } });
      const repo = await createTestRepository();
      const dir = await mkdtemp(join(tmpdir(), "lifeboat-inplace-"));
      try {
        const snap = await takeBackup(emu, repo);
        const source = await loadSourceWithObjects(repo, snap);
        const sales = source.apps.find((a) => a.name === "Sales Overview" && a.doc.summary.spaceType === "shared")!;
        const before = (await stored(emu, sales.id)).dataModelBytes;
        expect(before).toBeGreaterThan(0);
        // A user's sheet is lost: the reconcile recreates it through QIX and saves.
        const sheet = objectsIn(source, sales.id).find((o) => o.type === "sheet" && !o.approved && !o.published)!;
        await deleteObjectAsAdmin(emu, sales.id, sheet.id);
        const r = await restoreCli({ snapshot: snap.id, opts: { app: [sales.id], yes: true }, env: botEnv(emu), repo, journalDir: dir });
        expect(r.code, r.stdout + r.stderr).toBe(0);
        expect(r.stderr).toMatch(/reconcile objects of 'Sales Overview' — .*1 recreated/);
        expect((await stored(emu, sales.id)).dataModelBytes).toBe(before);
        expect((await readReference(emu)).find((a) => a.appId === sales.id)!.objects).toEqual(expectedObjects(source, sales.id));

        // The switch itself: a DoSave from a session opened without data.
        const session = botApi(emu).qix.openAppSession({ appId: sales.id, withoutData: true, identity: "e2e-nodata", hostConfig: hostConfigOf(emu) });
        try {
          await (await session.getDoc()).doSave();
        } finally {
          await session.close({ websocketCloseDelay: 0 }).catch(() => undefined);
        }
        expect((await stored(emu, sales.id)).dataModelBytes).toBe(noDataSaveDropsData ? 0 : before);
      } finally {
        await repo.close();
        await emu.close();
        await rm(dir, { recursive: true, force: true });
      }
    });
  }
});

describe("restore into the same tenant: newer objects, section access, Qlik's restore", () => {
  let emu: EmulatorHandle;
  let repo: Repository;
  let dir: string;
  let snap: Snapshot;
  let source: RestoreSource;
  beforeAll(async () => {
    emu = await startEmulator({ fixture: "demo", admin: true });
    repo = await createTestRepository();
    dir = await mkdtemp(join(tmpdir(), "lifeboat-inplace-"));
    snap = await takeBackup(emu, repo);
    source = await loadSourceWithObjects(repo, snap);
  });
  afterAll(async () => {
    await repo?.close();
    await emu?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  const app = (name: string) => source.apps.find((a) => a.name === name && a.doc.summary.spaceType !== "managed")!;

  it("keeps a sheet made after the snapshot by default; --delete-extra-objects lists its deletion in the plan before anything changes, then deletes it", async () => {
    const pipeline = app("Pipeline Analysis");
    const lost = objectsIn(source, pipeline.id).find((o) => o.type === "sheet" && o.approved)!;
    await deleteObjectAsAdmin(emu, pipeline.id, lost.id);
    const newer = await addSheet(emu, pipeline.id, "My newer sheet");

    const kept = await restoreCli({ snapshot: snap.id, opts: { app: [pipeline.id], yes: true }, env: botEnv(emu), repo, journalDir: dir });
    expect(kept.code, kept.stdout + kept.stderr).toBe(0);
    expect(kept.stdout).not.toMatch(/- delete /);
    expect(kept.stdout).toMatch(/Pipeline Analysis: 1 object\(s\) the snapshot does not have kept \(--delete-extra-objects deletes them\)/);
    let objects = Object.keys((await stored(emu, pipeline.id)).objects);
    expect(objects).toContain(newer);
    expect(objects).toContain(lost.id);

    // The plan (text and signed JSON) names the deletion; planning changes nothing.
    const shown = await restoreCli({ snapshot: snap.id, opts: { app: [pipeline.id], deleteExtraObjects: true, plan: true }, env: botEnv(emu), repo, journalDir: dir });
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(`- delete sheet 'My newer sheet' (${newer}): not in the snapshot`);
    const json = await restoreCli({ snapshot: snap.id, opts: { app: [pipeline.id], deleteExtraObjects: true, plan: true, json: true }, env: botEnv(emu), repo, journalDir: dir });
    const plan = JSON.parse(json.stdout).plan as { steps: { kind: string; remove?: { id: string; title: string }[] }[] };
    expect(plan.steps.find((s) => s.kind === "objects")!.remove).toEqual([{ id: newer, type: "sheet", genericType: "genericObject", title: "My newer sheet" }]);
    expect(Object.keys((await stored(emu, pipeline.id)).objects)).toContain(newer);

    const contradict = await restoreCli({ snapshot: snap.id, opts: { app: [pipeline.id], deleteExtraObjects: true, keepExtraObjects: true, yes: true }, env: botEnv(emu), repo, journalDir: dir });
    expect(contradict.code).toBe(2);

    const deleted = await restoreCli({ snapshot: snap.id, opts: { app: [pipeline.id], deleteExtraObjects: true, yes: true }, env: botEnv(emu), repo, journalDir: dir });
    expect(deleted.code, deleted.stdout + deleted.stderr).toBe(0);
    objects = Object.keys((await stored(emu, pipeline.id)).objects);
    expect(objects).not.toContain(newer);
    expect((await readReference(emu)).find((a) => a.appId === pipeline.id)!.objects).toEqual(expectedObjects(source, pipeline.id));
  });

  it("a section-access app imported by the bot gets the snapshot's script back, and the plan says so", async () => {
    const pnl = app("P&L");
    expect(pnl.doc.attributes.hasSectionAccess).toBe(true);
    const script = (await stored(emu, pnl.id)).script;
    expect(script).toMatch(/^Section Access;/m);
    await deleteForGood(emu, pnl.id);
    const r = await restoreCli({ snapshot: snap.id, opts: { app: [pnl.id], yes: true }, env: botEnv(emu), repo, journalDir: dir });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/P&L\s+Finance Dev \(shared\)\s+import \(section access\)\s/);
    expect(r.stdout).toMatch(/set the load script of 'P&L' to the snapshot's \(section access\)/);
    const restored = (await readReference(emu)).find((a) => a.name === "P&L" && !a.originAppId)!;
    expect(restored.appId).not.toBe(pnl.id);
    expect((await stored(emu, restored.appId)).script).toBe(script);
  });

  it("an app still soft-deleted comes back with Qlik's restore under its old id, data model intact, objects as in the snapshot", async () => {
    const customer = app("Customer 360");
    const { dataModelBytes, spaceId } = await stored(emu, customer.id);
    const sheet = objectsIn(source, customer.id).find((o) => o.type === "sheet")!;
    await deleteObjectAsAdmin(emu, customer.id, sheet.id);
    await botApi(emu).apps.deleteApp(customer.id);
    const r = await restoreCli({ snapshot: snap.id, opts: { app: [customer.id], yes: true }, env: botEnv(emu), repo, journalDir: dir });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Customer 360\s+Sales Dev \(shared\)\s+qlik-restore\s/);
    expect(r.stdout).toMatch(/restore 'Customer 360' with Qlik's restore \(same id/);
    expect(r.stdout).toMatch(/Customer 360: soft-deleted on \d{4}-\d\d-\d\d, restorable until .* UTC: Qlik's restore brings it back with the same id into the same space/);
    const back = await stored(emu, customer.id);
    expect(back.spaceId).toBe(spaceId);
    expect(back.dataModelBytes).toBe(dataModelBytes);
    expect((await readReference(emu)).filter((a) => a.name === "Customer 360").map((a) => a.appId)).toEqual([customer.id]);
    expect((await readReference(emu)).find((a) => a.appId === customer.id)!.objects).toEqual(expectedObjects(source, customer.id));
  });

  it("an app whose 14-day window passed is imported (a new id), and the plan says why", async () => {
    const budget = app("Budget vs Actual");
    await deleteForGood(emu, budget.id);
    const r = await restoreCli({ snapshot: snap.id, opts: { app: [budget.id], yes: true }, env: botEnv(emu), repo, journalDir: dir });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Budget vs Actual: Qlik cannot restore it \(not soft-deleted, or its 14-day window passed\): imported/);
    const restored = (await readReference(emu)).filter((a) => a.name === "Budget vs Actual");
    expect(restored.length).toBe(1);
    expect(restored[0]!.appId).not.toBe(budget.id);
    expect(restored[0]!.objects).toEqual(expectedObjects(source, budget.id));
  });
});
