import { describe, expect, it } from "vitest";
import type { Snapshot } from "./api.ts";
import { isoWeek, parseDuration, planRetention, type RetentionPolicy } from "./retention.ts";

function snap(id: string, time: string, extra: Partial<Snapshot> = {}): Snapshot {
  return { id, tenant: "acme", time, toolVersion: "t", tags: [], partial: false, tree: "t", ...extra };
}

// Daily snapshots at 02:00 for 2026-01-01 … 2026-03-10, plus a second one on 03-10 at 14:00.
const daily: Snapshot[] = [];
for (let d = new Date("2026-01-01T02:00:00Z"); d <= new Date("2026-03-10T02:00:00Z"); d.setUTCDate(d.getUTCDate() + 1)) {
  daily.push(snap(d.toISOString().slice(0, 10), d.toISOString()));
}
daily.push(snap("2026-03-10b", "2026-03-10T14:00:00.000Z"));

interface Case {
  name: string;
  snapshots: Snapshot[];
  policy: RetentionPolicy;
  keep: string[];
  /** Reasons of selected snapshots, by id. */
  reasons?: Record<string, string[]>;
}

const cases: Case[] = [
  {
    name: "empty policy keeps everything",
    snapshots: daily.slice(0, 3),
    policy: {},
    keep: ["2026-01-03", "2026-01-02", "2026-01-01"],
    reasons: { "2026-01-01": ["no keep rule given: nothing is removed"] },
  },
  {
    name: "keep-last 2",
    snapshots: daily,
    policy: { last: 2 },
    keep: ["2026-03-10b", "2026-03-10"],
    reasons: { "2026-03-10b": ["last snapshot #1 of 2", "newest complete snapshot of the tenant: never removed"], "2026-03-10": ["last snapshot #2 of 2"], "2026-03-09": ["matches no keep rule"] },
  },
  {
    name: "keep-daily 3 takes the newest of each day",
    snapshots: daily,
    policy: { daily: 3 },
    keep: ["2026-03-10b", "2026-03-09", "2026-03-08"],
    reasons: { "2026-03-09": ["daily snapshot for 2026-03-09"], "2026-03-10": ["matches no keep rule"] },
  },
  {
    name: "keep-hourly 2 distinguishes hours of one day",
    snapshots: daily,
    policy: { hourly: 2 },
    keep: ["2026-03-10b", "2026-03-10"],
    reasons: { "2026-03-10": ["hourly snapshot for 2026-03-10T02h"] },
  },
  {
    name: "keep-weekly 2 uses ISO weeks (Monday start, UTC)",
    snapshots: daily,
    policy: { weekly: 2 },
    keep: ["2026-03-10b", "2026-03-08"],
    reasons: { "2026-03-08": ["weekly snapshot for 2026-W10"] },
  },
  {
    name: "keep-monthly 3 and keep-yearly 1 combine, reasons accumulate",
    snapshots: daily,
    policy: { monthly: 3, yearly: 1 },
    keep: ["2026-03-10b", "2026-02-28", "2026-01-31"],
    reasons: { "2026-03-10b": ["monthly snapshot for 2026-03", "yearly snapshot for 2026", "newest complete snapshot of the tenant: never removed"] },
  },
  {
    name: "keep-within 2d is relative to the newest snapshot",
    snapshots: daily,
    policy: { within: "2d" },
    keep: ["2026-03-10b", "2026-03-10", "2026-03-09"],
    reasons: { "2026-03-09": ["within 2d of the newest snapshot (2026-03-10T14:00:00.000Z)"] },
  },
  {
    name: "keep-tag keeps tagged snapshots",
    snapshots: [snap("a", "2026-01-01T00:00:00Z", { tags: ["release"] }), snap("b", "2026-01-02T00:00:00Z"), snap("c", "2026-01-03T00:00:00Z")],
    policy: { tags: ["release"] },
    keep: ["c", "a"],
    reasons: { a: ["has tag 'release'"], c: ["newest complete snapshot of the tenant: never removed"], b: ["matches no keep rule"] },
  },
  {
    name: "the newest complete snapshot survives even when newer partial ones fill keep-last",
    snapshots: [snap("ok", "2026-01-01T00:00:00Z"), snap("p1", "2026-01-02T00:00:00Z", { partial: true }), snap("p2", "2026-01-03T00:00:00Z", { partial: true })],
    policy: { last: 1 },
    keep: ["p2", "ok"],
    reasons: { ok: ["newest complete snapshot of the tenant: never removed"], p1: ["matches no keep rule"] },
  },
  {
    name: "a tenant with only partial snapshots keeps what the policy keeps",
    snapshots: [snap("p1", "2026-01-02T00:00:00Z", { partial: true }), snap("p2", "2026-01-03T00:00:00Z", { partial: true })],
    policy: { last: 1 },
    keep: ["p2"],
  },
  {
    name: "groups per tenant: each tenant gets its own keep-last and its own guard",
    snapshots: [
      snap("a1", "2026-01-01T00:00:00Z", { tenant: "a" }),
      snap("a2", "2026-01-02T00:00:00Z", { tenant: "a" }),
      snap("b1", "2026-01-01T00:00:00Z", { tenant: "b" }),
      snap("b2", "2026-01-05T00:00:00Z", { tenant: "b", partial: true }),
    ],
    policy: { last: 1 },
    keep: ["a2", "b2", "b1"],
    reasons: { b1: ["newest complete snapshot of the tenant: never removed"] },
  },
];

describe("planRetention", () => {
  for (const c of cases) {
    it(c.name, () => {
      const plan = planRetention(c.snapshots, c.policy);
      const keptIds = plan.groups.flatMap((g) => g.decisions.filter((d) => d.keep).map((d) => d.snapshot.id));
      expect(keptIds).toEqual(c.keep);
      expect(plan.keep.length + plan.remove.length).toBe(c.snapshots.length);
      const all = plan.groups.flatMap((g) => g.decisions);
      for (const d of all) expect(d.reasons.length).toBeGreaterThan(0);
      for (const [id, reasons] of Object.entries(c.reasons ?? {})) expect(all.find((d) => d.snapshot.id === id)?.reasons).toEqual(reasons);
    });
  }

  it("is pure: the input is not modified", () => {
    const input = daily.slice();
    planRetention(input, { last: 1 });
    expect(input).toEqual(daily);
  });

  it("parses durations and ISO weeks", () => {
    expect(parseDuration("1y6m2w3d12h")).toEqual({ y: 1, m: 6, w: 2, d: 3, h: 12 });
    expect(() => parseDuration("7 days")).toThrow(/not a duration/);
    expect(() => parseDuration("")).toThrow(/not a duration/);
    expect(isoWeek(new Date("2026-01-01T00:00:00Z"))).toBe("2026-W01");
    expect(isoWeek(new Date("2027-01-01T00:00:00Z"))).toBe("2026-W53");
  });
});
