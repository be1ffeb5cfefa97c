import { describe, expect, it } from "vitest";
import { findTooCloseRuns, nextRun, nextRunOf, parseSchedule, parseTenantSchedules, runsBetween, type Schedule } from "./spec.ts";

function one(raw: unknown): Schedule {
  const r = parseSchedule(raw);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.schedules[0]!;
}
const iso = (d: Date | null) => d?.toISOString() ?? null;
const next = (raw: unknown, after: string) => iso(nextRun(one(raw), new Date(after)));
function nextN(raw: unknown, after: string, n: number): string[] {
  const s = one(raw);
  const out: string[] = [];
  let t: Date | null = new Date(after);
  for (let i = 0; i < n && t; i++) {
    t = nextRun(s, t);
    if (t) out.push(t.toISOString());
  }
  return out;
}

describe("parseSchedule: errors with field paths", () => {
  it("names a bad time", () => {
    const r = parseSchedule({ every: "day", at: "25:00" }, "tenants.acme.schedules[0]");
    expect(r.ok).toBe(false);
    expect(!r.ok && r.issues).toEqual([{ path: "tenants.acme.schedules[0].at", message: expect.stringContaining('bad time "25:00"') }]);
  });
  it("names an unknown zone", () => {
    const r = parseSchedule({ every: "day", at: "02:00", timeZone: "Mars/Olympus" });
    expect(!r.ok && r.issues[0]).toEqual({ path: "schedule.timeZone", message: expect.stringContaining('unknown time zone "Mars/Olympus"') });
  });
  it("names an invalid cron, a six-field cron and a cron with every", () => {
    const bad = parseSchedule({ cron: "61 * * * *" });
    expect(!bad.ok && bad.issues[0]).toEqual({ path: "schedule.cron", message: expect.stringMatching(/invalid cron "61 \* \* \* \*".*minute/) });
    const six = parseSchedule({ cron: "0 0 2 * * *" });
    expect(!six.ok && six.issues[0]!.message).toMatch(/6 fields, expected five/);
    const both = parseSchedule({ cron: "0 2 * * *", every: "day" });
    expect(!both.ok && both.issues.map((i) => i.path)).toEqual(["schedule.every"]);
  });
  it("names bad weekdays, days of month, unknown fields and a missing kind", () => {
    const w = parseSchedule({ every: "week", on: ["mon", "funday"], at: "01:00" });
    expect(!w.ok && w.issues.map((i) => i.path)).toEqual(["schedule.on[1]"]);
    const m = parseSchedule({ every: "month", day: 32, at: "01:00" });
    expect(!m.ok && m.issues.map((i) => i.path)).toEqual(["schedule.day"]);
    const u = parseSchedule({ every: "day", at: "01:00", tz: "UTC" });
    expect(!u.ok && u.issues.map((i) => i.path)).toEqual(["schedule.tz"]);
    const k = parseSchedule({ at: "01:00" });
    expect(!k.ok && k.issues[0]!.message).toMatch(/expected every: "day" \| "week" \| "month"/);
    expect(parseSchedule("daily").ok).toBe(false);
  });
  it("warns that day 31 skips shorter months", () => {
    const r = parseSchedule({ every: "month", day: 31, at: "03:00" });
    expect(r.ok).toBe(true);
    expect(r.warnings[0]).toEqual({ path: "schedule.day", message: expect.stringContaining('use "last"') });
  });
  it("describes what it understood", () => {
    expect(one({ every: "week", on: ["Thu", "mon"], at: "2:05", timeZone: "Europe/Amsterdam" }).description).toBe(
      "weekly on mon, thu at 02:05 (Europe/Amsterdam)",
    );
  });
});

describe("the 5-minute minimum", () => {
  it("refuses */2 with the reason", () => {
    const r = parseTenantSchedules({ cron: "*/2 * * * *" }, "tenants.acme.schedule");
    expect(r.ok).toBe(false);
    expect(!r.ok && r.issues[0]!.path).toBe("tenants.acme.schedule");
    expect(!r.ok && r.issues[0]!.message).toMatch(/runs 2 min apart .* at least 5 minutes apart/);
  });
  it("accepts */5 and hourly", () => {
    expect(parseTenantSchedules({ cron: "*/5 * * * *" }).ok).toBe(true);
    expect(parseTenantSchedules({ cron: "0 * * * *", timeZone: "Europe/Amsterdam" }).ok).toBe(true);
  });
  it("refuses an irregular pattern whose tightest gap is under 5 minutes", () => {
    const r = parseTenantSchedules({ cron: "0,3 2 * * *" });
    expect(!r.ok && r.issues[0]!.message).toMatch(/3 min apart/);
  });
  it("merges a tenant's schedules: daily 02:00 and a cron at 02:04 collide", () => {
    const r = parseTenantSchedules([{ every: "day", at: "02:00" }, { cron: "4 2 * * 1" }], "s");
    expect(!r.ok && r.issues[0]).toEqual({ path: "s", message: expect.stringMatching(/daily at 02:00 \(UTC\) and cron "4 2 \* \* 1" \(UTC\) run 4 min apart/) });
    expect(parseTenantSchedules([{ every: "day", at: "02:00" }, { cron: "5 2 * * 1" }]).ok).toBe(true);
  });
  it("compares real instants when a tenant's schedules are in different zones", () => {
    // 02:00 Amsterdam is 01:00Z in winter; 01:02 UTC is two minutes later
    const r = parseTenantSchedules([{ every: "day", at: "02:00", timeZone: "Europe/Amsterdam" }, { every: "day", at: "01:02", timeZone: "UTC" }], "s");
    expect(!r.ok && r.issues[0]!.message).toMatch(/run 2 min apart/);
    expect(parseTenantSchedules([{ every: "day", at: "02:00", timeZone: "Europe/Amsterdam" }, { every: "day", at: "01:07", timeZone: "UTC" }]).ok).toBe(true);
  });
  it("DST folds 02:30 and 03:00 Amsterdam into one instant on the spring-forward day: one run, accepted; 02:58 and 03:00 are not", () => {
    expect(parseTenantSchedules([{ every: "day", at: "02:30", timeZone: "Europe/Amsterdam" }, { every: "day", at: "03:00", timeZone: "Europe/Amsterdam" }]).ok).toBe(true);
    const r = parseTenantSchedules([{ every: "day", at: "02:58", timeZone: "Europe/Amsterdam" }, { every: "day", at: "03:00", timeZone: "Europe/Amsterdam" }], "s");
    expect(!r.ok && r.issues[0]!.message).toMatch(/run 2 min apart/);
  });
  it("finds no pair in a daily schedule", () => {
    expect(findTooCloseRuns([one({ every: "day", at: "02:30", timeZone: "Europe/Amsterdam" })])).toBeUndefined();
  });
});

describe("next runs at time-zone and DST edges", () => {
  const ams = { timeZone: "Europe/Amsterdam" };
  it("daily in a zone: 02:30 Amsterdam is 01:30Z in winter, 00:30Z in summer", () => {
    expect(next({ every: "day", at: "02:30", ...ams }, "2026-01-10T12:00:00Z")).toBe("2026-01-11T01:30:00.000Z");
    expect(next({ every: "day", at: "02:30", ...ams }, "2026-07-10T12:00:00Z")).toBe("2026-07-11T00:30:00.000Z");
  });
  it("is strictly after `after`", () => {
    expect(next({ every: "day", at: "02:30", ...ams }, "2026-01-11T01:30:00Z")).toBe("2026-01-12T01:30:00.000Z");
  });
  it("spring forward: 02:30 does not exist on 2026-03-29; the run happens once, at 03:00 CEST", () => {
    expect(nextN({ every: "day", at: "02:30", ...ams }, "2026-03-28T12:00:00Z", 3)).toEqual([
      "2026-03-29T01:00:00.000Z", // 03:00 CEST, the end of the gap
      "2026-03-30T00:30:00.000Z",
      "2026-03-31T00:30:00.000Z",
    ]);
  });
  it("autumn: 02:30 happens twice on 2026-10-25; the run happens once, at the first", () => {
    expect(nextN({ every: "day", at: "02:30", ...ams }, "2026-10-24T12:00:00Z", 2)).toEqual([
      "2026-10-25T00:30:00.000Z", // 02:30 CEST
      "2026-10-26T01:30:00.000Z", // 02:30 CET the next day; not 01:30Z on the 25th
    ]);
  });
  it("weekly on Sunday 02:30 across spring forward", () => {
    expect(nextN({ every: "week", on: ["sun"], at: "02:30", ...ams }, "2026-03-21T12:00:00Z", 3)).toEqual([
      "2026-03-22T01:30:00.000Z",
      "2026-03-29T01:00:00.000Z",
      "2026-04-05T00:30:00.000Z",
    ]);
  });
  it("monthly: day 31 skips short months, 'last' takes each month's last day, in the zone's calendar", () => {
    expect(nextN({ every: "month", day: 31, at: "00:30", ...ams }, "2026-01-15T00:00:00Z", 3)).toEqual([
      "2026-01-30T23:30:00.000Z", // Jan 31 00:30 CET
      "2026-03-30T22:30:00.000Z", // Mar 31 00:30 CEST (no Feb 31)
      "2026-05-30T22:30:00.000Z",
    ]);
    expect(nextN({ every: "month", day: "last", at: "23:00", timeZone: "UTC" }, "2028-02-01T00:00:00Z", 2)).toEqual([
      "2028-02-29T23:00:00.000Z", // leap year
      "2028-03-31T23:00:00.000Z",
    ]);
  });
  it("a cron in a zone far from UTC crosses the date line", () => {
    expect(next({ cron: "0 9 * * 1", timeZone: "Pacific/Auckland" }, "2026-06-01T00:00:00Z")).toBe("2026-06-07T21:00:00.000Z");
  });
  it("hourly cron through the repeated autumn hour runs at every distinct instant, 60 minutes apart", () => {
    expect(nextN({ cron: "0 * * * *", ...ams }, "2026-10-24T23:30:00Z", 4)).toEqual([
      "2026-10-25T00:00:00.000Z",
      "2026-10-25T01:00:00.000Z",
      "2026-10-25T02:00:00.000Z",
      "2026-10-25T03:00:00.000Z",
    ]);
  });
  it("merges several schedules and lists runs between two instants", () => {
    const s = [one({ every: "day", at: "02:00" }), one({ every: "week", on: ["sun"], at: "14:00" })];
    expect(iso(nextRunOf(s, new Date("2026-12-06T03:00:00Z")))).toBe("2026-12-06T14:00:00.000Z");
    expect(runsBetween(s, new Date("2026-12-05T12:00:00Z"), new Date("2026-12-07T12:00:00Z")).map(iso)).toEqual([
      "2026-12-06T02:00:00.000Z",
      "2026-12-06T14:00:00.000Z",
      "2026-12-07T02:00:00.000Z",
    ]);
  });
});
