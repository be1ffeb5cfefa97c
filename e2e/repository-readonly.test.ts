/**
 * Read-only and immutable repositories (issue 15, item 5): a repository on a read-only mount
 * (EROFS) or made immutable with `chattr +i` (EPERM) — both refuse writes even to root, unlike
 * `chmod a-w` — can be listed, shown, verified with --read-data and restored from; commands that
 * must write say that the repository is read-only and what works instead. (The same with a
 * storage wrapper failing writes with EROFS: packages/repository/src/concurrency.test.ts.)
 *
 * A read-only bind mount needs CAP_SYS_ADMIN and chattr an ext2/3/4-like file system: a mode
 * this machine cannot make is skipped, saying why.
 */
import { execFile, execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startEmulator, type EmulatorHandle } from "@lifeboat/emulator";
import { initRepository, type Snapshot } from "@lifeboat/repository";
import { TEST_KDF } from "@lifeboat/repository/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exitCodeFor, runRestore } from "lifeboat/testing";
import { botApi, botEnv, readReference, sink, takeBackup } from "./restore-helpers.ts";

const bin = fileURLToPath(new URL("../packages/cli/bin/lifeboat.js", import.meta.url));
const PASSWORD = "e2e-readonly-password";

function lifeboat(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const clean: NodeJS.ProcessEnv = { ...process.env };
  for (const k of ["LIFEBOAT_REPOSITORY", "LIFEBOAT_PASSWORD"]) delete clean[k];
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { env: { ...clean, ...env, CI: "1" }, maxBuffer: 16 * 1024 * 1024, timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

function tryRun(cmd: string, args: string[]): string | undefined {
  try {
    execFileSync(cmd, args, { stdio: "pipe" });
    return undefined;
  } catch (err) {
    return `${cmd} ${args.join(" ")}: ${String((err as { stderr?: Buffer }).stderr ?? (err as Error).message).trim()}`;
  }
}

interface Mode {
  name: string;
  path: string;
  /** Why this machine cannot make it (then it is skipped). */
  unavailable?: string;
  code: string;
}

describe("a read-only or immutable repository", () => {
  let emu: EmulatorHandle;
  let root: string;
  let snap: Snapshot;
  let pw: string;
  const modes: Mode[] = [];
  let mounted = false;
  let immutable: string | undefined;

  beforeAll(async () => {
    emu = await startEmulator({ fixture: "demo", admin: true });
    root = await mkdtemp(join(tmpdir(), "lifeboat-e2e-ro-"));
    const src = join(root, "repo");
    const repo = await initRepository({ url: src, password: PASSWORD, kdf: TEST_KDF });
    snap = await takeBackup(emu, repo);
    await repo.close();
    pw = join(root, "password");
    await writeFile(pw, PASSWORD + "\n");

    const mnt = join(root, "ro-mount");
    await mkdir(mnt);
    let why = tryRun("mount", ["--bind", src, mnt]);
    if (!why) {
      mounted = true;
      why = tryRun("mount", ["-o", "remount,ro,bind", mnt]);
    }
    if (!why && !tryRun("touch", [join(mnt, "probe")])) why = "the read-only mount accepted a write";
    modes.push({ name: "on a read-only mount (EROFS)", path: mnt, unavailable: why, code: "EROFS" });

    const copy = join(root, "immutable");
    execFileSync("cp", ["-a", src, copy]);
    why = tryRun("chattr", ["-R", "+i", copy]);
    if (!why) immutable = copy;
    if (!why && !tryRun("touch", [join(copy, "locks", "probe")])) why = "the immutable directory accepted a write";
    modes.push({ name: "made immutable with chattr +i (EPERM)", path: copy, unavailable: why, code: "EPERM" });
  });

  afterAll(async () => {
    if (mounted) tryRun("umount", [join(root, "ro-mount")]);
    if (immutable) tryRun("chattr", ["-R", "-i", immutable]);
    await emu?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  for (const i of [0, 1]) {
    it(`${i === 0 ? "on a read-only mount (EROFS)" : "made immutable with chattr +i (EPERM)"}: lists, shows and verifies; writers say what to do`, async (ctx) => {
      const mode = modes[i]!;
      if (mode.unavailable) {
        console.log(`skipped: ${mode.name}: ${mode.unavailable}`);
        ctx.skip();
      }
      const repoArgs = ["--repo", mode.path, "--password-file", pw];
      const snapshots = await lifeboat(["snapshots", ...repoArgs]);
      expect(snapshots.code, snapshots.stderr).toBe(0);
      expect(snapshots.stdout).toContain(snap.id.slice(0, 12));
      const ls = await lifeboat(["ls", "latest", "apps", ...repoArgs]);
      expect(ls.code, ls.stderr).toBe(0);
      expect(ls.stdout).toContain("Sales Overview");
      const show = await lifeboat(["show", "latest", "--no-lock", ...repoArgs]);
      expect(show.code, show.stderr).toBe(0);

      // verify takes a shared lock; the storage refuses it: verify falls back and says so.
      const verify = await lifeboat(["verify", "--read-data", ...repoArgs]);
      expect(verify.code, verify.stderr).toBe(0);
      expect(verify.stdout).toMatch(/no problems found/);
      expect(verify.stderr).toBe(
        `lifeboat: warning: the repository at ${mode.path} is read-only: reading it without a lock (as with --no-lock; pass it to skip this check)\n`,
      );
      const quiet = await lifeboat(["verify", "--read-data", "--no-lock", ...repoArgs]);
      expect(quiet.code, quiet.stderr).toBe(0);
      expect(quiet.stderr).toBe("");

      const prune = await lifeboat(["prune", ...repoArgs]);
      expect(prune.code).toBe(1);
      expect(prune.stderr).toMatch(
        new RegExp(
          `^lifeboat: the repository at ${mode.path} is read-only \\(${mode.code} writing locks/[0-9a-f]{12}…\\): prune cannot take its exclusive lock — ` +
            `commands that only read \\(snapshots, ls, show, cat, diff, verify, restore with --no-safety-backup\\) run with --no-lock; backup, forget and prune need write access\\n$`,
        ),
      );
      const forget = await lifeboat(["forget", "--keep-last", "1", ...repoArgs]);
      expect(forget.code).toBe(1);
      expect(forget.stderr).toMatch(/is read-only .*: forget cannot take its exclusive lock/);
    });
  }

  it("restores a deleted app from it with --no-safety-backup; with a safety backup it stops before changing anything, saying why", async (ctx) => {
    const mode = modes.find((m) => !m.unavailable);
    if (!mode) {
      console.log(`skipped: no read-only repository could be made here: ${modes.map((m) => m.unavailable).join("; ")}`);
      ctx.skip();
    }
    const before = await readReference(emu);
    const customer = before.find((a) => a.name === "Customer 360" && !a.originAppId)!;
    await botApi(emu).apps.deleteApp(customer.appId);
    const journals = join(root, "journals");
    const restore = async (safetyBackup: boolean) => {
      const stdout = sink();
      const stderr = sink();
      let code: number;
      try {
        code = await runRestore({
          snapshotArg: snap.id,
          opts: { repo: mode!.path, passwordFile: pw, app: [customer.appId], yes: true, journalDir: journals, ...(safetyBackup ? {} : { safetyBackup: false }) },
          env: botEnv(emu),
          stdout,
          stderr,
        });
      } catch (e) {
        stderr.write(`ERROR ${(e as Error).message}\n`);
        code = exitCodeFor(e); // as `lifeboat`'s main maps it
      }
      return { code, out: stdout.text() + stderr.text() };
    };

    const refused = await restore(true);
    expect(refused.code).not.toBe(0);
    expect(refused.out).toMatch(/nothing can be saved in the repository at .*: its storage is read-only, so it is read without a lock \(a restore from read-only storage needs --no-safety-backup\)/);
    expect((await readReference(emu)).some((a) => a.name === "Customer 360" && !a.originAppId)).toBe(false);

    const done = await restore(false);
    expect(done.code, done.out).toBe(0);
    expect((await readReference(emu)).filter((a) => a.name === "Customer 360" && !a.originAppId).length).toBe(1);
  });
});
