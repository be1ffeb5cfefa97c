/**
 * Locking and index reads under concurrency (docs/design.md, "Locking"): what each rule
 * prevents, shown with two or three handles on one backend. The seeded many-round races are in
 * e2e/stress-repository.test.ts.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, utimes, writeFile, mkdir } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Backend, FileData, FileHandle, FileType } from "./backend/backend.ts";
import { LocalBackend } from "./backend/local.ts";
import { MemoryBackend } from "./backend/memory.ts";
import { ReadOnlyError } from "./errors.ts";
import { pidNamespace } from "./locks.ts";
import { prune } from "./prune.ts";
import { openRepository, type Repository, type RepositoryEvent } from "./repository.ts";
import { createTestRepository, reopenTestRepository, TEST_PASSWORD } from "./testing.ts";
import { verifyRepository } from "./verify.ts";

async function collect(it: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const p of it) parts.push(p);
  return Buffer.concat(parts);
}

async function snapshotOf(repo: Repository, entries: Record<string, Buffer>, time: string) {
  const refs = Object.fromEntries(await Promise.all(Object.entries(entries).map(async ([n, d]) => [n, await repo.saveBlob(d)] as const)));
  const tree = await repo.saveTree({ entries: Object.entries(refs).map(([name, blob]) => ({ name, type: "blob" as const, blob })) });
  return { refs, snap: await repo.saveSnapshot({ tenant: "acme", time, toolVersion: "t", tags: [], partial: false, tree }) };
}

/** Forget one snapshot and prune, as `lifeboat forget … --prune` does, through its own handle. */
async function forgetAndPrune(repo: Repository, id: string, repackThreshold = 0.2) {
  const pruner = await reopenTestRepository(repo, { autoLock: "none" });
  await pruner.acquireLock("exclusive", "forget");
  await pruner.removeSnapshot(id);
  await prune(pruner, { repackThreshold });
  await pruner.close();
}

/** A backend that records the order of calls and can run a hook before one. */
class Recording implements Backend {
  readonly calls: string[] = [];
  before?: (op: string, type: FileType) => Promise<void> | void;
  constructor(readonly inner: Backend) {}
  get location() {
    return this.inner.location;
  }
  private async note(op: string, type: FileType) {
    this.calls.push(`${op} ${type}`);
    await this.before?.(op, type);
  }
  async save(h: FileHandle, d: FileData) {
    await this.note("save", h.type);
    return this.inner.save(h, d);
  }
  async load(h: FileHandle, r?: { offset: number; length: number }) {
    await this.note("load", h.type);
    return this.inner.load(h, r);
  }
  async stat(h: FileHandle) {
    await this.note("stat", h.type);
    return this.inner.stat(h);
  }
  async list(t: FileType) {
    await this.note("list", t);
    return this.inner.list(t);
  }
  remove(h: FileHandle) {
    return this.inner.remove(h);
  }
  isEmpty() {
    return this.inner.isEmpty();
  }
  close() {
    return this.inner.close();
  }
}

describe("a writer and a prune", () => {
  it("a writer's handle takes its shared lock before it reads the index it deduplicates against", async () => {
    const repo = await createTestRepository();
    await snapshotOf(repo, { a: randomBytes(1000) }, "2026-01-01T00:00:00Z");
    await repo.close();
    const rec = new Recording(repo.backend);
    const w = await openRepository({ backend: rec, password: TEST_PASSWORD });
    const firstIndexRead = rec.calls.findIndex((c) => c.endsWith(" index"));
    const lockWritten = rec.calls.indexOf("save lock");
    expect(lockWritten).toBeGreaterThanOrEqual(0);
    expect(firstIndexRead).toBeGreaterThan(lockWritten);
    await w.close();
  });

  it("a handle whose index was read before a prune re-reads it when it takes its lock: no dedup against deleted data", async () => {
    const backend = new MemoryBackend();
    const w = await createTestRepository({ backend });
    const shared = randomBytes(200 * 1024);
    const s0 = await snapshotOf(w, { shared }, "2026-01-01T00:00:00Z");
    await w.releaseLock(); // w knows s0's data, holds no lock: its next write takes the lock lazily
    await forgetAndPrune(w, s0.snap.id);
    expect(await backend.list("data")).toEqual([]);
    expect(await w.hasBlob(s0.refs.shared!.id)).toBe(false); // the index was read again under the lock
    const again = await w.saveBlob(shared);
    const tree = await w.saveTree({ entries: [{ name: "shared", type: "blob", blob: again }] });
    await w.saveSnapshot({ tenant: "acme", time: "2026-01-02T00:00:00Z", toolVersion: "t", tags: [], partial: false, tree });
    await w.close();
    const v = await verifyRepository(await reopenTestRepository(w, { autoLock: "none" }), { readData: true });
    expect(v.problems).toEqual([]);
  });

  it("a reader without a lock finds an entry a concurrent prune repacked, instead of reporting its old pack missing", async () => {
    const backend = new MemoryBackend();
    const repo = await createTestRepository({ backend, smallChunks: true });
    const keep = randomBytes(100 * 1024);
    const s0 = await snapshotOf(repo, { drop: randomBytes(150 * 1024), keep }, "2026-01-01T00:00:00Z");
    await repo.flush();
    const reader = await reopenTestRepository(repo, { autoLock: "none" });
    const tree = await repo.saveTree({ entries: [{ name: "keep", type: "blob", blob: s0.refs.keep! }] });
    await repo.saveSnapshot({ tenant: "acme", time: "2026-01-02T00:00:00Z", toolVersion: "t", tags: [], partial: false, tree });
    await repo.close();
    const packsBefore = new Set((await backend.list("data")).map((f) => f.name));
    await forgetAndPrune(repo, s0.snap.id, 0);
    const packsAfter = new Set((await backend.list("data")).map((f) => f.name));
    expect([...packsBefore].some((p) => !packsAfter.has(p))).toBe(true); // the pack the reader knows is gone
    expect((await collect(reader.readBlob(s0.refs.keep!))).equals(keep)).toBe(true);
    // What the prune really removed is reported as gone from the index, with what to do — not as damage.
    const err = await collect(reader.readBlob(s0.refs.drop!)).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/is not in the index .* — run 'lifeboat verify' \(this command read without a lock: if a forget and prune ran meanwhile, run it again\)/);
    // Its own reason and code conflict, so the CLI says "failed, run it again" (exit 1) and not "damaged" (exit 4).
    expect(err).toMatchObject({ reason: "MISSING_UNLOCKED", code: "conflict" });
    // Under a lock no prune can have removed it: the same gap is damage, reason MISSING.
    const locked = await reopenTestRepository(repo, { autoLock: "none", lock: { kind: "shared", purpose: "restore" } });
    const damaged = await collect(locked.readBlob(s0.refs.drop!)).catch((e: unknown) => e);
    expect(damaged).toMatchObject({ reason: "MISSING", code: "damaged" });
    expect((damaged as Error).message).toMatch(/is not in the index .* — run 'lifeboat verify'$/);
    await locked.close();
  });

  it("verify counts a snapshot saved while it runs only if it read that snapshot's index: no spurious missing entries", async () => {
    const backend = new MemoryBackend();
    const repo = await createTestRepository({ backend });
    await snapshotOf(repo, { a: randomBytes(1000) }, "2026-01-01T00:00:00Z");
    await repo.close();
    const rec = new Recording(backend);
    const checker = await openRepository({ backend: rec, password: TEST_PASSWORD, autoLock: "none" });
    await checker.acquireLock("shared", "verify");
    let fired = false;
    rec.before = async (op, type) => {
      // Between verify's index read and its pack listing, a backup commits a snapshot with new data.
      if (fired || op !== "list" || type !== "data") return;
      fired = true;
      const w = await reopenTestRepository(repo);
      await snapshotOf(w, { b: randomBytes(5000) }, "2026-01-02T00:00:00Z");
      await w.close();
    };
    const v = await verifyRepository(checker, { readData: true });
    expect(fired).toBe(true);
    expect(v.problems).toEqual([]);
    await checker.close();
  });
});

/** A store whose listing shows a lock file only `lagMs` after its save completed (an eventually consistent S3-compatible server). */
class LaggyBackend extends MemoryBackend {
  private readonly savedAt = new Map<string, number>();
  constructor(private readonly lagMs: number) {
    super("laggy");
  }
  override async save(h: FileHandle, d: FileData): Promise<void> {
    await super.save(h, d);
    this.savedAt.set(`${h.type}/${h.name}`, Date.now());
  }
  override async list(t: FileType) {
    const now = Date.now();
    // Only lock files lag here: the rest of the repository was written long ago.
    return (await super.list(t)).filter((f) => t !== "lock" || now - (this.savedAt.get(`${t}/${f.name}`) ?? 0) >= this.lagMs);
  }
}

describe("acquiring against a lagging listing", () => {
  /** Two processes take conflicting locks at the same moment, 8 times; how often did both get theirs? */
  async function race(settleMs: number): Promise<number> {
    const backend = new LaggyBackend(60);
    const repo = await createTestRepository({ backend });
    await repo.close();
    let both = 0;
    for (let i = 0; i < 8; i++) {
      const locks = { settleMs, timeoutMs: 700 };
      const a = await reopenTestRepository(repo, { autoLock: "none", locks });
      const b = await reopenTestRepository(repo, { autoLock: "none", locks });
      // The loser waits for the winner (who keeps its lock here) until its timeout.
      const outcomes = await Promise.allSettled([a.acquireLock("exclusive", "prune"), b.acquireLock("shared", "backup")]);
      if (outcomes.every((o) => o.status === "fulfilled")) both++;
      else expect(outcomes.filter((o) => o.status === "fulfilled").length).toBe(1); // never neither: one gets through
      await Promise.all([a.close(), b.close()]);
      await new Promise((r) => setTimeout(r, 70));
    }
    return both;
  }

  it("listing again after a settle delay keeps two conflicting locks from both being granted", async () => {
    expect(await race(0)).toBeGreaterThan(0); // without it, both proceed: the test can fail
    expect(await race(150)).toBe(0);
  });
});

describe("prune and copies stored twice", () => {
  it("keeps the surviving copy of an entry whose indexed pack is missing, instead of dropping it as a duplicate", async () => {
    const backend = new MemoryBackend();
    const repo = await createTestRepository({ backend });
    await repo.close();
    // Two writers store the same blob at once, neither knowing of the other: two packs hold it.
    const data = randomBytes(300 * 1024);
    const w1 = await reopenTestRepository(repo);
    const w2 = await reopenTestRepository(repo);
    const ref = await w1.saveBlob(data);
    await w2.saveBlob(data);
    await Promise.all([w1.close(), w2.close()]);
    const w3 = await reopenTestRepository(repo);
    const tree = await w3.saveTree({ entries: [{ name: "a", type: "blob", blob: ref }] });
    await w3.saveSnapshot({ tenant: "acme", time: "2026-01-01T00:00:00Z", toolVersion: "t", tags: [], partial: false, tree });
    await w3.close();
    const look = await reopenTestRepository(repo, { autoLock: "none" });
    const holders = [...look.index.packs].filter(([, m]) => m.entries.some((e) => e.id === ref.id)).map(([id]) => id);
    expect(holders.length).toBe(2);
    // The copy the index resolves to is lost (a deleted file); the other copy survives.
    await backend.remove({ type: "data", name: look.index.get("inline", ref.id)!.pack });
    const pruner = await reopenTestRepository(repo, { autoLock: "none" });
    await prune(pruner);
    await pruner.close();
    const after = await reopenTestRepository(repo, { autoLock: "none" });
    expect((await collect(after.readBlob(ref))).equals(data)).toBe(true);
    expect((await verifyRepository(after, { readData: true })).problems).toEqual([]);
  });
});

describe("verify without a lock", () => {
  it("says the repository changed under it instead of reporting what a concurrent prune moved as damage", async () => {
    const backend = new MemoryBackend();
    const repo = await createTestRepository({ backend, smallChunks: true });
    const keep = randomBytes(100 * 1024);
    const s0 = await snapshotOf(repo, { drop: randomBytes(150 * 1024), keep }, "2026-01-01T00:00:00Z");
    const tree = await repo.saveTree({ entries: [{ name: "keep", type: "blob", blob: s0.refs.keep! }] });
    await repo.saveSnapshot({ tenant: "acme", time: "2026-01-02T00:00:00Z", toolVersion: "t", tags: [], partial: false, tree });
    await repo.close();
    const rec = new Recording(backend);
    const checker = await openRepository({ backend: rec, password: TEST_PASSWORD, noLock: true });
    let fired = false;
    rec.before = async (op, type) => {
      if (fired || op !== "list" || type !== "data") return;
      fired = true;
      await forgetAndPrune(repo, s0.snap.id, 0); // elsewhere, between verify's index read and its pack checks
    };
    await expect(verifyRepository(checker, { readData: true })).rejects.toThrow(
      /the repository at memory:memory changed while verify read it without a lock \(a prune elsewhere\?\), so what it found may not be damage — run verify again/,
    );
    expect(fired).toBe(true);
    // Run again, it is clean.
    expect((await verifyRepository(await reopenTestRepository(repo, { noLock: true }), { readData: true })).problems).toEqual([]);
  });
});

describe("stale locks", () => {
  it("a lock from another PID namespace on a host of the same name (a container) is not taken for dead by its PID", async () => {
    const events: RepositoryEvent[] = [];
    const repo = await createTestRepository({ onEvent: (e) => events.push(e), locks: { timeoutMs: 300 } });
    const now = new Date().toISOString();
    const pid = 2 ** 22 + 4321; // no such process here
    await repo.locker.write({ exclusive: false, hostname: hostname(), pid, pidns: "pid:[1]", purpose: "backup", created: now, heartbeat: now });
    await expect(repo.acquireLock("exclusive", "prune")).rejects.toThrow(/locked \(shared\) by backup \(PID \d+ on /);
    expect(events).toEqual([]);
    // The same lock written in our namespace is dead, and removed.
    await repo.locker.write({ exclusive: false, hostname: hostname(), pid, ...(pidNamespace() ? { pidns: pidNamespace() } : {}), purpose: "backup", created: now, heartbeat: now });
    for (const f of await repo.locker.list()) if (f.lock?.pidns === "pid:[1]") await repo.backend.remove({ type: "lock", name: f.name });
    await repo.acquireLock("exclusive", "prune");
    expect(events).toEqual([expect.objectContaining({ type: "stale-lock-removed", reason: expect.stringMatching(/process \d+ on .* no longer exists/) })]);
  });
});

describe("lost locks", () => {
  it("a holder that could not refresh in time stays expired, even after a later refresh succeeds", async () => {
    let now = Date.now();
    const repo = await createTestRepository({ locks: { now: () => now, staleMs: 60_000, refreshMs: 10 } });
    await repo.acquireLock("shared", "backup");
    expect(repo.lockLost()).toBe(false);
    now += 60_000; // suspended: past staleMs - 1.5 × refreshMs, a prune elsewhere may take us for dead
    await new Promise((r) => setTimeout(r, 40)); // refresh timers fire
    expect(repo.lockLost()).toBe(true);
    await new Promise((r) => setTimeout(r, 40));
    expect(repo.lockLost()).toBe(true);
    const blob = await repo.saveBlob(randomBytes(100));
    const tree = await repo.saveTree({ entries: [{ name: "x", type: "blob", blob }] });
    await expect(repo.saveSnapshot({ tenant: "t", time: "2026-01-01T00:00:00Z", toolVersion: "t", tags: [], partial: false, tree })).rejects.toThrow(/could not be refreshed for too long/);
    expect(await repo.backend.list("snapshot")).toEqual([]);
    expect(await repo.backend.list("index")).toEqual([]); // no index naming packs a prune may have deleted
    await repo.close().catch(() => {});
  });

  it("a holder whose lock file was removed as stale by another process has lost it", async () => {
    const repo = await createTestRepository({ locks: { refreshMs: 20 } });
    await repo.acquireLock("shared", "backup");
    for (const f of await repo.backend.list("lock")) await repo.backend.remove({ type: "lock", name: f.name });
    await new Promise((r) => setTimeout(r, 80));
    expect(repo.lockLost()).toBe(true);
    expect(await repo.backend.list("lock")).toEqual([]); // and it did not come back
  });

  it("prune deletes nothing once its own lock may have been judged stale", async () => {
    let now = Date.now();
    const mem = new MemoryBackend();
    const rec = new Recording(mem);
    const repo = await createTestRepository({ backend: rec, locks: { now: () => now, staleMs: 60_000, refreshMs: 3_600_000 } });
    const s0 = await snapshotOf(repo, { a: randomBytes(300 * 1024) }, "2026-01-01T00:00:00Z");
    await snapshotOf(repo, { b: randomBytes(1000) }, "2026-01-02T00:00:00Z");
    await repo.acquireLock("exclusive", "forget");
    await repo.removeSnapshot(s0.snap.id);
    rec.before = (op, type) => {
      if (op === "save" && type === "index") now += 61_000; // suspended while writing the new index
    };
    const files = [...mem.files.keys()].filter((p) => !p.startsWith("locks/")).sort();
    await expect(prune(repo)).rejects.toThrow(/prune's lock .* could not be refreshed for too long .* stopped before removing old index files; the repository is consistent/);
    const after = [...mem.files.keys()].filter((p) => !p.startsWith("locks/"));
    for (const f of files) expect(after).toContain(f); // nothing removed (a new index was added)
    const v = await verifyRepository(await reopenTestRepository(repo, { autoLock: "none" }), { readData: true });
    expect(v.problems).toEqual([]);
  });
});

/** Storage that refuses every write the way a read-only mount does. */
class ReadOnlyBackend extends MemoryBackend {
  frozen = false;
  override async save(h: FileHandle, d: FileData): Promise<void> {
    if (this.frozen) throw Object.assign(new Error(`EROFS: read-only file system, open '${h.type}'`), { code: "EROFS" });
    return super.save(h, d);
  }
  override async remove(h: FileHandle): Promise<void> {
    if (this.frozen) throw Object.assign(new Error("EROFS: read-only file system"), { code: "EROFS" });
    return super.remove(h);
  }
}

describe("read-only storage", () => {
  async function frozenRepo() {
    const backend = new ReadOnlyBackend();
    const repo = await createTestRepository({ backend });
    const data = randomBytes(3000);
    const s = await snapshotOf(repo, { a: data }, "2026-01-01T00:00:00Z");
    await repo.close();
    backend.frozen = true;
    return { backend, repo, data, s };
  }

  it("a writer is told the repository is read-only and what works instead", async () => {
    const { repo } = await frozenRepo();
    const err = await reopenTestRepository(repo).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReadOnlyError);
    expect((err as Error).message).toMatch(/^the repository at memory:memory is read-only \(EROFS writing locks\/\w+…\): backup cannot take its shared lock — commands that only read .* run with --no-lock; backup, forget and prune need write access$/);
  });

  it("a reader falls back to reading without a lock, says so, and refuses to save", async () => {
    const { repo, data, s } = await frozenRepo();
    const events: RepositoryEvent[] = [];
    const r = await reopenTestRepository(repo, { autoLock: "none", readOnlyFallback: true, lock: { kind: "shared", purpose: "restore" }, onEvent: (e) => events.push(e) });
    expect(events).toEqual([{ type: "read-only", message: expect.stringMatching(/^the repository at memory:memory is read-only: reading it without a lock/) }]);
    expect(r.locked).toBe(false);
    expect((await collect(r.readBlob(s.refs.a!))).equals(data)).toBe(true);
    expect((await verifyRepository(r, { readData: true })).ok).toBe(true);
    await expect(r.saveBlob(Buffer.from("x"))).rejects.toThrow(/nothing can be saved in the repository at memory:memory: its storage is read-only.*--no-safety-backup/);
    await expect(r.acquireLock("exclusive", "prune")).rejects.toThrow(ReadOnlyError);
    await r.close();
  });

  it("S3 refusing the lock write (AccessDenied: read-only credentials, a WORM policy) is read-only storage too", async () => {
    const backend = new ReadOnlyBackend();
    const repo = await createTestRepository({ backend });
    await snapshotOf(repo, { a: randomBytes(100) }, "2026-01-01T00:00:00Z");
    await repo.close();
    backend.save = async () => {
      throw Object.assign(new Error("Access Denied"), { name: "AccessDenied", $metadata: { httpStatusCode: 403 } });
    };
    await expect(reopenTestRepository(repo)).rejects.toThrow(/^the repository at memory:memory is read-only \(AccessDenied writing locks\/\w+…\): backup cannot take its shared lock/);
    const events: RepositoryEvent[] = [];
    const r = await reopenTestRepository(repo, { autoLock: "none", readOnlyFallback: true, lock: { kind: "shared", purpose: "verify" }, onEvent: (e) => events.push(e) });
    expect(events.map((e) => e.type)).toEqual(["read-only"]);
    expect((await verifyRepository(r, { readData: true })).ok).toBe(true);
  });

  it("--no-lock writes no lock file at all", async () => {
    const backend = new MemoryBackend();
    const repo = await createTestRepository({ backend });
    await snapshotOf(repo, { a: randomBytes(100) }, "2026-01-01T00:00:00Z");
    await repo.close();
    const r = await reopenTestRepository(repo, { noLock: true, lock: { kind: "shared", purpose: "verify" } });
    await r.acquireLock("shared", "verify");
    expect(await backend.list("lock")).toEqual([]);
    expect((await verifyRepository(r)).ok).toBe(true);
    await expect(r.saveBlob(Buffer.from("x"))).rejects.toThrow(/it was opened with --no-lock/);
    await r.close();
  });
});

describe("temporary files of interrupted saves", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it("verify warns about them with count and size; prune removes the old ones and keeps the young", async () => {
    const dir = await mkdtemp(join(tmpdir(), "lifeboat-tmp-"));
    dirs.push(dir);
    const repo = await createTestRepository({ backend: new LocalBackend(dir) });
    await snapshotOf(repo, { a: randomBytes(1000) }, "2026-01-01T00:00:00Z");
    await repo.close();
    await mkdir(join(dir, "data", "ab"), { recursive: true });
    const old = join(dir, "data", "ab", `${"ab".repeat(32)}.tmp-0123456789ab`);
    const young = join(dir, "index", `${"cd".repeat(32)}.tmp-ba9876543210`);
    await writeFile(old, randomBytes(300 * 1024));
    await writeFile(young, randomBytes(1000));
    const hourAgo = new Date(Date.now() - 3_600_000);
    await utimes(old, hourAgo, hourAgo);

    const r = await reopenTestRepository(repo, { autoLock: "none" });
    const v = await verifyRepository(r);
    expect(v.ok).toBe(true);
    expect(v.temporary).toEqual({ files: 2, bytes: 300 * 1024 + 1000 });
    expect(v.warnings).toEqual([expect.stringMatching(/^2 temporary file\(s\) \(301\.0 KiB\) left by interrupted or running saves, e\.g\. .* — not damage; run 'lifeboat prune'/)]);
    const dry = await prune(r, { dryRun: true });
    expect(dry.temporary).toEqual({ removed: 1, removedBytes: 300 * 1024, kept: 1 });
    expect((await (r.backend as LocalBackend).listTemporary()).length).toBe(2);
    const p = await prune(r);
    expect(p.temporary).toEqual({ removed: 1, removedBytes: 300 * 1024, kept: 1 });
    expect((await (r.backend as LocalBackend).listTemporary()).map((t) => t.path)).toEqual([join("index", `${"cd".repeat(32)}.tmp-ba9876543210`)]);
    await r.close();
  });
});
