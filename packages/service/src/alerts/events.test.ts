import { describe, expect, it } from "vitest";
import { eventForMassDeletion, eventForMissed, eventForRun, massDeletion, type SnapshotSummary } from "./events.ts";
import type { RunRecord } from "../history/store.ts";

const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
const snap = (id: string, apps: string[], objects: string[]): SnapshotSummary => ({ snapshotId: id, appIds: apps, objectIds: objects });

describe("massDeletion (pure)", () => {
  const prev = snap("s1", ids("a", 10), ids("o", 100));
  it("does not trigger at or under the share", () => {
    const r = massDeletion(prev, snap("s2", ids("a", 8), ids("o", 80)), { apps: 0.2, objects: 0.2 });
    expect(r).toEqual({ triggered: false, apps: { before: 10, gone: 2, share: 0.2 }, objects: { before: 100, gone: 20, share: 0.2 }, reasons: [] });
  });
  it("triggers when more than the share of apps is gone", () => {
    const r = massDeletion(prev, snap("s2", ids("a", 7), ids("o", 100)), { apps: 0.2, objects: 0.2 });
    expect(r.triggered).toBe(true);
    expect(r.reasons).toEqual(["30% of apps (3 of 10) are gone, more than 20%"]);
  });
  it("triggers on objects alone, counting ids that disappeared even if others were added", () => {
    const current = snap("s2", ids("a", 10), [...ids("o", 100).slice(50), ...ids("new", 80)]);
    const r = massDeletion(prev, current, { apps: 0.5, objects: 0.25 });
    expect(r.objects).toEqual({ before: 100, gone: 50, share: 0.5 });
    expect(r.reasons).toEqual(["50% of objects (50 of 100) are gone, more than 25%"]);
  });
  it("never triggers from an empty previous snapshot; a tenant emptied out triggers both", () => {
    expect(massDeletion(snap("s0", [], []), snap("s1", ids("a", 3), [])).triggered).toBe(false);
    const r = massDeletion(prev, snap("s2", [], []));
    expect(r.reasons).toHaveLength(2);
    const ev = eventForMassDeletion("acme", prev, snap("s2", [], []), r, new Date("2026-12-07T10:00:00Z"));
    expect(ev.text).toMatch(/Since snapshot s1: 100% of apps \(10 of 10\) are gone.*lifeboat restore s1 --plan/);
  });
});

describe("events for runs", () => {
  const run = (over: Partial<RunRecord>): RunRecord => ({
    id: "r1", tenant: "acme", kind: "backup", trigger: "schedule", status: "succeeded", scheduledFor: null,
    startedAt: new Date("2026-12-07T02:00:00Z"), endedAt: new Date("2026-12-07T02:01:00Z"), durationMs: 60_000,
    counts: { apps: 3 }, snapshotId: null, manifestLink: null, logLocation: "logs/r1", startedBy: "scheduler", message: null, ...over,
  });
  it("raises failed, partial and verify-failed, and nothing for a success", () => {
    expect(eventForRun(run({}))).toBeUndefined();
    expect(eventForRun(run({ status: "failed", message: "401 from the tenant" }))).toMatchObject({ type: "run-failed", title: "Backup of tenant 'acme' failed", text: expect.stringContaining("401 from the tenant"), link: "logs/r1", facts: { apps: 3, duration: "60 s" } });
    expect(eventForRun(run({ status: "partial" }))?.type).toBe("run-partial");
    expect(eventForRun(run({ kind: "verify", status: "failed" }))?.type).toBe("verify-failed");
  });
  it("raises missed with the due times", () => {
    const ev = eventForMissed("acme", [new Date("2026-12-05T02:00:00Z"), new Date("2026-12-06T02:00:00Z")], new Date("2026-12-07T10:00:00Z"));
    expect(ev).toMatchObject({ type: "run-missed", title: "2 scheduled runs of tenant 'acme' missed", facts: { missed: 2, "first due": "2026-12-05T02:00:00.000Z" } });
  });
});
