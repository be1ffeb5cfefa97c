import { type Snapshot, type SnapshotInput, type SnapshotRepository } from "@lifeboat/repository";
import { createTestRepository } from "@lifeboat/repository/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { backup } from "./backup/run.ts";
import {
  loadManifest,
  MANIFEST_PARTS,
  storeManifest,
  type Manifest,
  type ManifestItem,
  type ManifestParts,
  type StoredManifest,
  type StoredManifestV2,
} from "./manifest.ts";
import { createFakeTenant, type FakeTenant, sampleTenantState } from "./testing.ts";

let repo: SnapshotRepository;
let tenant: FakeTenant;

beforeEach(async () => {
  repo = await createTestRepository();
  tenant = createFakeTenant(sampleTenantState());
});
afterEach(async () => {
  await repo.close();
});

type Run = Awaited<ReturnType<typeof backup>>;
const day = (d: number) => () => new Date(`2026-11-${String(d).padStart(2, "0")}T10:00:00Z`);

async function partsOf(run: Run): Promise<{ id: string; parts: ManifestParts }> {
  const entry = (await repo.loadTree(run.snapshot.manifestTree!)).entries.find((e) => e.name === MANIFEST_PARTS);
  if (entry?.type !== "blob") throw new Error("no parts blob");
  return { id: entry.blob.id, parts: await repo.readJson<ManifestParts>(entry.blob) };
}

/** The same snapshot saved again with some fields replaced. */
async function resave(run: Run, over: Partial<SnapshotInput>): Promise<Snapshot> {
  const { id: _id, ...input } = run.snapshot;
  return repo.saveSnapshot({ ...input, ...over });
}

async function expectRoundTrip(run: Run): Promise<Manifest> {
  const loaded = await loadManifest(repo, run.snapshot);
  expect(loaded).toEqual(run.manifest);
  expect(JSON.stringify(loaded)).toBe(JSON.stringify(run.manifest));
  return loaded;
}

describe("manifest layout 3", () => {
  it("two unchanged runs store the same parts blob and manifest tree; only a small run document differs", async () => {
    const first = await backup({ tenant, repository: repo, now: day(25) });
    const second = await backup({ tenant, repository: repo, now: day(26) });
    expect(second.snapshot.manifestTree).toBe(first.snapshot.manifestTree);
    const [a, b] = [await partsOf(first), await partsOf(second)];
    expect(b.id).toBe(a.id);
    // The run document holds no items, only facts that differ from the usual ones per layer.
    const stored = await repo.readJson<StoredManifest>(second.snapshot.manifest!);
    expect(stored.layoutVersion).toBe(3);
    expect(stored).not.toHaveProperty("items");
    expect(stored.facts.usual.apps).toEqual({ status: "unchanged", reason: "unchanged since the previous snapshot: its .qvf is referenced", bytes: 0 });
    expect(stored.facts.except).toEqual([]);
    // Every app's captured objects are read back from the snapshot's objects trees.
    expect(a.parts.apps.map((x) => x.appId)).toEqual(tenant.state.apps.map((x) => x.summary.appId).sort());
    expect(a.parts.apps.every((x) => x.fromTree === true && x.items === undefined)).toBe(true);
    for (const run of [first, second]) {
      const loaded = await expectRoundTrip(run);
      const objects = loaded.items.filter((i) => i.layer === "objects");
      expect(objects).toHaveLength(tenant.state.apps.reduce((n, x) => n + x.objects.length, 0));
      expect(objects.find((i) => i.id === "sh-jane")).toEqual({ layer: "objects", id: "sh-jane", name: "Q3 review", status: "captured", owner: "auth0|jane", appId: "app-sales", type: "sheet" });
    }
    expect(first.manifest.counts.apps).toEqual({ captured: 3, unchanged: 0, failed: 0, skipped: 0 });
    expect(second.manifest.counts.apps).toEqual({ captured: 0, unchanged: 3, failed: 0, skipped: 0 });
  });

  it("a changed object title changes only the snapshot's tree and the run document, and loads back", async () => {
    const first = await backup({ tenant, repository: repo, now: day(25) });
    tenant.state.apps.find((x) => x.summary.appId === "app-sales")!.objects.find((o) => o.id === "sh-jane")!.title = "Q3 review (final)";
    const second = await backup({ tenant, repository: repo, now: day(26) });
    expect((await partsOf(second)).id).toBe((await partsOf(first)).id);
    const stored = await repo.readJson<StoredManifest>(second.snapshot.manifest!);
    expect(stored.facts.except).toHaveLength(1);
    const [n, facts] = stored.facts.except[0]!;
    expect(second.manifest.items[n]).toMatchObject({ layer: "apps", id: "app-sales", status: "captured" });
    expect(facts).toMatchObject({ status: "captured", reason: "changed since the previous snapshot" });
    const loaded = await expectRoundTrip(second);
    expect(loaded.items.find((i) => i.id === "sh-jane")?.name).toBe("Q3 review (final)");
  });

  it("failed apps, skipped objects and failed layers round-trip; their items are stored explicitly", async () => {
    tenant.fail("exportApp", "app-sales", new Error("503 Service Unavailable"), 1);
    tenant.fail("readAppObjects", "app-jane", new Error("websocket closed"), 1);
    tenant.fail("listGroups", "*", new Error("500"));
    const run = await backup({
      tenant,
      repository: repo,
      skippedObjects: (appId) => (appId === "app-sales" ? [{ objectId: "broken-1", objectType: "map", reason: "GetFullPropertyTree failed: 500" }] : []),
    });
    const loaded = await expectRoundTrip(run);
    expect(loaded.partial).toBe(true);
    expect(loaded.items.find((i) => i.layer === "apps" && i.id === "app-jane")).toMatchObject({ status: "failed" });
    expect(loaded.items.find((i) => i.layer === "groups")).toMatchObject({ status: "failed", id: "(groups)" });
    expect(loaded.items.find((i) => i.id === "broken-1")).toMatchObject({ status: "skipped", appId: "app-sales", type: "map" });
    expect(loaded.counts).toEqual(run.manifest.counts);
    const { parts } = await partsOf(run);
    expect(parts.apps.find((x) => x.appId === "app-sales")).toMatchObject({ fromTree: true, items: [{ id: "broken-1" }] });
    expect(parts.apps.find((x) => x.appId === "app-jane")).toEqual({ appId: "app-jane", items: [{ layer: "objects", id: "(objects of app-jane)", appId: "app-jane" }] });
  });

  it("hostile and duplicate object ids round-trip", async () => {
    const app = tenant.state.apps[0]!;
    const ids = ["../../etc/passwd", "a/b", "..", "tab\there\u0000nul", "ünïcødé-😀", "x".repeat(2000), "dup", "dup"];
    app.objects = ids.map((id, i) => ({ ...app.objects[0]!, id, title: `${id} title ${i}\u0007` }));
    const run = await backup({ tenant, repository: repo });
    const loaded = await expectRoundTrip(run);
    expect(loaded.items.filter((i) => i.appId === app.summary.appId && i.layer === "objects").map((i) => i.id).sort()).toEqual([...ids].sort());
  });

  it("stores an app's object items explicitly when they are not what its objects tree says", async () => {
    const run = await backup({ tenant, repository: repo });
    // A draft whose object items differ from the snapshot's tree (as if the tree's meta changed shape).
    const items: ManifestItem[] = run.manifest.items.map((i) => (i.id === "sh-jane" ? { ...i, name: "not the tree's title" } : i));
    const draft: Manifest = { ...run.manifest, items };
    const stored = await storeManifest(repo, draft, run.snapshot.tree);
    const snapshot = await resave(run, { manifest: stored.manifestRef, manifestTree: stored.manifestTree });
    const parts = await repo.readJson<ManifestParts>(
      ((await repo.loadTree(stored.manifestTree)).entries[0] as { blob: { id: string } }).blob.id,
    );
    expect(parts.apps.find((x) => x.appId === "app-sales")?.fromTree).toBeUndefined();
    expect(parts.apps.find((x) => x.appId === "app-jane")?.fromTree).toBe(true);
    const loaded = await loadManifest(repo, snapshot);
    expect(loaded).toEqual(stored.manifest);
    expect(loaded.items.find((i) => i.id === "sh-jane")?.name).toBe("not the tree's title");
  });

  it("an item's reenter (what a restore needs re-entered for it) round-trips", async () => {
    const run = await backup({ tenant, repository: repo });
    const items: ManifestItem[] = run.manifest.items.map((i) => (i.layer === "spaces" ? { ...i, reenter: ["password"] } : i));
    const stored = await storeManifest(repo, { ...run.manifest, items }, run.snapshot.tree);
    const loaded = await loadManifest(repo, await resave(run, { manifest: stored.manifestRef, manifestTree: stored.manifestTree }));
    expect(loaded.items.filter((i) => i.reenter).map((i) => i.layer)).toEqual(items.filter((i) => i.layer === "spaces").map(() => "spaces"));
    expect(loaded.items.find((i) => i.layer === "spaces")?.reenter).toEqual(["password"]);
  });

  it("reads layout 1 (all inline) and layout 2 (per-app blobs) as they were written", async () => {
    const run = await backup({ tenant, repository: repo });
    const { manifest } = run;
    const tree = await repo.saveTree({ entries: [] });
    const v1 = await repo.saveSnapshot({ tenant: "t", time: manifest.startedAt, toolVersion: "0", tags: [], partial: false, tree, manifest: await repo.saveJson(manifest) });
    expect(await loadManifest(repo, v1)).toEqual(manifest);

    const top = manifest.items.filter((i) => i.layer !== "objects");
    const appIds = [...new Set(manifest.items.filter((i) => i.layer === "objects").map((i) => i.appId!))];
    const appItems: StoredManifestV2["appItems"] = [];
    for (const appId of appIds) appItems.push({ appId, items: await repo.saveJson(manifest.items.filter((i) => i.layer === "objects" && i.appId === appId)) });
    const v2doc: StoredManifestV2 = { ...manifest, items: top, layoutVersion: 2, appItems };
    const v2 = await repo.saveSnapshot({ tenant: "t", time: manifest.startedAt, toolVersion: "0", tags: [], partial: false, tree, manifest: await repo.saveJson(v2doc) });
    const loaded = await loadManifest(repo, v2);
    expect(loaded).toEqual({ ...manifest, items: [...top, ...appIds.flatMap((a) => manifest.items.filter((i) => i.layer === "objects" && i.appId === a))] });
  });

  it("names the snapshot and the next step when the manifest cannot be read", async () => {
    const run = await backup({ tenant, repository: repo });
    const { id: _id, manifestTree: _tree, ...withoutTree } = run.snapshot;
    const noTree = await repo.saveSnapshot(withoutTree);
    await expect(loadManifest(repo, noTree)).rejects.toThrow(new RegExp(`snapshot ${noTree.id.slice(0, 12)} is damaged: the snapshot names no manifest tree — run 'lifeboat verify'`));
    const future = await resave(run, { manifest: await repo.saveJson({ layoutVersion: 9 }) });
    await expect(loadManifest(repo, future)).rejects.toThrow(/has layout 9, which this version of Lifeboat cannot read; upgrade Lifeboat/);
  });
});
