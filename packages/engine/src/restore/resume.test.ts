/**
 * Which snapshot a restore restores: an unfinished restore keeps its snapshot when run
 * again as `latest` (even after its own safety backup became the newest snapshot), safety
 * snapshots are not `latest` unless asked for by tag or id, and journals of earlier
 * versions are imported into the store.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Repository, type Snapshot } from "@lifeboat/repository";
import { createTestRepository } from "@lifeboat/repository/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { backup } from "../backup/run.ts";
import { createFakeTenant, sampleTenantState } from "../testing.ts";
import { canonicalJson, sha256Hex } from "../internal/canonical.ts";
import { previousRestoreKeysOf, restoreKeyOf, type RestoreOptions } from "./plan.ts";
import { chooseRestoreSnapshot, importLegacyJournals, restoreJournalKey, SAFETY_TAG } from "./resume.ts";
import { LocalJournalStore, type JournalScope } from "./store.ts";

const HOST = "https://acme.eu.qlikcloud.com";

describe("chooseRestoreSnapshot", () => {
  let repo: Repository;
  let dir: string;
  let store: LocalJournalStore;
  let scope: JournalScope;
  // Snapshots one minute apart, in the order they are taken (an injected clock: no two share a time).
  let clock = Date.parse("2026-12-01T00:00:00.000Z");
  const snap = async (tags: string[] = []): Promise<Snapshot> => {
    clock += 60_000;
    const at = new Date(clock);
    return (await backup({ tenant: createFakeTenant(sampleTenantState()), repository: repo, tags, now: () => at })).snapshot;
  };
  const begin = async (snapshot: Snapshot, options: RestoreOptions, finished?: "complete" | "partial") => {
    const key = restoreKeyOf(snapshot.id, HOST, options);
    await store.save(scope, key, { type: "begin", at: new Date().toISOString(), restoreKey: key, snapshot: snapshot.id, target: HOST });
    await store.save(scope, key, { type: "done", at: new Date().toISOString(), step: "safety-backup", outputs: { safety: "x" } });
    if (finished) await store.save(scope, key, { type: "finished", at: new Date().toISOString(), status: finished });
    return key;
  };
  const choose = (arg: string, options: RestoreOptions, tags?: string[]) => chooseRestoreSnapshot({ repository: repo, arg, store, scope, options, host: HOST, ...(tags ? { tags } : {}) });

  beforeEach(async () => {
    repo = await createTestRepository();
    dir = await mkdtemp(join(tmpdir(), "lifeboat-resume-"));
    store = new LocalJournalStore(join(dir, "state"));
    scope = { repositoryId: repo.config.id, tenant: HOST };
  });
  afterEach(async () => {
    await repo.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("'latest' is the newest snapshot that is not a safety backup; --tag pre-restore picks safety backups", async () => {
    const first = await snap();
    const second = await snap(["nightly"]);
    const safety = await snap([SAFETY_TAG, "nightly"]);
    expect((await choose("latest", { all: true })).snapshot.id).toBe(second.id);
    expect((await choose("latest", { all: true }, [SAFETY_TAG])).snapshot.id).toBe(safety.id);
    expect((await choose("latest", { all: true }, ["nightly"])).snapshot.id).toBe(safety.id);
    // By id (or prefix) a safety snapshot is restored like any other.
    expect((await choose(safety.id.slice(0, 10), { all: true })).snapshot.id).toBe(safety.id);
    expect((await choose(first.id, { all: true })).snapshot.id).toBe(first.id);
    await expect(choose(first.id, { all: true }, ["nightly"])).rejects.toThrow(/--tag chooses among snapshots for 'latest'/);
    await expect(choose("latest", { all: true }, ["weekly"])).rejects.toThrow(/no snapshot carries the tag\(s\) weekly/);
  });

  it("a repository of safety snapshots only: 'latest' says how to name one", async () => {
    await snap([SAFETY_TAG]);
    await expect(choose("latest", { all: true })).rejects.toThrow(/holds only safety snapshots \(tag pre-restore, taken by restores\).*name one by id, or pass --tag pre-restore/);
  });

  it("an unfinished restore run again as 'latest' continues its own snapshot, even when newer ones exist", async () => {
    const old = await snap();
    const key = await begin(old, { apps: ["Sales"] });
    await snap([SAFETY_TAG]); // its safety backup
    const newer = await snap(); // and even a newer backup
    const again = await choose("latest", { apps: ["Sales"] });
    expect(again.snapshot.id).toBe(old.id);
    expect(again.resumed?.restoreKey).toBe(key);
    expect(again.unfinished).toEqual([]);
    // Partial counts as unfinished too.
    await store.save(scope, key, { type: "finished", at: new Date().toISOString(), status: "partial" });
    expect((await choose("latest", { apps: ["Sales"] })).snapshot.id).toBe(old.id);
    // Other options are another restore: 'latest' is the newest backup, and the unfinished one is named.
    const other = await choose("latest", { apps: ["Budget"] });
    expect(other.snapshot.id).toBe(newer.id);
    expect(other.resumed).toBeUndefined();
    expect(other.unfinished.map((j) => j.restoreKey)).toEqual([key]);
    // Once it completed, 'latest' is the newest backup again.
    await begin(old, { apps: ["Sales"] }, "complete");
    expect((await choose("latest", { apps: ["Sales"] })).snapshot.id).toBe(newer.id);
  });

  it("a restore an earlier version began with --keep-extra-objects is found under the key that version gave it, and continued", async () => {
    const old = await snap();
    await snap([SAFETY_TAG]); // its safety backup
    // The key the version before --delete-extra-objects computed for `restore … --all --keep-extra-objects`.
    const oldKey = sha256Hex(canonicalJson({ snapshotId: old.id, target: "acme.eu.qlikcloud.com", options: { all: true, removeExtraObjects: false } })).slice(0, 24);
    const key = restoreKeyOf(old.id, HOST, { all: true });
    expect(oldKey).not.toBe(key);
    expect(previousRestoreKeysOf(old.id, HOST, { all: true })).toEqual([oldKey]);
    await store.save(scope, oldKey, { type: "begin", at: "2026-12-07T09:00:00.000Z", restoreKey: oldKey, snapshot: old.id, target: HOST });
    await store.save(scope, oldKey, { type: "done", at: "2026-12-07T09:00:01.000Z", step: "app:a-sales:import", outputs: { "app:a-sales": "new-sales" } });
    // Keeping extra objects is today's default: with or without the flag, this is that restore.
    const again = await choose("latest", { all: true });
    expect(again.snapshot.id).toBe(old.id);
    expect(again.resumed?.restoreKey).toBe(oldKey);
    expect(again.unfinished).toEqual([]);
    expect((await choose(old.id, { all: true })).unfinished).toEqual([]);
    expect(await restoreJournalKey(store, scope, old.id, HOST, { all: true })).toBe(oldKey);
    // Deleting extra objects is another restore.
    const deleting = { all: true, deleteExtraObjects: true };
    expect(await restoreJournalKey(store, scope, old.id, HOST, deleting)).toBe(restoreKeyOf(old.id, HOST, deleting));
    expect((await choose("latest", deleting)).resumed).toBeUndefined();
    // Without any journal, and once today's key has one, today's key is used.
    expect(await restoreJournalKey(store, { ...scope, tenant: "other.example.com" }, old.id, "other.example.com", { all: true })).toBe(restoreKeyOf(old.id, "other.example.com", { all: true }));
    await begin(old, { all: true });
    expect(await restoreJournalKey(store, scope, old.id, HOST, { all: true })).toBe(key);
  });

  it("an unfinished restore of another repository or tenant does not pin", async () => {
    const old = await snap();
    await begin(old, { all: true });
    const newer = await snap();
    const otherTenant = await chooseRestoreSnapshot({ repository: repo, arg: "latest", store, scope: { ...scope, tenant: "other.example.com" }, options: { all: true }, host: "other.example.com" });
    expect(otherTenant.snapshot.id).toBe(newer.id);
    const otherRepo = await chooseRestoreSnapshot({ repository: repo, arg: "latest", store, scope: { ...scope, repositoryId: "f".repeat(64) }, options: { all: true }, host: HOST });
    expect(otherRepo.snapshot.id).toBe(newer.id);
  });

  it("imports the journals an earlier version kept beside the repository, once, and continues them", async () => {
    const old = await snap();
    await snap([SAFETY_TAG]);
    const legacy = join(dir, "repo", "restore-journals");
    await mkdir(legacy, { recursive: true });
    const key = restoreKeyOf(old.id, HOST, { all: true });
    const lines = [
      { type: "begin", at: "2026-12-01T10:00:00.000Z", restoreKey: key, snapshot: old.id, target: HOST },
      { type: "done", at: "2026-12-01T10:00:01.000Z", step: "safety-backup", outputs: { safety: "abc" } },
    ];
    await writeFile(join(legacy, `${key}.jsonl`), lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
    // Another tenant's journal, and one of a snapshot this repository does not have: left alone.
    await writeFile(join(legacy, "other.jsonl"), JSON.stringify({ ...lines[0], restoreKey: "other", target: "other.example.com" }) + "\n");
    await writeFile(join(legacy, "foreign.jsonl"), JSON.stringify({ ...lines[0], restoreKey: "foreign", snapshot: "e".repeat(64) }) + "\n");
    const snapshotIds = new Set((await repo.listSnapshots()).map((s) => s.id));
    const imported = await importLegacyJournals({ store, scope, host: HOST, dirs: [legacy, join(dir, "nowhere")], snapshotIds });
    expect(imported).toEqual([{ from: join(legacy, `${key}.jsonl`), to: store.journalLocation(scope, key), restoreKey: key }]);
    expect(await store.load(scope, key)).toEqual(lines);
    expect(await importLegacyJournals({ store, scope, host: HOST, dirs: [legacy], snapshotIds })).toEqual([]);
    const again = await choose("latest", { all: true });
    expect(again.snapshot.id).toBe(old.id);
    expect(again.resumed?.startedAt).toBe("2026-12-01T10:00:00.000Z");
  });
});
