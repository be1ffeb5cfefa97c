/**
 * Issue 15.4: any app or object name survives a round trip through the real connector.
 * Hostile names go onto the emulator's apps and objects (admin surface, setup only), then:
 * backup (connector) → delete the apps → `lifeboat restore --all` → every name and title is
 * back byte for byte, read independently with @qlik/api; a second restore finds every app
 * and imports no second copy.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmulator, type EmulatorHandle } from "@lifeboat/emulator";
import { type Repository } from "@lifeboat/repository";
import { createTestRepository } from "@lifeboat/repository/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { botApi, botEnv, hostConfigOf, restoreCli, takeBackup } from "./restore-helpers.ts";

const NAMES = [
  "Margin 100%",
  "Q1%20Report",
  "a+b = c & d",
  "R&D #1 ?x=y",
  `"double" and 'single' quotes`,
  "\u202Egnp.exe \u2066isolated\u2069 \u200Fmark",
  "emoji 🚀📊 and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
  "100%25 + 50%2B",
  "x".repeat(9_990) + " %20+&#🚀",
];

async function admin(emu: EmulatorHandle, path: string, body: unknown): Promise<void> {
  const res = await fetch(`${emu.host}/__emulator${path}`, { method: "PATCH", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`PATCH ${path}: ${res.status} ${await res.text()}`);
}

/**
 * Every app of the tenant by name, through @qlik/api directly (items, paged): the listing
 * without a space type, then every user's personal apps (`spaceType=personal`, which the
 * first listing may leave out — the emulator's itemsListIncludesOthersPersonal).
 */
async function appsByName(emu: EmulatorHandle): Promise<Map<string, string[]>> {
  const api = botApi(emu);
  const ids = new Map<string, string>();
  for (const spaceType of [undefined, "personal"] as const) {
    let page = await api.items.getItems({ resourceType: "app", limit: 100, ...(spaceType ? { spaceType } : {}) }, { noCache: true });
    for (;;) {
      for (const item of page.data.data ?? []) ids.set(item.resourceId!, item.name ?? "");
      if (!page.next) break;
      page = await page.next();
    }
  }
  const out = new Map<string, string[]>();
  for (const [id, name] of ids) out.set(name, [...(out.get(name) ?? []), id]);
  return out;
}

/** Titles of an app's objects (qMetaDef.title), read over QIX with @qlik/api. */
async function titles(emu: EmulatorHandle, appId: string): Promise<Map<string, string>> {
  const session = botApi(emu).qix.openAppSession({ appId, withoutData: true, identity: "e2e-names", hostConfig: hostConfigOf(emu) });
  const out = new Map<string, string>();
  try {
    const doc = await session.getDoc();
    for (const i of await doc.getAllInfos()) {
      if (i.qType !== "sheet") continue;
      const props = (await (await doc.getObject(i.qId!)).getProperties()) as { qMetaDef?: { title?: string } };
      out.set(i.qId!, props.qMetaDef?.title ?? "");
    }
  } finally {
    await session.close({ websocketCloseDelay: 0 }).catch(() => undefined);
  }
  return out;
}

// Under both readings of a raw "+" in a query (the emulator's UNCONFIRMED switch queryPlus).
describe.each(["space", "literal"] as const)("hostile names round trip (queryPlus=%s)", (queryPlus) => {
  let emu: EmulatorHandle;
  let repo: Repository;
  let dir: string;

  beforeAll(async () => {
    emu = await startEmulator({ fixture: "demo", admin: true, quirks: { queryPlus } });
    repo = await createTestRepository();
    dir = await mkdtemp(join(tmpdir(), "lifeboat-names-"));
  });
  afterAll(async () => {
    await repo?.close();
    await emu?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("backup → delete → restore brings back every app name and object title byte for byte; a second restore adds no copy", async () => {
    const tenant = emu.state.tenants[0]!;
    // Apps outside managed spaces (a managed app is a published copy with its own path).
    const apps = Object.values(tenant.apps).filter((a) => !a.spaceId || tenant.spaces[a.spaceId]?.type !== "managed");
    expect(apps.length).toBeGreaterThanOrEqual(NAMES.length);
    const renamed = apps.slice(0, NAMES.length);
    for (const [i, app] of renamed.entries()) await admin(emu, `/apps/${app.id}`, { name: NAMES[i] });
    // Every hostile name also as the title of a sheet of the first app (one sheet each, as far as it has sheets).
    const titled = renamed[0]!;
    const sheets = Object.values(titled.objects).filter((o) => o.type === "sheet");
    expect(sheets.length).toBeGreaterThan(0);
    const wantTitles = new Map<string, string>();
    for (const [i, sheet] of sheets.entries()) {
      const title = NAMES[i % NAMES.length]!;
      await admin(emu, `/apps/${titled.id}/objects/${sheet.id}`, { title });
      wantTitles.set(sheet.id, title);
    }

    const snap = await takeBackup(emu, repo);
    const api = botApi(emu);
    for (const app of renamed) await api.apps.deleteApp(app.id);
    expect([...(await appsByName(emu)).keys()].filter((n) => NAMES.includes(n))).toEqual([]);

    const first = await restoreCli({ snapshot: snap.id, opts: { all: true, yes: true }, env: botEnv(emu), repo, journalDir: dir });
    expect(first.code, first.stderr + first.stdout).toBe(0);
    const after = await appsByName(emu);
    for (const name of NAMES) {
      // The very same string: not decoded, not re-encoded, not cut.
      expect({ name: name.slice(0, 40), copies: after.get(name)?.length ?? 0 }).toEqual({ name: name.slice(0, 40), copies: 1 });
    }
    const restoredTitled = after.get(NAMES[0]!)![0]!;
    const gotTitles = await titles(emu, restoredTitled);
    for (const [id, title] of wantTitles) expect(gotTitles.get(id) === title, `title of sheet ${id}`).toBe(true);

    // The same restore again (same journal) finds every app: nothing imported twice.
    const second = await restoreCli({ snapshot: snap.id, opts: { all: true, yes: true }, env: botEnv(emu), repo, journalDir: dir });
    expect(second.code, second.stderr + second.stdout).toBe(0);
    const again = await appsByName(emu);
    for (const name of NAMES) expect(again.get(name), name.slice(0, 40)).toEqual(after.get(name));
    expect([...again.values()].flat().length).toBe([...after.values()].flat().length);
    // A new restore (fresh journal) finds each of them by its exact name: a clash, not a copy.
    const third = await restoreCli({ snapshot: snap.id, opts: { all: true, yes: true, skipExisting: true }, env: botEnv(emu), repo, journalDir: join(dir, "third") });
    expect(third.code, third.stderr + third.stdout).toBe(0);
    const still = await appsByName(emu);
    for (const name of NAMES) expect(still.get(name), name.slice(0, 40)).toEqual(after.get(name));
    expect([...still.values()].flat().length).toBe([...after.values()].flat().length);
  }, 120_000);
});
