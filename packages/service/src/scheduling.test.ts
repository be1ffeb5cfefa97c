/**
 * The scheduler wired to the run layer, with an injected clock (no sleeping): scheduled backups
 * of a real (emulated) tenant recorded in the history, retention after each run keeping the
 * newest snapshot, a tenant with wrong credentials failing with a clear message while the
 * service goes on, alerts to a real HTTP receiver on loopback (failed run, mass deletion, missed
 * runs after a restart).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmulator } from "@lifeboat/emulator";
import { initRepository, openRepository } from "@lifeboat/repository";
import { TEST_KDF } from "@lifeboat/repository/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "./schedule/clock.ts";
import { createService, type Service } from "./service.ts";
import { TEST_SCRYPT } from "./testing.ts";

const REPO_PASSWORD = "repository password 42";
const KEY = new Uint8Array(32).fill(9);

let emu: Awaited<ReturnType<typeof startEmulator>>;
let dir: string;
let receiver: Server;
let hook: string;
const received: { type: string; tenant: string; title: string }[] = [];

beforeAll(async () => {
  emu = await startEmulator({ fixture: "demo", port: 0, admin: true, seed: "scheduling-test" });
  dir = mkdtempSync(join(tmpdir(), "lifeboat-scheduling-"));
  await (await initRepository({ url: join(dir, "repo"), password: REPO_PASSWORD, kdf: TEST_KDF })).close();
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      received.push(JSON.parse(body));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/lifeboat-secret-path`;
}, 60_000);

afterAll(async () => {
  await emu?.close();
  await new Promise((r) => receiver?.close(r));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const tenants = () => ({
  demo: {
    host: emu.host,
    auth: { type: "oauth2", clientId: emu.clientId, clientSecret: emu.clientSecret },
    repository: { url: join(dir, "repo"), password: REPO_PASSWORD },
    schedules: [{ every: "day", at: "02:00" }],
    retention: { last: 1 },
    alerts: { channels: [{ type: "webhook", url: hook }], massDeletion: { apps: 0.2 } },
  },
  broken: {
    host: emu.host,
    auth: { type: "oauth2", clientId: emu.clientId, clientSecret: "not-the-secret" },
    repository: { url: join(dir, "repo"), password: REPO_PASSWORD },
    schedules: [{ every: "day", at: "02:00" }],
    alerts: { channels: [{ type: "webhook", url: hook }] },
  },
});

const start = (clock: ManualClock): Promise<Service> =>
  createService({ dataDir: join(dir, "data"), secretKey: KEY, adminPassword: "a long admin password", tenants: tenants(), clock, scrypt: TEST_SCRYPT, alerts: { sleep: async () => undefined } });

describe("scheduled runs", () => {
  it("runs due backups through the run layer, applies retention, fails a bad tenant clearly, alerts, and reports missed runs after a restart", async () => {
    const clock = new ManualClock("2026-12-07T01:00:00Z");
    const service = await start(clock);
    try {
      expect(service.missed).toEqual([]);
      await clock.advanceTo("2026-12-07T02:00:00Z");
      await service.idle();
      const first = await service.history.listRuns({ tenant: "demo" });
      expect(first).toHaveLength(1);
      expect(first[0]).toMatchObject({ kind: "backup", trigger: "schedule", status: "succeeded", startedBy: "scheduler", scheduledFor: new Date("2026-12-07T02:00:00Z") });

      // wrong credentials: the run fails with a message naming the tenant, the service goes on
      const [bad] = await service.history.listRuns({ tenant: "broken" });
      expect(bad).toMatchObject({ status: "failed", trigger: "schedule" });
      expect(bad!.message).toMatch(/^could not read the calling user on http:\/\/127\.0\.0\.1:\d+ \(401 .*the credentials were rejected: check .* the OAuth client id and secret/);
      expect(received.filter((a) => a.type === "run-failed" && a.tenant === "broken")).toHaveLength(1);
      const deliveries = await service.history.listAlertDeliveries({ tenant: "broken" });
      expect(deliveries[0]).toMatchObject({ outcome: "delivered", event: "run-failed" });
      expect(deliveries[0]!.channel).not.toContain("lifeboat-secret-path");

      // a day later, with a third of the apps deleted in the tenant: mass-deletion alert; retention keeps one snapshot
      const snapshotApps = await service.runs.reader("demo").then(async (repo) => {
        const { loadSnapshotIndex } = await import("@lifeboat/engine");
        const [s] = await repo.listSnapshots();
        return [...(await loadSnapshotIndex(repo, s!)).apps.keys()];
      });
      for (const id of snapshotApps.slice(0, 4)) expect((await fetch(`${emu.host}/__emulator/apps/${encodeURIComponent(id)}`, { method: "DELETE" })).status).toBeLessThan(300);
      await clock.advanceTo("2026-12-08T02:00:00Z");
      await service.idle();
      const runs = await service.history.listRuns({ tenant: "demo" });
      expect(runs.map((r) => r.status)).toEqual(["succeeded", "succeeded"]);
      expect(received.filter((a) => a.type === "mass-deletion" && a.tenant === "demo")).toHaveLength(1);
      const result = await service.runs.result(runs[0]!.id);
      expect(result?.retention?.removed).toHaveLength(1);
      expect(result?.massDeletion?.triggered).toBe(true);
      const repo = await openRepository({ url: join(dir, "repo"), password: REPO_PASSWORD, autoLock: "none" });
      const snaps = await repo.listSnapshots();
      await repo.close();
      // one per tenant key (both tenants are the same host) — retention keeps the newest
      expect(snaps.map((s) => s.id)).toContain(runs[0]!.snapshotId);
      expect(snaps.map((s) => s.id)).not.toContain(runs[1]!.snapshotId);
    } finally {
      await service.close();
    }
    // a run a killed service left "running" (written here as that service would have)
    const cut = await (async () => {
      const { openHistoryStore } = await import("./history/store.ts");
      const h = await openHistoryStore({ sqlite: join(dir, "data", "history.db") });
      try {
        return await h.startRun({ tenant: "demo", kind: "verify", trigger: "manual", startedAt: new Date("2026-12-08T03:00:00Z"), startedBy: "ann" });
      } finally {
        await h.close();
      }
    })();

    // the service was down for three due times
    const later = new ManualClock("2026-12-11T09:00:00Z");
    const again = await start(later);
    try {
      await again.alerts.idle();
      const missedDemo = again.missed.find((m) => m.tenant === "demo");
      expect(missedDemo?.dueTimes.map((d) => d.toISOString())).toEqual(["2026-12-09T02:00:00.000Z", "2026-12-10T02:00:00.000Z", "2026-12-11T02:00:00.000Z"]);
      expect(await again.history.listRuns({ tenant: "demo", status: "missed" })).toHaveLength(3);
      expect(received.filter((a) => a.type === "run-missed" && a.tenant === "demo")).toHaveLength(1);
      expect(await again.history.getRun(cut)).toMatchObject({ status: "failed", message: expect.stringMatching(/service stopped during this run/) });
    } finally {
      await again.close();
    }
    // recorded as missed: a second restart does not report them again
    const third = await start(new ManualClock("2026-12-11T09:30:00Z"));
    try {
      expect(third.missed).toEqual([]);
    } finally {
      await third.close();
    }
  });
});
