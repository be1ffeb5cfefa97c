/**
 * The local journal store: private files and folders, journals per repository and tenant,
 * and the tenant's restore lock (one holder; a second contender stops naming the holder or
 * waits; stale locks of dead processes or old heartbeats are removed; a lost lock stops the
 * holder's next step).
 */
import { chmod, mkdir, mkdtemp, readdir, rm, stat, unlink, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { deferred } from "@lifeboat/kit/testing";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { LocalJournalStore, RestoreLockedError, RestoreLockLostError, storeJournal, type JournalScope } from "./store.ts";

const mode = async (p: string) => (await stat(p)).mode & 0o777;

describe("LocalJournalStore", () => {
  let root: string;
  const scope: JournalScope = { repositoryId: "a".repeat(64), tenant: "https://Acme.eu.qlikcloud.com" };
  beforeEach(async () => {
    root = join(await mkdtemp(join(tmpdir(), "lifeboat-store-")), "state");
  });
  afterEach(async () => {
    await rm(join(root, ".."), { recursive: true, force: true });
  });

  it("writes journals, logs and reports 0600 in 0700 folders, per repository and tenant", async () => {
    const store = new LocalJournalStore(root);
    await store.save(scope, "k1", { type: "begin", at: "2026-12-07T10:00:00.000Z", restoreKey: "k1", snapshot: "s1", target: "https://acme.eu.qlikcloud.com" });
    await store.save(scope, "k1", { type: "done", at: "2026-12-07T10:00:01.000Z", step: "x" });
    const log = await store.writeFile(scope, "k1-t.log", "line\n", "append");
    const report = await store.writeFile(scope, "k1-t-verification.json", "{}\n", "replace");
    const journal = store.journalLocation(scope, "k1");
    expect(journal.startsWith(join(root, "restores"))).toBe(true);
    expect(journal).toContain("acme.eu.qlikcloud.com");
    for (const f of [journal, log, report]) expect(await mode(f), f).toBe(0o600);
    for (let d = join(journal, ".."); d !== root; d = join(d, "..")) expect(await mode(d), d).toBe(0o700);
    expect(await mode(root)).toBe(0o700);
    expect((await store.load(scope, "k1")).map((r) => r.type)).toEqual(["begin", "done"]);
    // Another repository or another tenant: other journals.
    expect(await store.load({ ...scope, repositoryId: "b".repeat(64) }, "k1")).toEqual([]);
    expect(await store.load({ ...scope, tenant: "other.example.com" }, "k1")).toEqual([]);
    // The same tenant however its host is written.
    expect((await store.load({ ...scope, tenant: "acme.eu.qlikcloud.com" }, "k1")).length).toBe(2);
    await expect(store.writeFile(scope, "../escape", "x", "replace")).rejects.toThrow(/not a file name/);
  });

  it("makes files and folders of an earlier, looser version private again", async () => {
    const store = new LocalJournalStore(root);
    const dir = store.scopeDir(scope);
    await mkdir(dir, { recursive: true, mode: 0o755 });
    await writeFile(join(dir, "k1.jsonl"), "", { mode: 0o644 });
    await store.save(scope, "k1", { type: "finished", at: "2026-12-07T10:00:00.000Z", status: "complete" });
    expect(await mode(join(dir, "k1.jsonl"))).toBe(0o600);
    expect(await mode(dir)).toBe(0o700);
  });

  it("leaves an existing root's mode alone (--state-dir ~, a shared folder); what it creates inside is private", async () => {
    await mkdir(root, { mode: 0o755 });
    await chmod(root, 0o755);
    const store = new LocalJournalStore(root);
    await store.save(scope, "k1", { type: "begin", at: "2026-12-07T10:00:00.000Z", restoreKey: "k1", snapshot: "s1", target: "acme.eu.qlikcloud.com" });
    const log = await store.writeFile(scope, "k1-t.log", "line\n", "append");
    const lock = await store.lock("acme.eu.qlikcloud.com", { restoring: "r" });
    const lockFiles = (await readdir(store.lockDir("acme.eu.qlikcloud.com"))).map((f) => join(store.lockDir("acme.eu.qlikcloud.com"), f));
    expect(await mode(root)).toBe(0o755);
    const journal = store.journalLocation(scope, "k1");
    for (const f of [journal, log, ...lockFiles]) expect(await mode(f), f).toBe(0o600);
    for (const start of [journal, lockFiles[0]!])
      for (let d = join(start, ".."); d !== root; d = join(d, "..")) expect(await mode(d), d).toBe(0o700);
    await lock.release();
    // A root the store creates (with any missing parents) is private.
    const created = join(root, "..", "new", "state");
    const fresh = new LocalJournalStore(created);
    await fresh.save(scope, "k1", { type: "begin", at: "2026-12-07T10:00:00.000Z", restoreKey: "k1", snapshot: "s1", target: "acme.eu.qlikcloud.com" });
    expect(await mode(created)).toBe(0o700);
    expect(await mode(fresh.journalLocation(scope, "k1"))).toBe(0o600);
  });

  it("lists journals with their snapshot, start and end", async () => {
    const store = new LocalJournalStore(root);
    const begin = (key: string, snapshot: string, at: string) => store.save(scope, key, { type: "begin", at, restoreKey: key, snapshot, target: "acme.eu.qlikcloud.com" });
    await begin("k1", "s1", "2026-12-07T10:00:00.000Z");
    await store.save(scope, "k1", { type: "finished", at: "2026-12-07T10:05:00.000Z", status: "complete" });
    await begin("k2", "s2", "2026-12-07T11:00:00.000Z");
    await store.save(scope, "k2", { type: "started", at: "2026-12-07T11:00:01.000Z", step: "x" });
    await begin("k3", "s3", "2026-12-07T12:00:00.000Z");
    await store.save(scope, "k3", { type: "finished", at: "2026-12-07T12:00:01.000Z", status: "complete" });
    await begin("k3", "s3", "2026-12-07T13:00:00.000Z"); // run again, killed
    const list = await store.list(scope);
    expect(list.map((j) => [j.restoreKey, j.snapshot, j.startedAt, j.lastAt, j.finished ?? "unfinished", j.attempts])).toEqual([
      ["k1", "s1", "2026-12-07T10:00:00.000Z", "2026-12-07T10:05:00.000Z", "complete", 1],
      ["k2", "s2", "2026-12-07T11:00:00.000Z", "2026-12-07T11:00:01.000Z", "unfinished", 1],
      ["k3", "s3", "2026-12-07T12:00:00.000Z", "2026-12-07T13:00:00.000Z", "unfinished", 2],
    ]);
  });

  it("one restore per tenant: a second one stops with a message naming the running one", async () => {
    const store = new LocalJournalStore(root);
    const held = await store.lock("https://acme.eu.qlikcloud.com", { restoring: "restore of snapshot 1a2b3c4d5e6f (--all) into acme", restoreKey: "k1" });
    // The other process, on this host, alive.
    const other = new LocalJournalStore(root, { pid: process.pid + 100_000, isProcessAlive: () => true });
    const err = await other.lock("acme.eu.qlikcloud.com", { restoring: "restore of snapshot 1a2b3c4d5e6f (--app X)" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RestoreLockedError);
    expect((err as Error).message).toMatch(
      new RegExp(
        `^another restore into acme\\.eu\\.qlikcloud\\.com is running: restore of snapshot 1a2b3c4d5e6f \\(--all\\) into acme \\(PID ${process.pid} on ${hostname().replace(/[.]/g, "\\.")}, since ${held.info.created.replace(/[.]/g, "\\.")}\\); two restores into one tenant would create duplicates, so this one stopped before changing anything — wait for it to finish`,
      ),
    );
    expect((err as RestoreLockedError).code).toBe("locked"); // the CLI maps it to exit 1
    // Another tenant is not locked.
    const elsewhere = await other.lock("other.example.com", { restoring: "x" });
    await elsewhere.release();
    expect((await store.holder("acme.eu.qlikcloud.com"))?.restoreKey).toBe("k1");
    await held.release();
    expect(await store.holder("acme.eu.qlikcloud.com")).toBeUndefined();
    const next = await other.lock("acme.eu.qlikcloud.com", { restoring: "y" });
    await next.release();
    expect(await readdir(other.lockDir("acme.eu.qlikcloud.com"))).toEqual([]);
  });

  it("a second one asked to wait takes the lock when the first releases it", async () => {
    const store = new LocalJournalStore(root);
    const held = await store.lock("acme", { restoring: "first" });
    const other = new LocalJournalStore(root, { pid: process.pid + 100_000, isProcessAlive: () => true });
    // The first is released once the second says it waits (not after a fixed time, which a
    // loaded machine may need for the second's first look alone).
    const waiting = deferred();
    const waitedFor: string[] = [];
    const asked = other.lock("acme", { restoring: "second" }, { waitMs: 20_000, onWait: (h) => (waitedFor.push(h.restoring), waiting.resolve()) });
    await waiting.promise;
    let released = false;
    await held.release().then(() => (released = true));
    const second = await asked;
    expect(released).toBe(true);
    expect(waitedFor).toEqual(["first"]);
    expect((await other.holder("acme"))?.restoring).toBe("second");
    await second.release();
  });

  it("simultaneous contenders: exactly one wins", async () => {
    const stores = [1, 2, 3, 4].map((i) => new LocalJournalStore(root, { pid: process.pid + 100_000 + i, isProcessAlive: () => true }));
    const results = await Promise.allSettled(stores.map((s, i) => s.lock("acme", { restoring: `contender ${i}` })));
    expect(results.filter((r) => r.status === "fulfilled").length).toBe(1);
    for (const r of results) if (r.status === "rejected") expect(r.reason).toBeInstanceOf(RestoreLockedError);
    for (const r of results) if (r.status === "fulfilled") await r.value.release();
  });

  it("removes a lock left by a dead process on this host, or with an old heartbeat; keeps a live one of another host", async () => {
    const dead = new LocalJournalStore(root, { pid: 999_999 });
    await dead.lock("acme", { restoring: "killed with -9" }); // never released
    const me = new LocalJournalStore(root, { isProcessAlive: (pid) => pid !== 999_999 });
    const mine = await me.lock("acme", { restoring: "me" });
    await mine.release();

    let now = Date.now();
    const remote = new LocalJournalStore(root, { hostname: "elsewhere", now: () => now });
    await remote.lock("acme", { restoring: "on another host" }); // its heartbeat will never be refreshed here
    const late = new LocalJournalStore(root, { now: () => now });
    await expect(late.lock("acme", { restoring: "me" })).rejects.toThrow(/on elsewhere/);
    now += 11 * 60_000; // older than the stale age (10 minutes)
    const taken = await late.lock("acme", { restoring: "me" });
    await taken.release();
  });

  it("a lock of another PID namespace (another container with our host name) is not judged by its PID", async () => {
    // Container A holds the lock; its PID does not exist in container B's namespace.
    const a = new LocalJournalStore(root, { hostname: "shared", pid: 999_999, pidns: "pid:[4026531836]" });
    const held = await a.lock("acme", { restoring: "restore in container A" });
    expect(held.info.pidns).toBe("pid:[4026531836]");
    const b = new LocalJournalStore(root, { hostname: "shared", pidns: "pid:[4026532999]", isProcessAlive: () => false });
    await expect(b.lock("acme", { restoring: "restore in container B" })).rejects.toThrow(RestoreLockedError);
    expect((await b.holder("acme"))?.restoring).toBe("restore in container A");
    // In A's own namespace a dead PID does make it stale.
    const a2 = new LocalJournalStore(root, { hostname: "shared", pidns: "pid:[4026531836]", isProcessAlive: () => false });
    const taken = await a2.lock("acme", { restoring: "after A was killed" });
    await taken.release();
    // A lock of an older version names no namespace: judged by its PID, as before.
    const old = new LocalJournalStore(root, { hostname: "shared", pid: 999_998, pidns: undefined });
    const oldLock = await old.lock("acme", { restoring: "older version" });
    expect(oldLock.info.pidns).toBeUndefined();
    const c = new LocalJournalStore(root, { hostname: "shared", pidns: "pid:[4026532999]", isProcessAlive: () => false });
    const mine = await c.lock("acme", { restoring: "me" });
    await mine.release();
    await held.release();
  });

  it("a holder whose lock was removed stops before its next journal record", async () => {
    const store = new LocalJournalStore(root, { refreshMs: 20 });
    const lock = await store.lock("acme", { restoring: "me" });
    const journal = storeJournal(store, { repositoryId: "r", tenant: "acme" }, "k1", lock);
    await journal.append({ type: "started", at: "2026-12-07T10:00:00.000Z", step: "a" });
    // Someone removes the lock file. A heartbeat (every 20 ms) may be rewriting it at that very
    // moment (a temporary file renamed over it), so remove until the holder has noticed.
    const dir = store.lockDir("acme");
    await vi.waitFor(
      async () => {
        for (const f of await readdir(dir)) await unlink(join(dir, f)).catch(() => undefined);
        expect(() => lock.assertHeld()).toThrow(RestoreLockLostError);
      },
      { timeout: 10_000, interval: 10 },
    );
    await expect(journal.append({ type: "done", at: "2026-12-07T10:00:01.000Z", step: "a" })).rejects.toThrow(/lost its lock on acme/);
    expect((await journal.load()).length).toBe(1);
    await lock.release();
  });

  it("says what to do when the state folder cannot be written", async () => {
    const parent = join(root, "..", "ro");
    await mkdir(parent, { mode: 0o500 });
    const store = new LocalJournalStore(join(parent, "state"));
    if (process.getuid?.() === 0) return; // root writes anywhere
    await expect(store.save(scope, "k", { type: "started", at: "x", step: "s" })).rejects.toThrow(/cannot write the restore state folder .*\(EACCES\); point --state-dir or LIFEBOAT_STATE_DIR at a writable private folder/);
  });
});
