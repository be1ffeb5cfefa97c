/**
 * Trees in parts (format 2, docs/design.md "Trees in parts"): a large tree is stored as runs of
 * entries plus an index tree, and read back whole; prune and verify see the parts.
 */
import { createHash } from "node:crypto";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import type { Tree, TreeEntry } from "./api.ts";
import { LocalBackend } from "./backend/local.ts";
import { MemoryBackend } from "./backend/memory.ts";
import { FROZEN_PASSWORD } from "../testdata/frozen-content.ts";
import { forget, prune } from "./prune.ts";
import { openRepository, TREE_PARTS, type Repository } from "./repository.ts";
import { createTestRepository, reopenTestRepository } from "./testing.ts";
import { verifyRepository } from "./verify.ts";

const fakeBlob = (name: string, v = 0) => ({ id: createHash("sha256").update(`${name}/${v}`).digest("hex"), size: 10 + v });
const entriesOf = (n: number, v: Record<string, number> = {}): TreeEntry[] =>
  Array.from({ length: n }, (_, i) => {
    const name = `app-${String(i).padStart(4, "0")}`;
    return { name, type: "blob", blob: fakeBlob(name, v[name] ?? 0), meta: { title: `App ${i}`, owner: `user-${i % 7}` } };
  });

/** Every tree object the index knows. */
function treeIds(repo: Repository): Set<string> {
  const out = new Set<string>();
  for (const p of repo.index.packs.values()) for (const e of p.entries) if (e.type === "tree") out.add(e.id);
  return out;
}

async function newTrees(repo: Repository, save: () => Promise<string>): Promise<{ id: string; added: string[] }> {
  await repo.flush();
  const before = treeIds(repo);
  const id = await save();
  await repo.flush();
  return { id, added: [...treeIds(repo)].filter((t) => !before.has(t)) };
}

describe("trees in parts", () => {
  it("stores a tree at the threshold exactly as before (one object, id = SHA-256 of its JSON)", async () => {
    const repo = await createTestRepository();
    const entries = entriesOf(TREE_PARTS.threshold);
    const { id, added } = await newTrees(repo, () => repo.saveTree({ entries: [...entries].reverse() }));
    expect(id).toBe(createHash("sha256").update(JSON.stringify({ entries })).digest("hex"));
    expect(added).toEqual([id]);
    expect(await repo.loadTreeObject(id)).toEqual({ entries });
    await repo.close();
  });

  /** The leaves (entry lists) of a stored tree and its number of index levels. */
  async function shape(repo: Repository, id: string): Promise<{ depth: number; leaves: string[] }> {
    const obj = await repo.loadTreeObject(id);
    if ("entries" in obj) return { depth: 0, leaves: [id] };
    const below = await Promise.all(obj.parts.map((p) => shape(repo, p)));
    expect(new Set(below.map((b) => b.depth)).size).toBe(1); // every branch equally deep
    return { depth: below[0]!.depth + 1, leaves: below.flatMap((b) => b.leaves) };
  }

  it("round-trips a large tree through its parts, on this handle and on a new one", async () => {
    const repo = await createTestRepository();
    for (const [n, depth] of [[300, 1], [3000, 2]] as const) {
      const entries = entriesOf(n);
      const id = await repo.saveTree({ entries: [...entries].reverse() });
      const s = await shape(repo, id);
      expect(s.depth).toBe(depth);
      // Runs hold ~TREE_PARTS.partBytes of JSON, none more than maxPartBytes (plus the entry that reached it).
      let bytes = 0;
      for (const leaf of s.leaves) {
        const text = JSON.stringify(await repo.loadTreeObject(leaf));
        expect(text.length).toBeLessThan(TREE_PARTS.maxPartBytes + 1000);
        bytes += text.length;
      }
      expect(bytes / s.leaves.length).toBeGreaterThan(TREE_PARTS.partBytes / 3);
      expect(bytes / s.leaves.length).toBeLessThan(TREE_PARTS.partBytes * 3);
      expect((await repo.loadTree(id)).entries).toEqual(entries);
      await repo.flush();
      const again = await reopenTestRepository(repo);
      expect((await again.loadTree(id)).entries).toEqual(entries);
    }
    await repo.close();
  });

  it("gives the same id to the same entries, whatever their order and repository", async () => {
    const a = await createTestRepository();
    const b = await createTestRepository();
    const entries = entriesOf(3000);
    const id = await a.saveTree({ entries });
    expect(await a.saveTree({ entries: [...entries].reverse() })).toBe(id);
    expect(await b.saveTree({ entries: [...entries.slice(1500), ...entries.slice(0, 1500)] })).toBe(id);
    expect(await b.saveTree({ entries: entriesOf(3000, { "app-0001": 1 }) })).not.toBe(id);
    await a.close();
    await b.close();
  });

  it("rewrites only the changed entry's part and the index tree when one entry changes", async () => {
    const repo = await createTestRepository();
    const first = await newTrees(repo, () => repo.saveTree({ entries: entriesOf(300) }));
    const parts = (await repo.loadTreeObject(first.id)) as { parts: string[] };
    expect(first.added.length).toBe(parts.parts.length + 1);
    // (size 11 instead of 10: the entry's JSON keeps its length, so the runs keep their ends)
    const changed = await newTrees(repo, () => repo.saveTree({ entries: entriesOf(300, { "app-0123": 1 }) }));
    expect(changed.id).not.toBe(first.id);
    expect(changed.added.length).toBe(2); // one part and the index tree
    expect(changed.added).toContain(changed.id);
    const [part] = changed.added.filter((t) => t !== changed.id);
    expect(((await repo.loadTreeObject(part!)) as Tree).entries.map((e) => e.name)).toContain("app-0123");
    // Adding an entry: its run (cut in two when the new entry ends a run) and the index tree.
    const grown = await newTrees(repo, () => repo.saveTree({ entries: [...entriesOf(300), { name: "app-0123x", type: "blob", blob: fakeBlob("x") }] }));
    expect(grown.added.length).toBeGreaterThanOrEqual(2);
    expect(grown.added.length).toBeLessThanOrEqual(3);
    expect((await repo.loadTree(grown.id)).entries.map((e) => e.name)).toContain("app-0123x");
    await repo.close();
  });

  it("in a tree with two index levels, one changed entry rewrites one part and one index tree per level", async () => {
    const repo = await createTestRepository();
    const first = await newTrees(repo, () => repo.saveTree({ entries: entriesOf(3000) }));
    expect((await shape(repo, first.id)).depth).toBe(2);
    const changed = await newTrees(repo, () => repo.saveTree({ entries: entriesOf(3000, { "app-2345": 1 }) }));
    const leaves = [];
    for (const t of changed.added) if ("entries" in (await repo.loadTreeObject(t))) leaves.push(t);
    expect(leaves.length).toBe(1);
    // 3 (a part, an index tree of the middle level, the top); 4 when the new part's id moves an end of a middle-level run.
    expect(changed.added.length).toBeGreaterThanOrEqual(3);
    expect(changed.added.length).toBeLessThanOrEqual(4);
    expect(first.added.length).toBeGreaterThan(100);
    await repo.close();
  });

  it("refuses duplicate names in a large tree too", async () => {
    const repo = await createTestRepository();
    const entries = entriesOf(300);
    await expect(repo.saveTree({ entries: [...entries, entries[17]!] })).rejects.toThrow(/'app-0017' appears twice/);
    await repo.close();
  });

  const tmp: string[] = [];
  afterAll(async () => {
    for (const d of tmp) await rm(d, { recursive: true, force: true });
  });

  it("keeps storing large trees flat in a format-1 repository (its readers know no parts)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "lifeboat-v1-"));
    tmp.push(dir);
    await cp(join(dirname(fileURLToPath(import.meta.url)), "..", "testdata", "v1", "good"), dir, { recursive: true });
    const repo = await openRepository({ backend: new LocalBackend(dir), password: FROZEN_PASSWORD });
    expect(repo.config.version).toBe(1);
    const entries = entriesOf(300);
    const id = await repo.saveTree({ entries });
    expect(id).toBe(createHash("sha256").update(JSON.stringify({ entries })).digest("hex"));
    expect(await repo.loadTreeObject(id)).toEqual({ entries });
    await repo.close();
  });
});

describe("trees in parts, prune and verify", () => {
  /** A snapshot whose root holds a 300-entry tree of real blobs; `v` changes some blobs. */
  async function snapshot(repo: Repository, time: string, v: Record<string, number> = {}) {
    const entries: TreeEntry[] = [];
    for (const e of entriesOf(300, v)) if (e.type === "blob") entries.push({ ...e, blob: await repo.saveJson({ name: e.name, v: v[e.name] ?? 0 }) });
    const apps = await repo.saveTree({ entries });
    const root = await repo.saveTree({ entries: [{ name: "apps", type: "tree", subtree: apps }] });
    const snap = await repo.saveSnapshot({ tenant: "acme", time, toolVersion: "t", tags: [], partial: false, tree: root });
    return { snap, apps, parts: ((await repo.loadTreeObject(apps)) as { parts: string[] }).parts, entries };
  }

  it("prune keeps the parts of live snapshots and drops those only forgotten snapshots used", async () => {
    const backend = new MemoryBackend();
    const repo = await createTestRepository({ backend });
    const old = await snapshot(repo, "2026-01-01T00:00:00Z");
    const cur = await snapshot(repo, "2026-01-02T00:00:00Z", { "app-0042": 1, "app-0250": 1 });
    const gone = old.parts.filter((p) => !cur.parts.includes(p));
    expect(gone.length).toBe(2);
    await forget(repo, { last: 1 });
    await prune(repo, { repackThreshold: 0 });
    const again = await reopenTestRepository(repo, { autoLock: "none" });
    for (const p of cur.parts) expect(again.index.has("tree", p)).toBe(true);
    for (const p of gone) expect(again.index.has("tree", p)).toBe(false);
    expect(again.index.has("tree", old.apps)).toBe(false);
    expect((await again.loadTree(cur.apps)).entries).toEqual(cur.entries);
    for (const e of cur.entries) if (e.type === "blob") expect(await again.readJson(e.blob)).toMatchObject({ name: e.name });
    const v = await verifyRepository(again, { readData: true });
    expect(v.problems).toEqual([]);
    expect(v.checked.trees).toBe(1 + 1 + cur.parts.length);
    await repo.close();
  });

  it("verify reports a missing part and the snapshot it affects; reading the tree fails naming the pack", async () => {
    const backend = new MemoryBackend();
    // packSize 1: many small packs, so the pack holding a part can go missing without the rest.
    const repo = await createTestRepository({ backend, packSize: 1 });
    const other = await repo.saveSnapshot({ tenant: "acme", time: "2026-01-01T00:00:00Z", toolVersion: "t", tags: [], partial: false, tree: await repo.saveTree({ entries: [] }) });
    const s = await snapshot(repo, "2026-01-02T00:00:00Z");
    await repo.close();
    const victim = s.parts[3]!;
    const pack = repo.index.get("tree", victim)!.pack;
    await backend.remove({ type: "data", name: pack });

    const again = await reopenTestRepository(repo, { autoLock: "none" });
    const v = await verifyRepository(again);
    expect(v.ok).toBe(false);
    expect(v.problems).toEqual([expect.objectContaining({ kind: "missing-pack", file: `data/${pack.slice(0, 2)}/${pack}` })]);
    expect(v.problems[0]!.message).toMatch(/^pack is missing \(\d+ entries lost\)$/);
    expect(v.affectedSnapshots).toEqual([s.snap.id]);
    expect(v.affectedSnapshots).not.toContain(other.id);
    await expect(again.loadTree(s.apps)).rejects.toThrow(new RegExp(`pack ${pack} holding tree [0-9a-f]{64} is missing — run 'lifeboat verify'`));
    await again.close();
  });

  it("verify reports a part missing from the index as a missing entry of that tree", async () => {
    const backend = new MemoryBackend();
    const repo = await createTestRepository({ backend, packSize: 1 });
    const s = await snapshot(repo, "2026-01-02T00:00:00Z");
    await repo.close();
    const victim = s.parts[1]!;
    // No index names the part any more (as after an index file was lost).
    const fix = await reopenTestRepository(repo, { autoLock: "none" });
    const pack = fix.index.get("tree", victim)!.pack;
    const keep = [...fix.index.packs].map(([id, p]) => ({ id, size: p.size, entries: id === pack ? p.entries.filter((e) => e.id !== victim) : p.entries }));
    const oldIndex = await backend.list("index");
    await fix.writeIndexFile(keep);
    for (const f of oldIndex) await backend.remove({ type: "index", name: f.name });
    const again = await reopenTestRepository(repo, { autoLock: "none" });
    const v = await verifyRepository(again);
    expect(v.problems).toEqual([
      { kind: "missing-entry", object: `tree ${victim}`, message: `tree is not in any readable index (referenced by tree ${s.apps}, part 2 of ${s.parts.length})` },
    ]);
    expect(v.affectedSnapshots).toEqual([s.snap.id]);
  });
});
