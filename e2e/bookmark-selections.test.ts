/**
 * Bookmarks keep their selections (issue 10 item 1). In Qlik's engine a bookmark's
 * selections are not in its properties: `GenericBookmarkProperties` has no `qBookmark`; the
 * selections (`qStateData`, `qVariableItems`) are only in its layout, and `CreateBookmark`
 * records the session's current selections. So the backup must read them from the layout,
 * count them in the fingerprint, and a restore that recreates a bookmark through the engine
 * must make those selections first. The reference reads here go through @qlik/api directly,
 * never through the connector.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { diffSnapshots } from "@lifeboat/engine";
import { startEmulator, type EmulatorHandle } from "@lifeboat/emulator";
import { type Repository } from "@lifeboat/repository";
import { createTestRepository } from "@lifeboat/repository/testing";
import { afterEach, describe, expect, it } from "vitest";
import { botEnv, restoreCli, withDoc, takeBackup, loadSourceWithObjects, objectsIn } from "./restore-helpers.ts";

const open: { emu: EmulatorHandle; repo: Repository; dir: string }[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) {
    await s.repo.close();
    await s.emu.close();
    await rm(s.dir, { recursive: true, force: true });
  }
});

async function setup() {
  const emu = await startEmulator({ fixture: "demo", port: 0, admin: true, seed: "e2e-bookmarks" });
  const repo = await createTestRepository();
  const dir = await mkdtemp(join(tmpdir(), "lifeboat-bookmarks-"));
  const s = { emu, repo, dir };
  open.push(s);
  return s;
}

/** The selections of a bookmark as its layout shows them: state → field → values. */
async function selectionsOf(emu: EmulatorHandle, appId: string, bookmarkId: string): Promise<Record<string, Record<string, string[]>>> {
  return withDoc(emu, appId, async (doc) => {
    const layout = await (await doc.getBookmark(bookmarkId)).getLayout();
    const out: Record<string, Record<string, string[]>> = {};
    for (const st of layout.qBookmark.qStateData as { qStateName: string; qFieldItems: { qDef: { qName: string }; qValues: { qText: string }[] }[] }[]) {
      for (const f of st.qFieldItems) (out[st.qStateName] ??= {})[f.qDef.qName] = f.qValues.map((v) => v.qText).sort();
    }
    return out;
  });
}

/** The demo's "North only" bookmark of Sales Overview: Region=North in "$", Product=Widgets in state "Compare". */
function northOnly(emu: EmulatorHandle) {
  const tenant = emu.state.tenants[0]!;
  const app = Object.values(tenant.apps).find((a) => a.name === "Sales Overview" && !a.originAppId)!;
  const bookmark = Object.values(app.objects).find((o) => o.type === "bookmark" && o.properties.qMetaDef && (o.properties.qMetaDef as { title?: string }).title === "North only")!;
  return { tenant, app, bookmark };
}

describe("bookmark selections", () => {
  it("the engine keeps them out of the properties; the backup records them, and a re-save with new selections is a change", async () => {
    const { emu, repo } = await setup();
    const { app, bookmark } = northOnly(emu);
    await withDoc(emu, app.id, async (doc) => {
      const h = await doc.getBookmark(bookmark.id);
      expect(await h.getProperties()).not.toHaveProperty("qBookmark");
    });
    expect(await selectionsOf(emu, app.id, bookmark.id)).toEqual({ $: { Region: ["North"] }, Compare: { Product: ["Widgets"] } });

    const first = await takeBackup(emu, repo);
    const source = await loadSourceWithObjects(repo, first);
    const recorded = objectsIn(source, app.id).find((o) => o.id === bookmark.id)!;
    expect((recorded.propertyTree as { qBookmark: unknown }).qBookmark).toEqual({
      qStateData: [
        { qStateName: "$", qFieldItems: [{ qDef: { qName: "Region" }, qValues: [{ qText: "North" }] }] },
        { qStateName: "Compare", qFieldItems: [{ qDef: { qName: "Product" }, qValues: [{ qText: "Widgets" }] }] },
      ],
    });

    // Its owner re-saves it with other selections, as the Sense client does (select, ReplaceBookmark, save).
    const owner = emu.state.tenants[0]!.users[app.ownerId]!;
    const token = `e2e_${owner.id}`;
    emu.state.tenants[0]!.apiKeys[token] = { id: `k_${owner.id}`, token, userId: owner.id };
    await withDoc(
      emu,
      app.id,
      async (doc) => {
        await (await doc.getField("Region", "$")).selectValues([{ qText: "South" }], false, false);
        await doc.replaceBookmark(bookmark.id);
        await doc.doSave();
      },
      token,
    );
    expect(await selectionsOf(emu, app.id, bookmark.id)).toEqual({ $: { Region: ["South"] } });

    const second = await takeBackup(emu, repo);
    const diff = await diffSnapshots(repo, first, second);
    expect(diff.changes).toContainEqual(expect.objectContaining({ kind: "changed", layer: "objects", id: bookmark.id, appId: app.id }));
    const source2 = await loadSourceWithObjects(repo, second);
    const again = objectsIn(source2, app.id).find((o) => o.id === bookmark.id)!;
    expect((again.propertyTree as { qBookmark: unknown }).qBookmark).toEqual({ qStateData: [{ qStateName: "$", qFieldItems: [{ qDef: { qName: "Region" }, qValues: [{ qText: "South" }] }] }] });
  });

  it("a bookmark deleted from a live app comes back with its selections (in-place restore), and verification compares them", async () => {
    const { emu, repo, dir } = await setup();
    const { app, bookmark } = northOnly(emu);
    const snap = await takeBackup(emu, repo);
    await withDoc(emu, app.id, async (doc) => {
      await doc.destroyBookmark(bookmark.id);
      await doc.doSave();
    });
    const r = await restoreCli({ snapshot: snap.id, opts: { app: [app.id], yes: true }, env: botEnv(emu), repo, journalDir: dir });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("the restored content equals the snapshot");
    // Same id (the wanted id was free), same selections in both states.
    expect(await selectionsOf(emu, app.id, bookmark.id)).toEqual({ $: { Region: ["North"] }, Compare: { Product: ["Widgets"] } });
  });

  it("a bookmark that can only be recreated empty (the app holds no data to select in) is a mismatch: exit 4", async () => {
    const { emu, repo, dir } = await setup();
    const { app, bookmark } = northOnly(emu);
    const snap = await takeBackup(emu, repo);
    await withDoc(emu, app.id, async (doc) => {
      await doc.destroyBookmark(bookmark.id);
      await doc.doSave();
    });
    // The app's data model is gone (as after a no-data import): there is nothing to select in.
    const patched = await fetch(`${emu.host}/__emulator/apps/${app.id}`, { method: "PATCH", headers: { "content-type": "application/json" }, body: JSON.stringify({ dataModelBytes: 0 }) });
    expect(patched.status).toBe(200);
    const r = await restoreCli({ snapshot: snap.id, opts: { app: [app.id], yes: true }, env: botEnv(emu), repo, journalDir: dir });
    expect(r.code, r.stdout + r.stderr).toBe(4);
    expect(r.stdout + r.stderr).toMatch(/selections/);
    expect(await selectionsOf(emu, app.id, bookmark.id)).toEqual({});
  });

  it("a bookmark that recorded the variables comes back with their values of that time, and the variables stay as they are", async () => {
    const { emu, repo, dir } = await setup();
    const { app } = northOnly(emu);
    // The bookmark records vCurrency = 'EUR'; the variable is changed to 'USD' afterwards.
    const id = await withDoc(emu, app.id, async (doc) => {
      await (await doc.getField("Region", "$")).selectValues([{ qText: "South" }], false, false);
      const bm = await doc.createBookmark({ qInfo: { qType: "bookmark" }, qMetaDef: { title: "With variables" }, qIncludeVariables: true });
      const v = await doc.getVariableByName("vCurrency");
      await v.setProperties({ ...(await v.getProperties()), qDefinition: "'USD'" });
      await doc.doSave();
      return bm.id as string;
    });
    const snap = await takeBackup(emu, repo);
    await withDoc(emu, app.id, async (doc) => {
      await doc.destroyBookmark(id);
      await doc.doSave();
    });
    const r = await restoreCli({ snapshot: snap.id, opts: { app: [app.id], yes: true }, env: botEnv(emu), repo, journalDir: dir });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    await withDoc(emu, app.id, async (doc) => {
      const layout = await (await doc.getBookmark(id)).getLayout();
      const vars = Object.fromEntries((layout.qBookmark.qVariableItems as { qName: string; qDefinition: string }[]).map((v) => [v.qName, v.qDefinition]));
      expect(vars.vCurrency).toBe("'EUR'");
      expect((await (await doc.getVariableByName("vCurrency")).getProperties()).qDefinition).toBe("'USD'");
    });
    expect(await selectionsOf(emu, app.id, id)).toEqual({ $: { Region: ["South"] } });
  });
});
