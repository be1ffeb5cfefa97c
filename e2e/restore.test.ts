/**
 * Restore end to end: `lifeboat restore` (in process, through `runRestore`) against the
 * emulator, from snapshots taken by the real backup engine through the connector. The
 * reference for "what is in the tenant" is read independently with @qlik/api (REST items
 * + QIX as the private-content bot), never through our connector.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { backup, type RestoreSource } from "@lifeboat/engine";
import { startEmulator, type EmulatorHandle } from "@lifeboat/emulator";
import { createTenantClient } from "@lifeboat/qlik";
import { type Repository, type Snapshot } from "@lifeboat/repository";
import { createTestRepository } from "@lifeboat/repository/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { botApi, botEnv, deleteForGood, expectedObjects, hostConfigOf, readReference, restoreCli, takeBackup, withAppOwnerRoles, type Tenantish, loadSourceWithObjects, objectsIn } from "./restore-helpers.ts";

async function destroyObject(t: Tenantish, appId: string, objectId: string): Promise<void> {
  const session = botApi(t).qix.openAppSession({ appId, withoutData: true, identity: "e2e-setup", hostConfig: hostConfigOf(t) });
  try {
    const doc = await session.getDoc();
    await doc.destroyObject(objectId);
    await doc.doSave();
  } finally {
    await session.close({ websocketCloseDelay: 0 }).catch(() => undefined);
  }
}

describe("restore into the same tenant", () => {
  let emu: EmulatorHandle;
  let repo: Repository;
  let dir: string;
  let snap: Snapshot;
  let source: RestoreSource;

  beforeAll(async () => {
    emu = await startEmulator({ fixture: "demo", admin: true });
    repo = await createTestRepository();
    dir = await mkdtemp(join(tmpdir(), "lifeboat-restore-"));
    snap = await takeBackup(emu, repo);
    source = await loadSourceWithObjects(repo, snap);
  });
  afterAll(async () => {
    await repo?.close();
    await emu?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("brings back deleted apps, a deleted space and a user's deleted sheet; the read-back equals the snapshot", async () => {
    const api = botApi(emu);
    const before = await readReference(emu);
    const byName = (n: string, managed = false) => before.find((a) => a.name === n && !!a.originAppId === managed)!;
    // Delete: an app, a published app in a managed space, a whole shared space with its apps, and Chloe's private sheet.
    const customer = byName("Customer 360");
    const pipelinePub = byName("Pipeline Analysis", true);
    const pnl = byName("P&L");
    const budget = byName("Budget vs Actual");
    const financeDevId = pnl.spaceId!;
    const sales = byName("Sales Overview");
    const chloeSheet = objectsIn(source, sales.appId).find((o) => o.title === "Chloe's private sheet")!;
    expect(chloeSheet).toBeDefined();
    // Gone for good (Qlik's 14-day window passed): imported under new ids. Qlik's own restore of
    // apps still soft-deleted is e2e/restore-inplace.test.ts.
    await deleteForGood(emu, customer.appId);
    await deleteForGood(emu, pipelinePub.appId);
    // P&L has a published copy in Finance; its origin disappears with the space.
    await deleteForGood(emu, pnl.appId);
    await deleteForGood(emu, budget.appId);
    await api.spaces.deleteSpace(financeDevId);
    await destroyObject(emu, sales.appId, chloeSheet.id);

    const r = await restoreCli({ snapshot: snap.id, opts: { all: true, yes: true }, env: botEnv(emu), repo, journalDir: dir });
    if (process.env.DEBUG_RESTORE) console.log(r.stdout, r.stderr);
    expect(r.stderr + r.stdout).not.toMatch(/FAIL/);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/safety backup: snapshot [0-9a-f]{12}/);
    expect(r.stdout).toContain("the restored content equals the snapshot");

    const after = await readReference(emu);
    // Every snapshot app is there again, by id (still existing) or as a new app with the same name in the same space.
    const spaces = new Map<string, string>();
    for (const s of (await api.spaces.getSpaces({ limit: 100 }, { noCache: true })).data.data ?? []) spaces.set(s.id, s.name);
    const srcSpaceName = new Map(source.spaces.map((s) => [s.record.id, s.record.name]));
    for (const app of source.apps) {
      const found =
        after.find((a) => a.appId === app.id) ??
        after.find(
          (a) =>
            a.name === app.name &&
            !before.some((b) => b.appId === a.appId) &&
            (app.doc.summary.spaceId ? spaces.get(a.spaceId ?? "") === srcSpaceName.get(app.doc.summary.spaceId) : !a.spaceId) &&
            !!a.originAppId === !!app.doc.lineage.originAppId,
        );
      expect(found, app.name).toBeDefined();
      expect(found!.objects, app.name).toEqual(expectedObjects(source, app.id));
      expect(found!.ownerSubject, app.name).toBe(app.doc.owner.subject);
    }
    // No duplicates: as many apps as in the snapshot.
    expect(after.length).toBe(source.apps.length);
    expect([...spaces.values()]).toContain("Finance Dev");

    // The re-created space belongs to its owner in the snapshot and has its members again.
    const subjects = new Map<string, string>();
    for (const u of (await api.users.getUsers({ limit: 100 }, { noCache: true })).data.data ?? []) subjects.set(u.id!, u.subject!);
    const groupNames = new Map<string, string>();
    for (const g of (await api.groups.getGroups({ limit: 100 }, { noCache: true })).data.data ?? []) groupNames.set(g.id!, g.name!);
    const srcSubject = (id: string) => source.users.find((u) => u.id === id)?.subject;
    const srcFinanceDev = source.spaces.find((s) => s.record.name === "Finance Dev")!;
    const financeDev = ((await api.spaces.getSpaces({ name: "Finance Dev", limit: 100 }, { noCache: true })).data.data ?? []).find((s) => s.name === "Finance Dev")!;
    expect(financeDev.id).not.toBe(financeDevId);
    expect(subjects.get(financeDev.ownerId!)).toBe(srcSubject(srcFinanceDev.record.ownerId));
    const members = (a: { type?: string; assigneeId?: string; roles?: string[] }, name: (id: string) => string | undefined) =>
      `${a.type} ${name(a.assigneeId!)} ${[...(a.roles ?? [])].sort().join(",")}`;
    const srcName = (id: string) => srcSubject(id) ?? source.groups.find((g) => g.id === id)?.name;
    const restoredMembers = ((await api.spaces.getSpaceAssignments(financeDev.id!, { limit: 100 }, { noCache: true })).data.data ?? []).map((a) =>
      members(a, (id) => subjects.get(id) ?? groupNames.get(id)),
    );
    // The snapshot's members, plus what Qlik does when the restore hands Finance Dev's apps
    // (imported by the bot while it owned the recreated space) to their owners.
    const srcGroupsOf = (id: string) => source.users.find((u) => u.id === id)?.assignedGroups.map((g) => g.id) ?? [];
    const appOwners = source.apps.filter((a) => a.doc.summary.spaceId === srcFinanceDev.record.id).map((a) => a.doc.owner.id);
    const me = (await api.users.getMyUser({ noCache: true })).data.id!;
    const expectedMembers = withAppOwnerRoles(srcFinanceDev.assignments, "shared", appOwners, me, srcGroupsOf);
    expect(restoredMembers.sort()).toEqual(expectedMembers.map((a) => members(a, srcName)).sort());
  });

  it("a name clash blocks (nothing written) until the options resolve it: --skip-existing leaves the app alone", async () => {
    // 'Customer 360' was deleted and restored under a new id above: restoring its old id again by
    // itself (another restore, so no journal of it) meets the restored app of the same name.
    const customer = source.apps.find((a) => a.name === "Customer 360")!;
    const before = await readReference(emu);
    expect(before.some((a) => a.appId === customer.id)).toBe(false);
    const blocked = await restoreCli({ snapshot: snap.id, opts: { app: [customer.id], yes: true }, env: botEnv(emu), repo, journalDir: dir });
    expect(blocked.code).toBe(2);
    expect(blocked.stdout).toMatch(/BLOCKER: app 'Customer 360': an app named 'Customer 360' already exists in 'Sales Dev' \([0-9a-f-]+\); pass --as-new \[--name NAME\] to restore it beside, or --skip-existing/);
    expect(blocked.stderr).toMatch(/the plan has 1 blocker\(s\).*nothing was changed/);
    const skipped = await restoreCli({ snapshot: snap.id, opts: { app: [customer.id], skipExisting: true, yes: true, plan: true }, env: botEnv(emu), repo, journalDir: dir });
    expect(skipped.code).toBe(0);
    expect(skipped.stdout).toMatch(/Customer 360\s+Sales Dev \(shared\)\s+skip\s/);
    expect(await readReference(emu)).toEqual(before);
  });

  it("--as-new --name restores an existing app beside itself under a new name", async () => {
    const sales = source.apps.find((a) => a.name === "Sales Overview" && a.doc.summary.spaceType === "shared")!;
    const r = await restoreCli({ snapshot: snap.id, opts: { app: [sales.id], asNew: true, name: "Sales Overview (restored)", yes: true }, env: botEnv(emu), repo, journalDir: dir });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const ref = await readReference(emu);
    const copy = ref.filter((a) => a.name === "Sales Overview (restored)");
    expect(copy.length).toBe(1);
    expect(copy[0]!.spaceId).toBe(ref.find((a) => a.appId === sales.id)!.spaceId);
    expect(copy[0]!.objects).toEqual(expectedObjects(source, sales.id));
    expect(copy[0]!.ownerSubject).toBe(sales.doc.owner.subject);
    await botApi(emu).apps.deleteApp(copy[0]!.appId);
  });

  it("with an API key (not a private-content bot) the restore works and says what it could not see", async () => {
    const budget = source.apps.find((a) => a.name === "Budget vs Actual")!;
    const env = { QLIK_HOST: emu.host, QLIK_API_KEY: emu.apiKey };
    const r = await restoreCli({ snapshot: snap.id, opts: { app: [budget.id], asNew: true, name: "Budget (API key)", yes: true }, env, repo, journalDir: dir });
    expect(r.stdout).toMatch(/is not a private-content bot/);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const ref = await readReference(emu);
    const copy = ref.find((a) => a.name === "Budget (API key)")!;
    expect(copy.objects).toEqual(expectedObjects(source, budget.id));
    expect(r.stdout).toMatch(/2 private object\(s\) of other users not visible to the restoring user, not compared/);
    await botApi(emu).apps.deleteApp(copy.appId);
  });

  it("running the same restore again changes nothing and creates no duplicates", async () => {
    const before = await readReference(emu);
    const r = await restoreCli({ snapshot: snap.id, opts: { all: true, yes: true, json: true }, env: botEnv(emu), repo, journalDir: dir });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    // --json: NDJSON — the plan, the events, the verification, then (a snapshot with resource kinds) the checklist.
    const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { type: string; [k: string]: unknown });
    expect(lines[0]?.type).toBe("plan");
    expect(lines.filter((l) => l.type === "step").every((l) => l.outcome === "already-done" || l.outcome === "done")).toBe(true);
    expect(lines.find((l) => l.type === "verification")).toMatchObject({ type: "verification", report: { status: "match", mismatches: 0 } });
    expect(lines.at(-1)).toMatchObject({ type: "checklist" });
    expect(r.stderr).toBe("");
    const after = await readReference(emu);
    expect(after.map((a) => a.appId).sort()).toEqual(before.map((a) => a.appId).sort());
    expect(after).toEqual(before);
  });
});
