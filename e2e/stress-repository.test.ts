/**
 * Stress: backup ‖ prune, backup ‖ backup and kill -9 against one repository (issue 15, item 1;
 * docs/design.md, "Locking"). Every round ends in `verify --read-data`, which must pass, and no
 * operation may fail except with a lock wait running out (none is expected with these timeouts).
 *
 * 1. In one process, seeded: a "backup" (open → read the previous snapshot → reuse its shared
 *    blob if `hasBlob` says it is stored, as the engine reuses an unchanged app → save new data →
 *    snapshot) races a "forget + prune" that deletes the snapshot holding that shared blob, and
 *    sometimes a second backup. Start delays and a delay before every storage call are drawn
 *    from the round's seed, so a failing round is replayed with LIFEBOAT_STRESS_SEED=<seed>.
 * 2. The real thing: `lifeboat backup` of an emulated tenant (the engine reuses every unchanged
 *    app's .qvf from the previous snapshot) while this process forgets that previous snapshot
 *    and prunes, a few seeded rounds; `lifeboat verify --read-data` after each.
 * 3. In processes: writers that back up in a loop (open, dedup, save, close) are killed with
 *    SIGKILL at random moments while this process forgets and prunes; then prune + verify
 *    --read-data (the CLI) must come out clean, and every snapshot must read back.
 *
 * Small by default (CI); LIFEBOAT_STRESS=1 runs many more rounds and a longer kill phase.
 */
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { initRepository, LocalBackend, LockedError, openRepository, prune, verifyRepository, type Backend, type BlobRef, type FileData, type FileHandle, type FileType, type Repository } from "@lifeboat/repository";
import { TEST_KDF } from "@lifeboat/repository/testing";
import { startEmulator } from "@lifeboat/emulator";
import { afterAll, describe, expect, it } from "vitest";
import { sharedContent } from "../packages/repository/testdata/shared-content.ts";
import { seededRandom } from "@lifeboat/kit/testing";

const STRESS = process.env.LIFEBOAT_STRESS === "1";
const ROUNDS = Number(process.env.LIFEBOAT_STRESS_ROUNDS ?? (STRESS ? 400 : 30));
const ROUND_BUDGET_MS = STRESS ? 20 * 60_000 : 90_000;
const KILL_PHASE_MS = STRESS ? 120_000 : 25_000;
const ONLY_SEED = process.env.LIFEBOAT_STRESS_SEED;
const PASSWORD = "e2e-stress-password";
const CHUNKER = { min: 16 * 1024, avg: 64 * 1024, max: 256 * 1024 };
const bin = fileURLToPath(new URL("../packages/cli/bin/lifeboat.js", import.meta.url));
const writer = fileURLToPath(new URL("../packages/repository/testdata/crash-writer.ts", import.meta.url));

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), "lifeboat-stress-"));
  dirs.push(d);
  return d;
}
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The real local storage, with a seeded delay before every call: other interleavings each round. */
class DelayedBackend implements Backend {
  readonly location: string;
  constructor(
    private readonly inner: Backend,
    private readonly next: () => number,
    private readonly maxMs: number,
  ) {
    this.location = inner.location;
  }
  private async wait(): Promise<void> {
    const d = this.next() * this.maxMs;
    if (d >= 1) await sleep(d);
  }
  async save(h: FileHandle, data: FileData) {
    await this.wait();
    return this.inner.save(h, data);
  }
  async load(h: FileHandle, range?: { offset: number; length: number }) {
    await this.wait();
    return this.inner.load(h, range);
  }
  async stat(h: FileHandle) {
    await this.wait();
    return this.inner.stat(h);
  }
  async list(t: FileType) {
    await this.wait();
    return this.inner.list(t);
  }
  async remove(h: FileHandle) {
    await this.wait();
    return this.inner.remove(h);
  }
  isEmpty() {
    return this.inner.isEmpty();
  }
  close() {
    return this.inner.close();
  }
}

async function bytesOf(repo: Repository, ref: BlobRef): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const p of repo.readBlob(ref)) parts.push(p);
  return Buffer.concat(parts);
}

interface RoundResult {
  seed: number;
  scenario: string;
  failures: string[];
  lockWaitsRunOut: number;
  deduplicated: number;
}

const TENANT = "stress.example";

/** One seeded round; returns what went wrong (nothing, when the repository is sound). */
async function round(seed: number): Promise<RoundResult> {
  const r = seededRandom(seed);
  const dir = join(await tempDir(), `round-${seed}`);
  const shared = Buffer.concat([sharedContent(), Buffer.from(`round ${seed}`)]);
  const scenario = ["backup ‖ prune", "backup ‖ backup ‖ prune", "backup ‖ backup"][Math.floor(r() * 3)]!;
  const result: RoundResult = { seed, scenario, failures: [], lockWaitsRunOut: 0, deduplicated: 0 };
  const locks = { timeoutMs: 60_000 };

  // The snapshot a forget + prune removes: the only one holding the shared content.
  const init = await initRepository({ url: dir, password: PASSWORD, kdf: TEST_KDF, chunker: CHUNKER, packSize: 256 * 1024 });
  const s0Tree = await init.saveTree({
    entries: [
      { name: "shared", type: "blob", blob: await init.saveBlob(shared) },
      { name: "own", type: "blob", blob: await init.saveBlob(randomBytes(50_000)) },
    ],
  });
  const s0 = await init.saveSnapshot({ tenant: TENANT, time: "2026-01-01T00:00:00.000Z", toolVersion: "stress", tags: [], partial: false, tree: s0Tree });
  await init.close();

  const saved: { snapshot: string; shared: BlobRef; own: BlobRef; ownBytes: Buffer }[] = [];
  const backup = async (n: number) => {
    await sleep(r() * 40);
    // The default open is a writer's: the engine's backup opens the repository this way.
    const repo = await openRepository({ backend: new DelayedBackend(new LocalBackend(dir), seededRandom(seed * 7 + n), 6), password: PASSWORD, locks });
    try {
      const previous = (await repo.listSnapshots()).filter((s) => s.tenant === TENANT).pop();
      let sharedRef: BlobRef | undefined;
      if (previous) {
        const entry = (await repo.loadTree(previous.tree)).entries.find((e) => e.name === "shared");
        if (entry?.type === "blob" && (await repo.hasBlob(entry.blob.id))) {
          sharedRef = entry.blob;
          result.deduplicated++;
        }
      }
      sharedRef ??= await repo.saveBlob(shared);
      const ownBytes = randomBytes(60_000 + Math.floor(r() * 200_000));
      const own = await repo.saveBlob(ownBytes);
      const tree = await repo.saveTree({
        entries: [
          { name: "shared", type: "blob", blob: sharedRef },
          { name: "own", type: "blob", blob: own },
        ],
      });
      const snap = await repo.saveSnapshot({ tenant: TENANT, time: `2026-01-0${2 + n}T00:00:00.000Z`, toolVersion: "stress", tags: [], partial: false, tree });
      saved.push({ snapshot: snap.id, shared: sharedRef, own, ownBytes });
    } finally {
      await repo.close();
    }
  };
  const forgetAndPrune = async () => {
    await sleep(r() * 40);
    const repo = await openRepository({ backend: new DelayedBackend(new LocalBackend(dir), seededRandom(seed * 7 + 99), 6), password: PASSWORD, autoLock: "none", locks });
    try {
      await repo.acquireLock("exclusive", "forget");
      await repo.removeSnapshot(s0.id);
      await prune(repo, { repackThreshold: 0 });
    } finally {
      await repo.close();
    }
  };

  const tasks = [backup(0)];
  if (scenario !== "backup ‖ prune") tasks.push(backup(1));
  if (scenario !== "backup ‖ backup") tasks.push(forgetAndPrune());
  for (const outcome of await Promise.allSettled(tasks)) {
    if (outcome.status === "fulfilled") continue;
    if (outcome.reason instanceof LockedError) result.lockWaitsRunOut++;
    else result.failures.push(`operation failed: ${(outcome.reason as Error).message}`);
  }

  // Then: a prune as the nightly job would run it, and verify --read-data; every saved snapshot reads back.
  const check = await openRepository({ url: dir, password: PASSWORD, autoLock: "none" });
  try {
    if (scenario === "backup ‖ backup") await prune(check);
    const report = await verifyRepository(check, { readData: true });
    if (!report.ok) result.failures.push(`verify --read-data: ${report.problems.length} problem(s), e.g. ${report.problems[0]!.kind} ${report.problems[0]!.message}`);
    for (const s of saved) {
      try {
        if (!(await bytesOf(check, s.own)).equals(s.ownBytes)) result.failures.push(`snapshot ${s.snapshot.slice(0, 12)}: its own blob reads back different`);
        if (!(await bytesOf(check, s.shared)).equals(shared)) result.failures.push(`snapshot ${s.snapshot.slice(0, 12)}: the shared blob reads back different`);
      } catch (err) {
        result.failures.push(`snapshot ${s.snapshot.slice(0, 12)} cannot be read back: ${(err as Error).message}`);
      }
    }
  } finally {
    await check.close();
    await rm(dir, { recursive: true, force: true });
  }
  return result;
}

describe("stress: backup ‖ prune and backup ‖ backup, seeded", () => {
  it(`${ONLY_SEED ? `seed ${ONLY_SEED}` : `${ROUNDS} rounds`}: every round verifies clean and no operation fails`, async () => {
    const seeds = ONLY_SEED ? [Number(ONLY_SEED)] : Array.from({ length: ROUNDS }, (_, i) => 1000 + i);
    const results: RoundResult[] = [];
    const deadline = Date.now() + ROUND_BUDGET_MS;
    for (const seed of seeds) {
      if (Date.now() > deadline) break;
      results.push(await round(seed));
    }
    const bad = results.filter((x) => x.failures.length > 0);
    const summary = {
      rounds: results.length,
      failedRounds: bad.length,
      byScenario: Object.fromEntries(["backup ‖ prune", "backup ‖ backup ‖ prune", "backup ‖ backup"].map((s) => [s, results.filter((x) => x.scenario === s).length])),
      deduplicatedAgainstPrevious: results.reduce((n, x) => n + x.deduplicated, 0),
      lockWaitsRunOut: results.reduce((n, x) => n + x.lockWaitsRunOut, 0),
    };
    console.log(`stress summary: ${JSON.stringify(summary)}`);
    for (const b of bad) console.log(`seed ${b.seed} (${b.scenario}): ${b.failures.join("; ")}`);
    expect(results.length).toBeGreaterThanOrEqual(Math.min(seeds.length, 10));
    expect(bad.map((b) => `seed ${b.seed} (${b.scenario}): ${b.failures.join("; ")}`)).toEqual([]);
    expect(summary.lockWaitsRunOut).toBe(0);
  }, ROUND_BUDGET_MS + 180_000);
});

function lifeboat(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const clean: NodeJS.ProcessEnv = { ...process.env };
  for (const k of ["LIFEBOAT_REPOSITORY", "LIFEBOAT_PASSWORD"]) delete clean[k];
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { env: { ...clean, ...env, CI: "1" }, maxBuffer: 64 * 1024 * 1024, timeout: 180_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe("stress: lifeboat backup ‖ forget + prune of the snapshot it deduplicates against", () => {
  it("every backup completes and verify --read-data passes after every round", async () => {
    const emu = await startEmulator({ fixture: "demo" });
    try {
      const dir = join(await tempDir(), "repo");
      const init = await initRepository({ url: dir, password: PASSWORD, kdf: TEST_KDF });
      await init.close();
      const env = { LIFEBOAT_REPOSITORY: dir, LIFEBOAT_PASSWORD: PASSWORD, QLIK_HOST: emu.host, QLIK_CLIENT_ID: emu.clientId, QLIK_CLIENT_SECRET: emu.clientSecret };
      const first = await lifeboat(["backup"], env);
      expect(first.code, first.stderr).toBe(0);
      const r = seededRandom(Number(ONLY_SEED ?? 77));
      const rounds = STRESS ? 20 : 3;
      const failures: string[] = [];
      for (let i = 0; i < rounds; i++) {
        const previous = await openRepository({ url: dir, password: PASSWORD, autoLock: "none" });
        const prev = (await previous.listSnapshots()).pop()!;
        await previous.close();
        const backup = lifeboat(["backup"], env);
        const delay = 300 + r() * 3000;
        const pruner = (async () => {
          await sleep(delay);
          const repo = await openRepository({ url: dir, password: PASSWORD, autoLock: "none", locks: { timeoutMs: 120_000 } });
          try {
            await repo.acquireLock("exclusive", "forget");
            await repo.removeSnapshot(prev.id);
            return await prune(repo);
          } finally {
            await repo.close();
          }
        })();
        const [b, p] = await Promise.allSettled([backup, pruner]);
        const res = b.status === "fulfilled" ? b.value : { code: -1, stdout: "", stderr: String(b.reason) };
        if (res.code !== 0) failures.push(`round ${i} (prune after ${Math.round(delay)} ms): backup exited ${res.code}: ${res.stderr.trim().split("\n").pop()}`);
        if (p.status === "rejected") failures.push(`round ${i}: prune failed: ${(p.reason as Error).message}`);
        const verify = await lifeboat(["verify", "--read-data", "--json"], env);
        if (verify.code !== 0) {
          const report = JSON.parse(verify.stdout || "{}");
          failures.push(`round ${i} (prune after ${Math.round(delay)} ms): verify --read-data exited ${verify.code}: ${report.problems?.length} problem(s), e.g. ${report.problems?.[0]?.message}`);
        }
      }
      expect(failures).toEqual([]);
    } finally {
      await emu.close();
    }
  }, STRESS ? 900_000 : 300_000);
});

describe("stress: writers killed with SIGKILL while forget + prune run", () => {
  it("after random kill -9 of looping writers and concurrent prunes, prune + verify --read-data come out clean and every snapshot reads back", async () => {
    const dir = join(await tempDir(), "repo");
    const seed = await initRepository({ url: dir, password: PASSWORD, kdf: TEST_KDF, chunker: CHUNKER, packSize: 256 * 1024 });
    await seed.close();
    const r = seededRandom(Number(ONLY_SEED ?? 4242));
    const start = () => {
      const child = spawn(process.execPath, ["--import", "tsx", writer, dir, "cycle"], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, LIFEBOAT_PASSWORD: PASSWORD } });
      const w = { child, out: "", err: "" };
      child.stdout!.on("data", (d) => (w.out += d));
      child.stderr!.on("data", (d) => (w.err += d));
      return w;
    };
    const kill = async (c: ChildProcess) => {
      if (c.exitCode !== null) return;
      const exited = new Promise((res) => c.once("exit", res));
      c.kill("SIGKILL");
      await exited;
    };
    let writers = [start(), start()];
    const all = [...writers];
    const prunes = { done: 0, lockWaitsRunOut: 0, failures: [] as string[] };
    const deadline = Date.now() + KILL_PHASE_MS;
    const pruner = (async () => {
      while (Date.now() < deadline) {
        await sleep(200 + r() * 800);
        const repo = await openRepository({ url: dir, password: PASSWORD, autoLock: "none", locks: { timeoutMs: 20_000 } });
        try {
          await repo.acquireLock("exclusive", "forget");
          // Forget all but the newest snapshot: what the older ones held is what the writers dedup against.
          const snaps = await repo.listSnapshots();
          for (const s of snaps.slice(0, -1)) await repo.removeSnapshot(s.id);
          await prune(repo, { repackThreshold: 0 });
          prunes.done++;
        } catch (err) {
          if (err instanceof LockedError) prunes.lockWaitsRunOut++;
          else prunes.failures.push((err as Error).message);
        } finally {
          await repo.close();
        }
      }
    })();
    const killer = (async () => {
      while (Date.now() < deadline) {
        await sleep(500 + r() * 2500);
        const i = Math.floor(r() * writers.length);
        await kill(writers[i]!.child);
        writers[i] = start();
        all.push(writers[i]!);
      }
    })();
    await Promise.all([pruner, killer]);
    for (const w of writers) {
      await sleep(r() * 300);
      await kill(w.child);
    }
    // A writer that died on its own (not by our SIGKILL) is a failure: print why.
    const crashed = all.filter((w) => w.child.signalCode !== "SIGKILL");
    expect(crashed.map((w) => w.err)).toEqual([]);
    const written = all.reduce((n, w) => n + (w.out.match(/^snapshot /gm) ?? []).length, 0);
    console.log(`kill phase: ${all.length} writer processes, ${written} snapshots written, ${prunes.done} prunes, ${prunes.lockWaitsRunOut} prune lock waits ran out`);
    expect(prunes.failures).toEqual([]);
    expect(written).toBeGreaterThan(0);
    expect(prunes.done).toBeGreaterThan(0);

    const env = { LIFEBOAT_REPOSITORY: dir, LIFEBOAT_PASSWORD: PASSWORD };
    const pruned = await lifeboat(["prune"], env);
    expect(pruned.code, pruned.stderr).toBe(0);
    const verify = await lifeboat(["verify", "--read-data", "--json"], env);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    const report = JSON.parse(verify.stdout);
    expect(report.problems).toEqual([]);
    expect(report.notes).toEqual([]);
    const repo = await openRepository({ url: dir, password: PASSWORD, autoLock: "none" });
    try {
      const shared = sharedContent();
      for (const s of await repo.listSnapshots()) {
        const entries = (await repo.loadTree(s.tree)).entries;
        const sh = entries.find((e) => e.name === "shared");
        expect(sh?.type === "blob" && (await bytesOf(repo, sh.blob)).equals(shared)).toBe(true);
        for (const e of entries) if (e.type === "blob") expect((await bytesOf(repo, e.blob)).length).toBe(e.blob.size);
      }
    } finally {
      await repo.close();
    }
  }, KILL_PHASE_MS + 240_000);
});
