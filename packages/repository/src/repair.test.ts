import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { MemoryBackend } from "./backend/memory.ts";
import { initRepository, openRepository, type Repository } from "./repository.ts";
import { repairIndex } from "./repair.ts";
import { verifyRepository } from "./verify.ts";

const KDF = { N: 16, r: 1, p: 1 };
const PW = "repair-test";

/** Two flushes: two packs, two index files; one snapshot needing both. */
async function twoIndexRepo(): Promise<{ backend: MemoryBackend; data: Buffer[]; snap: string }> {
  const backend = new MemoryBackend();
  const repo = await initRepository({ backend, password: PW, kdf: KDF, chunker: { min: 512, avg: 1024, max: 4096 }, packSize: 4096 });
  const data = [randomBytes(3000), randomBytes(3000)];
  const a = await repo.saveBlob(data[0]!);
  await repo.flush();
  const b = await repo.saveBlob(data[1]!);
  const root = await repo.saveTree({ entries: [{ name: "a", type: "blob", blob: a }, { name: "b", type: "blob", blob: b }] });
  const s = await repo.saveSnapshot({ tenant: "t", time: "2026-01-01T00:00:00Z", toolVersion: "test", tags: [], partial: false, tree: root });
  await repo.close();
  return { backend, data, snap: s.id };
}

const open = (backend: MemoryBackend): Promise<Repository> => openRepository({ backend, password: PW, autoLock: "none" });
const files = (backend: MemoryBackend, dir: string) => [...backend.files.keys()].filter((p) => p.startsWith(`${dir}/`));

async function readAll(repo: Repository, snap: string): Promise<Buffer[]> {
  const tree = await repo.loadTree((await repo.loadSnapshot(snap)).tree);
  const out: Buffer[] = [];
  for (const e of tree.entries) if (e.type === "blob") out.push(await repo.readBlobBytes(e.blob));
  return out;
}

describe("repair index", () => {
  it("rebuilds the index after an index file was deleted: verify finds nothing wrong and every byte reads back", async () => {
    const { backend, data, snap } = await twoIndexRepo();
    const indexFiles = files(backend, "index");
    expect(indexFiles.length).toBeGreaterThanOrEqual(2);
    backend.files.delete(indexFiles[0]!);
    const broken = await verifyRepository(await open(backend), { readData: true });
    expect(broken.ok).toBe(false);

    const repo = await open(backend);
    const report = await repairIndex(repo);
    expect(report.unreadable).toEqual([]);
    expect(report.indexed).toBe(files(backend, "data").length);
    expect(report.indexFiles.removed).toBe(indexFiles.length - 1);
    expect(files(backend, "index")).toHaveLength(report.indexFiles.written);
    await repo.close();

    const after = await open(backend);
    const r = await verifyRepository(after, { readData: true });
    expect(r.problems).toEqual([]);
    expect(r.notes).toEqual([]);
    expect(await readAll(after, snap)).toEqual(data);
  });

  it("replaces a damaged index file, and verify's note points at the command", async () => {
    const { backend, data, snap } = await twoIndexRepo();
    const victim = files(backend, "index")[0]!;
    const bytes = Uint8Array.from(backend.files.get(victim)!);
    bytes[bytes.length >> 1]! ^= 0xff;
    backend.files.set(victim, bytes);
    const before = await verifyRepository(await open(backend), {});
    expect(before.problems.map((p) => p.kind)).toContain("damaged-index");
    expect(before.notes.join("\n")).toMatch(/run 'lifeboat repair index' to index it again/);

    const repo = await open(backend);
    await repairIndex(repo);
    await repo.close();
    expect(backend.files.has(victim)).toBe(false);
    const after = await open(backend);
    expect((await verifyRepository(after, { readData: true })).ok).toBe(true);
    expect(await readAll(after, snap)).toEqual(data);
  });

  it("a pack whose header is damaged keeps the entries a readable index names; no pack is removed", async () => {
    const { backend, data, snap } = await twoIndexRepo();
    const packs = files(backend, "data");
    const victim = packs[0]!;
    const bytes = Uint8Array.from(backend.files.get(victim)!);
    bytes[bytes.length - 10]! ^= 0xff; // inside the sealed header
    backend.files.set(victim, bytes);
    const repo = await open(backend);
    const report = await repairIndex(repo);
    await repo.close();
    expect(report.unreadable).toEqual([expect.objectContaining({ keptFromIndex: true })]);
    expect(files(backend, "data").sort()).toEqual([...packs].sort());
    const after = await open(backend);
    expect(await readAll(after, snap)).toEqual(data); // the entries themselves are intact
  });
});
