/**
 * The run layer against the emulator (through the real connector): specs are plain data, every
 * event arrives wrapped, the injected limiter and journal store are the ones used, the
 * restore's safety backup records the objects the connector skipped (D-5), and a cancelled
 * backup or restore leaves the repository and the journal as a later run needs them.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmulator, type EmulatorHandle } from "@lifeboat/emulator";
import { LocalJournalStore, loadManifest, parsePlanFile, SAFETY_TAG, type ChecklistItem, type RestoreEvent, type VerificationReport } from "@lifeboat/engine";
import type { TenantReader } from "@lifeboat/model";
import { createRateLimiter, type RateLimiter } from "@lifeboat/qlik";
import { initRepository, openRepository, type Repository } from "@lifeboat/repository";
import { createTestRepository, TEST_KDF } from "@lifeboat/repository/testing";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { runBackup } from "./backup.ts";
import { PLAN_KEY_PURPOSE, runRestore } from "./restore.ts";
import { connectTenant } from "./run.ts";
import { JobError, type BackupJobSpec, type JobEnvelope, type RestoreDeps, type RestoreJobSpec, type TenantConnection } from "./spec.ts";

const SLOW = 180_000;

/** The emulator's bot as a connection: the secret comes from here, never from the spec. */
const botOf = (emu: { host: string; clientId: string; clientSecret: string }): TenantConnection => ({
  host: emu.host,
  auth: { type: "oauth2", clientId: emu.clientId, clientSecret: emu.clientSecret },
  tags: [],
});
const given = (repo: Repository) => async () => ({ repository: repo, close: async () => undefined });
/** A limiter that counts what it admits, around the connector's own. */
function countingLimiter(): RateLimiter & { admitted: number } {
  const inner = createRateLimiter();
  const l = {
    admitted: 0,
    admit: async (bucket: string, signal?: AbortSignal) => {
      l.admitted++;
      return inner.admit(bucket, signal);
    },
    pause: (bucket: string, ms: number) => inner.pause(bucket, ms),
    inWindow: (bucket: string) => inner.inWindow(bucket),
  };
  return l;
}

/**
 * The read-back equals the snapshot — except what the restore's checklist says the target could
 * not do as asked (the emulator refuses, as Qlik may, to switch API keys on through the API):
 * every tenant-level mismatch names an item of the checklist.
 */
function expectVerified(out: { report?: VerificationReport; checklist: ChecklistItem[] }): void {
  expect(out.report?.apps.flatMap((a) => a.mismatches)).toEqual([]);
  const unexplained = (out.report?.other ?? []).filter((m) => !out.checklist.some((c) => m.where.startsWith(`${c.noun} '${c.name}'`)));
  expect(unexplained).toEqual([]);
}

describe("job specs", () => {
  it("are plain data: a spec survives JSON and names its secrets without holding them", () => {
    const backup: BackupJobSpec = {
      kind: "backup",
      tenant: { host: "https://acme.example.qlikcloud.com", credentials: "config:prod" },
      repository: { url: "s3:https://s3.example.com/bucket/acme", password: "env:LIFEBOAT_PASSWORD" },
      full: true,
      withData: false,
      deepCheckDays: 3,
      tags: ["weekly"],
      timeouts: { requestMs: 30_000 },
    };
    const restore: RestoreJobSpec = {
      kind: "restore",
      repository: { url: "/backups/acme", password: "file:/etc/lifeboat/password", noLock: true },
      snapshot: "latest",
      tags: ["weekly"],
      options: { apps: ["Sales"], spaceMap: { Dev: "Staging" }, createMissingUsers: true, safetyBackup: false },
      target: { host: "https://staging.example.qlikcloud.com", credentials: "env" },
      lockWaitMs: 60_000,
      legacyJournalDirs: ["/old/journals"],
    };
    const plan: RestoreJobSpec = { kind: "restore", repository: { url: "/r" }, fromPlan: { name: "plan.json", text: '{"format":"x"}' }, target: { credentials: "default", snapshotTenant: true }, planOnly: true };
    for (const spec of [backup, restore, plan]) expect(JSON.parse(JSON.stringify(spec))).toEqual(spec);
  });
});

describe("runBackup and runRestore through the connector", () => {
  let src: EmulatorHandle;
  let dst: EmulatorHandle;
  let repo: Repository;
  let dir: string;
  beforeAll(async () => {
    [src, dst] = await Promise.all([startEmulator({ fixture: "demo", admin: true }), startEmulator({ fixture: "empty", admin: true, seed: "jobs-target" })]);
    repo = await createTestRepository();
    dir = await mkdtemp(join(tmpdir(), "lifeboat-jobs-"));
  }, SLOW);
  afterAll(async () => {
    await repo?.close();
    await Promise.all([src?.close(), dst?.close()]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const backupSpec: BackupJobSpec = { kind: "backup", tenant: { credentials: "source" }, repository: { url: "memory" }, tags: ["jobs"] };
  const restoreSpec = (over: Partial<RestoreJobSpec> = {}): RestoreJobSpec => ({
    kind: "restore",
    repository: { url: "memory" },
    snapshot: "latest",
    options: { all: true, createMissingUsers: true },
    target: { host: "target", credentials: "target" },
    ...over,
  });
  const resolveTenant = (ref: { credentials: string }) => (ref.credentials === "source" ? botOf(src) : botOf(dst));

  it(
    "backs up with every event wrapped in an envelope, through the injected limiter",
    async () => {
      const events: JobEnvelope[] = [];
      const limiter = countingLimiter();
      // The spec as a queue would deliver it: parsed from JSON.
      const spec = JSON.parse(JSON.stringify(backupSpec)) as BackupJobSpec;
      const { snapshot, manifest } = await runBackup(spec, { resolveTenant, openRepository: given(repo), limiter, runId: "run-1", onEvent: (e) => events.push(e) });
      expect(snapshot.tags).toEqual(["jobs"]);
      expect(manifest.partial).toBe(false);
      expect(limiter.admitted).toBeGreaterThan(0);
      expect(events.length).toBeGreaterThan(0);
      for (const e of events) {
        expect(e.runId).toBe("run-1");
        expect(e.tenant).toBe(src.host);
        expect(Number.isNaN(Date.parse(e.at))).toBe(false);
      }
      expect(events.at(-1)?.event).toMatchObject({ source: "backup", event: { type: "done" } });
    },
    SLOW,
  );

  it(
    "plans without writing, then restores into another tenant: confirmed, journaled in the injected store, verified, lock released",
    async () => {
      const journals = new LocalJournalStore(join(dir, "state-plan"));
      const base: Omit<RestoreDeps, "journals"> = { resolveTenant, openRepository: given(repo) };
      const before = await (await fetch(`${dst.host}/__emulator/state`)).json();
      // Without createMissingUsers the snapshot's users are missing in the empty target (listed, not created).
      const planned = await runRestore(restoreSpec({ planOnly: true, options: { all: true } }), { ...base, journals });
      expect(planned.status).toBe("planned");
      if (planned.status !== "planned") return;
      expect(planned.plan.users.filter((u) => u.action === "missing").length).toBeGreaterThan(0);
      expect(await (await fetch(`${dst.host}/__emulator/state`)).json()).toEqual(before);
      // The plan file is signed with the repository's derived key.
      expect(parsePlanFile(planned.planFile, "plan.json", repo.deriveKey(PLAN_KEY_PURPOSE)).restoreKey).toBe(planned.plan.restoreKey);
      expect(await journals.list({ repositoryId: repo.config.id, tenant: dst.host })).toEqual([]);

      // Without a gate nothing is changed; a gate that says no changes nothing either.
      await expect(runRestore(restoreSpec(), { ...base, journals })).rejects.toThrow(/no confirmation gate/);
      await expect(runRestore(restoreSpec(), { ...base, journals, confirm: async () => false })).rejects.toMatchObject({ kind: "input" });
      expect(await journals.list({ repositoryId: repo.config.id, tenant: dst.host })).toEqual([]);

      const seen: string[] = [];
      const out = await runRestore(restoreSpec(), {
        ...base,
        journals,
        confirm: async (plan) => {
          seen.push(plan.restoreKey);
          return true;
        },
        onEvent: (e) => seen.push(`${e.event.source}:${e.event.event.type}`),
      });
      expect(out.status).toBe("executed");
      if (out.status !== "executed") return;
      expect(out.result.status, JSON.stringify(out.result.failed)).toBe("complete");
      expectVerified(out);
      // The plan is shown before the gate, the gate before any step.
      expect(seen.indexOf("job:plan")).toBeLessThan(seen.indexOf(out.plan.restoreKey));
      expect(seen.indexOf(out.plan.restoreKey)).toBeLessThan(seen.indexOf("restore:begin"));
      expect((await journals.list({ repositoryId: repo.config.id, tenant: dst.host })).map((j) => [j.restoreKey, j.finished])).toEqual([[out.plan.restoreKey, "complete"]]);
      expect(out.files.log.startsWith(journals.location)).toBe(true);
      expect(await journals.holder(dst.host)).toBeUndefined();
    },
    SLOW,
  );

  it(
    "the safety backup records the objects the connector skipped, as a backup does (D-5)",
    async () => {
      const snap = (await repo.listSnapshots()).find((s) => s.tags.includes("jobs"))!;
      const manifest = await loadManifest(repo, snap);
      const app = manifest.items.find((i) => i.layer === "apps" && i.status === "captured" && i.name === "Sales Overview") ?? manifest.items.find((i) => i.layer === "apps" && i.status === "captured")!;
      const objects = manifest.items.filter((i) => i.layer === "objects" && i.appId === app.id && i.status === "captured");
      const [gone, hidden] = [objects[0]!, objects[1]!];
      // Someone deletes an object; the restore brings it back after backing the tenant up —
      // through a connection that cannot read another object (the connector skips it and says so).
      const del = await fetch(`${src.host}/__emulator/apps/${encodeURIComponent(app.id)}/objects/${encodeURIComponent(gone.id)}`, { method: "DELETE" });
      expect(del.ok).toBe(true);
      const journals = new LocalJournalStore(join(dir, "state-safety"));
      const out = await runRestore(
        restoreSpec({ snapshot: snap.id, options: { apps: [app.id] }, target: { credentials: "default", snapshotTenant: true } }),
        {
          journals,
          resolveTenant: () => botOf(src),
          openRepository: given(repo),
          confirm: async () => true,
          connect: (c, wiring) => {
            const handle = connectTenant(c, wiring);
            const reader = handle.reader;
            const hide = (appId: string, list: { id: string }[] | undefined) => {
              if (appId !== app.id || !list?.some((o) => o.id === hidden.id)) return list;
              wiring.onEvent({ type: "object-skipped", appId, objectId: hidden.id, objectType: "sheet", reason: "could not read it (injected)" });
              return list.filter((o) => o.id !== hidden.id);
            };
            const wrapped: TenantReader = Object.create(reader, {
              readAppObjects: { value: async (appId: string) => hide(appId, await reader.readAppObjects(appId)) },
              readAppContent: {
                value: async (appId: string, opts: Parameters<NonNullable<TenantReader["readAppContent"]>>[1]) => {
                  const content = await reader.readAppContent!(appId, opts);
                  return { ...content, ...(content.objects ? { objects: hide(appId, content.objects) } : {}) };
                },
              },
            });
            return { ...handle, reader: wrapped };
          },
        },
      );
      expect(out.status).toBe("executed");
      if (out.status !== "executed") return;
      const safety = (await repo.listSnapshots()).find((s) => s.id === out.result.safetySnapshot);
      expect(safety?.tags).toContain(SAFETY_TAG);
      const recorded = (await loadManifest(repo, safety!)).items.find((i) => i.layer === "objects" && i.id === hidden.id);
      expect(recorded).toMatchObject({ status: "skipped", appId: app.id });
      expect(recorded?.reason).toMatch(/injected/);
      expect(safety?.partial).toBe(true);
    },
    SLOW,
  );
});

describe("cancelling a run", () => {
  let src: EmulatorHandle;
  let dst: EmulatorHandle;
  let dir: string;
  beforeEach(async () => {
    [src, dst] = await Promise.all([startEmulator({ fixture: "demo" }), startEmulator({ fixture: "empty", seed: "jobs-cancel" })]);
    dir = await mkdtemp(join(tmpdir(), "lifeboat-jobs-cancel-"));
  }, SLOW);
  afterEach(async () => {
    await Promise.all([src?.close(), dst?.close()]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  const PASSWORD = "jobs-cancel-password";
  const resolveSecret = (ref: string) => (ref === "test:password" ? PASSWORD : Promise.reject(new Error(`unknown secret ${ref}`)));

  it(
    "a cancelled backup writes no snapshot and releases the repository's lock",
    async () => {
      const url = join(dir, "repo");
      await (await initRepository({ url, password: PASSWORD, kdf: TEST_KDF })).close();
      const controller = new AbortController();
      const spec: BackupJobSpec = { kind: "backup", tenant: { credentials: "source" }, repository: { url, password: "test:password" } };
      const error = await runBackup(spec, {
        resolveTenant: () => botOf(src),
        resolveSecret,
        signal: controller.signal,
        // Cancelled once the apps are being read.
        onEvent: (e) => {
          if (e.event.source === "backup" && e.event.event.type === "layer-start" && e.event.event.layer === "apps") controller.abort(new Error("stopped by the test"));
        },
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(JobError);
      expect((error as JobError).kind).toBe("cancelled");
      expect((error as JobError).code).toBe("cancelled"); // the shared vocabulary's code (exit 1 in the CLI)
      expect((error as JobError).message).toMatch(/cancelled; no snapshot was written .*stopped by the test/);
      const repo = await openRepository({ url, password: PASSWORD });
      try {
        expect(await repo.listSnapshots()).toEqual([]);
        // No lock is left behind: an exclusive lock (what prune takes) is granted at once.
        await repo.acquireLock("exclusive", "test");
      } finally {
        await repo.close();
      }
    },
    SLOW,
  );

  it(
    "a cancelled restore leaves a journal that the next run continues",
    async () => {
      const repo = await createTestRepository();
      try {
        await runBackup({ kind: "backup", tenant: { credentials: "source" }, repository: { url: "memory" } }, { resolveTenant: () => botOf(src), openRepository: given(repo) });
        const journals = new LocalJournalStore(join(dir, "state"));
        const spec: RestoreJobSpec = { kind: "restore", repository: { url: "memory" }, snapshot: "latest", options: { all: true, createMissingUsers: true }, target: { credentials: "target" } };
        const controller = new AbortController();
        const steps: RestoreEvent[] = [];
        const base = { journals, resolveTenant: () => botOf(dst), openRepository: given(repo), confirm: async () => true };
        const error = await runRestore(spec, {
          ...base,
          signal: controller.signal,
          onEvent: (e) => {
            if (e.event.source !== "restore" || e.event.event.type !== "step") return;
            steps.push(e.event.event);
            if (steps.length === 3) controller.abort(new Error("stopped by the test"));
          },
        }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(JobError);
        expect((error as JobError).kind).toBe("cancelled");
        expect((error as JobError).message).toMatch(/cancelled between steps; run the same restore again to continue/);
        const scope = { repositoryId: repo.config.id, tenant: dst.host };
        const [journal] = await journals.list(scope);
        expect(journal?.finished).toBe("aborted");
        expect(await journals.holder(dst.host)).toBeUndefined();
        const total = steps[0]!.type === "step" ? steps[0]!.total : 0;
        expect(steps.length).toBeLessThan(total);

        // Run again: 'latest' continues that restore; what was done is not done twice.
        const again = await runRestore(spec, base);
        expect(again.status).toBe("executed");
        if (again.status !== "executed") return;
        expect(again.plan.restoreKey).toBe(journal!.restoreKey);
        expect(again.result.status, JSON.stringify(again.result.failed)).toBe("complete");
        expect(again.result.steps.filter((s) => s.outcome === "already-done").length).toBeGreaterThanOrEqual(steps.filter((s) => s.type === "step" && s.outcome === "done").length);
        expectVerified(again);
        expect((await journals.list(scope)).map((j) => j.finished)).toEqual(["complete"]);
      } finally {
        await repo.close();
      }
    },
    SLOW,
  );
});

describe("JobError", () => {
  it("carries the shared code: input → usage, cancelled → cancelled, failed → its cause's (internal without one)", () => {
    expect(new JobError("which snapshot?", "input").code).toBe("usage");
    expect(new JobError("stopped", "cancelled").code).toBe("cancelled");
    expect(new JobError("cannot reach …", "failed", { cause: Object.assign(new Error("x"), { code: "unreachable" }) }).code).toBe("unreachable");
    expect(new JobError("the safety backup failed", "failed", { cause: new Error("x") }).code).toBe("internal");
    expect(new JobError("x", "failed", { code: "locked" }).code).toBe("locked");
  });
});
