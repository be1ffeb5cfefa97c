/**
 * The snapshot repository end to end: the `lifeboat` repository commands in child processes,
 * a writer killed with SIGKILL mid-write, a large blob streamed through a local repository
 * with bounded memory, and an S3 repository on a real S3-compatible server.
 *
 * The streamed blob is 256 MiB by default; set LIFEBOAT_E2E_BLOB_MB (e.g. 4096) for the
 * several-GB run — it is kept short here because CI has 2 cores.
 */
import { execFile, spawn } from "node:child_process";
import { randomBytes, randomFillSync, createHash } from "node:crypto";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { initRepository, LocalBackend, openRepository, S3Backend, verifyRepository, type Repository } from "@lifeboat/repository";
import { TEST_KDF } from "@lifeboat/repository/testing";
import { startS3Server } from "@lifeboat/repository/testing-s3";
import { afterAll, describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../packages/cli/bin/lifeboat.js", import.meta.url));
const writer = fileURLToPath(new URL("../packages/repository/testdata/crash-writer.ts", import.meta.url));
const PASSWORD = "e2e-repository-password";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function lifeboat(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  const clean: NodeJS.ProcessEnv = { ...process.env };
  for (const k of ["LIFEBOAT_REPOSITORY", "LIFEBOAT_PASSWORD", "LIFEBOAT_NEW_PASSWORD"]) delete clean[k];
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { env: { ...clean, ...env, CI: "1" }, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * The same command in this process (no child start-up: the CLI loads every package, which
 * costs ~1 s per run on CI). Environment and output are swapped in and out around the call.
 */
async function inProcess(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  const { main } = await import("lifeboat");
  const saved: Record<string, string | undefined> = {};
  for (const k of ["LIFEBOAT_REPOSITORY", "LIFEBOAT_PASSWORD", "LIFEBOAT_NEW_PASSWORD"]) {
    saved[k] = process.env[k];
    delete process.env[k];
  }
  for (const [k, v] of Object.entries(env)) if (v !== undefined) process.env[k] = v;
  let stdout = "";
  let stderr = "";
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array) => ((stdout += Buffer.from(chunk).toString()), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += Buffer.from(chunk).toString()), true)) as typeof process.stderr.write;
  process.exitCode = undefined;
  try {
    const code = await main(["node", "lifeboat", ...args]);
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
    process.exitCode = undefined;
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), "lifeboat-e2e-repo-"));
  dirs.push(d);
  return d;
}
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function collect(it: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const p of it) parts.push(p);
  return Buffer.concat(parts);
}

async function listAll(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out[join(e.parentPath, e.name)] = createHash("sha256").update(await readFile(join(e.parentPath, e.name))).digest("hex");
  }
  return out;
}

describe("repository commands", () => {
  it("init, snapshots, ls, cat, forget, prune, verify and key passwd work together", async () => {
    const dir = join(await tempDir(), "repo");
    const env = { LIFEBOAT_REPOSITORY: dir, LIFEBOAT_PASSWORD: PASSWORD };
    const init = await lifeboat(["init", "--json"], env); // as a user runs it: the real bin
    expect(init.code, init.stderr).toBe(0);
    expect(JSON.parse(init.stdout)).toMatchObject({ location: dir, version: 2, encrypted: true });

    // Snapshots as the backup engine writes them (through the library).
    const repo = await openRepository({ url: dir, password: PASSWORD });
    const ids: string[] = [];
    for (let day = 1; day <= 4; day++) {
      const blob = await repo.saveBlob(Buffer.from(`content of day ${day}\n`));
      const sub = await repo.saveTree({ entries: [{ name: "app.qvf", type: "blob", blob }] });
      const tree = await repo.saveTree({ entries: [{ name: "apps", type: "tree", subtree: sub }] });
      const s = await repo.saveSnapshot({ tenant: "acme.example", time: `2026-01-0${day}T02:00:00.000Z`, toolVersion: "t", tags: day === 1 ? ["keep"] : [], partial: false, tree });
      ids.push(s.id);
    }
    await repo.close();

    const snaps = await inProcess(["snapshots", "--json"], env);
    expect(JSON.parse(snaps.stdout).map((s: { id: string }) => s.id)).toEqual(ids);
    const text = await inProcess(["snapshots"], env);
    expect(text.stdout).toMatch(new RegExp(`${ids[0]!.slice(0, 12)}\\s+2026-01-01T02:00:00.000Z\\s+acme.example\\s+complete\\s+keep`));

    const ls = await inProcess(["ls", "latest", "apps", "--json"], env);
    expect(JSON.parse(ls.stdout).entries).toEqual([expect.objectContaining({ name: "app.qvf", type: "blob" })]);
    expect((await inProcess(["ls", ids[1]!.slice(0, 10)], env)).stdout).toMatch(/apps\/\s+tree/);
    expect((await inProcess(["cat", "latest", "apps/app.qvf"], env)).stdout).toBe("content of day 4\n");
    const missing = await inProcess(["ls", "latest", "nope"], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/'nope' does not exist in the snapshot/);

    const dry = await inProcess(["forget", "--keep-last", "1", "--keep-tag", "keep", "--dry-run"], env);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/would remove [0-9a-f]{12} 2026-01-02.*matches no keep rule/);
    expect(dry.stdout).toMatch(/keep\s+[0-9a-f]{12} 2026-01-01.*has tag 'keep'/);
    expect(dry.stdout).toMatch(/2 kept, 2 would be removed \(dry run\)/);
    const forget = await inProcess(["forget", "--keep-last", "1", "--keep-tag", "keep", "--prune", "--json"], env);
    expect(forget.code, forget.stderr).toBe(0);
    const fj = JSON.parse(forget.stdout);
    expect(fj.removed.sort()).toEqual([ids[1], ids[2]].sort());
    expect(fj.prune.packs).toBeDefined();
    expect(JSON.parse((await inProcess(["snapshots", "--json"], env)).stdout).map((s: { id: string }) => s.id)).toEqual([ids[0], ids[3]]);
    expect((await inProcess(["forget"], env)).stderr).toMatch(/no --keep-… option given/);

    const verify = await inProcess(["verify", "--read-data"], env);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/no problems found/);

    const pwFile = join(dirs[dirs.length - 1]!, "new-password");
    await writeFile(pwFile, "the new password\n");
    const passwd = await inProcess(["key", "passwd", "--new-password-file", pwFile], env);
    expect(passwd.code, passwd.stderr).toBe(0);
    const old = await inProcess(["snapshots"], env);
    expect(old.code).toBe(1);
    expect(old.stderr).toMatch(/wrong password for the repository at .*: it opens none of its 1 key file\(s\) — check LIFEBOAT_PASSWORD or --password-file/);
    expect((await inProcess(["snapshots", "--password-file", pwFile, "--repo", dir])).code).toBe(0);
  });

  it("verify exits with code 4 and names the damage and the affected snapshot", async () => {
    const dir = join(await tempDir(), "repo");
    const repo = await initRepository({ url: dir, password: PASSWORD, kdf: TEST_KDF });
    const blob = await repo.saveBlob(randomBytes(5000));
    const tree = await repo.saveTree({ entries: [{ name: "f", type: "blob", blob }] });
    const snap = await repo.saveSnapshot({ tenant: "t", time: "2026-01-01T00:00:00Z", toolVersion: "t", tags: [], partial: false, tree });
    await repo.close();
    const packs = await new LocalBackend(dir).list("data");
    const p = packs[0]!.name;
    const file = join(dir, "data", p.slice(0, 2), p);
    const bytes = await readFile(file);
    bytes[100]! ^= 0xff;
    await writeFile(file, bytes);
    const env = { LIFEBOAT_REPOSITORY: dir, LIFEBOAT_PASSWORD: PASSWORD };
    expect((await inProcess(["verify"], env)).code).toBe(0); // structure is fine; only --read-data reads bytes
    const r = await lifeboat(["verify", "--read-data"], env); // the exit code as the shell sees it
    expect(r.code).toBe(4);
    expect(r.stdout).toMatch(/damaged-pack: data\/\w\w\/\w+: pack content does not match its name/);
    expect(r.stdout).toMatch(/damaged-entry: data\/\w\w\/\w+ inline \w+: authentication failed/);
    expect(r.stdout).toContain(`snapshots affected (cannot be restored completely):\n  ${snap.id}`);
    const j = await inProcess(["verify", "--read-data", "--json"], env);
    expect(j.code).toBe(4);
    expect(JSON.parse(j.stdout).affectedSnapshots).toEqual([snap.id]);
  });

  it("refuses bad input with clear errors and overwrites nothing", async () => {
    const base = await tempDir();
    const file = join(base, "a-file");
    await writeFile(file, "precious");
    const r1 = await inProcess(["init", "--repo", file], { LIFEBOAT_PASSWORD: PASSWORD });
    expect(r1.code).toBe(1);
    expect(r1.stderr).toMatch(/repository path .*a-file is a file, not a directory/);
    expect(await readFile(file, "utf8")).toBe("precious");

    const full = join(base, "full");
    await writeFile(join(base, "placeholder"), "");
    await rm(join(base, "placeholder"));
    await import("node:fs/promises").then((fs) => fs.mkdir(full));
    await writeFile(join(full, "notes.txt"), "mine");
    const before = await listAll(full);
    const r2 = await inProcess(["init", "--repo", full], { LIFEBOAT_PASSWORD: PASSWORD });
    expect(r2.code).toBe(1);
    expect(r2.stderr).toMatch(/is not empty and is not a Lifeboat repository — choose an empty or new location; nothing was changed/);
    const r2b = await inProcess(["snapshots", "--repo", full], { LIFEBOAT_PASSWORD: PASSWORD });
    expect(r2b.stderr).toMatch(/is not a Lifeboat repository \(it has no config file\)/);
    expect(await listAll(full)).toEqual(before);

    const r3 = await inProcess(["init", "--repo", "s3:http://127.0.0.1:9"], { LIFEBOAT_PASSWORD: PASSWORD });
    expect(r3.code).toBe(1);
    expect(r3.stderr).toMatch(/has no bucket — use s3:ENDPOINT\/BUCKET\/PREFIX/);

    const r4 = await inProcess(["init", "--repo", join(base, "new"), "--password-file", join(base, "no-such-file")]);
    expect(r4.code).toBe(2);
    expect(r4.stderr).toMatch(/password file .*no-such-file does not exist — check --password-file/);
    await expect(readdir(join(base, "new"))).rejects.toThrow();

    const r5 = await inProcess(["init", "--repo", join(base, "new")]);
    expect(r5.stderr).toMatch(/a password is needed .* set LIFEBOAT_PASSWORD or pass --password-file/);
    const r6 = await inProcess(["init", "--repo", join(base, "open"), "--insecure-no-password"]);
    expect(r6.code, r6.stderr).toBe(0);
    expect(r6.stdout).toMatch(/warning: this repository has no password/);
    expect((await inProcess(["snapshots", "--repo", join(base, "open")])).stderr).toMatch(/a password is needed.*--insecure-no-password/);
    expect((await inProcess(["snapshots", "--repo", join(base, "open"), "--insecure-no-password"])).code).toBe(0);
    expect((await inProcess(["snapshots"])).stderr).toMatch(/no repository given — pass --repo or set LIFEBOAT_REPOSITORY/);
  });
});

describe("crash consistency", () => {
  it("two writer processes run concurrently; after kill -9 of both no snapshot is half-visible, and prune + verify come out clean", async () => {
    const dir = join(await tempDir(), "repo");
    const seed = await initRepository({ url: dir, password: PASSWORD, kdf: TEST_KDF, chunker: { min: 16 * 1024, avg: 64 * 1024, max: 256 * 1024 }, packSize: 256 * 1024 });
    await seed.close();
    const writers = [0, 1].map(() => {
      const child = spawn(process.execPath, ["--import", "tsx", writer, dir], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, LIFEBOAT_PASSWORD: PASSWORD } });
      const w = { child, out: "", err: "" };
      child.stdout.on("data", (d) => (w.out += d));
      child.stderr.on("data", (d) => (w.err += d));
      return w;
    });
    // Let both commit a few snapshots side by side, then kill them at arbitrary moments mid-write.
    const deadline = Date.now() + 90_000;
    const count = (w: { out: string }) => (w.out.match(/snapshot/g) ?? []).length;
    while (writers.some((w) => count(w) < 3 && w.child.exitCode === null) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    for (const w of writers) expect(w.child.exitCode, w.err).toBeNull();
    for (const w of writers) {
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 200));
      const exited = new Promise((r) => w.child.once("exit", r));
      w.child.kill("SIGKILL");
      await exited;
    }
    const written = writers.flatMap((w) => w.out.split("\n").filter((l) => l.startsWith("snapshot ")).map((l) => l.slice(9)));

    // The dead writers' locks are still there; everything visible is complete.
    expect((await new LocalBackend(dir).list("lock")).length).toBe(2);
    const repo = await openRepository({ url: dir, password: PASSWORD, autoLock: "none" });
    const visible = await repo.listSnapshots();
    expect(visible.map((s) => s.id)).toEqual(expect.arrayContaining(written));
    expect(visible.length).toBeLessThanOrEqual(written.length + 2); // a snapshot being saved when killed, if its file landed
    for (const s of visible) {
      const t = await repo.loadTree(s.tree);
      for (const e of t.entries) if (e.type === "blob") expect((await collect(repo.readBlob(e.blob))).length).toBe(e.blob.size);
    }
    await repo.close();

    const env = { LIFEBOAT_REPOSITORY: dir, LIFEBOAT_PASSWORD: PASSWORD };
    const prune = await lifeboat(["prune"], env);
    expect(prune.code, prune.stderr).toBe(0);
    expect(prune.stderr.match(/removed stale lock of backup \(PID \d+ on .*\): process \d+ on .* no longer exists/g)?.length).toBe(2);
    const verify = await lifeboat(["verify", "--read-data", "--json"], env);
    expect(verify.code, verify.stdout).toBe(0);
    const report = JSON.parse(verify.stdout);
    expect(report.problems).toEqual([]);
    expect(report.notes).toEqual([]);
    expect(report.checked.snapshots).toBe(visible.length);
  });
});

describe("large blobs", () => {
  it("streams a large blob in and out of a local repository with bounded memory", async () => {
    const mb = Number(process.env.LIFEBOAT_E2E_BLOB_MB ?? 256);
    const total = mb * 1024 * 1024;
    const dir = join(await tempDir(), "repo");
    const repo: Repository = await initRepository({ url: dir, password: PASSWORD, kdf: TEST_KDF });
    let peak = 0;
    const sample = () => {
      const m = process.memoryUsage();
      peak = Math.max(peak, m.heapUsed + m.arrayBuffers);
    };
    const timer = setInterval(sample, 20);
    const hash = createHash("sha256");
    async function* source() {
      const buf = Buffer.alloc(1024 * 1024);
      let x = 1;
      for (let sent = 0; sent < total; sent += buf.length) {
        randomFillSync(buf, 0, 4096); // mostly incompressible, some runs compress
        for (let i = 4096; i < buf.length; i += 4096) buf.writeUInt32LE((x = (x * 1664525 + 1013904223) >>> 0), i);
        hash.update(buf);
        yield buf;
      }
    }
    const before = process.memoryUsage();
    const ref = await repo.saveBlob(source());
    await repo.flush();
    expect(ref).toEqual({ id: hash.digest("hex"), size: total });
    const check = createHash("sha256");
    let n = 0;
    for await (const piece of repo.readBlob(ref)) {
      check.update(piece);
      n += piece.length;
    }
    clearInterval(timer);
    sample();
    expect(n).toBe(total);
    expect(check.digest("hex")).toBe(ref.id);
    // Bounded: a chunk buffer, a few chunks in flight and packs — not the blob.
    expect(peak - (before.heapUsed + before.arrayBuffers)).toBeLessThan(256 * 1024 * 1024);
    await repo.close();
  });
});

describe("S3 repository", () => {
  it("holds snapshots on a real S3-compatible server and verifies clean", async () => {
    const s3 = await startS3Server();
    try {
      const backend = () => new S3Backend({ endpoint: s3.endpoint, bucket: s3.bucket, prefix: "e2e/repo", credentials: s3.credentials });
      const repo = await initRepository({ backend: backend(), password: PASSWORD, kdf: TEST_KDF, packSize: 1024 * 1024 });
      const data = randomBytes(3 * 1024 * 1024);
      const blob = await repo.saveBlob(data);
      const tree = await repo.saveTree({ entries: [{ name: "big", type: "blob", blob }] });
      await repo.saveSnapshot({ tenant: "s3.example", time: "2026-01-01T00:00:00Z", toolVersion: "t", tags: [], partial: false, tree });
      await repo.close();
      const again = await openRepository({ backend: backend(), password: PASSWORD, autoLock: "none" });
      expect((await collect(again.readBlob(blob))).equals(data)).toBe(true);
      const report = await verifyRepository(again, { readData: true });
      expect(report.problems).toEqual([]);
      expect(report.checked.packs).toBeGreaterThan(1);
    } finally {
      await s3.stop();
    }
  });
});
