import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "./clock.ts";
import { Scheduler, type RunReason } from "./scheduler.ts";
import { parseTenantSchedules, type Schedule } from "./spec.ts";
import { openHistoryStore, type HistoryStore } from "../history/store.ts";

function schedules(raw: unknown): Schedule[] {
  const r = parseTenantSchedules(raw);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.schedules;
}

/** A run the test ends by hand. */
interface Started {
  tenant: string;
  reason: RunReason;
  at: string;
  finish(): void;
}

function harness(opts: { start: string; tenants: Record<string, unknown>; last?: Record<string, string> }) {
  const clock = new ManualClock(opts.start);
  const started: Started[] = [];
  const errors: string[] = [];
  const scheduler = new Scheduler({
    clock,
    schedules: new Map(Object.entries(opts.tenants).map(([t, raw]) => [t, schedules(raw)])),
    startRun: (tenant, reason) =>
      new Promise<void>((resolve) => started.push({ tenant, reason, at: clock.now().toISOString(), finish: resolve })),
    lastScheduledRun: async (tenant) => (opts.last?.[tenant] ? new Date(opts.last[tenant]!) : null),
    onRunError: (tenant, e) => errors.push(`${tenant}: ${(e as Error).message}`),
  });
  return { clock, started, scheduler, errors };
}

describe("Scheduler with an injected clock", () => {
  it("starts a daily Amsterdam run at 02:30 local, and at 03:00 on the spring-forward day", async () => {
    const h = harness({ start: "2026-03-27T12:00:00Z", tenants: { acme: { every: "day", at: "02:30", timeZone: "Europe/Amsterdam" } } });
    await h.scheduler.start();
    for (const day of ["2026-03-28", "2026-03-29", "2026-03-30"]) {
      await h.clock.advanceTo(`${day}T12:00:00Z`);
      for (const s of h.started) s.finish();
    }
    expect(h.started.map((s) => [s.tenant, s.at, s.reason])).toEqual([
      ["acme", "2026-03-28T01:30:00.000Z", { trigger: "schedule", dueAt: new Date("2026-03-28T01:30:00Z"), lastDueAt: new Date("2026-03-28T01:30:00Z"), coalesced: 0 }],
      ["acme", "2026-03-29T01:00:00.000Z", { trigger: "schedule", dueAt: new Date("2026-03-29T01:00:00Z"), lastDueAt: new Date("2026-03-29T01:00:00Z"), coalesced: 0 }],
      ["acme", "2026-03-30T00:30:00.000Z", { trigger: "schedule", dueAt: new Date("2026-03-30T00:30:00Z"), lastDueAt: new Date("2026-03-30T00:30:00Z"), coalesced: 0 }],
    ]);
  });

  it("runs once in the repeated autumn hour", async () => {
    const h = harness({ start: "2026-10-24T12:00:00Z", tenants: { acme: { every: "day", at: "02:30", timeZone: "Europe/Amsterdam" } } });
    await h.scheduler.start();
    const finishEach = async (until: string) => {
      await h.clock.advanceTo(until);
      for (const s of h.started) s.finish();
    };
    await finishEach("2026-10-25T12:00:00Z");
    await finishEach("2026-10-26T12:00:00Z");
    expect(h.started.map((s) => s.at)).toEqual(["2026-10-25T00:30:00.000Z", "2026-10-26T01:30:00.000Z"]);
  });

  it("fires weekly, monthly and cron schedules of several tenants at their instants, across DST", async () => {
    const h = harness({
      start: "2026-03-01T00:00:00Z",
      tenants: {
        weekly: { every: "week", on: ["sun"], at: "02:30", timeZone: "Europe/Amsterdam" },
        monthly: { every: "month", day: "last", at: "23:30", timeZone: "Europe/Amsterdam" },
        ny: { cron: "0 2 * * 0", timeZone: "America/New_York" },
      },
    });
    await h.scheduler.start();
    for (let day = 1; day <= 45; day++) {
      await h.clock.advanceBy(86_400_000);
      for (const s of h.started) s.finish();
    }
    const of = (t: string) => h.started.filter((s) => s.tenant === t).map((s) => s.at);
    expect(of("weekly")).toEqual([
      "2026-03-01T01:30:00.000Z",
      "2026-03-08T01:30:00.000Z",
      "2026-03-15T01:30:00.000Z",
      "2026-03-22T01:30:00.000Z",
      "2026-03-29T01:00:00.000Z", // spring forward: 02:30 does not exist, 03:00 CEST
      "2026-04-05T00:30:00.000Z",
      "2026-04-12T00:30:00.000Z",
    ]);
    expect(of("monthly")).toEqual(["2026-03-31T21:30:00.000Z"]); // 23:30 CEST on March 31
    expect(of("ny")).toEqual([
      "2026-03-01T07:00:00.000Z",
      "2026-03-08T07:00:00.000Z", // US spring forward at 02:00 that day: runs at 03:00 EDT
      "2026-03-15T06:00:00.000Z",
      "2026-03-22T06:00:00.000Z",
      "2026-03-29T06:00:00.000Z",
      "2026-04-05T06:00:00.000Z",
      "2026-04-12T06:00:00.000Z",
    ]);
    expect(h.scheduler.state().map((s) => [s.tenant, s.nextRun?.toISOString()])).toEqual([
      ["weekly", "2026-04-19T00:30:00.000Z"],
      ["monthly", "2026-04-30T21:30:00.000Z"],
      ["ny", "2026-04-19T06:00:00.000Z"],
    ]);
  });

  it("runs one run per tenant at a time; due times during a run are coalesced into one run right after it", async () => {
    const h = harness({
      start: "2026-12-07T09:58:00Z",
      tenants: { acme: { cron: "*/5 * * * *" }, beta: { cron: "*/5 * * * *" } },
    });
    await h.scheduler.start();
    await h.clock.advanceTo("2026-12-07T10:00:00Z");
    expect(h.started.map((s) => `${s.tenant}@${s.at}`)).toEqual(["acme@2026-12-07T10:00:00.000Z", "beta@2026-12-07T10:00:00.000Z"]);
    h.started[1]!.finish(); // beta ends quickly; acme takes 17 minutes
    await h.clock.advanceTo("2026-12-07T10:17:00Z");
    expect(h.started.filter((s) => s.tenant === "acme")).toHaveLength(1);
    expect(h.scheduler.state().find((s) => s.tenant === "acme")).toMatchObject({ running: true, deferred: 3 });
    // beta ran at 10:05, 10:10 and 10:15 (each finished at once)
    expect(h.started.filter((s) => s.tenant === "beta")).toHaveLength(2); // 10:05 is still running: not finished
    h.started.at(-1)!.finish();
    h.started[0]!.finish(); // acme ends at 10:17
    await h.clock.advanceBy(0);
    const acme = h.started.filter((s) => s.tenant === "acme");
    expect(acme.map((s) => [s.at, s.reason])).toEqual([
      ["2026-12-07T10:00:00.000Z", { trigger: "schedule", dueAt: new Date("2026-12-07T10:00:00Z"), lastDueAt: new Date("2026-12-07T10:00:00Z"), coalesced: 0 }],
      ["2026-12-07T10:17:00.000Z", { trigger: "schedule", dueAt: new Date("2026-12-07T10:05:00Z"), lastDueAt: new Date("2026-12-07T10:15:00Z"), coalesced: 2 }],
    ]);
    acme[1]!.finish();
    await h.clock.advanceTo("2026-12-07T10:20:00Z");
    expect(h.started.filter((s) => s.tenant === "acme").map((s) => s.at).at(-1)).toBe("2026-12-07T10:20:00.000Z");
  });

  it("refuses a manual run while one is going, and starts one when idle", async () => {
    const h = harness({ start: "2026-12-07T01:59:00Z", tenants: { acme: { every: "day", at: "02:00" } } });
    await h.scheduler.start();
    await h.clock.advanceTo("2026-12-07T02:00:00Z");
    expect(h.scheduler.runNow("acme", "alice")).toEqual({ started: false, reason: expect.stringContaining("already going") });
    h.started[0]!.finish();
    await h.clock.advanceBy(1000);
    expect(h.scheduler.runNow("acme", "alice")).toEqual({ started: true });
    expect(h.started[1]!.reason).toEqual({ trigger: "manual", by: "alice" });
    expect(() => h.scheduler.runNow("nobody", "alice")).toThrow(/unknown tenant 'nobody'/);
  });

  it("keeps going when a run fails to start", async () => {
    const clock = new ManualClock("2026-12-07T01:59:00Z");
    const errors: string[] = [];
    let calls = 0;
    const scheduler = new Scheduler({
      clock,
      schedules: new Map([["acme", schedules({ cron: "*/30 * * * *" })]]),
      startRun: () => {
        calls++;
        throw new Error("tenant credentials rejected");
      },
      lastScheduledRun: async () => null,
      onRunError: (t, e) => errors.push(`${t}: ${(e as Error).message}`),
    });
    await scheduler.start();
    await clock.advanceTo("2026-12-07T03:00:00Z");
    expect(calls).toBe(3);
    expect(errors).toEqual(Array(3).fill("acme: tenant credentials rejected"));
    scheduler.stop();
    expect(clock.pending()).toEqual([]);
  });
});

describe("missed runs after a restart, from the history store", () => {
  let history: HistoryStore | undefined;
  afterEach(async () => {
    await history?.close();
    history = undefined;
  });

  it("reports the due times between the last scheduled run and now, then runs the next one as scheduled", async () => {
    history = await openHistoryStore({ sqlite: ":memory:" });
    // the service ran acme's 02:00 run on Dec 4 and was then down until Dec 7 10:00
    const id = await history.startRun({ tenant: "acme", kind: "backup", trigger: "schedule", scheduledFor: new Date("2026-12-04T02:00:00Z"), startedAt: new Date("2026-12-04T02:00:01Z"), startedBy: "scheduler" });
    await history.finishRun(id, { status: "succeeded", endedAt: new Date("2026-12-04T02:10:00Z") });
    // a manual run does not count as the scheduled one
    await history.startRun({ tenant: "acme", kind: "backup", trigger: "manual", startedAt: new Date("2026-12-05T09:00:00Z"), startedBy: "alice" });

    const clock = new ManualClock("2026-12-07T10:00:00Z");
    const started: string[] = [];
    const reported: unknown[] = [];
    const store = history;
    const scheduler = new Scheduler({
      clock,
      schedules: new Map([
        ["acme", schedules({ every: "day", at: "02:00" })],
        ["fresh", schedules({ every: "day", at: "03:00" })],
      ]),
      startRun: async (tenant, reason) => {
        started.push(`${tenant}@${clock.now().toISOString()}`);
        const id = await store.startRun({ tenant, kind: "backup", trigger: reason.trigger, scheduledFor: reason.trigger === "schedule" ? reason.lastDueAt : null, startedAt: clock.now(), startedBy: "scheduler" });
        await store.finishRun(id, { status: "succeeded", endedAt: clock.now() });
      },
      lastScheduledRun: (tenant) => store.lastScheduledRun(tenant),
      onMissed: async (m) => {
        reported.push(m);
        await store.recordMissed(m.tenant, m.dueTimes);
      },
    });
    const missed = await scheduler.start();
    expect(missed).toEqual([
      {
        tenant: "acme",
        since: new Date("2026-12-04T02:00:00Z"),
        dueTimes: [new Date("2026-12-05T02:00:00Z"), new Date("2026-12-06T02:00:00Z"), new Date("2026-12-07T02:00:00Z")],
      },
    ]);
    expect(reported).toEqual(missed);
    // recorded as missed runs in the history
    const rows = await store.listRuns({ tenant: "acme", status: "missed" });
    expect(rows.map((r) => r.scheduledFor?.toISOString())).toEqual(["2026-12-07T02:00:00.000Z", "2026-12-06T02:00:00.000Z", "2026-12-05T02:00:00.000Z"]);
    // no catch-up run; the next due time runs
    expect(started).toEqual([]);
    await clock.advanceTo("2026-12-08T02:30:00Z");
    // "fresh" has no run in the history, so nothing is missed for it; its 03:00 run is still ahead
    expect(started).toEqual(["acme@2026-12-08T02:00:00.000Z"]);
    scheduler.stop();

    // a second restart does not report the same missed runs again
    const again = new Scheduler({
      clock,
      schedules: new Map([["acme", schedules({ every: "day", at: "02:00" })]]),
      startRun: async () => undefined,
      lastScheduledRun: (tenant) => store.lastScheduledRun(tenant),
    });
    expect(await again.start()).toEqual([]);
    again.stop();
  });
});
