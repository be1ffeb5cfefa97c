/**
 * Single-object restore (issue 11, item 6) through the real CLI against the emulator:
 * - a user's private sheet (with its chart) and another user's bookmark, deleted in the live app
 *   by those users through @qlik/api, come back with `restore latest --app … --object … --object …`
 *   under the same ids, with their owners and states; a third object a user edited keeps the
 *   edit, and nothing else in the app changed — compared object by object through @qlik/api;
 * - the plan lists exactly those object changes, and the verification covers exactly them;
 * - a change made between the plan and its execution (`--plan --json`, an edit, `--from-plan`)
 *   is refused with a message naming the object, under both settings of the emulator's
 *   `objectMetaDates` switch (objects with and without `qMeta.modifiedDate`).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadRestoreSource } from "@lifeboat/engine";
import { startEmulator, type EmulatorHandle } from "@lifeboat/emulator";
import { type Repository } from "@lifeboat/repository";
import { createTestRepository } from "@lifeboat/repository/testing";
import { afterEach, describe, expect, it } from "vitest";
import { botEnv, restoreCli, withDoc, takeBackup } from "./restore-helpers.ts";

const open: { emu: EmulatorHandle; repo: Repository; dir: string }[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) {
    await s.repo.close();
    await s.emu.close();
    await rm(s.dir, { recursive: true, force: true });
  }
});

async function setup(quirks: { objectMetaDates?: boolean } = {}) {
  const emu = await startEmulator({ fixture: "demo", port: 0, admin: true, seed: "e2e-restore-object", quirks });
  const repo = await createTestRepository();
  const dir = await mkdtemp(join(tmpdir(), "lifeboat-restore-object-"));
  const s = { emu, repo, dir };
  open.push(s);
  return s;
}

/** An API key acting as a fixture user (added to the in-memory tenant: test setup only). */
function keyOf(emu: EmulatorHandle, subjectOrName: string): string {
  const tenant = emu.state.tenants[0]!;
  const user = Object.values(tenant.users).find((u) => u.subject === subjectOrName || u.name === subjectOrName);
  if (!user) throw new Error(`no fixture user ${subjectOrName}`);
  const token = `e2e_${user.id}`;
  tenant.apiKeys[token] = { id: `k_${user.id}`, token, userId: user.id };
  return token;
}

interface RefObject {
  id: string;
  type: string;
  owner: string;
  approved: boolean;
  published: boolean;
  modifiedDate?: string;
  properties: unknown;
}

/** Every object of the app as the bot reads it through @qlik/api: meta, state and full properties. */
async function readApp(emu: EmulatorHandle, appId: string): Promise<Map<string, RefObject>> {
  return withDoc(emu, appId, async (doc) => {
    const out = new Map<string, RefObject>();
    for (const i of (await doc.getAllInfos()) as { qId: string; qType: string }[]) {
      const q = i.qType;
      const h = q === "bookmark" || q === "snapshot" ? await doc.getBookmark(i.qId) : q === "measure" ? await doc.getMeasure(i.qId) : q === "dimension" ? await doc.getDimension(i.qId) : q === "variable" ? await doc.getVariableById(i.qId) : await doc.getObject(i.qId);
      const layout = (await h.getLayout()) as { qMeta?: Record<string, unknown> };
      const m = layout.qMeta ?? {};
      const properties = typeof h.getFullPropertyTree === "function" ? await h.getFullPropertyTree() : await h.getProperties();
      out.set(i.qId, {
        id: i.qId,
        type: q,
        owner: String(m.owner ?? ""),
        approved: m.approved === true,
        published: m.published === true,
        ...(typeof m.modifiedDate === "string" ? { modifiedDate: m.modifiedDate } : {}),
        properties,
      });
    }
    return out;
  });
}

const withoutDate = (o: RefObject | undefined) => {
  if (!o) return o;
  const { modifiedDate: _drop, ...rest } = o;
  return rest;
};

describe("lifeboat restore --object", () => {
  it("brings back a deleted private sheet (with its chart) and another user's bookmark, same ids, owners and states; nothing else changes", async () => {
    const { emu, repo, dir } = await setup();
    const snap = await takeBackup(emu, repo);
    const source = await loadRestoreSource(repo, snap);
    const app = source.apps.find((a) => a.name === "Sales Overview" && a.doc.summary.spaceType === "shared")!;
    const objects = await source.objectsOf(app.id);
    const sheet = objects.find((o) => o.type === "sheet" && o.title === "Chloe's private sheet")!;
    const bookmark = objects.find((o) => o.type === "bookmark" && o.title === "North only")!;
    const edited = objects.find((o) => o.type === "sheet" && o.title === "Details")!;
    expect(sheet && bookmark && edited).toBeTruthy();
    expect(sheet.ownerSubject).not.toBe(bookmark.ownerSubject);
    expect(bookmark).toMatchObject({ approved: true, published: true });
    const original = await readApp(emu, app.id);
    const charts = [...original.values()].filter((o) => o.id !== sheet.id && JSON.stringify(original.get(sheet.id)!.properties).includes(`"qId":"${o.id}"`));
    expect(charts.length).toBeGreaterThan(0);

    // Chloe deletes her private sheet (its chart goes with it), Ben his bookmark, and Ben edits 'Details' — each as themselves.
    await withDoc(emu, app.id, async (doc) => {
      await doc.destroyObject(sheet.id);
      await doc.doSave();
    }, keyOf(emu, sheet.ownerSubject));
    await withDoc(emu, app.id, async (doc) => {
      await doc.destroyBookmark(bookmark.id);
      const h = await doc.getObject(edited.id);
      const props = await h.getProperties();
      await h.setProperties({ ...props, qMetaDef: { ...props.qMetaDef, title: "Details (edited after the backup)" } });
      await doc.doSave();
    }, keyOf(emu, bookmark.ownerSubject));
    const before = await readApp(emu, app.id);
    expect(before.has(sheet.id) || before.has(bookmark.id) || charts.some((c) => before.has(c.id))).toBe(false);

    // The plan lists exactly the two objects (and their owners), nothing else.
    const planned = await restoreCli({ snapshot: "latest", opts: { app: [app.id], object: [sheet.id, bookmark.title], plan: true }, env: botEnv(emu), repo, journalDir: dir });
    expect(planned.code, planned.stdout + planned.stderr).toBe(0);
    expect(planned.stdout).toMatch(/restore 2 object\(s\) of 'Sales Overview'/);
    expect(planned.stdout).toMatch(/2 create, 1 state; checked unchanged since planning before writing/);
    expect(planned.stdout).toContain(`- create sheet 'Chloe's private sheet' (${sheet.id})`);
    expect(planned.stdout).toContain(`- create bookmark 'North only' (${bookmark.id})`);
    expect(planned.stdout).toContain(`- state bookmark 'North only' (${bookmark.id}): approved`);
    expect(planned.stdout).not.toMatch(/Details|restore the owner of/);

    const r = await restoreCli({ snapshot: "latest", opts: { app: [app.id], object: [sheet.id, bookmark.title], yes: true }, env: botEnv(emu), repo, journalDir: dir });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stderr).toMatch(/safety backup of the target taken/);
    expect(r.stdout).toContain("the restored content equals the snapshot");
    // The verification covers exactly the two objects.
    expect(r.stdout).toMatch(/Sales Overview\s+\S+\s+2\s+\d+\s+0/);

    const after = await readApp(emu, app.id);
    // Both are back under their ids, with owners, states and properties (the chart inside the sheet too).
    for (const id of [sheet.id, bookmark.id, ...charts.map((c) => c.id)]) expect(withoutDate(after.get(id)), id).toEqual(withoutDate(original.get(id)));
    // The edited object keeps its edit; every other object is exactly as before the restore.
    expect(JSON.stringify(after.get(edited.id)!.properties)).toContain("Details (edited after the backup)");
    const untouched = (m: Map<string, RefObject>) => [...m.values()].filter((o) => o.id !== sheet.id && o.id !== bookmark.id && !charts.some((c) => c.id === o.id)).sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(untouched(after)).toEqual(untouched(before));

    // Errors: an unknown object names the app and how to list its objects.
    const unknown = await restoreCli({ snapshot: "latest", opts: { app: [app.id], object: ["no such sheet"], plan: true }, env: botEnv(emu), repo, journalDir: dir });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(new RegExp(`no object 'no such sheet' \\(id or title\\) in app 'Sales Overview' .*lifeboat ls ${snap.id.slice(0, 12)} apps/${app.id}/objects`));
  });

  for (const objectMetaDates of [true, false])
    it(`objectMetaDates=${objectMetaDates}: a change between the plan and its execution is refused, naming the object; nothing is overwritten`, async () => {
      const { emu, repo, dir } = await setup({ objectMetaDates });
      const snap = await takeBackup(emu, repo);
      const source = await loadRestoreSource(repo, snap);
      const app = source.apps.find((a) => a.name === "Sales Overview" && a.doc.summary.spaceType === "shared")!;
      const details = (await source.objectsOf(app.id)).find((o) => o.type === "sheet" && o.title === "Details")!;
      const owner = keyOf(emu, details.ownerSubject);
      const retitle = (title: string) =>
        withDoc(emu, app.id, async (doc) => {
          const h = await doc.getObject(details.id);
          const props = await h.getProperties();
          await h.setProperties({ ...props, qMetaDef: { ...props.qMetaDef, title } });
          await doc.doSave();
        }, owner);
      await retitle("Details v2");

      // The plan brings 'Details' back to the snapshot's; then its owner edits it again.
      const planFile = join(dir, "plan.json");
      const planned = await restoreCli({ snapshot: snap.id, opts: { app: [app.id], object: [details.id], plan: true, json: true }, env: botEnv(emu), repo, journalDir: dir });
      expect(planned.code, planned.stderr).toBe(0);
      await writeFile(planFile, planned.stdout);
      expect(JSON.parse(planned.stdout).plan.steps.find((s: { kind: string }) => s.kind === "objects").changes).toEqual([expect.objectContaining({ action: "update", id: details.id })]);
      // Qlik's dates are milliseconds: the second edit must not land in the same one.
      await new Promise((res) => setTimeout(res, 5));
      await retitle("Details v3 (made while the plan waited)");

      const r = await restoreCli({ opts: { fromPlan: planFile, yes: true }, env: botEnv(emu), repo, journalDir: dir });
      expect(r.code, r.stdout + r.stderr).toBe(3);
      expect(r.stderr).toMatch(new RegExp(`changed since the plan was made: .*object '${details.id}' \\(sheet 'Details'\\)`));
      expect(r.stderr).toMatch(objectMetaDates ? /was modified at \S+ \(read at planning: modified \S+\)/ : /its content differs from what planning read/);
      expect(r.stderr).toMatch(/restore PARTIAL/);
      const now = await readApp(emu, app.id);
      expect(JSON.stringify(now.get(details.id)!.properties)).toContain("Details v3 (made while the plan waited)");

      // Running the restore again plans anew and brings it back.
      const again = await restoreCli({ snapshot: snap.id, opts: { app: [app.id], object: [details.id], yes: true }, env: botEnv(emu), repo, journalDir: dir });
      expect(again.code, again.stdout + again.stderr).toBe(0);
      expect(JSON.stringify((await readApp(emu, app.id)).get(details.id)!.properties)).not.toContain("Details v");
    });
});
