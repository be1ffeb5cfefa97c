import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { MemoryBackend } from "./backend/memory.ts";
import { DamageError, RepositoryError } from "./errors.ts";
import { initRepository, openRepository } from "./repository.ts";
import { createTestRepository, reopenTestRepository, TEST_KDF, TEST_PASSWORD } from "./testing.ts";

async function collect(it: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const p of it) parts.push(p);
  return Buffer.concat(parts);
}

async function* pieces(data: Buffer, size: number): AsyncIterable<Uint8Array> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

/** Bytes that compress a little, like real files: random runs mixed with repeats. */
function semiRandom(n: number, seed = 1): Buffer {
  const b = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = (x >>> 16) & (i % 3000 < 1500 ? 0xff : 0x0f);
  }
  return b;
}

async function storedBytes(b: MemoryBackend): Promise<number> {
  return (await b.list("data")).reduce((s, f) => s + f.size, 0);
}

describe("blobs", () => {
  const cases: [string, Buffer][] = [
    ["0 bytes", Buffer.alloc(0)],
    ["1 byte", Buffer.of(0x42)],
    ["all zeros, 3 MiB", Buffer.alloc(3 * 1024 * 1024)],
    ["random, 700 KiB", randomBytes(700 * 1024)],
    ["random, exactly the max chunk size", randomBytes(128 * 1024)],
    ["semi-random, 1.5 MiB", semiRandom(1.5 * 1024 * 1024)],
  ];
  for (const [name, data] of cases) {
    it(`round-trips ${name} from a buffer and from a stream`, async () => {
      const repo = await createTestRepository({ smallChunks: true });
      const a = await repo.saveBlob(data);
      const b = await repo.saveBlob(pieces(data, 1000 + (data.length % 7)));
      expect(a).toEqual(b);
      expect(a.size).toBe(data.length);
      expect(a.id).toBe((await import("node:crypto")).createHash("sha256").update(data).digest("hex"));
      expect((await collect(repo.readBlob(a))).equals(data)).toBe(true);
      await repo.flush();
      const again = await reopenTestRepository(repo);
      expect((await collect(again.readBlob(a.id))).equals(data)).toBe(true);
      expect(await again.hasBlob(a.id)).toBe(true);
      await repo.close();
    });
  }

  it("stores an edited large blob again only around the edits (content-defined chunking)", async () => {
    const backend = new MemoryBackend();
    const repo = await initRepository({ backend, password: "pw", kdf: TEST_KDF, compress: false });
    const v1 = randomBytes(64 * 1024 * 1024);
    await repo.saveBlob(pieces(v1, 65536));
    await repo.flush();
    const before = await storedBytes(backend);
    // Insert 100 bytes at 1/3, change 10 bytes at 2/3.
    const third = Math.floor(v1.length / 3);
    const v2 = Buffer.concat([v1.subarray(0, third), randomBytes(100), v1.subarray(third)]);
    randomBytes(10).copy(v2, 2 * third);
    const ref = await repo.saveBlob(pieces(v2, 65536));
    await repo.flush();
    const added = (await storedBytes(backend)) - before;
    // Two edits touch at most ~4 chunks of ~1–2 MiB out of 64 MiB (typically 3–6% is stored again).
    expect(added / v2.length).toBeLessThan(0.15);
    expect((await collect(repo.readBlob(ref))).equals(v2)).toBe(true);
    await repo.close();
  });

  it("deduplicates identical blobs and concurrent saves of the same content", async () => {
    const backend = new MemoryBackend();
    const repo = await createTestRepository({ backend, smallChunks: true });
    const data = randomBytes(600 * 1024);
    const refs = await Promise.all([repo.saveBlob(data), repo.saveBlob(data), repo.saveBlob(pieces(data, 4096))]);
    expect(new Set(refs.map((r) => r.id)).size).toBe(1);
    await repo.flush();
    expect(await storedBytes(backend)).toBeLessThan(data.length * 1.05);
    await repo.close();
  });

  it("round-trips JSON, stored inline as one entry; a multi-chunk blob as chunks plus a list", async () => {
    const repo = await createTestRepository({ smallChunks: true });
    const v = { a: [1, 2, { b: "ü" }], n: null };
    const ref = await repo.saveJson(v);
    expect(await repo.readJson(ref)).toEqual(v);
    expect(repo.blobIndexed(ref.id)).toBeUndefined(); // not uploaded yet: still readable from memory
    await repo.flush();
    expect(repo.blobIndexed(ref.id)).toEqual({ type: "inline" });
    const big = await repo.saveBlob(randomBytes(300 * 1024));
    await repo.flush();
    expect(repo.blobIndexed(big.id)).toEqual({ type: "blob" });
    expect((await repo.blobChunks(big.id)).chunks.length).toBeGreaterThan(1);
    const again = await reopenTestRepository(repo);
    expect(await again.readJson(ref)).toEqual(v);
    expect(await again.hasBlob(ref.id)).toBe(true);
  });
});

describe("trees and snapshots", () => {
  it("says what to do when 'latest' is asked of a repository without snapshots", async () => {
    const repo = await createTestRepository();
    try {
      await expect(repo.loadSnapshot("latest")).rejects.toThrow(/has no snapshots yet — run 'lifeboat backup' first/);
    } finally {
      await repo.close();
    }
  });

  it("saves trees with sorted unique names and snapshots that list, load by prefix and 'latest'", async () => {
    const repo = await createTestRepository();
    const blob = await repo.saveBlob(Buffer.from("hello"));
    const sub = await repo.saveTree({ entries: [{ name: "x.json", type: "blob", blob, meta: { k: 1 } }] });
    const root = await repo.saveTree({ entries: [{ name: "b", type: "tree", subtree: sub }, { name: "a", type: "blob", blob }] });
    const same = await repo.saveTree({ entries: [{ name: "a", type: "blob", blob }, { name: "b", type: "tree", subtree: sub }] });
    expect(same).toBe(root);
    await expect(repo.saveTree({ entries: [{ name: "a", type: "blob", blob }, { name: "a", type: "tree", subtree: sub }] })).rejects.toThrow(/appears twice/);
    const s1 = await repo.saveSnapshot({ tenant: "t1", time: "2026-01-01T00:00:00.000Z", toolVersion: "0.1.0", tags: ["x"], partial: false, tree: root });
    const s2 = await repo.saveSnapshot({ tenant: "t1", time: "2026-01-02T00:00:00.000Z", toolVersion: "0.1.0", tags: [], partial: true, tree: sub, manifest: blob });
    const other = await reopenTestRepository(repo);
    expect((await other.listSnapshots()).map((s) => s.id)).toEqual([s1.id, s2.id]);
    expect(await other.loadSnapshot("latest")).toEqual(s2);
    expect(await other.loadSnapshot(s1.id.slice(0, 8))).toEqual(s1);
    await expect(other.loadSnapshot("ffffffffffff")).rejects.toThrow(/no snapshot 'ffffffffffff'.*lifeboat snapshots/);
    const t = await other.loadTree(root);
    expect(t.entries.map((e) => e.name)).toEqual(["a", "b"]);
    expect((await other.loadTree(sub)).entries[0]).toEqual({ name: "x.json", type: "blob", blob, meta: { k: 1 } });
    await repo.close();
  });
});

describe("opening", () => {
  it("refuses a wrong password with a clear message", async () => {
    const repo = await createTestRepository();
    await expect(openRepository({ backend: repo.backend, password: "nope" })).rejects.toThrow(
      /wrong password for the repository at memory:memory: it opens none of its 1 key file\(s\) — check LIFEBOAT_PASSWORD or --password-file/,
    );
  });

  it("needs a password unless --insecure-no-password is explicit, at init and at open", async () => {
    const backend = new MemoryBackend();
    await expect(initRepository({ backend, kdf: TEST_KDF })).rejects.toThrow(/a password is needed/);
    expect(await backend.isEmpty()).toBe(true);
    const repo = await initRepository({ backend, kdf: TEST_KDF, insecureNoPassword: true });
    await repo.close();
    await expect(openRepository({ backend })).rejects.toThrow(/a password is needed.*--insecure-no-password/);
    const again = await openRepository({ backend, insecureNoPassword: true });
    await again.close();
  });

  it("changes the password by rewriting only the key file", async () => {
    const repo = await createTestRepository();
    const ref = await repo.saveBlob(Buffer.from("secret data"));
    await repo.flush();
    const before = new Map([...(repo.backend as MemoryBackend).files].filter(([p]) => !p.startsWith("keys/")));
    await repo.changePassword("new-password", { kdf: TEST_KDF });
    const files = (repo.backend as MemoryBackend).files;
    expect(new Map([...files].filter(([p]) => !p.startsWith("keys/") && !p.startsWith("locks/")))).toEqual(
      new Map([...before].filter(([p]) => !p.startsWith("locks/"))),
    );
    await expect(openRepository({ backend: repo.backend, password: TEST_PASSWORD })).rejects.toThrow(/wrong password/);
    const again = await openRepository({ backend: repo.backend, password: "new-password" });
    expect(Buffer.from(await collect(again.readBlob(ref))).toString()).toBe("secret data");
  });

  it("refuses to init over an existing repository or a non-empty directory, changing nothing", async () => {
    const repo = await createTestRepository();
    await expect(initRepository({ backend: repo.backend, password: "x", kdf: TEST_KDF })).rejects.toThrow(/already exists.*nothing was changed/);
    const other = new MemoryBackend();
    await other.save({ type: "snapshot", name: "ab" }, Buffer.from("x"));
    await expect(initRepository({ backend: other, password: "x", kdf: TEST_KDF })).rejects.toThrow(/not empty and is not a Lifeboat repository/);
    expect([...other.files.keys()]).toEqual(["snapshots/ab"]);
  });

  it("reports a damaged config as damage, not as a wrong password", async () => {
    const repo = await createTestRepository();
    const b = repo.backend as MemoryBackend;
    b.files.get("config")![20]! ^= 1;
    await expect(openRepository({ backend: b, password: TEST_PASSWORD })).rejects.toBeInstanceOf(DamageError);
    await expect(openRepository({ backend: b, password: "wrong" })).rejects.toBeInstanceOf(RepositoryError);
  });
});

describe("storage failures", () => {
  it("a failed pack upload fails the snapshot, and no snapshot names the lost data", async () => {
    class FailingBackend extends MemoryBackend {
      failData = false;
      override async save(h: Parameters<MemoryBackend["save"]>[0], d: Uint8Array) {
        if (this.failData && h.type === "data") throw new Error("disk full");
        return super.save(h, d);
      }
    }
    const backend = new FailingBackend();
    const repo = await createTestRepository({ backend, smallChunks: true });
    backend.failData = true;
    const blob = await repo.saveBlob(randomBytes(600 * 1024)).catch((e: Error) => e);
    const tree = blob instanceof Error ? undefined : await repo.saveTree({ entries: [{ name: "x", type: "blob", blob }] }).catch(() => undefined);
    await expect(repo.saveSnapshot({ tenant: "t", time: "2026-01-01T00:00:00Z", toolVersion: "t", tags: [], partial: false, tree: tree ?? "0" })).rejects.toThrow(
      /saving a pack to memory:memory failed: disk full — nothing saved since is referenced; run the backup again/,
    );
    expect(await backend.list("snapshot")).toEqual([]);
  });
});
