/**
 * A tenant of more apps than a tree holds in one object (repository format 2, docs/design.md
 * "Trees in parts"): the snapshot's `apps` tree is stored in parts, and backup, the next run's
 * reuse, diff, verify, forget and prune work on it as on a small one.
 */
import { backup, browseSnapshot, diffSnapshots, loadSnapshotIndex, PATHS } from "@lifeboat/engine";
import { startEmulator } from "@lifeboat/emulator";
import { createTenantClient } from "@lifeboat/qlik";
import { forget, prune, TREE_PARTS, verifyRepository } from "@lifeboat/repository";
import { createTestRepository, reopenTestRepository } from "@lifeboat/repository/testing";
import { expect, it } from "vitest";

it("backs up, diffs, verifies and prunes a tenant whose apps tree is stored in parts", async () => {
  const apps = TREE_PARTS.threshold + 6;
  const emu = await startEmulator({ fixture: "generated", apps, objectsPerApp: 2, users: 3, port: 0, seed: "e2e-large-tree", admin: true });
  const repo = await createTestRepository();
  const client = createTenantClient({ host: emu.host, auth: { type: "oauth2", clientId: emu.clientId, clientSecret: emu.clientSecret } });
  try {
    const first = await backup({ tenant: client, repository: repo });
    expect(first.manifest.counts.apps.captured).toBe(apps);
    const appsEntry = (await repo.loadTree(first.snapshot.tree)).entries.find((e) => e.name === PATHS.apps);
    if (appsEntry?.type !== "tree") throw new Error("the snapshot has no apps tree");
    const stored = await repo.loadTreeObject(appsEntry.subtree);
    expect("parts" in stored && stored.parts.length).toBeGreaterThan(1);
    const index = await loadSnapshotIndex(repo, first.snapshot);
    expect(index.apps.size).toBe(apps);
    expect((await browseSnapshot(repo, first.snapshot, "apps")).entries).toHaveLength(apps);

    // One object renamed by its owner: only its app is exported again, diff names only it.
    const app = [...index.apps.values()].sort((a, b) => (a.id < b.id ? -1 : 1))[37]!;
    // An object with an owner to edit it as (the system objects LoadModel and appprops have none).
    const obj = [...app.objects.values()].find((o) => o.meta.ownerId)!;
    const resp = await fetch(`${emu.host}/__emulator/apps/${app.id}/objects/${obj.id}`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "renamed in a large tenant", asUserId: obj.meta.ownerId }),
    });
    expect(resp.status).toBe(200);
    const second = await backup({ tenant: client, repository: repo });
    expect(second.manifest.exports.count).toBe(1);
    const diff = await diffSnapshots(repo, first.snapshot, second.snapshot);
    expect(diff.changes).toEqual([expect.objectContaining({ kind: "changed", layer: "objects", id: obj.id, appId: app.id, title: "renamed in a large tenant" })]);

    await forget(repo, { last: 1 });
    await prune(repo, { repackThreshold: 0 });
    const again = await reopenTestRepository(repo, { autoLock: "none" });
    const report = await verifyRepository(again, { readData: true });
    expect(report.problems).toEqual([]);
    expect((await loadSnapshotIndex(again, second.snapshot)).apps.size).toBe(apps);
  } finally {
    await client.close();
    await repo.close();
    await emu.close();
  }
});
