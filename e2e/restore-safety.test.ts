/**
 * Safety and bad input: a restore into an existing tenant leaves a pre-restore snapshot
 * that restores the state before it; plan files are executed exactly or rejected when
 * edited or truncated; the confirmation gate; unknown snapshots, selectors matching
 * nothing, space maps naming nonexistent spaces and wrong credentials fail clearly with
 * nothing written to the tenant.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RestoreSource } from "@lifeboat/engine";
import { startEmulator, type EmulatorHandle } from "@lifeboat/emulator";
import { type Repository, type Snapshot } from "@lifeboat/repository";
import { createTestRepository } from "@lifeboat/repository/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { botApi, botEnv, expectedObjects, hostConfigOf, readReference, restoreCli, takeBackup, loadSourceWithObjects, objectsIn } from "./restore-helpers.ts";

describe("restore safety and bad input", () => {
  let emu: EmulatorHandle;
  let repo: Repository;
  let dir: string;
  let snap: Snapshot;
  let source: RestoreSource;
  let salesId: string;

  /** Everything the tenant holds (users, groups, spaces, assignments, apps with every object, uploads) plus a read-back through @qlik/api. */
  const state = async () => {
    const t = emu.state.tenants[0]!;
    const content = structuredClone({ users: t.users, groups: t.groups, roles: t.roles, spaces: t.spaces, assignments: t.assignments, apps: t.apps, tempContents: t.tempContents });
    return { content, summary: await (await fetch(`${emu.host}/__emulator/state`)).json(), ref: await readReference(emu) };
  };
  const adminApp = async (appId: string) => (await (await fetch(`${emu.host}/__emulator/apps/${appId}`)).json()) as { objects: Record<string, { properties: { qMetaDef?: { title?: string } } }> };

  beforeAll(async () => {
    emu = await startEmulator({ fixture: "demo", admin: true });
    repo = await createTestRepository();
    dir = await mkdtemp(join(tmpdir(), "lifeboat-safety-"));
    snap = await takeBackup(emu, repo);
    source = await loadSourceWithObjects(repo, snap);
    salesId = source.apps.find((a) => a.name === "Sales Overview" && a.doc.summary.spaceType === "shared")!.id;
  });
  afterAll(async () => {
    await repo?.close();
    await emu?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("bad input fails clearly and writes nothing", async () => {
    const before = await state();
    const env = botEnv(emu);
    const run = (snapshot: string | undefined, opts: Parameters<typeof restoreCli>[0]["opts"], e = env) => restoreCli({ snapshot, opts, env: e, repo, journalDir: dir });

    const unknown = await run("deadbeef", { all: true, yes: true });
    expect(unknown.code).toBe(2);
    // The repository's own message, as `lifeboat show deadbeef` prints it (e2e/cli-honesty).
    expect(unknown.stderr).toMatch(/no snapshot 'deadbeef' in the repository at .* — 'lifeboat snapshots' lists them/);

    const nothing = await run(snap.id, { app: ["No Such App"], yes: true });
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toMatch(/no app 'No Such App' in snapshot .*lifeboat ls/);
    expect(nothing.stderr).toMatch(/nothing was changed/);

    const noSelection = await run(snap.id, { yes: true });
    expect(noSelection.code).toBe(2);
    expect(noSelection.stderr).toMatch(/nothing selected/);

    const badMap = await run(snap.id, { app: [salesId], spaceMap: ["Sales Dev=Nowhere"], yes: true });
    expect(badMap.code).toBe(2);
    expect(badMap.stderr).toMatch(/--space-map Sales Dev=Nowhere: there is no space 'Nowhere'/);

    const badCreds = await run(snap.id, { all: true, yes: true }, { ...env, QLIK_CLIENT_SECRET: "wrong" });
    expect(badCreds.code).toBe(1);
    expect(badCreds.stderr).toMatch(/rejected the credentials.*nothing was changed/);

    const noTty = await run(snap.id, { app: [salesId] });
    expect(noTty.code).toBe(2);
    expect(noTty.stderr).toMatch(/refusing to change .* without confirmation.*--yes/);

    const wrongAnswer = await restoreCli({ snapshot: snap.id, opts: { app: [salesId] }, env, repo, journalDir: dir, confirm: async () => "prod.example.com" });
    expect(wrongAnswer.code).toBe(2);
    expect(wrongAnswer.stderr).toMatch(/is not 127\.0\.0\.1/);

    // Plan files: edited or truncated ones are rejected.
    const planned = await run(snap.id, { app: [salesId], plan: true, json: true });
    expect(planned.code).toBe(0);
    const file = join(dir, "plan.json");
    await writeFile(file, planned.stdout.replace(/"Sales Overview"/g, '"Sales Overvieww"'));
    const edited = await run(undefined, { fromPlan: file, yes: true });
    expect(edited.code).toBe(2);
    expect(edited.stderr).toMatch(/does not match its signature/);
    await writeFile(file, planned.stdout.slice(0, 500));
    const truncated = await run(undefined, { fromPlan: file, yes: true });
    expect(truncated.code).toBe(2);
    expect(truncated.stderr).toMatch(/truncated/);
    // A plan file decided the selection and options: flags beside it are refused, not ignored.
    await writeFile(file, planned.stdout);
    const withFlags = await run(undefined, { fromPlan: file, all: true, createMissingUsers: true, yes: true });
    expect(withFlags.code).toBe(2);
    expect(withFlags.stderr).toMatch(/--from-plan executes the plan file as it is, so --all, --create-missing-users cannot be given with it/);
    const otherHost = await run(undefined, { fromPlan: file, targetHost: "http://127.0.0.1:9", yes: true });
    expect(otherHost.code).toBe(2);
    expect(otherHost.stderr).toMatch(/plan file .* is for http:\/\/127\.0\.0\.1:\d+, not http:\/\/127\.0\.0\.1:9; nothing was changed — pass --target-host/);

    expect(await state()).toEqual(before);
  });

  it("a restore into an existing tenant leaves a safety snapshot that restores the pre-restore state; --from-plan executes the plan", async () => {
    const api = botApi(emu);
    // Users change things after the backup: Chloe's private sheet deleted, a base sheet renamed.
    const chloeSheet = objectsIn(source, salesId).find((o) => o.title === "Chloe's private sheet")!;
    const overview = objectsIn(source, salesId).find((o) => o.title === "Overview")!;
    const session = api.qix.openAppSession({ appId: salesId, withoutData: true, identity: "e2e-setup", hostConfig: hostConfigOf(emu) });
    const doc = await session.getDoc();
    await doc.destroyObject(chloeSheet.id);
    await doc.doSave();
    await session.close({ websocketCloseDelay: 0 });
    const patch = await fetch(`${emu.host}/__emulator/apps/${salesId}/objects/${overview.id}`, { method: "PATCH", headers: { "content-type": "application/json" }, body: JSON.stringify({ title: "Overview (edited)" }) });
    expect(patch.status).toBe(200);
    const changed = (await readReference(emu)).find((a) => a.appId === salesId)!;

    // Restore the snapshot through a plan file.
    const planned = await restoreCli({ snapshot: snap.id, opts: { app: [salesId], plan: true, json: true }, env: botEnv(emu), repo, journalDir: dir });
    const file = join(dir, "plan-ok.json");
    await writeFile(file, planned.stdout);
    expect(JSON.parse(await readFile(file, "utf8")).signature.algorithm).toBe("hmac-sha256");
    // No --yes: the confirmation asks to type the target's host, and goes on when it is typed.
    const questions: string[] = [];
    const host = new URL(emu.host).host;
    const r = await restoreCli({ opts: { fromPlan: file, json: true }, env: botEnv(emu), repo, journalDir: dir, confirm: async (q) => (questions.push(q), host) });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(questions).toEqual([expect.stringContaining(`Type the tenant's host (${host}) to go on`)]);
    // Exactly the file's plan: the plan it ran is the file's, and its steps are the file's steps.
    const filePlan = JSON.parse(planned.stdout).plan as { steps: { id: string }[] };
    const events = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { type: string; id?: string; note?: string; snapshotId?: string; plan?: unknown });
    expect(events[0]).toEqual({ type: "plan", plan: filePlan });
    expect(events.filter((e) => e.type === "step").map((e) => e.id).sort()).toEqual(filePlan.steps.map((st) => st.id).sort());
    expect(events.find((e) => e.id === `app:${salesId}:objects`)?.note).toMatch(/1 recreated/);
    const safetyId = events.find((e) => e.type === "safety-backup")?.snapshotId?.slice(0, 12);
    expect(safetyId).toBeDefined();
    const restored = (await readReference(emu)).find((a) => a.appId === salesId)!;
    expect(restored.objects).toEqual(expectedObjects(source, salesId));
    expect((await adminApp(salesId)).objects[overview.id]?.properties.qMetaDef?.title).toBe("Overview");
    const safety = await repo.loadSnapshot(safetyId!);
    expect(safety.tags).toContain("pre-restore");

    // Restoring the safety snapshot with --delete-extra-objects brings the pre-restore state back:
    // the sheet the restore recreated is not in it, and the plan lists its deletion.
    const undo = await restoreCli({ snapshot: safetyId!, opts: { app: [salesId], deleteExtraObjects: true, yes: true }, env: botEnv(emu), repo, journalDir: dir });
    expect(undo.code, undo.stdout + undo.stderr).toBe(0);
    expect(undo.stdout).toContain(`- delete sheet 'Chloe's private sheet' (${chloeSheet.id}): not in the snapshot`);
    expect(undo.stderr).toMatch(/1 not in the snapshot deleted \(as the plan listed\)/);
    const undone = (await readReference(emu)).find((a) => a.appId === salesId)!;
    expect(undone).toEqual(changed);
    expect((await adminApp(salesId)).objects[overview.id]?.properties.qMetaDef?.title).toBe("Overview (edited)");
  });
  it("a plan file whose target changed since it was made is refused, nothing written", async () => {
    const api = botApi(emu);
    const name = "Sales Overview (planned)";
    const planned = await restoreCli({ snapshot: snap.id, opts: { app: [salesId], asNew: true, name, plan: true, json: true }, env: botEnv(emu), repo, journalDir: dir });
    expect(planned.code, planned.stderr).toBe(0);
    const file = join(dir, "plan-stale.json");
    await writeFile(file, planned.stdout);
    // Someone makes an app of that name in that space after the plan was made.
    const spaceId = (await readReference(emu)).find((a) => a.appId === salesId)!.spaceId!;
    const other = (await api.apps.copyApp(salesId, { attributes: { name, spaceId } } as never)).data.attributes!.id!;
    const before = await state();
    const r = await restoreCli({ opts: { fromPlan: file, yes: true }, env: botEnv(emu), repo, journalDir: dir });
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`no longer fits .*an app named '${name.replace(/[()]/g, "\\$&")}' appeared in space ${spaceId} since the plan was made \\(${other}\\)\\. Nothing was changed — make a new plan`));
    expect(await state()).toEqual(before);
    await api.apps.deleteApp(other);
  });
});
