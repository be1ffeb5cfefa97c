/**
 * Object stamps end to end (packages/engine/src/stamps.ts): a run that finds every object's
 * stamp (id, type, qMeta.modifiedDate, owner, state) as the previous snapshot recorded it
 * does not read the objects again; any edit — of a sheet or of a chart inside it, through
 * QIX as its owner — makes the next run read and re-export that app; an edit the dates do
 * not show is caught by the deep check and reported; and with the emulator's
 * `objectMetaDates` switch off (the key is UNCONFIRMED) every object is read every run.
 */
import { backup, diffSnapshots, type Manifest } from "@lifeboat/engine";
import { coreGaps } from "@lifeboat/engine/testing";
import { startEmulator, type EmulatorHandle } from "@lifeboat/emulator";
import { createTenantClient, type TenantClient } from "@lifeboat/qlik";
import { type Repository } from "@lifeboat/repository";
import { createTestRepository } from "@lifeboat/repository/testing";
import { createQlikApi } from "@qlik/api";
import { afterEach, describe, expect, it } from "vitest";

interface Setup {
  emu: EmulatorHandle;
  repo: Repository;
  client: TenantClient;
}

const open: Setup[] = [];

async function setup(quirks: { objectMetaDates?: boolean; childEditMovesParentDate?: boolean } = {}): Promise<Setup> {
  const emu = await startEmulator({ fixture: "demo", port: 0, admin: true, seed: "e2e-stamps", quirks });
  const repo = await createTestRepository();
  const client = createTenantClient({ host: emu.host, auth: { type: "oauth2", clientId: emu.clientId, clientSecret: emu.clientSecret } });
  const s = { emu, repo, client };
  open.push(s);
  return s;
}

afterEach(async () => {
  for (const s of open.splice(0)) {
    await s.client.close();
    await s.repo.close();
    await s.emu.close();
  }
});

/** Runs a backup and returns its manifest with the QIX and object-read calls it made. */
async function run(s: Setup, opts: { deepCheckDays?: number; now?: () => Date } = {}): Promise<{ manifest: Manifest; snapshotId: string; qixCalls: number; objectReads: number }> {
  const before = s.client.stats();
  const result = await backup({ tenant: s.client, repository: s.repo, ...opts });
  const after = s.client.stats();
  return { manifest: result.manifest, snapshotId: result.snapshot.id, qixCalls: after.qixCalls - before.qixCalls, objectReads: objectReads(s) };
}

/** Objects (with children) of every app: what a full read must at least open. */
function objectReads(s: Setup): number {
  let n = 0;
  const count = (o: { children: unknown[] }): number => 1 + (o.children as { children: unknown[] }[]).reduce((a, c) => a + count(c), 0);
  for (const app of Object.values(s.emu.state.tenants[0]!.apps)) for (const o of Object.values(app.objects)) n += count(o);
  return n;
}

/** The trees a no-change run reads for content stamps, per the rule in packages/qlik/src/internal/objects.ts (readStamps). */
function contentTreeReads(s: Setup): number {
  let n = 0;
  for (const app of Object.values(s.emu.state.tenants[0]!.apps)) {
    const top = Object.values(app.objects);
    const system = top.filter((o) => o.type === "LoadModel" || o.type === "appprops").length;
    const children = top.reduce((a, o) => a + o.children.length, 0);
    const datedGeneric = top.filter((o) => o.genericType === "genericObject").length - system;
    const dateless = system + children;
    if (dateless > 0) n += Math.min(dateless, datedGeneric + system);
  }
  return n;
}

/** A private sheet with children, and its owner. */
function privateSheet(s: Setup) {
  const tenant = s.emu.state.tenants[0]!;
  for (const app of Object.values(tenant.apps)) {
    for (const o of Object.values(app.objects)) {
      if (o.type === "sheet" && !o.approved && !o.published && o.children.length > 0) return { app, sheet: o, owner: tenant.users[o.ownerId]! };
    }
  }
  throw new Error("the demo fixture has no private sheet with charts");
}

/** A private bookmark and its owner. */
function privateBookmark(s: Setup) {
  const tenant = s.emu.state.tenants[0]!;
  for (const app of Object.values(tenant.apps)) {
    for (const o of Object.values(app.objects)) {
      if (o.type === "bookmark" && !o.approved && !o.published) return { app, sheet: o, owner: tenant.users[o.ownerId]! };
    }
  }
  throw new Error("the demo fixture has no private bookmark");
}

describe("backup with object stamps", () => {
  it("a second run reads no object, and an edited chart inside a private sheet is read and exported again", async () => {
    const s = await setup();
    const first = await run(s);
    expect(first.manifest.partial).toBe(false);
    const apps = first.manifest.counts.apps.captured;

    const second = await run(s);
    expect(second.manifest.counts.apps.unchanged).toBe(apps);
    expect(second.manifest.exports.count).toBe(0);
    // Per app: OpenDoc, GetAllInfos, GetScript and a handful of list calls, plus the content
    // signal for what Qlik gives no date (charts, LoadModel, appprops): two calls (GetObject,
    // GetFullPropertyTree) per tree read, the fewer of the dateless objects themselves or the
    // dated generic objects plus the system objects — never a read of every object.
    expect(second.qixCalls).toBeLessThanOrEqual(apps * 10 + 2 * contentTreeReads(s));
    // …and fewer calls than the first run's full read of every object.
    expect(second.qixCalls).toBeLessThan(first.qixCalls);
    if (process.env.LIFEBOAT_COUNT_CALLS) console.log(`demo: full read ${first.qixCalls} QIX calls, no-change run ${second.qixCalls}`);
    expect(second.manifest.counts.objects).toEqual(first.manifest.counts.objects);
    expect((await diffSnapshots(s.repo, await s.repo.loadSnapshot(first.snapshotId), await s.repo.loadSnapshot(second.snapshotId))).changes).toEqual([]);

    // The owner edits a chart of their private sheet through QIX, as the Sense client would.
    const { app, sheet, owner } = privateSheet(s);
    const chart = sheet.children[0]!;
    const tenant = s.emu.state.tenants[0]!;
    const token = `e2e_${owner.id}`;
    tenant.apiKeys[token] = { id: `k_${owner.id}`, token, userId: owner.id };
    const hostConfig = { authType: "apikey", host: s.emu.host, apiKey: token } as const;
    const session = createQlikApi({ hostConfig }).qix.openAppSession({ appId: app.id, withoutData: true, identity: "e2e-owner", hostConfig });
    try {
      const doc = await session.getDoc();
      const handle = await doc.getObject(chart.id);
      const props = (await handle.getProperties()) as Record<string, unknown>;
      await handle.setProperties({ ...props, title: "Edited by its owner" });
      await doc.doSave();
    } finally {
      await session.close({ websocketCloseDelay: 0 }).catch(() => undefined);
    }

    const third = await run(s);
    const exported = third.manifest.items.filter((i) => i.layer === "apps" && i.status === "captured").map((i) => i.id);
    expect(exported).toEqual([app.id]);
    const diff = await diffSnapshots(s.repo, await s.repo.loadSnapshot(second.snapshotId), await s.repo.loadSnapshot(third.snapshotId));
    expect(diff.changes).toHaveLength(1);
    expect(diff.changes[0]).toMatchObject({ kind: "changed", layer: "objects", id: sheet.id, appId: app.id });
  });

  it("an edit that moves no date waits for the app's deep check, which captures it and says the dates missed it", async () => {
    const s = await setup();
    await run(s);
    // A bookmark: its stamp is its date alone (no content hash), so an edit that keeps the date is not seen.
    const { app, sheet, owner } = privateBookmark(s);
    const resp = await fetch(`${s.emu.host}/__emulator/apps/${app.id}/objects/${sheet.id}`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "Renamed, date kept", asUserId: owner.id, keepModifiedDate: true }),
    });
    expect(resp.status).toBe(200);

    // Same day: every app was read in full today, the stamps are unchanged — not seen yet.
    const sameDay = await run(s);
    expect(sameDay.manifest.exports.count).toBe(0);
    expect(coreGaps(sameDay.manifest)).toEqual([]);

    // The deep check (here forced with deepCheckDays 0; by default within 7 days) reads it.
    const deep = await run(s, { deepCheckDays: 0 });
    const exported = deep.manifest.items.filter((i) => i.layer === "apps" && i.status === "captured").map((i) => i.id);
    expect(exported).toEqual([app.id]);
    expect(deep.qixCalls).toBeGreaterThan(deep.objectReads);
    expect(coreGaps(deep.manifest)).toHaveLength(1);
    expect(coreGaps(deep.manifest)[0]!.description).toContain(app.id);
    expect(coreGaps(deep.manifest)[0]!.description).toContain("--deep-check-days 0");
  });

  it("seven days after a full read, every app is due: the deep checks are spread over the days in between", async () => {
    const s = await setup();
    const first = await run(s);
    const apps = first.manifest.counts.apps.captured;
    const day = 86_400_000;
    const t0 = Date.now();
    // Over the next seven days each app is read in full exactly once: on its own day, or on day 7 when its day was day 0.
    const readOn = new Map<string, number[]>();
    for (let d = 1; d <= 7; d++) {
      const r = await run(s, { now: () => new Date(t0 + d * day) });
      expect(r.manifest.exports.count).toBe(0);
      for (const item of r.manifest.items) {
        if (item.layer !== "apps") continue;
        expect(item.status).toBe("unchanged");
        if (item.reason?.includes("every object read (deep check)")) readOn.set(item.id, [...(readOn.get(item.id) ?? []), d]);
        else expect(item.reason).toContain("objects not read again (their stamps are unchanged)");
      }
    }
    expect(readOn.size).toBe(apps);
    for (const days of readOn.values()) expect(days).toHaveLength(1);
    expect(new Set([...readOn.values()].map((d) => d[0])).size).toBeGreaterThan(1);
  });

  it("without object dates (quirk objectMetaDates=false) every object is read every run, and an edit is still captured", async () => {
    const s = await setup({ objectMetaDates: false });
    await run(s);
    const second = await run(s);
    expect(second.manifest.exports.count).toBe(0);
    expect(second.qixCalls).toBeGreaterThan(second.objectReads);
    const { app, sheet, owner } = privateSheet(s);
    await fetch(`${s.emu.host}/__emulator/apps/${app.id}/objects/${sheet.id}`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "Renamed", asUserId: owner.id }),
    });
    const third = await run(s);
    expect(third.manifest.items.filter((i) => i.layer === "apps" && i.status === "captured").map((i) => i.id)).toEqual([app.id]);
  });

  for (const moves of [false, true]) {
    it(`an edited chart inside a sheet is captured with childEditMovesParentDate=${moves}`, async () => {
      const s = await setup({ childEditMovesParentDate: moves });
      const first = await run(s);
      const { app, sheet, owner } = privateSheet(s);
      const chart = sheet.children[0]!;
      const sheetDate = sheet.modifiedDate;
      const resp = await fetch(`${s.emu.host}/__emulator/apps/${app.id}/objects/${chart.id}`, {
        method: "PATCH",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ properties: { title: "Edited chart" }, asUserId: owner.id }),
      });
      expect(resp.status).toBe(200);
      // The switch decides whether the sheet's own date shows the edit; the capture must not depend on it.
      const stored = s.emu.state.tenants[0]!.apps[app.id]!.objects[sheet.id]!;
      if (moves) expect(stored.modifiedDate).not.toBe(sheetDate);
      else expect(stored.modifiedDate).toBe(sheetDate);

      const second = await run(s);
      expect(second.manifest.items.filter((i) => i.layer === "apps" && i.status === "captured").map((i) => i.id)).toEqual([app.id]);
      const diff = await diffSnapshots(s.repo, await s.repo.loadSnapshot(first.snapshotId), await s.repo.loadSnapshot(second.snapshotId));
      expect(diff.changes).toEqual([expect.objectContaining({ kind: "changed", layer: "objects", id: sheet.id, appId: app.id })]);
    });
  }
});
