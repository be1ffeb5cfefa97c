import { describe, expect, it } from "vitest";
import { decodeDeepChecks, deepCheckDue, encodeDeepChecks, sameStamps } from "./stamps.ts";
import type { ObjectStamp } from "@lifeboat/model";

const stamp = (id: string, modifiedDate = "2026-11-01T10:00:00.000Z"): ObjectStamp => ({ id, type: "sheet", modifiedDate, ownerId: "u1", published: false, approved: false });

describe("sameStamps", () => {
  it("is true only for the same objects with the same dates, owners and states", () => {
    const a = [stamp("a"), stamp("b")];
    expect(sameStamps(a, [stamp("a"), stamp("b")])).toBe(true);
    expect(sameStamps(a, [stamp("a")])).toBe(false);
    expect(sameStamps(a, [stamp("a"), stamp("c")])).toBe(false);
    expect(sameStamps(a, [stamp("a"), stamp("b", "2026-11-02T10:00:00.000Z")])).toBe(false);
    expect(sameStamps(a, [stamp("a"), { ...stamp("b"), ownerId: "u2" }])).toBe(false);
    expect(sameStamps(a, [stamp("a"), { ...stamp("b"), published: true }])).toBe(false);
    expect(sameStamps(a, [stamp("a"), { ...stamp("b"), approved: true }])).toBe(false);
    expect(sameStamps(a, [stamp("a"), { ...stamp("b"), type: "story" }])).toBe(false);
  });

  it("compares content hashes too: a chart edited inside its sheet shows although no date moved", () => {
    const withHash = (h: string) => [stamp("a"), { ...stamp("chart", ""), contentHash: h }];
    expect(sameStamps(withHash("h1"), withHash("h1"))).toBe(true);
    expect(sameStamps(withHash("h1"), withHash("h2"))).toBe(false);
    // A stamp list stored before content hashes existed differs from one that has them: a full read, once.
    expect(sameStamps([stamp("a"), stamp("chart", "")], withHash("h1"))).toBe(false);
  });
});

describe("deepCheckDue", () => {
  const day = (d: string) => new Date(`${d}T12:00:00.000Z`);
  const ids = Array.from({ length: 200 }, (_, i) => `app-${i}`);

  it("is due without a previous full read, with deep checks off, after n days, and for a clock that went back", () => {
    expect(deepCheckDue({ appId: "a", lastDeepCheck: undefined, now: day("2026-11-10"), deepCheckDays: 7 })).toBe(true);
    expect(deepCheckDue({ appId: "a", lastDeepCheck: "2026-11-10", now: day("2026-11-10"), deepCheckDays: 0 })).toBe(true);
    expect(deepCheckDue({ appId: "a", lastDeepCheck: "2026-11-03", now: day("2026-11-10"), deepCheckDays: 7 })).toBe(true);
    expect(deepCheckDue({ appId: "a", lastDeepCheck: "2026-11-12", now: day("2026-11-10"), deepCheckDays: 7 })).toBe(true);
    expect(deepCheckDue({ appId: "a", lastDeepCheck: "not a day", now: day("2026-11-10"), deepCheckDays: 7 })).toBe(true);
  });

  it("is never due twice on the day of a full read", () => {
    for (const appId of ids) expect(deepCheckDue({ appId, lastDeepCheck: "2026-11-10", now: day("2026-11-10"), deepCheckDays: 7 })).toBe(false);
  });

  it("spreads apps read on the same day over the next n days: each once, about 1/n per day", () => {
    const perDay = new Map<number, number>();
    for (const appId of ids) {
      let last = "2026-11-10";
      let reads = 0;
      for (let d = 1; d <= 7; d++) {
        const now = new Date(day("2026-11-10").getTime() + d * 86_400_000);
        if (deepCheckDue({ appId, lastDeepCheck: last, now, deepCheckDays: 7 })) {
          reads++;
          last = now.toISOString().slice(0, 10);
          perDay.set(d, (perDay.get(d) ?? 0) + 1);
        }
      }
      expect(reads, appId).toBe(1);
    }
    for (let d = 1; d <= 7; d++) expect(perDay.get(d) ?? 0).toBeLessThan(ids.length / 3);
  });

  it("weekly runs with a 7-day cycle still read every app in full every run (age), never less often", () => {
    for (const appId of ids) expect(deepCheckDue({ appId, lastDeepCheck: "2026-11-03", now: day("2026-11-10"), deepCheckDays: 7 })).toBe(true);
  });
});

describe("deep checks in the run manifest", () => {
  it("round-trips the day of each app's last full read by position; unknown stays unknown", () => {
    const days = ["2026-11-25", "2026-11-20", undefined, "2026-10-01", "2026-11-26"];
    const enc = encodeDeepChecks("2026-11-25", days);
    expect(enc).toEqual({ day: "2026-11-25", ages: "05-z-" });
    // 2026-10-01 is older than 35 days: it comes back as 35 days ago (still due for any cycle ≤ 30); a future day as unknown.
    expect(decodeDeepChecks(enc, 5)).toEqual(["2026-11-25", "2026-11-20", undefined, "2026-10-21", undefined]);
  });

  it("gives unknown for every app when the record is missing, malformed or of another length", () => {
    expect(decodeDeepChecks(undefined, 2)).toEqual([undefined, undefined]);
    expect(decodeDeepChecks({ day: "2026-11-25", ages: "0" }, 2)).toEqual([undefined, undefined]);
    expect(decodeDeepChecks({ day: "garbage", ages: "00" }, 2)).toEqual([undefined, undefined]);
    expect(decodeDeepChecks({ day: "2026-11-25", ages: "0?" }, 2)).toEqual(["2026-11-25", undefined]);
  });
});
