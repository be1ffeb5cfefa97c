/**
 * The restore source is lazy: the snapshot's index up front, an app's objects only when a
 * restore needs them. Counted through a repository that records which blobs are read.
 */
import { type Repository, type SnapshotRepository } from "@lifeboat/repository";
import { createTestRepository } from "@lifeboat/repository/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { backup } from "../backup/run.ts";
import { PATHS } from "../layout.ts";
import { createFakeTenant, sampleTenantState } from "../testing.ts";
import { objectsForPlan, planRestore } from "./plan.ts";
import { loadRestoreSource } from "./source.ts";
import type { TargetState } from "./target.ts";

/** The repository, with every blob read through readJson/readBlob recorded. */
function counting(repo: Repository): { repo: SnapshotRepository; reads: string[] } {
  const reads: string[] = [];
  const id = (ref: unknown) => (typeof ref === "string" ? ref : (ref as { id: string }).id);
  const wrapped = Object.create(repo) as SnapshotRepository;
  wrapped.readJson = ((ref: Parameters<Repository["readJson"]>[0]) => {
    reads.push(id(ref));
    return repo.readJson(ref);
  }) as Repository["readJson"];
  wrapped.readBlob = ((ref: Parameters<Repository["readBlob"]>[0]) => {
    reads.push(id(ref));
    return repo.readBlob(ref);
  }) as Repository["readBlob"];
  wrapped.loadTree = (t: string) => repo.loadTree(t);
  return { repo: wrapped, reads };
}

describe("loadRestoreSource", () => {
  let repo: Repository;
  beforeEach(async () => {
    repo = await createTestRepository();
  });
  afterEach(async () => repo.close());

  it("restoring one app of a snapshot with many apps reads only that app's object blobs", async () => {
    const state = sampleTenantState();
    const template = state.apps[0]!;
    for (let i = 0; i < 12; i++)
      state.apps.push({ ...structuredClone(template), summary: { ...template.summary, appId: `app-extra-${i}`, itemId: `item-extra-${i}`, name: `Extra ${i}` }, attributes: { ...template.attributes, id: `app-extra-${i}`, name: `Extra ${i}` }, objects: template.objects.map((o) => ({ ...structuredClone(o), id: `${o.id}-x${i}`, title: `${o.title} ${i}` })) });
    const { snapshot } = await backup({ tenant: createFakeTenant(state), repository: repo });

    // Object blob ids per app, from the snapshot's trees.
    const objectBlobs = new Map<string, Set<string>>();
    const appsEntry = (await repo.loadTree(snapshot.tree)).entries.find((x) => x.name === PATHS.apps);
    if (appsEntry?.type !== "tree") throw new Error("the snapshot has no apps tree");
    for (const e of (await repo.loadTree(appsEntry.subtree)).entries) {
      if (e.type !== "tree") continue;
      const objs = (await repo.loadTree(e.subtree)).entries.find((x) => x.name === PATHS.objects);
      const ids = new Set<string>();
      if (objs?.type === "tree") for (const o of (await repo.loadTree(objs.subtree)).entries) if (o.type === "blob") ids.add(o.blob.id);
      objectBlobs.set(String(e.meta?.id), ids);
    }
    const allObjectBlobs = new Set([...objectBlobs.values()].flatMap((s) => [...s]));
    expect(objectBlobs.size).toBe(15);

    const { repo: counted, reads } = counting(repo);
    const source = await loadRestoreSource(counted, snapshot);
    expect(source.apps).toHaveLength(15);
    expect(reads.filter((r) => allObjectBlobs.has(r))).toEqual([]);

    const options = { apps: ["app-jane"] };
    const objects = await objectsForPlan(source, options);
    expect([...objects.keys()]).toEqual(["app-jane"]);
    const target: TargetState = { host: "https://other.example.com", caller: state.caller, users: [], groups: [], spaces: [], assignments: {}, apps: [] };
    const plan = planRestore(source, target, options, { created: {} }, objects);
    expect(plan.apps.map((a) => [a.sourceId, a.objects])).toEqual([["app-jane", 1]]);
    // The executor and the verifier ask again: cached, not read twice.
    expect((await source.objectsOf("app-jane")).map((o) => o.id)).toEqual(["sh-scratch"]);
    const objectReads = reads.filter((r) => allObjectBlobs.has(r));
    expect(new Set(objectReads)).toEqual(objectBlobs.get("app-jane"));
    expect(objectReads).toHaveLength(objectBlobs.get("app-jane")!.size);
  });
});
