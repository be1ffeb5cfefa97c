import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { MemoryBackend } from "./backend/memory.ts";
import { DamageError } from "./errors.ts";
import { initRepository, openRepository, type Repository } from "./repository.ts";
import { verifyRepository } from "./verify.ts";

/** Cheapest scrypt: this file opens the repository thousands of times. */
const KDF = { N: 16, r: 1, p: 1 };
const PW = "verify-test";

async function smallRepo(): Promise<{ backend: MemoryBackend; snaps: string[] }> {
  const backend = new MemoryBackend();
  const repo = await initRepository({ backend, password: PW, kdf: KDF, chunker: { min: 512, avg: 1024, max: 4096 }, packSize: 4096 });
  const a = await repo.saveBlob(randomBytes(1200));
  await repo.flush(); // blob "a" in a pack and index file of its own
  const b = await repo.saveBlob(Buffer.from("small"));
  const sub = await repo.saveTree({ entries: [{ name: "b", type: "blob", blob: b }] });
  const root = await repo.saveTree({ entries: [{ name: "a", type: "blob", blob: a }, { name: "sub", type: "tree", subtree: sub }] });
  const s1 = await repo.saveSnapshot({ tenant: "t", time: "2026-01-01T00:00:00Z", toolVersion: "test", tags: [], partial: false, tree: root, manifest: b });
  const s2 = await repo.saveSnapshot({ tenant: "t", time: "2026-01-02T00:00:00Z", toolVersion: "test", tags: [], partial: false, tree: sub });
  await repo.close();
  return { backend, snaps: [s1.id, s2.id] };
}

async function open(backend: MemoryBackend): Promise<Repository> {
  return openRepository({ backend, password: PW, autoLock: "none" });
}

describe("verify", () => {
  it("finds nothing wrong in an intact repository, with and without --read-data", async () => {
    const { backend } = await smallRepo();
    const repo = await open(backend);
    for (const readData of [false, true]) {
      const r = await verifyRepository(repo, { readData });
      expect(r.problems).toEqual([]);
      expect(r.ok).toBe(true);
      expect(r.checked.snapshots).toBe(2);
      expect(r.checked.trees).toBe(2);
    }
  });

  it("detects every single flipped bit anywhere in the repository with --read-data", async () => {
    const { backend } = await smallRepo();
    const files = [...backend.files.entries()];
    let flips = 0;
    const undetected: string[] = [];
    for (const [path, data] of files) {
      for (let i = 0; i < data.length; i++) {
        const copy = new MemoryBackend();
        for (const [p, d] of files) copy.files.set(p, d);
        const flipped = Uint8Array.from(data);
        flipped[i]! ^= 0x01;
        copy.files.set(path, flipped);
        flips++;
        let detected: boolean;
        try {
          const repo = await open(copy);
          const r = await verifyRepository(repo, { readData: true });
          detected = !r.ok;
        } catch (err) {
          detected = err instanceof DamageError;
        }
        if (!detected) undetected.push(`${path} byte ${i}`);
      }
    }
    expect(flips).toBeGreaterThan(2000);
    expect(undetected).toEqual([]);
  });

  it("names the damaged pack's entries and the snapshots they affect", async () => {
    const { backend, snaps } = await smallRepo();
    const packs = await backend.list("data");
    // Remove the pack holding the blob "a" (only the first snapshot needs it).
    const repo0 = await open(backend);
    const a = (await repo0.loadTree((await repo0.loadSnapshot(snaps[0]!)).tree)).entries.find((e) => e.name === "a")!;
    const aId = a.type === "blob" ? a.blob.id : "";
    const chunkPack = repo0.index.get(repo0.blobIndexed(aId)!.type, aId)!.pack;
    expect(packs.length).toBeGreaterThan(1);
    backend.files.delete(`data/${chunkPack.slice(0, 2)}/${chunkPack}`);
    const r = await verifyRepository(await open(backend), { readData: true });
    expect(r.ok).toBe(false);
    expect(r.problems.filter((p) => p.kind === "missing-pack").map((p) => p.file)).toEqual([`data/${chunkPack.slice(0, 2)}/${chunkPack}`]);
    expect(r.affectedSnapshots).toContain(snaps[0]);
  });
});
