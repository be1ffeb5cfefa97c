/**
 * A restore killed midway (SIGKILL, as `kill -9` would) and run again completes to the
 * snapshot with no duplicate apps or objects. The CLI runs as a child process; a test-only
 * environment variable makes it kill itself at a chosen point: after a step's work but
 * before the journal records it (the nastiest moment: Qlik did it, we do not know), and
 * after a later step.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type RestoreSource } from "@lifeboat/engine";
import { startEmulator, type EmulatorHandle } from "@lifeboat/emulator";
import { initRepository, openRepository, type Snapshot } from "@lifeboat/repository";
import { TEST_KDF } from "@lifeboat/repository/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { botApi, botEnv, deleteForGood, expectedObjects, readReference, type RefApp, takeBackup, loadSourceWithObjects } from "./restore-helpers.ts";

/** `lifeboat` with the restore's test hooks (LIFEBOAT_TEST_KILL_*, …_PAUSE_AFTER_LOCK), which the product does not read. */
const BIN = resolve(import.meta.dirname, "fixtures/lifeboat-with-hooks.js");
const PASSWORD = "kill-test-password";

/** The one folder of the journal store holding journals (of this repository and target tenant). */
async function journalFolder(state: string): Promise<string> {
  const repos = await readdir(join(state, "restores"));
  expect(repos.length).toBe(1);
  const tenants = await readdir(join(state, "restores", repos[0]!));
  expect(tenants.length).toBe(1);
  return join(state, "restores", repos[0]!, tenants[0]!);
}

function cli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += String(d)));
    child.stderr.on("data", (d) => (out += String(d)));
    child.on("error", fail);
    child.on("exit", (code, signal) => done({ code, signal, out }));
  });
}

describe("a restore killed midway", () => {
  let emu: EmulatorHandle;
  let dir: string;
  let snap: Snapshot;
  let source: RestoreSource;

  beforeAll(async () => {
    emu = await startEmulator({ fixture: "demo", admin: true });
    dir = await mkdtemp(join(tmpdir(), "lifeboat-kill-"));
    const repo = await initRepository({ url: join(dir, "repo"), password: PASSWORD, kdf: TEST_KDF });
    snap = await takeBackup(emu, repo);
    source = await loadSourceWithObjects(repo, snap);
    await repo.close();
  });
  afterAll(async () => {
    await emu?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("completes on the next run, equal to the snapshot, without duplicates", async () => {
    const api = botApi(emu);
    const before = await readReference(emu);
    const customer = before.find((a) => a.name === "Customer 360")!;
    const salesPub = before.find((a) => a.name === "Sales Overview" && a.originAppId)!;
    const srcSalesPub = source.apps.find((a) => a.id === salesPub.appId)!;
    // Gone for good (Qlik's 14-day window passed): this run imports them.
    await deleteForGood(emu, customer.appId);
    await deleteForGood(emu, salesPub.appId);

    const env = { ...botEnv(emu), LIFEBOAT_PASSWORD: PASSWORD, LIFEBOAT_STATE_DIR: join(dir, "state") };
    const args = ["restore", snap.id, "--app", customer.appId, "--app", salesPub.appId, "--yes", "--repo", join(dir, "repo")];
    // 1: killed after Qlik imported Customer 360 but before the journal knew it.
    const first = await cli(args, { ...env, LIFEBOAT_TEST_KILL_BEFORE_JOURNAL: `app:${customer.appId}:import` });
    expect(first.signal, first.out).toBe("SIGKILL");
    expect((await readReference(emu)).filter((a) => a.name === "Customer 360").length).toBe(1);
    // 2: the next attempt adopts that app, goes on, and is killed after the managed app's objects step.
    const second = await cli(args, { ...env, LIFEBOAT_TEST_KILL_AFTER_STEP: `app:${salesPub.appId}:objects` });
    expect(second.signal, second.out).toBe("SIGKILL");
    expect(second.out).toMatch(/continuing restore/);
    expect(second.out).toMatch(/from the interrupted attempt/);
    // 3: completes.
    const third = await cli(args, env);
    expect(third.code, third.out).toBe(0);
    expect(third.out).toContain("the restored content equals the snapshot");

    const after = await readReference(emu);
    expect(after.length).toBe(before.length);
    const named = (n: string, managed: boolean): RefApp[] => after.filter((a) => a.name === n && !!a.originAppId === managed);
    expect(named("Customer 360", false).length).toBe(1);
    expect(named("Sales Overview", true).length).toBe(1);
    expect(named("Customer 360", false)[0]!.objects).toEqual(expectedObjects(source, customer.appId));
    expect(named("Sales Overview", true)[0]!.objects).toEqual(expectedObjects(source, srcSalesPub.id));
    expect(named("Sales Overview", true)[0]!.ownerSubject).toBe(srcSalesPub.doc.owner.subject);
    // The journal, the logs and the verification reports are in the journal store, not in the repository.
    const journals = await journalFolder(join(dir, "state"));
    const files = await readdir(journals);
    expect(files.filter((f) => f.endsWith(".jsonl")).length).toBe(1);
    expect(files.some((f) => f.endsWith("-verification.json"))).toBe(true);
    // One restore log per run, each saying what was done; the last one ends with the verification.
    const logs = files.filter((f) => f.endsWith(".log")).sort();
    expect(logs.length).toBe(3);
    const lastLog = await readFile(join(journals, logs.at(-1)!), "utf8");
    expect(lastLog).toMatch(/continuing restore/);
    expect(lastLog).toMatch(/\] (ok  |same) restore object owners of 'Customer 360'/);
    expect(lastLog).toMatch(/verification: match \(0 mismatch\(es\)\)/);
    const firstLog = await readFile(join(journals, logs[0]!), "utf8");
    expect(firstLog).toMatch(/safety backup of the target taken/);
    expect(existsSync(join(dir, "repo", "restore-journals"))).toBe(false);
    const repo = await openRepository({ url: join(dir, "repo"), password: PASSWORD });
    expect((await repo.listSnapshots()).some((s) => s.tags.includes("pre-restore"))).toBe(true);
    await repo.close();
  });
  it("killed just after Qlik created a space: the next run adopts it, hands it to its owner, and equals the snapshot", async () => {
    const dst = await startEmulator({ fixture: "empty", seed: "kill-space" });
    try {
      const financeDev = source.spaces.find((x) => x.record.name === "Finance Dev")!.record;
      const env = { QLIK_HOST: dst.host, QLIK_CLIENT_ID: dst.clientId, QLIK_CLIENT_SECRET: dst.clientSecret, LIFEBOAT_PASSWORD: PASSWORD, LIFEBOAT_STATE_DIR: join(dir, "state") };
      const args = ["restore", snap.id, "--space", "Finance Dev", "--target-host", dst.host, "--create-missing-users", "--yes", "--repo", join(dir, "repo")];
      const first = await cli(args, { ...env, LIFEBOAT_TEST_KILL_BEFORE_JOURNAL: `space:${financeDev.id}:create` });
      expect(first.signal, first.out).toBe("SIGKILL");
      const again = await cli(args, env);
      expect(again.code, again.out).toBe(0);
      expect(again.out).toContain("the restored content equals the snapshot");
      expect(again.out).toMatch(/hand space 'Finance Dev' to its owner/);

      const api = botApi(dst);
      const spaces = ((await api.spaces.getSpaces({ limit: 100 }, { noCache: true })).data.data ?? []).filter((x) => x.name === "Finance Dev");
      expect(spaces.length).toBe(1);
      const users = (await api.users.getUsers({ limit: 100 }, { noCache: true })).data.data ?? [];
      const owner = source.users.find((u) => u.id === financeDev.ownerId)!;
      expect(users.find((u) => u.id === spaces[0]!.ownerId)?.subject).toBe(owner.subject);
      const ref = await readReference(dst);
      const selected = source.apps.filter((a) => a.doc.summary.spaceId === financeDev.id);
      expect(ref.length).toBe(selected.length);
      for (const app of selected) expect(ref.filter((a) => a.name === app.name).length, app.name).toBe(1);
    } finally {
      await dst.close();
    }
  });
});
