/**
 * Honest messages and exit codes (issue 15 item 7, issue 10 item 11): the real `lifeboat` bin
 * in child processes against the emulator — usage errors are one line and exit 2; a closed
 * stdout ends quietly; an unknown snapshot reads the same for `show` and `restore`; a damaged
 * pack during a restore is damage (exit 4), said in full; an expired export file is said to
 * have expired; `repair index` rebuilds a lost index; a malformed host is quoted as given;
 * `repository:` of lifeboat.yaml works alone; the safety backup records skipped objects.
 */
import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadManifest, loadRestoreSource } from "@lifeboat/engine";
import { startEmulator, type EmulatorHandle } from "@lifeboat/emulator";
import { initRepository, openRepository } from "@lifeboat/repository";
import { createTestRepository, TEST_KDF } from "@lifeboat/repository/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { botEnv, restoreCli, takeBackup } from "./restore-helpers.ts";

const bin = fileURLToPath(new URL("../packages/cli/bin/lifeboat.js", import.meta.url));
const PASSWORD = "e2e-honesty-password";
const SCRUB = ["QLIK_HOST", "QLIK_API_KEY", "QLIK_CLIENT_ID", "QLIK_CLIENT_SECRET", "LIFEBOAT_CONFIG", "LIFEBOAT_REPOSITORY", "LIFEBOAT_PASSWORD", "LIFEBOAT_JOURNAL_DIR"];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cleanEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const k of SCRUB) delete base[k];
  return { ...base, ...env, CI: "1" };
}

function lifeboat(args: string[], env: Record<string, string | undefined> = {}, cwd?: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { env: cleanEnv(env), cwd: cwd ?? tmpdir(), maxBuffer: 64 * 1024 * 1024, timeout: 180_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), "lifeboat-honesty-"));
  dirs.push(d);
  return d;
}
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe("usage errors", () => {
  it("bad flag values, unknown flags, missing arguments and unknown commands: one line, a pointer to --help, exit 2", async () => {
    const cases: [string[], RegExp, string][] = [
      [["restore", "latest", "--bogus"], /unknown option '--bogus'/, "lifeboat restore --help"],
      [["backup", "--deep-check-days", "abc"], /option '--deep-check-days <n>' argument 'abc' is invalid\. expected a whole number of days/, "lifeboat backup --help"],
      [["show"], /missing required argument 'snapshot'/, "lifeboat show --help"],
      [["key", "passwd", "--nope"], /unknown option '--nope'/, "lifeboat key passwd --help"],
      [["restor"], /unknown command 'restor' \(did you mean restore\?\)/, "lifeboat --help"],
    ];
    const runs = await Promise.all(cases.map(([args]) => lifeboat(args)));
    for (const [i, [args, message, help]] of cases.entries()) {
      const r = runs[i]!;
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(2);
      expect(r.stderr.split("\n").filter(Boolean), args.join(" ")).toHaveLength(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toContain(`see '${help}'`);
      expect(r.stderr).not.toMatch(/Usage:|Options:/);
      expect(r.stdout).toBe("");
    }
    const help = await lifeboat(["restore", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: lifeboat restore/);
  });

  it("a malformed host is quoted as given, not rewritten into another host", async () => {
    const flag = await lifeboat(["backup", "--host", "http//acme.example.com", "--repo", "/nonexistent"], { QLIK_API_KEY: "k", LIFEBOAT_PASSWORD: "x" });
    expect(flag.code, flag.stderr).toBe(2);
    expect(flag.stderr).toBe("lifeboat: --host 'http//acme.example.com' is not a host name or an http(s) URL (e.g. https://acme.eu.qlikcloud.com or acme.eu.qlikcloud.com)\n");
    const env = await lifeboat(["backup", "--repo", "/nonexistent"], { QLIK_HOST: "https:/acme.example.com", QLIK_API_KEY: "k", LIFEBOAT_PASSWORD: "x" });
    expect(env.code).toBe(2);
    expect(env.stderr).toMatch(/^lifeboat: QLIK_HOST 'https:\/acme.example.com' is not a tenant URL/);
    expect(env.stderr).not.toMatch(/https:\/\/https|https:\/\/http\b/);
  });
});

describe("against a tenant", () => {
  let emu: EmulatorHandle;
  let work: string;
  let repoDir: string;
  const tenantEnv = () => ({ QLIK_HOST: emu.host, QLIK_CLIENT_ID: emu.clientId, QLIK_CLIENT_SECRET: emu.clientSecret, LIFEBOAT_PASSWORD: PASSWORD });

  beforeAll(async () => {
    emu = await startEmulator({ fixture: "demo", admin: true });
    work = await tempDir();
    repoDir = join(work, "repo");
  });
  afterAll(async () => {
    await emu?.close();
  });

  it("repository: in lifeboat.yaml alone serves init, backup and snapshots (relative to the file)", async () => {
    await writeFile(join(work, "lifeboat.yaml"), "repository: ./repo\n");
    const init = await lifeboat(["init"], { LIFEBOAT_PASSWORD: PASSWORD }, work);
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toContain(`at ${repoDir}`);
    const backup = await lifeboat(["backup"], tenantEnv(), work);
    expect(backup.code, backup.stderr).toBe(0);
    // From another folder, the file named by LIFEBOAT_CONFIG still means ./repo beside it.
    const snaps = await lifeboat(["snapshots", "--json"], { LIFEBOAT_PASSWORD: PASSWORD, LIFEBOAT_CONFIG: join(work, "lifeboat.yaml") });
    expect(snaps.code, snaps.stderr).toBe(0);
    expect(JSON.parse(snaps.stdout)).toHaveLength(1);
    // The flag wins over the file.
    const other = await lifeboat(["snapshots", "--repo", join(work, "nowhere")], { LIFEBOAT_PASSWORD: PASSWORD }, work);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/there is no repository at .*nowhere/);
  });

  it("an unknown snapshot: restore says what show says, with the same exit code", async () => {
    const [show, restore] = await Promise.all([
      lifeboat(["show", "deadbeef"], { LIFEBOAT_PASSWORD: PASSWORD }, work),
      lifeboat(["restore", "deadbeef", "--all", "--yes"], tenantEnv(), work),
    ]);
    expect(show.code).toBe(2);
    expect(restore.code).toBe(2);
    expect(show.stderr).toBe(`lifeboat: no snapshot 'deadbeef' in the repository at ${repoDir} — 'lifeboat snapshots' lists them\n`);
    expect(restore.stderr).toBe(show.stderr);
  });

  it("ls --json into a closed pipe ends quietly", async () => {
    const child = spawn(process.execPath, [bin, "ls", "latest", "--json"], { env: cleanEnv({ LIFEBOAT_PASSWORD: PASSWORD }), cwd: work, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.destroy(); // the reader is gone before the first line (as `| head -0`)
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += String(d)));
    const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
    expect(stderr).toBe("");
    expect(code).toBe(0);
  });

  it("a damaged pack during a restore is damage: exit 4, the whole message, verify named — not a network error", async () => {
    // The .qvf of one app, damaged on disk in the middle of one of its entries.
    const repo = await openRepository({ url: repoDir, password: PASSWORD, autoLock: "none" });
    let appId: string;
    let pack: string;
    try {
      const snap = await repo.loadSnapshot("latest");
      const source = await loadRestoreSource(repo, snap);
      const app = source.apps.find((a) => a.doc.summary.spaceType === "shared" && a.qvf)!;
      appId = app.id;
      const layout = await repo.blobLayout(app.qvf!.id);
      const loc = layout.inline ? repo.index.get("inline", app.qvf!.id)! : repo.index.get("chunk", layout.chunks[0]![0])!;
      pack = loc.pack;
      const file = join(repoDir, "data", pack.slice(0, 2), pack);
      const bytes = await readFile(file);
      bytes[loc.offset + (loc.length >> 1)]! ^= 0xff;
      await writeFile(file, bytes);
    } finally {
      await repo.close();
    }
    const del = await fetch(`${emu.host}/__emulator/apps/${encodeURIComponent(appId)}`, { method: "DELETE" });
    expect(del.ok).toBe(true);

    const r = await lifeboat(["restore", "latest", "--app", appId, "--yes", "--no-safety-backup", "--journal-dir", join(work, "journals")], tenantEnv(), work);
    const all = r.stdout + r.stderr;
    expect(r.code, all).toBe(4);
    expect(all).toMatch(new RegExp(`in pack ${pack} is damaged: authentication failed \\(modified, truncated or moved\\)`));
    expect(r.stderr).toMatch(/could not read the snapshot's data because the repository is damaged .*run 'lifeboat verify --read-data'/);
    expect(all).not.toMatch(/network|kept failing|no response|…/);
    const verify = await lifeboat(["verify", "--read-data"], { LIFEBOAT_PASSWORD: PASSWORD }, work);
    expect(verify.code).toBe(4);
    expect(verify.stdout).toContain(pack);
  });
});

describe("repair index", () => {
  it("a deleted and a damaged index file: verify exits 4 and points at repair index, which rebuilds it; verify --read-data is clean after", async () => {
    const dir = join(await tempDir(), "repo");
    const repo = await initRepository({ url: dir, password: PASSWORD, kdf: TEST_KDF, packSize: 64 * 1024 });
    const entries = [];
    for (let i = 0; i < 3; i++) {
      entries.push({ name: `f${i}`, type: "blob" as const, blob: await repo.saveBlob(randomBytes(40_000)) });
      await repo.flush(); // a pack and an index file each
    }
    const tree = await repo.saveTree({ entries });
    await repo.saveSnapshot({ tenant: "t", time: "2026-01-01T00:00:00Z", toolVersion: "t", tags: [], partial: false, tree });
    await repo.close();
    const indexDir = join(dir, "index");
    const names = (await readdir(indexDir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
    expect(names.length).toBeGreaterThanOrEqual(3);
    await rm(names[0]!);
    const bytes = await readFile(names[1]!);
    bytes[bytes.length >> 1]! ^= 0xff;
    await writeFile(names[1]!, bytes);

    const env = { LIFEBOAT_REPOSITORY: dir, LIFEBOAT_PASSWORD: PASSWORD };
    const before = await lifeboat(["verify"], env);
    expect(before.code, before.stdout + before.stderr).toBe(4);
    expect(before.stdout + before.stderr).toMatch(/lifeboat repair index/);
    const prune = await lifeboat(["prune"], env);
    expect(prune.code).toBe(4);
    expect(prune.stderr).toMatch(/run 'lifeboat repair index' \(it rebuilds the index from the packs\), then prune again; nothing was removed/);

    const repair = await lifeboat(["repair", "index"], env);
    expect(repair.code, repair.stderr).toBe(0);
    expect(repair.stdout).toMatch(/read \d+ pack header\(s\): \d+ pack\(s\) with \d+ entries indexed; 1 index file\(s\) written, \d+ old one\(s\) removed/);
    const after = await lifeboat(["verify", "--read-data"], env);
    expect(after.code, after.stdout + after.stderr).toBe(0);
    expect(after.stdout).toMatch(/no problems found/);
    expect(after.stdout).not.toMatch(/note:/);
  });
});

describe("expired export files", () => {
  it("a temp file that answers 410 is said to have expired, not to be deleted or moved on the tenant", async () => {
    const emu = await startEmulator({ fixture: "demo", faults: "rate=1,kinds=expire,seed=3" });
    try {
      const dir = join(await tempDir(), "repo");
      const env = { LIFEBOAT_REPOSITORY: dir, LIFEBOAT_PASSWORD: PASSWORD, QLIK_HOST: emu.host, QLIK_CLIENT_ID: emu.clientId, QLIK_CLIENT_SECRET: emu.clientSecret };
      expect((await lifeboat(["init"], env)).code).toBe(0);
      const backup = await lifeboat(["backup"], env);
      expect(backup.code, backup.stderr).toBe(3);
      const show = await lifeboat(["show", "latest", "--json"], env);
      const failed = (JSON.parse(show.stdout) as { manifest: { items: { layer: string; status: string; reason?: string }[] } }).manifest.items.filter((i) => i.status === "failed");
      expect(failed.length).toBeGreaterThan(0);
      for (const item of failed) {
        expect(item.reason).toMatch(/\(410[^)]*\).*the export's temporary file expired on the tenant before its download finished/);
        expect(item.reason).toMatch(/the next backup exports it afresh/);
        expect(item.reason).not.toMatch(/deleted or moved/);
      }
    } finally {
      await emu.close();
    }
  });
});

describe("the safety backup before a restore", () => {
  it("records the objects it could not read, as a backup does", async () => {
    const emu = await startEmulator({ fixture: "demo", admin: true });
    const repo = await createTestRepository();
    const dir = await tempDir();
    try {
      const snap = await takeBackup(emu, repo);
      const source = await loadRestoreSource(repo, snap);
      const [deleted, other] = source.apps.filter((a) => a.doc.summary.spaceType === "shared");
      // An object the engine lists but cannot open — as one deleted between listing and
      // reading: listed as a bookmark, stored as a generic object, so GetBookmark finds nothing.
      const app = emu.state.tenants[0]!.apps[other!.id]!;
      const sheet = Object.values(app.objects).find((o) => o.type === "sheet")!;
      app.objects["vanishing-1"] = { ...structuredClone(sheet), id: "vanishing-1", type: "bookmark", children: [] };
      expect((await fetch(`${emu.host}/__emulator/apps/${encodeURIComponent(deleted!.id)}`, { method: "DELETE" })).ok).toBe(true);

      const r = await restoreCli({ snapshot: snap.id, opts: { app: [deleted!.id], yes: true, json: true }, env: botEnv(emu), repo, journalDir: dir });
      const safety = r.stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l) as { type: string; snapshotId?: string }).find((e) => e.type === "safety-backup");
      expect(safety, r.stdout + r.stderr).toBeDefined();
      const safetySnap = await repo.loadSnapshot(safety!.snapshotId!);
      const manifest = await loadManifest(repo, safetySnap);
      const skipped = manifest.items.filter((i) => i.status === "skipped" && i.layer === "objects");
      expect(skipped).toEqual([expect.objectContaining({ id: "vanishing-1", appId: other!.id, reason: expect.stringMatching(/listed by GetAllInfos but no longer found/) })]);
      expect(safetySnap.partial).toBe(true);
    } finally {
      await repo.close();
      await emu.close();
    }
  });
});
