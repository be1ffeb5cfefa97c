import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { LocalBackend } from "./backend/local.ts";
import { MemoryBackend } from "./backend/memory.ts";
import { LockedError } from "./errors.ts";
import { forget, prune } from "./prune.ts";
import { openRepository, type Repository } from "./repository.ts";
import { createTestRepository, reopenTestRepository, TEST_KDF, TEST_PASSWORD } from "./testing.ts";
import { verifyRepository } from "./verify.ts";

async function collect(it: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const p of it) parts.push(p);
  return Buffer.concat(parts);
}

/** `n` bytes from a seeded generator (xorshift32): the same bytes on every run. */
function seededBytes(seed: number, n: number): Buffer {
  const out = Buffer.alloc(n);
  let x = (seed * 0x9e3779b9) >>> 0 || 1;
  for (let i = 0; i < n; i += 4) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out.writeUInt32LE(x, i);
  }
  return out;
}

const stored = async (b: MemoryBackend | LocalBackend) => (await b.list("data")).reduce((s, f) => s + f.size, 0);

async function snapshotOf(repo: Repository, name: string, data: Buffer, time: string) {
  const blob = await repo.saveBlob(data);
  const tree = await repo.saveTree({ entries: [{ name, type: "blob", blob }] });
  return { blob, snap: await repo.saveSnapshot({ tenant: "acme", time, toolVersion: "t", tags: [], partial: false, tree }) };
}

describe("forget and prune", () => {
  it("forget --dry-run changes nothing; forget removes snapshots; prune frees their data and keeps the rest intact", async () => {
    const backend = new MemoryBackend();
    const repo = await createTestRepository({ backend, smallChunks: true, compress: false });
    // Seeded data: the same chunks and packs on every run.
    const shared = seededBytes(1, 300 * 1024);
    const old = await snapshotOf(repo, "f", Buffer.concat([shared, seededBytes(2, 2 * 1024 * 1024)]), "2026-01-01T00:00:00Z");
    const cur = await snapshotOf(repo, "f", Buffer.concat([shared, seededBytes(3, 100 * 1024)]), "2026-01-02T00:00:00Z");
    const sizeBefore = await stored(backend);

    const dry = await forget(repo, { last: 1 }, { dryRun: true });
    expect(dry.plan.remove.map((s) => s.id)).toEqual([old.snap.id]);
    expect(dry.removed).toEqual([]);
    expect((await repo.listSnapshots()).length).toBe(2);

    const done = await forget(repo, { last: 1 });
    expect(done.removed).toEqual([old.snap.id]);
    const dryPrune = await prune(repo, { dryRun: true });
    expect(await stored(backend)).toBe(sizeBefore);
    const report = await prune(repo);
    // The dry run estimates repacked packs without their new headers: within a few KiB.
    expect(Math.abs(report.bytes.freed - dryPrune.bytes.freed)).toBeLessThan(4096);
    // The 2 MiB only the old snapshot had is freed, but for what shares a pack with live data:
    // the pack where the shared part ends (256 KiB packs) is kept when mostly live.
    const packSize = 256 * 1024;
    expect(report.bytes.freed).toBeGreaterThan(2 * 1024 * 1024 - packSize);
    expect(await stored(backend)).toBe(report.bytes.after);
    expect(report.bytes.after).toBe(sizeBefore - report.bytes.freed);

    const again = await reopenTestRepository(repo, { autoLock: "none" });
    const v = await verifyRepository(again, { readData: true });
    expect(v.problems).toEqual([]);
    expect(v.notes).toEqual([]);
    expect((await collect(again.readBlob(cur.blob))).subarray(0, shared.length).equals(shared)).toBe(true);
    await expect(again.readBlob(old.blob)[Symbol.asyncIterator]().next()).rejects.toThrow(/not in the index/);
    await repo.close();
  });

  it("keeps the blobs of a snapshot's manifestTree through prune, and verify checks them", async () => {
    const backend = new MemoryBackend();
    const repo = await createTestRepository({ backend, compress: false });
    const items = await repo.saveJson([{ layer: "objects", id: "o1" }]);
    const manifestTree = await repo.saveTree({ entries: [{ name: "a.json", type: "blob", blob: items }] });
    const tree = await repo.saveTree({ entries: [] });
    const snap = await repo.saveSnapshot({ tenant: "acme", time: "2026-01-01T00:00:00Z", toolVersion: "t", tags: [], partial: false, tree, manifest: await repo.saveJson({ appItems: [items] }), manifestTree });
    expect((await repo.listSnapshots()).find((s) => s.id === snap.id)?.manifestTree).toBe(manifestTree);
    await prune(repo);
    const again = await reopenTestRepository(repo, { autoLock: "none" });
    expect(await again.readJson(items)).toEqual([{ layer: "objects", id: "o1" }]);
    expect((await verifyRepository(again, { readData: true })).problems).toEqual([]);
    await repo.close();
  });

  it("repacks partly used packs and removes packs no index names", async () => {
    const backend = new MemoryBackend();
    const repo = await createTestRepository({ backend, smallChunks: true, compress: false, packSize: 4 * 1024 * 1024 });
    // One big pack holding both blobs; only the second stays referenced.
    const a = await snapshotOf(repo, "a", randomBytes(1024 * 1024), "2026-01-01T00:00:00Z");
    const b = await snapshotOf(repo, "b", randomBytes(200 * 1024), "2026-01-01T00:00:00Z");
    void a;
    await backend.save({ type: "data", name: "ab".repeat(32) }, randomBytes(1000)); // debris of a crashed write
    await repo.removeSnapshot(a.snap.id);
    const report = await prune(repo);
    expect(report.packs.repacked + report.packs.deleted).toBeGreaterThan(0);
    expect(report.packs.unindexedDeleted).toBe(1);
    expect(await stored(backend)).toBeLessThan(400 * 1024);
    const v = await verifyRepository(await reopenTestRepository(repo, { autoLock: "none" }), { readData: true });
    expect(v.problems).toEqual([]);
    expect((await collect(repo.readBlob(b.blob))).length).toBe(200 * 1024);
  });

  it("refuses to prune while another process holds a lock, naming the holder", async () => {
    const repo = await createTestRepository({ locks: { timeoutMs: 200 } });
    const other = await reopenTestRepository(repo);
    await other.acquireLock("shared", "backup");
    await expect(prune(repo)).rejects.toThrow(LockedError);
    await expect(prune(repo)).rejects.toThrow(/locked \(shared\) by backup \(PID \d+ on .*\) — wait for it to finish/);
    await other.releaseLock();
    await prune(repo);
  });
});

describe("locks", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it("lets two writers back up concurrently into one local repository", async () => {
    const dir = await mkdtemp(join(tmpdir(), "lifeboat-2w-"));
    dirs.push(dir);
    const first = await createTestRepository({ backend: new LocalBackend(dir), smallChunks: true });
    const w1 = await openRepository({ backend: new LocalBackend(dir), password: TEST_PASSWORD });
    const w2 = await openRepository({ backend: new LocalBackend(dir), password: TEST_PASSWORD });
    await first.close();
    const common = randomBytes(400 * 1024);
    const d1 = Buffer.concat([common, randomBytes(300 * 1024)]);
    const d2 = Buffer.concat([common, randomBytes(300 * 1024)]);
    const [r1, r2] = await Promise.all([snapshotOf(w1, "one", d1, "2026-01-01T00:00:00Z"), snapshotOf(w2, "two", d2, "2026-01-01T00:00:01Z")]);
    expect((await new LocalBackend(dir).list("lock")).length).toBe(2); // two shared locks coexist
    await Promise.all([w1.close(), w2.close()]);
    expect((await new LocalBackend(dir).list("lock")).length).toBe(0);
    const reader = await openRepository({ backend: new LocalBackend(dir), password: TEST_PASSWORD, kdf: TEST_KDF });
    expect((await reader.listSnapshots()).map((s) => s.id).sort()).toEqual([r1.snap.id, r2.snap.id].sort());
    expect((await collect(reader.readBlob(r1.blob))).equals(d1)).toBe(true);
    expect((await collect(reader.readBlob(r2.blob))).equals(d2)).toBe(true);
    const v = await verifyRepository(reader, { readData: true });
    expect(v.problems).toEqual([]);
    // Both kept their snapshot: prune may drop only the copies of `common` both stored.
    const p = await prune(reader);
    expect(p.bytes.freed).toBe(p.bytes.before - p.bytes.after);
    expect(p.bytes.freed).toBeLessThanOrEqual(common.length * 1.1);
    expect(await stored(new LocalBackend(dir))).toBe(p.bytes.after);
    expect((await verifyRepository(reader, { readData: true })).problems).toEqual([]);
    expect((await collect(reader.readBlob(r1.blob))).equals(d1)).toBe(true);
    expect((await collect(reader.readBlob(r2.blob))).equals(d2)).toBe(true);
    await reader.close();
  });

  it("recovers stale locks automatically: dead process on this host, or an old heartbeat elsewhere", async () => {
    const events: unknown[] = [];
    const repo = await createTestRepository({ onEvent: (e) => events.push(e), locks: { timeoutMs: 200 } });
    const now = new Date().toISOString();
    const old = new Date(Date.now() - 31 * 60_000).toISOString();
    const dead = await repo.locker.write({ exclusive: true, hostname: hostname(), pid: 2 ** 22 + 12345, purpose: "prune", created: now, heartbeat: now });
    const silent = await repo.locker.write({ exclusive: false, hostname: "elsewhere", pid: 1, purpose: "backup", created: old, heartbeat: old });
    await repo.acquireLock("exclusive", "prune");
    expect(events).toEqual([
      expect.objectContaining({ type: "stale-lock-removed", name: expect.any(String) }),
      expect.objectContaining({ type: "stale-lock-removed", name: expect.any(String) }),
    ]);
    const reasons = (events as { name: string; reason: string }[]).map((e) => [e.name, e.reason]);
    expect(reasons).toContainEqual([dead, expect.stringMatching(/process \d+ on .* no longer exists/)]);
    expect(reasons).toContainEqual([silent, expect.stringMatching(/heartbeat is \d+ s old/)]);
    await repo.releaseLock();
  });

  it("respects a live lock from another host", async () => {
    const repo = await createTestRepository({ locks: { timeoutMs: 100 } });
    const now = new Date().toISOString();
    await repo.locker.write({ exclusive: true, hostname: "other-host", pid: 1, purpose: "prune", created: now, heartbeat: now });
    await expect(repo.saveBlob(Buffer.from("x"))).rejects.toThrow(/locked exclusively by prune \(PID 1 on other-host/);
  });

  it("takes a lock at open when asked, so a prune waits for a restore", async () => {
    const repo = await createTestRepository({ locks: { timeoutMs: 100 } });
    await repo.close();
    const reader = await reopenTestRepository(repo, { lock: { kind: "shared", purpose: "restore" } });
    const pruner = await reopenTestRepository(repo, { locks: { timeoutMs: 100 } });
    await expect(prune(pruner)).rejects.toThrow(/locked \(shared\) by restore/);
    await reader.close();
    await prune(pruner);
  });

  it("refreshes the heartbeat of a held lock", async () => {
    const repo = await createTestRepository({ locks: { refreshMs: 20 } });
    await repo.acquireLock("shared", "backup");
    const first = (await repo.locker.list())[0]!;
    // Wait for the next heartbeat (every 20 ms) to replace the lock file, not a fixed time.
    await vi.waitFor(async () => expect((await repo.locker.list()).map((l) => l.name)).not.toEqual([first.name]), { timeout: 10_000, interval: 10 });
    const later = await repo.locker.list();
    expect(later.length).toBe(1);
    expect(later[0]!.name).not.toBe(first.name);
    expect(later[0]!.lock!.heartbeat > first.lock!.heartbeat).toBe(true);
    await repo.close();
    expect(await repo.locker.list()).toEqual([]);
  });
});

describe("prune safety", () => {
  it("refuses to run when an index file is damaged, removing nothing", async () => {
    const backend = new MemoryBackend();
    const repo = await createTestRepository({ backend });
    await snapshotOf(repo, "x", randomBytes(1000), "2026-01-01T00:00:00Z");
    await repo.close();
    const [idx] = await backend.list("index");
    backend.files.set(`index/${idx!.name}`, Buffer.from("garbage"));
    const files = [...backend.files.keys()].filter((p) => !p.startsWith("locks/")).sort();
    const again = await reopenTestRepository(repo);
    await expect(prune(again)).rejects.toThrow(/index file index\/\w+ is damaged.*nothing was removed/);
    expect([...backend.files.keys()].filter((p) => !p.startsWith("locks/")).sort()).toEqual(files);
  });
});

describe("expired locks", () => {
  it("refuses to save a snapshot when our own lock could not be refreshed for longer than the stale age", async () => {
    let now = Date.now();
    const repo = await createTestRepository({ locks: { now: () => now, staleMs: 60_000, refreshMs: 3_600_000 } });
    const blob = await repo.saveBlob(Buffer.from("x"));
    const tree = await repo.saveTree({ entries: [{ name: "x", type: "blob", blob }] });
    now += 61_000; // e.g. the laptop slept
    await expect(repo.saveSnapshot({ tenant: "t", time: "2026-01-01T00:00:00Z", toolVersion: "t", tags: [], partial: false, tree })).rejects.toThrow(/could not be refreshed for too long/);
    expect(await repo.backend.list("snapshot")).toEqual([]);
  });
});
