/**
 * Issue 15, items 2, 3 and 8, end to end with the CLI as child processes against the emulator:
 *
 * - a restore killed right after its safety backup, run again as `restore latest` (after a
 *   newer backup, too), continues the snapshot it started from and brings the deleted apps
 *   back — not the safety snapshot, not the newer backup;
 * - two restores into one tenant at once: exactly one runs, the other stops with a message
 *   naming it (exit 1), and no app is duplicated — also `--all` beside `--app X`;
 * - two restores at once, killed (-9) at a random step, then run again: the tenant equals
 *   the snapshot, without duplicates;
 * - the journal store's files are 0600 in 0700 folders, outside the repository.
 *
 * Seeded: LIFEBOAT_STRESS_SEED fixes the kill points; LIFEBOAT_STRESS_ROUNDS (default 2)
 * runs more rounds.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { executeRestore, MemoryJournal, planRestore, readTargetState, resourcesForPlan, verifyRestore, type RestoreSource } from "@lifeboat/engine";
import { createRestoreTarget, createTenantClient } from "@lifeboat/qlik";
import { startEmulator, type EmulatorHandle } from "@lifeboat/emulator";
import { initRepository, openRepository, type Snapshot } from "@lifeboat/repository";
import { TEST_KDF } from "@lifeboat/repository/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { botApi, botEnv, expectedObjects, readReference, takeBackup, type RefApp, loadSourceWithObjects } from "./restore-helpers.ts";
import { seededRandom } from "@lifeboat/kit/testing";

/** Several CLI processes per test, on a machine shared with other test runs: minutes, not the default. */
const SLOW = 900_000;
/** `lifeboat` with the restore's test hooks (LIFEBOAT_TEST_KILL_*, …_PAUSE_AFTER_LOCK), which the product does not read. */
const BIN = resolve(import.meta.dirname, "fixtures/lifeboat-with-hooks.js");
const PASSWORD = "concurrency-test-password";

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  pid: number;
}
/** The CLI as a child process; its output so far is readable while it runs. */
function spawnCli(args: string[], env: NodeJS.ProcessEnv): { result: Promise<Run>; output: () => string } {
  let out = "";
  const result = new Promise<Run>((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.on("data", (d) => (out += String(d)));
    child.stderr.on("data", (d) => (out += String(d)));
    child.on("error", fail);
    child.on("exit", (code, signal) => done({ code, signal, out, pid: child.pid! }));
  });
  return { result, output: () => out };
}
const cli = (args: string[], env: NodeJS.ProcessEnv): Promise<Run> => spawnCli(args, env).result;

/** Apps grouped by name, space and publish lineage: each group must hold exactly as many apps as before. */
const shape = (apps: RefApp[]) =>
  apps
    .map((a) => `${a.name} | ${a.spaceId ?? "personal"} | ${a.originAppId ? "published" : "-"}`)
    .sort()
    .join("\n");
/** The same, without space ids (a re-imported app is a new app in the same space; published copies keep theirs). */
const names = (apps: RefApp[]) =>
  apps
    .map((a) => `${a.name} | ${a.originAppId ? "published" : "-"}`)
    .sort()
    .join("\n");

/** Polls for an event of a child process; the bound only keeps a broken run from hanging (children start slowly on a loaded machine). */
async function waitFor(check: () => boolean, what: string, detail: () => string = () => "", ms = 240_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${detail()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("restores that overlap, and a restore resumed as 'latest'", () => {
  let emu: EmulatorHandle;
  let dir: string;
  let snap: Snapshot;
  let source: RestoreSource;
  let before: RefApp[];
  const repoDir = () => join(dir, "repo");
  const state = () => join(dir, "state");
  const env = () => ({ ...botEnv(emu), LIFEBOAT_PASSWORD: PASSWORD, LIFEBOAT_STATE_DIR: state() });

  beforeAll(async () => {
    emu = await startEmulator({ fixture: "demo" });
    dir = await mkdtemp(join(tmpdir(), "lifeboat-concurrency-"));
    const repo = await initRepository({ url: repoDir(), password: PASSWORD, kdf: TEST_KDF });
    snap = await takeBackup(emu, repo);
    source = await loadSourceWithObjects(repo, snap);
    await repo.close();
    before = await readReference(emu);
  });
  afterAll(async () => {
    await emu?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Deletes Customer 360 and (unless `customerOnly`) the published Sales Overview; returns their snapshot ids. */
  const disaster = async (customerOnly = false): Promise<{ customer: string; salesPub: string }> => {
    const api = botApi(emu);
    const now = await readReference(emu);
    const customer = now.find((a) => a.name === "Customer 360")!;
    const salesPub = now.find((a) => a.name === "Sales Overview" && a.originAppId)!;
    await api.apps.deleteApp(customer.appId);
    if (!customerOnly) await api.apps.deleteApp(salesPub.appId);
    return {
      customer: source.apps.find((a) => a.name === "Customer 360")!.id,
      salesPub: source.apps.find((a) => a.name === "Sales Overview" && a.doc.summary.spaceType === "managed")!.id,
    };
  };
  const expectRestored = async () => {
    const after = await readReference(emu);
    expect(names(after)).toEqual(names(before));
    const one = (n: string, published: boolean) => {
      const found = after.filter((a) => a.name === n && !!a.originAppId === published);
      expect(found.length, `${n}: ${found.map((a) => a.appId).join(", ")}`).toBe(1);
      return found[0]!;
    };
    expect(one("Customer 360", false).objects).toEqual(expectedObjects(source, source.apps.find((a) => a.name === "Customer 360")!.id));
    const srcPub = source.apps.find((a) => a.name === "Sales Overview" && a.doc.summary.spaceType === "managed")!;
    expect(one("Sales Overview", true).objects).toEqual(expectedObjects(source, srcPub.id));
    return after;
  };

  it("killed after its safety backup, 'restore latest' continues the snapshot it started from (not the safety backup, not a newer backup)", async () => {
    const ids = await disaster();
    const args = ["restore", "latest", "--app", ids.customer, "--app", ids.salesPub, "--yes", "--repo", repoDir()];
    const first = await cli(args, { ...env(), LIFEBOAT_TEST_KILL_AFTER_STEP: "safety-backup" });
    expect(first.signal, first.out).toBe("SIGKILL");
    expect(first.out).toMatch(/safety backup of the target taken: snapshot ([0-9a-f]{12})/);
    const safetyId = /safety backup of the target taken: snapshot ([0-9a-f]{12})/.exec(first.out)![1]!;
    // A scheduled backup runs meanwhile: the newest snapshot now lacks the deleted apps too.
    const repo = await openRepository({ url: repoDir(), password: PASSWORD });
    const nightly = await takeBackup(emu, repo);
    await repo.close();

    // `snapshots` lists the safety backup, marked.
    const list = await cli(["snapshots", "--repo", repoDir()], env());
    expect(list.code, list.out).toBe(0);
    expect(list.out).toMatch(new RegExp(`${safetyId} .* complete, safety +pre-restore`));
    expect(list.out).toMatch(new RegExp(`${nightly.id.slice(0, 12)} .* complete *\\n`));
    expect(list.out).toMatch(/'restore latest' skips these/);

    const again = await cli(args, env());
    expect(again.code, again.out).toBe(0);
    expect(again.out).toMatch(new RegExp(`continuing the restore of snapshot ${snap.id.slice(0, 12)} started at \\d{4}-\\d\\d-\\d\\dT[^ ]+ \\(journal `));
    expect(again.out).toContain("the restored content equals the snapshot");
    await expectRestored();

    // Once it completed, 'latest' is the newest backup again — never the safety backup.
    const plan = await cli(["restore", "latest", "--all", "--plan", "--repo", repoDir()], env());
    expect(plan.code, plan.out).toBe(0);
    expect(plan.out).toContain(`snapshot ${nightly.id.slice(0, 12)}`);
    const safetyPlan = await cli(["restore", "latest", "--tag", "pre-restore", "--all", "--plan", "--repo", repoDir()], env());
    expect(safetyPlan.code, safetyPlan.out).toBe(0);
    expect(safetyPlan.out).toMatch(/snapshot [0-9a-f]{12} of/);
    expect(safetyPlan.out).not.toContain(`snapshot ${nightly.id.slice(0, 12)}`);
    expect(safetyPlan.out).not.toContain(`snapshot ${snap.id.slice(0, 12)}`);

    // A state folder inside the repository's folder is used, and said so.
    const inside = await cli(["restore", "latest", "--all", "--plan", "--repo", repoDir(), "--state-dir", join(repoDir(), "state")], env());
    expect(inside.code, inside.out).toBe(0);
    expect(inside.out).toMatch(/warning: the restore state folder .*\/repo\/state is inside the repository folder .*\/repo: journals, logs and verification reports \(app names, user subjects, hosts\) are kept there unencrypted/);
    await rm(join(repoDir(), "state"), { recursive: true, force: true });

    // Journals, logs and reports: outside the repository, 0600 files in 0700 folders.
    expect(existsSync(join(repoDir(), "restore-journals"))).toBe(false);
    const walk = async (d: string): Promise<void> => {
      expect((await stat(d)).mode & 0o777, d).toBe(0o700);
      for (const e of await readdir(d, { withFileTypes: true })) {
        const p = join(d, e.name);
        if (e.isDirectory()) await walk(p);
        else expect((await stat(p)).mode & 0o777, p).toBe(0o600);
      }
    };
    await walk(state());
    const files = (await readdir(state(), { recursive: true })).map(String);
    expect(files.some((f) => f.endsWith(".jsonl"))).toBe(true);
    expect(files.some((f) => f.endsWith(".log"))).toBe(true);
    expect(files.some((f) => f.endsWith("-verification.json"))).toBe(true);
  }, SLOW);

  it("two restores into one tenant at once: one runs, the other stops naming it, and nothing is duplicated (--app X beside --all); --lock-wait waits", async () => {
    // A backup of the tenant as it is now (earlier tests re-imported apps under new ids), then the disaster.
    const repo = await openRepository({ url: repoDir(), password: PASSWORD });
    const now = await takeBackup(emu, repo);
    await repo.close();
    await disaster(true);
    const release = join(dir, "release-1");
    const hold = { ...env(), LIFEBOAT_TEST_PAUSE_AFTER_LOCK: release };
    const appArgs = ["restore", now.id, "--app", "Customer 360", "--yes", "--repo", repoDir()];
    const allArgs = ["restore", now.id, "--all", "--yes", "--repo", repoDir()];
    const pa = spawnCli(appArgs, hold);
    const pb = spawnCli(allArgs, hold);
    const a = pa.result;
    const b = pb.result;
    let loser: { run: Run; args: string[] } | undefined;
    let waiter: ReturnType<typeof spawnCli> | undefined;
    let held = 0;
    let exited = 0;
    try {
      void a.then((r) => ((loser ??= r.code === 1 ? { run: r, args: appArgs } : undefined), exited++));
      void b.then((r) => ((loser ??= r.code === 1 ? { run: r, args: allArgs } : undefined), exited++));
      // One holds the tenant lock (and waits); the other meets it and stops.
      const outputs = () => `--app: ${pa.output()}\n--all: ${pb.output()}`;
      await waitFor(() => (existsSync(`${release}.held`) && loser !== undefined) || exited === 2, "one restore to hold the lock and the other to stop", outputs);
      expect(exited, outputs()).toBe(1);
      held = Number(await readFile(`${release}.held`, "utf8"));
      expect(loser!.run.out).toMatch(
        new RegExp(
          `another restore into 127\\.0\\.0\\.1:\\d+ is running: restore of snapshot ${now.id.slice(0, 12)} \\((--app Customer 360|--all)\\) into http://127\\.0\\.0\\.1:\\d+ \\(PID ${held} on ${hostname().replace(/\./g, "\\.")}, since \\d{4}-[^)]+\\); two restores into one tenant would create duplicates, so this one stopped before changing anything`,
        ),
      );
      expect(loser!.run.pid).not.toBe(held);
      // It stopped before doing anything: it does not claim to continue a restore (issue 15.3).
      expect(loser!.run.out).not.toMatch(/continuing/);
      // A third one, the running one's twin told to wait, waits for it (and says so).
      const winnerArgs = loser!.args === appArgs ? allArgs : appArgs;
      waiter = spawnCli([...winnerArgs, "--lock-wait", "300"], env());
      await waitFor(() => /waiting up to 300 s for another restore into 127\.0\.0\.1:\d+ to finish: restore of snapshot/.test(waiter!.output()), "the third restore to wait");
    } finally {
      await writeFile(release, ""); // never leave a held restore waiting
    }
    const [ra, rb] = await Promise.all([a, b]);
    const winner = ra.pid === held ? ra : rb;
    expect(winner.code, winner.out).toBe(0);
    expect(winner.out).toContain("the restored content equals the snapshot");
    const waited = await waiter!.result;
    expect(waited.code, waited.out).toBe(0);
    // The one that stopped, run again afterwards, imports nothing twice: it finds the work done, or
    // (another restore's import is not its own) stops at the name clash with nothing changed.
    const rerun = await cli(loser!.args, env());
    if (rerun.code !== 0) {
      expect(rerun.code, rerun.out).toBe(2);
      expect(rerun.out).toMatch(/an app named 'Customer 360' already exists in 'Sales Dev'.*--skip-existing/);
      expect(rerun.out).toMatch(/nothing was changed/);
    }
    const after = await expectRestored();
    expect(after.filter((x) => x.name === "Customer 360").length).toBe(1);
    // A bad --lock-wait is a usage error.
    const bad = await cli([...appArgs, "--lock-wait", "soon"], env());
    expect(bad.code, bad.out).toBe(2);
    expect(bad.out).toMatch(/--lock-wait soon: expected a number of seconds, e\.g\. --lock-wait 600/);
  }, SLOW);

  it("verification through the connector reports a duplicate another restore made meanwhile, and not an app that was there before", async () => {
    const ids = await disaster(true);
    const repo = await openRepository({ url: repoDir(), password: PASSWORD });
    const client = createTenantClient({ host: emu.host, auth: { type: "oauth2", clientId: emu.clientId, clientSecret: emu.clientSecret } });
    try {
      const target = createRestoreTarget(client);
      const state = await readTargetState(target);
      const options = { apps: [ids.customer], safetyBackup: false };
      await resourcesForPlan(source, options); // the app-adjacent items the planner may take
      const plan = planRestore(source, state, options);
      const result = await executeRestore({ plan, source, repository: repo, target, journal: new MemoryJournal() });
      expect(result.status).toBe("complete");
      const appsBefore = state.apps.map((x) => x.appId);
      const restoredId = result.created[`app:${ids.customer}`]!;
      expect((await verifyRestore({ plan, source, target, created: result.created, repository: repo, appsBefore })).status).toBe("match");
      // Another restore (say, from another machine) imports the same app into the same space meanwhile.
      const spaceId = (await readReference(emu)).find((x) => x.appId === restoredId)!.spaceId!;
      const dup = (await botApi(emu).apps.copyApp(restoredId, { attributes: { name: "Customer 360", spaceId } } as never)).data.attributes!.id!;
      const report = await verifyRestore({ plan, source, target, created: result.created, repository: repo, appsBefore });
      expect(report.status).toBe("mismatch");
      expect(report.apps[0]!.mismatches).toEqual([
        {
          where: "app 'Customer 360'",
          field: "duplicates",
          expected: `one app named 'Customer 360' in space ${spaceId} from this restore`,
          actual: `2: also ${dup} (made since the plan, not by it — another restore running at the same time?)`,
        },
      ]);
      // Had it been there before the plan, it would be someone else's app of the same name.
      expect((await verifyRestore({ plan, source, target, created: result.created, repository: repo, appsBefore: [...appsBefore, dup] })).status).toBe("match");
      await botApi(emu).apps.deleteApp(dup);
    } finally {
      await client.close();
      await repo.close();
    }
  });

  it("a journal an earlier version left beside the repository is imported into the state folder and continued", async () => {
    const ids = await disaster();
    const args = ["restore", snap.id, "--app", ids.customer, "--app", ids.salesPub, "--yes", "--repo", repoDir()];
    const oldState = join(dir, "old-state");
    const first = await cli(args, { ...env(), LIFEBOAT_STATE_DIR: oldState, LIFEBOAT_TEST_KILL_AFTER_STEP: "safety-backup" });
    expect(first.signal, first.out).toBe("SIGKILL");
    // Where an earlier version kept it: <repo>/restore-journals/<restore key>.jsonl (the same JSON lines).
    const journal = (await readdir(oldState, { recursive: true })).map(String).find((f) => f.endsWith(".jsonl"))!;
    const legacy = join(repoDir(), "restore-journals");
    await mkdir(legacy);
    await rename(join(oldState, journal), join(legacy, basename(journal)));
    await rm(oldState, { recursive: true });

    // The upgraded version, with a state folder of its own (this suite's holds journals of the same restore).
    const again = await cli(args, { ...env(), LIFEBOAT_STATE_DIR: join(dir, "upgraded-state") });
    expect(again.code, again.out).toBe(0);
    expect(again.out).toContain(`imported the journal of an earlier Lifeboat version from ${join(legacy, basename(journal))} into the journal store`);
    expect(again.out).toMatch(/continuing restore [0-9a-f]{24}: /);
    expect(again.out).toMatch(/\[ *1\/\d+\] same back up .* before changing it/); // the safety backup is not taken twice
    expect(again.out).toContain("the restored content equals the snapshot");
    await expectRestored();
    await rm(legacy, { recursive: true });
  }, SLOW);

  const rounds = Number(process.env.LIFEBOAT_STRESS_ROUNDS ?? 2);
  const seed = Number(process.env.LIFEBOAT_STRESS_SEED ?? Date.now() % 100_000);
  it(`two restores at once, killed (-9) at a random step, then run again: the tenant equals the snapshot (seed ${seed}, ${rounds} rounds)`, async () => {
    const random = seededRandom(seed);
    for (let round = 0; round < rounds; round++) {
      const ids = await disaster();
      const args = ["restore", snap.id, "--app", ids.customer, "--app", ids.salesPub, "--yes", "--repo", repoDir()];
      const planned = await cli([...args, "--plan", "--json"], env());
      expect(planned.code, planned.out).toBe(0);
      const steps = (JSON.parse(planned.out) as { plan: { steps: unknown[] } }).plan.steps.length;
      const killAt = [1 + Math.floor(random() * steps), 1 + Math.floor(random() * steps)];
      const where = `seed ${seed}, round ${round}, kill after steps ${killAt.join(" and ")} of ${steps}`;
      const [x, y] = await Promise.all(killAt.map((k) => cli(args, { ...env(), LIFEBOAT_TEST_KILL_AFTER_STEP: String(k) })));
      // The first to take the lock is killed at its step. The other met its lock and stopped,
      // or came after the kill (the dead holder's lock is stale) and was killed or finished.
      expect([x!, y!].some((r) => r.signal === "SIGKILL"), `${where}\n${x!.out}\n${y!.out}`).toBe(true);
      for (const r of [x!, y!]) {
        if (r.signal === "SIGKILL") continue;
        if (r.code === 0) expect(r.out, where).toContain("the restored content equals the snapshot");
        else {
          expect(r.code, `${where}\n${r.out}`).toBe(1);
          expect(r.out, where).toMatch(/another restore into .* is running/);
        }
      }
      const again = await cli(args, env());
      expect(again.code, `${where}\n${again.out}`).toBe(0);
      expect(again.out, where).toContain("the restored content equals the snapshot");
      const after = await expectRestored();
      expect(shape(after).split("\n").length, where).toBe(before.length);
    }
  }, SLOW);
});
