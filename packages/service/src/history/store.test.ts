/**
 * The history store's conformance suite, run against the embedded SQLite file and
 * against the machine's PostgreSQL (a throwaway database per run, dropped after).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { historyLocationFromEnv, openHistoryStore, type HistoryLocation, type HistoryStore } from "./store.ts";
import { LATEST_VERSION, MIGRATIONS, appliedVersions, migrate } from "./migrations.ts";
import { openPostgres, openSqlite, type Sql } from "./sql.ts";
import { postgresUnavailable, throwawayPostgres, throwawaySqlite, type ThrowawayDatabase } from "../testing.ts";

const pgMissing = await postgresUnavailable();
if (pgMissing && process.env.CI) throw new Error(`${pgMissing}; CI needs it for the history store's PostgreSQL suite`);

const backends: { name: string; make: () => Promise<ThrowawayDatabase>; skip?: string }[] = [
  { name: "sqlite", make: async () => throwawaySqlite() },
  { name: "postgres", make: throwawayPostgres, ...(pgMissing ? { skip: pgMissing } : {}) },
];

const openRaw = (loc: HistoryLocation): Promise<Sql> => ("postgres" in loc ? openPostgres(loc.postgres) : openSqlite(loc.sqlite));
const t = (iso: string) => new Date(iso);

for (const backend of backends) {
  describe.skipIf(backend.skip !== undefined)(`history store on ${backend.name}${backend.skip ? ` (skipped: ${backend.skip})` : ""}`, () => {
    let db: ThrowawayDatabase;
    let store: HistoryStore;
    beforeEach(async () => {
      db = await backend.make();
      store = await openHistoryStore(db.location);
    });
    afterEach(async () => {
      await store?.close();
      await db?.drop();
    });

    it("records a run from start to end with counts, snapshot, links and who started it", async () => {
      const id = await store.startRun({ tenant: "acme", kind: "backup", trigger: "manual", startedAt: t("2026-12-07T10:00:00Z"), startedBy: "alice", logLocation: "logs/1.ndjson" });
      expect(await store.getRun(id)).toMatchObject({ status: "running", endedAt: null, durationMs: null, startedBy: "alice" });
      const done = await store.finishRun(id, {
        status: "partial",
        endedAt: t("2026-12-07T10:02:30Z"),
        counts: { apps: 12, objects: 340, failed: 1, bytes: 5_000_000_000 },
        snapshotId: "3fa1",
        manifestLink: "snapshot:3fa1/manifest.json",
        message: "1 app could not be exported",
      });
      expect(done).toEqual({
        id,
        tenant: "acme",
        kind: "backup",
        trigger: "manual",
        status: "partial",
        scheduledFor: null,
        startedAt: t("2026-12-07T10:00:00Z"),
        endedAt: t("2026-12-07T10:02:30Z"),
        durationMs: 150_000,
        counts: { apps: 12, objects: 340, failed: 1, bytes: 5_000_000_000 },
        snapshotId: "3fa1",
        manifestLink: "snapshot:3fa1/manifest.json",
        logLocation: "logs/1.ndjson",
        startedBy: "alice",
        message: "1 app could not be exported",
      });
      await expect(store.finishRun(id, { status: "succeeded", endedAt: t("2026-12-07T10:03:00Z") })).rejects.toThrow(/already ended \(partial\)/);
      await expect(store.finishRun("nope", { status: "succeeded", endedAt: t("2026-12-07T10:03:00Z") })).rejects.toThrow(/no run with id nope/);
      await expect(store.finishRun(id, { status: "running" as never, endedAt: t("2026-12-07T10:03:00Z") })).rejects.toThrow(/not 'running'/);
    });

    it("queries by tenant, status, kind and time, newest first", async () => {
      const add = async (tenant: string, kind: "backup" | "restore" | "verify" | "prune", at: string, status: "succeeded" | "failed") => {
        const id = await store.startRun({ tenant, kind, trigger: "manual", startedAt: t(at), startedBy: "bob" });
        await store.finishRun(id, { status, endedAt: new Date(t(at).getTime() + 60_000) });
        return id;
      };
      const a1 = await add("acme", "backup", "2026-12-01T02:00:00Z", "succeeded");
      const a2 = await add("acme", "backup", "2026-12-02T02:00:00Z", "failed");
      const a3 = await add("acme", "verify", "2026-12-03T02:00:00Z", "succeeded");
      const b1 = await add("beta", "restore", "2026-12-02T05:00:00Z", "succeeded");
      const b2 = await add("beta", "prune", "2026-12-04T05:00:00Z", "failed");
      await store.recordMissed("beta", [t("2026-12-05T02:00:00Z")]);
      const ids = (rs: { id: string }[]) => rs.map((r) => r.id);
      expect(ids(await store.listRuns({ tenant: "acme" }))).toEqual([a3, a2, a1]);
      expect(ids(await store.listRuns({ status: "failed" }))).toEqual([b2, a2]);
      expect(ids(await store.listRuns({ status: ["failed", "succeeded"], kind: "backup" }))).toEqual([a2, a1]);
      expect(ids(await store.listRuns({ from: t("2026-12-02T00:00:00Z"), to: t("2026-12-03T00:00:00Z") }))).toEqual([b1, a2]);
      expect(ids(await store.listRuns({ limit: 2 })).length).toBe(2);
      const [missed] = await store.listRuns({ status: "missed" });
      expect(missed).toMatchObject({ tenant: "beta", status: "missed", startedAt: null, scheduledFor: t("2026-12-05T02:00:00Z"), startedBy: "scheduler" });
      await expect(store.listRuns({ status: "exploded" as never })).rejects.toThrow(/unknown run status 'exploded'/);
    });

    it("knows the last successful backup per tenant (not a partial, not a verify)", async () => {
      const run = async (tenant: string, kind: "backup" | "verify", at: string, status: "succeeded" | "partial") => {
        const id = await store.startRun({ tenant, kind, trigger: "schedule", scheduledFor: t(at), startedAt: t(at), startedBy: "scheduler" });
        await store.finishRun(id, { status, endedAt: new Date(t(at).getTime() + 1000), snapshotId: `s-${at}` });
        return id;
      };
      const good = await run("acme", "backup", "2026-12-01T02:00:00Z", "succeeded");
      await run("acme", "backup", "2026-12-02T02:00:00Z", "partial");
      await run("acme", "verify", "2026-12-03T02:00:00Z", "succeeded");
      const beta = await run("beta", "backup", "2026-12-02T02:00:00Z", "succeeded");
      expect((await store.lastSuccessfulBackup("acme"))?.id).toBe(good);
      expect(await store.lastSuccessfulBackup("nobody")).toBeNull();
      const all = await store.lastSuccessfulBackups();
      expect([...all].map(([k, v]) => [k, v.id])).toEqual([["acme", good], ["beta", beta]]);
      // the newest scheduled backup: a scheduled verify (or prune) runs on a schedule of its own
      expect(await store.lastScheduledRun("acme")).toEqual(t("2026-12-02T02:00:00Z"));
      expect(await store.lastScheduledRun("nobody")).toBeNull();
    });

    it("keeps an append-only audit log: the API has no update or delete, and the database refuses them", async () => {
      await store.appendAudit({ at: t("2026-12-07T10:00:00Z"), actor: "alice", action: "login", target: null, outcome: "ok" });
      await store.appendAudit({ at: t("2026-12-07T10:01:00Z"), actor: "alice", action: "restore.start", target: "acme", outcome: "denied", details: { reason: "wrong password" } });
      const entries = await store.listAudit();
      expect(entries.map((e) => [e.actor, e.action, e.target, e.outcome, e.details])).toEqual([
        ["alice", "restore.start", "acme", "denied", { reason: "wrong password" }],
        ["alice", "login", null, "ok", {}],
      ]);
      expect((await store.listAudit({ action: "login" })).length).toBe(1);
      const api = store as unknown as Record<string, unknown>;
      expect(Object.getOwnPropertyNames(Object.getPrototypeOf(store)).filter((n) => /audit/i.test(n)).sort()).toEqual(["appendAudit", "listAudit"]);
      expect(api.updateAudit).toBeUndefined();
      // even SQL around the API is refused
      await store.close();
      const raw = await openRaw(db.location);
      try {
        await expect(raw.run(`UPDATE audit_log SET outcome = 'ok'`)).rejects.toThrow(/append-only/);
        await expect(raw.run(`DELETE FROM audit_log`)).rejects.toThrow(/append-only/);
        if (backend.name === "postgres") await expect(raw.run(`TRUNCATE audit_log`)).rejects.toThrow(/append-only/);
        expect((await raw.query(`SELECT COUNT(*) AS n FROM audit_log`))[0]!.n).toEqual(backend.name === "postgres" ? "2" : 2);
      } finally {
        await raw.close();
      }
      store = await openHistoryStore(db.location);
    });

    it("records alert deliveries", async () => {
      await store.recordAlertDelivery({ at: t("2026-12-07T10:00:00Z"), tenant: "acme", event: "run-failed", channel: "slack https://hooks.slack.com/…", outcome: "failed", attempts: 3, error: "HTTP 500", runId: "r1" });
      expect(await store.listAlertDeliveries({ tenant: "acme" })).toEqual([
        { at: t("2026-12-07T10:00:00Z"), tenant: "acme", event: "run-failed", channel: "slack https://hooks.slack.com/…", outcome: "failed", attempts: 3, error: "HTTP 500", runId: "r1" },
      ]);
    });

    it("upgrades a version-1 database with its runs to the latest schema, each migration recorded once", async () => {
      await store.close();
      const fresh = await backend.make();
      try {
        const raw = await openRaw(fresh.location);
        try {
          expect(await migrate(raw, { target: 1 })).toEqual([1]);
          await raw.run(
            `INSERT INTO runs (id, tenant, kind, trigger_kind, status, scheduled_for, started_at, ended_at, started_by, counts, snapshot_id, message)
             VALUES ('old-1', 'acme', 'backup', 'schedule', 'succeeded', 1764900000000, 1764900001000, 1764900061000, 'scheduler', '{"apps":3}', 'abc', NULL)`,
          );
          expect(await appliedVersions(raw)).toEqual([1]);
        } finally {
          await raw.close();
        }
        const upgraded = await openHistoryStore(fresh.location);
        try {
          expect(await upgraded.getRun("old-1")).toMatchObject({ status: "succeeded", counts: { apps: 3 }, durationMs: 60_000, manifestLink: null, snapshotId: "abc" });
          expect((await upgraded.listRuns({ from: new Date(1764900000000) })).map((r) => r.id)).toEqual(["old-1"]);
          expect((await upgraded.lastSuccessfulBackup("acme"))?.id).toBe("old-1");
        } finally {
          await upgraded.close();
        }
        const again = await openRaw(fresh.location);
        try {
          expect(await appliedVersions(again)).toEqual(MIGRATIONS.map((m) => m.version));
          expect(await migrate(again)).toEqual([]); // nothing left to do
        } finally {
          await again.close();
        }
      } finally {
        await fresh.drop();
      }
      store = await openHistoryStore(db.location);
    });

    it.runIf(backend.name === "postgres")("lets two services migrate one new database at once; each version is applied once", async () => {
      const fresh = await backend.make();
      try {
        const [a, b] = await Promise.all([openHistoryStore(fresh.location), openHistoryStore(fresh.location)]);
        await Promise.all([a.close(), b.close()]);
        const raw = await openRaw(fresh.location);
        try {
          expect(await appliedVersions(raw)).toEqual(MIGRATIONS.map((m) => m.version));
        } finally {
          await raw.close();
        }
      } finally {
        await fresh.drop();
      }
    });

    it("rolls a failing migration back and refuses a schema newer than it knows", async () => {
      await store.close();
      const raw = await openRaw(db.location);
      try {
        const broken = [...MIGRATIONS, { version: LATEST_VERSION + 1, name: "broken", up: [`CREATE TABLE half_done (x INTEGER)`, `THIS IS NOT SQL`] }];
        await expect(migrate(raw, { migrations: broken })).rejects.toThrow(new RegExp(`schema migration ${LATEST_VERSION + 1} \\(broken\\) failed and was rolled back`));
        expect(await appliedVersions(raw)).toEqual(MIGRATIONS.map((m) => m.version));
        await expect(raw.query(`SELECT * FROM half_done`)).rejects.toThrow();
        await raw.run(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'from the future', 0)`, [LATEST_VERSION + 7]);
      } finally {
        await raw.close();
      }
      await expect(openHistoryStore(db.location)).rejects.toThrow(new RegExp(`version ${LATEST_VERSION + 7}, newer than this Lifeboat knows \\(${LATEST_VERSION}\\); upgrade Lifeboat`));
      const raw2 = await openRaw(db.location);
      await raw2.run(`DELETE FROM schema_migrations WHERE version = ?`, [LATEST_VERSION + 7]);
      await raw2.close();
      store = await openHistoryStore(db.location);
    });
  });
}

describe("history location and the SQLite file", () => {
  let db: ThrowawayDatabase;
  beforeAll(() => {
    db = throwawaySqlite();
  });
  afterAll(async () => db.drop());

  it("chooses PostgreSQL only for a postgres:// LIFEBOAT_DATABASE_URL, and names a bad one without its password", () => {
    expect(historyLocationFromEnv({}, "/x/history.db")).toEqual({ sqlite: "/x/history.db" });
    expect(historyLocationFromEnv({ LIFEBOAT_DATABASE_URL: "postgres://u:pw@db:5432/lb" }, "/x")).toEqual({ postgres: "postgres://u:pw@db:5432/lb" });
    let msg = "";
    try {
      historyLocationFromEnv({ LIFEBOAT_DATABASE_URL: "mysql://u:hunter2@db/lb" }, "/x");
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toMatch(/is not a PostgreSQL URL; set it to postgres:/);
    expect(msg).not.toContain("hunter2");
  });

  it("persists to the file across reopen, and refuses a second opener of the same file", async () => {
    const a = await openHistoryStore(db.location);
    const id = await a.startRun({ tenant: "acme", kind: "prune", trigger: "manual", startedAt: t("2026-12-07T10:00:00Z"), startedBy: "carol" });
    await expect(openHistoryStore(db.location)).rejects.toThrow(/is in use by process \d+; stop that Lifeboat service first/);
    await a.close();
    const b = await openHistoryStore(db.location);
    expect((await b.getRun(id))?.startedBy).toBe("carol");
    await b.close();
  });

  it("takes over the file of a service that died (its owner file and the driver's .lock directory)", async () => {
    const file = (db.location as { sqlite: string }).sqlite;
    const a = await openHistoryStore(db.location);
    await a.close();
    writeFileSync(`${file}.owner`, "2147483646"); // no such process
    mkdirSync(`${file}.lock`); // what node-sqlite3-wasm leaves when a process dies mid-write
    const b = await openHistoryStore(db.location);
    expect(await b.listRuns()).toHaveLength(1);
    expect(readFileSync(`${file}.owner`, "utf8")).toBe(String(process.pid));
    await b.close();
    expect(existsSync(`${file}.owner`)).toBe(false);
  });

  it("names an unreachable PostgreSQL without its password", async () => {
    await expect(openHistoryStore({ postgres: "postgres://u:sekrit@127.0.0.1:1/none" })).rejects.toThrow(
      /could not connect to the run history database postgres:\/\/u:\*\*\*@127\.0\.0\.1:1\/none: .*check LIFEBOAT_DATABASE_URL/,
    );
  });
});
