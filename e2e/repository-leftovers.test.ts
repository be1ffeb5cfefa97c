/**
 * Leftovers of killed writers (issue 15, item 9): a writer killed with SIGKILL while it writes a
 * pack leaves its temporary file (up to a pack in size). `lifeboat verify` reports it as a
 * warning with count and size (not damage); `lifeboat prune` keeps it while it is young (a save
 * may still be writing it) and removes it once it is old enough to be dead.
 */
import { execFile, spawn } from "node:child_process";
import { watch, type FSWatcher } from "node:fs";
import { mkdir, mkdtemp, rm, stat, utimes } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { initRepository, LocalBackend } from "@lifeboat/repository";
import { TEST_KDF } from "@lifeboat/repository/testing";
import { afterAll, describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../packages/cli/bin/lifeboat.js", import.meta.url));
const writer = fileURLToPath(new URL("../packages/repository/testdata/crash-writer.ts", import.meta.url));
const PASSWORD = "e2e-leftovers-password";

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function lifeboat(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const clean: NodeJS.ProcessEnv = { ...process.env };
  for (const k of ["LIFEBOAT_REPOSITORY", "LIFEBOAT_PASSWORD"]) delete clean[k];
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { env: { ...clean, ...env, CI: "1" }, maxBuffer: 16 * 1024 * 1024, timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Starts a writer streaming into 32 MiB packs and kills it (SIGKILL) as soon as a pack's temporary file appears. */
async function killMidPack(dir: string): Promise<boolean> {
  const watchers: FSWatcher[] = [];
  const child = spawn(process.execPath, ["--import", "tsx", writer, dir, "big"], { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, LIFEBOAT_PASSWORD: PASSWORD } });
  let err = "";
  child.stderr!.on("data", (d) => (err += d));
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  await new Promise<void>((resolve) => {
    const shards = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
    for (const s of shards) {
      watchers.push(
        watch(join(dir, "data", s), (_event, name) => {
          if (!name?.includes(".tmp-")) return;
          // Let some of the pack reach the file first (a few ms), then kill mid-write.
          const file = join(dir, "data", s, name);
          const started = Date.now();
          const poll = () =>
            stat(file).then(
              (st) => (st.size >= 1024 * 1024 || Date.now() - started > 500 ? (child.kill("SIGKILL"), resolve()) : setTimeout(poll, 1)),
              () => (child.kill("SIGKILL"), resolve()),
            );
          void poll();
        }),
      );
    }
    void exited.then(() => resolve());
  });
  for (const w of watchers) w.close();
  await exited;
  if (child.signalCode !== "SIGKILL") throw new Error(`the writer ended by itself: ${err}`);
  return ((await new LocalBackend(dir).listTemporary()).length ?? 0) > 0;
}

describe("temporary files of a killed writer", () => {
  it("verify warns with count and size; prune keeps a young one and removes it once old", async () => {
    const root = await mkdtemp(join(tmpdir(), "lifeboat-e2e-leftovers-"));
    dirs.push(root);
    const dir = join(root, "repo");
    const repo = await initRepository({ url: dir, password: PASSWORD, kdf: TEST_KDF, packSize: 32 * 1024 * 1024 });
    await repo.close();
    for (let i = 0; i < 256; i++) await mkdir(join(dir, "data", i.toString(16).padStart(2, "0")), { recursive: true });

    // The kill must land between the temporary file's creation and its rename: try a few writers.
    let left = false;
    for (let attempt = 0; attempt < 8 && !left; attempt++) left = await killMidPack(dir);
    expect(left).toBe(true);
    const temporary = await new LocalBackend(dir).listTemporary();
    expect(temporary.length).toBeGreaterThanOrEqual(1);
    const bytes = temporary.reduce((n, t) => n + t.size, 0);

    const env = { LIFEBOAT_REPOSITORY: dir, LIFEBOAT_PASSWORD: PASSWORD };
    const verify = await lifeboat(["verify"], env);
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(new RegExp(`^warning: ${temporary.length} temporary file\\(s\\) \\([\\d.]+ (B|KiB|MiB)\\) left by interrupted or running saves, e\\.g\\. data/[0-9a-f]{2}/[0-9a-f]{64}\\.tmp-[0-9a-f]+ — not damage; run 'lifeboat prune' to remove those untouched for 15 minutes$`, "m"));
    expect(verify.stdout).toMatch(/no problems found/);
    const json = JSON.parse((await lifeboat(["verify", "--json"], env)).stdout);
    expect(json.temporary).toEqual({ files: temporary.length, bytes });
    expect(json.ok).toBe(true);

    // Young: a save may still be writing it — kept.
    const young = await lifeboat(["prune"], env);
    expect(young.code, young.stderr).toBe(0);
    expect(young.stdout).toMatch(new RegExp(`kept ${temporary.length} temporary file\\(s\\) touched in the last 15 minutes`));
    expect((await new LocalBackend(dir).listTemporary()).length).toBe(temporary.length);

    // Old enough to be dead: removed.
    const past = new Date(Date.now() - 20 * 60_000);
    for (const t of temporary) await utimes(join(dir, t.path), past, past);
    const old = await lifeboat(["prune", "--json"], env);
    expect(old.code, old.stderr).toBe(0);
    expect(JSON.parse(old.stdout).temporary).toEqual({ removed: temporary.length, removedBytes: bytes, kept: 0 });
    expect(await new LocalBackend(dir).listTemporary()).toEqual([]);
    for (const t of temporary) await expect(stat(join(dir, t.path))).rejects.toThrow(/ENOENT/);
    const after = await lifeboat(["verify", "--read-data", "--json"], env);
    expect(after.code, after.stdout).toBe(0);
    expect(JSON.parse(after.stdout)).toMatchObject({ ok: true, warnings: [], temporary: { files: 0, bytes: 0 } });
  });
});
