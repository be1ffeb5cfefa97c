import { PassThrough } from "node:stream";
import type { BackupEvent } from "@lifeboat/engine";
import { describe, expect, it } from "vitest";
import { formatApiCalls } from "./manifest.ts";
import { createBackupRenderer } from "./progress.ts";
import { clean, table } from "./table.ts";

function capture() {
  const s = new PassThrough();
  let text = "";
  s.on("data", (c: Buffer) => (text += c.toString("utf8")));
  return { s, text: () => text };
}

const events: BackupEvent[] = [
  { type: "layer-start", layer: "users" },
  { type: "item", layer: "users", id: "u1", name: "Jane", status: "captured" },
  { type: "layer-start", layer: "apps", total: 2 },
  { type: "item", layer: "apps", id: "a1", name: "Sales\u001b[2J", status: "failed", reason: "could not export app 'Sales' (a1) on https://x: 503" },
  { type: "progress", layer: "apps", done: 1, total: 2 },
  { type: "warning", code: "coverage-gap", message: "other users' private content not visible to auth0|me" },
  { type: "item", layer: "apps", id: "a2", name: "P&L", status: "captured", bytes: 2048 },
  { type: "progress", layer: "apps", done: 2, total: 2, bytes: 2048 },
];

describe("backup renderer", () => {
  it("text mode: quiet lines for layers, failures and warnings, control characters escaped", () => {
    const out = capture();
    const err = capture();
    const r = createBackupRenderer("text", out.s, err.s);
    for (const e of events) r(e);
    r.stop();
    expect(err.text()).toContain("backing up apps (2)\n");
    expect(err.text()).toContain("failed: app 'Sales\\x1B[2J' (a1): could not export app 'Sales' (a1) on https://x: 503\n");
    expect(err.text()).toContain("warning: other users' private content not visible to auth0|me\n");
    expect(err.text()).not.toMatch(/\u001b/);
    expect(out.text()).toBe("");
  });

  it("tty mode: redraws per-layer and overall bars, then prints failures and warnings", () => {
    const out = capture();
    const err = capture();
    const r = createBackupRenderer("tty", out.s, err.s);
    for (const e of events) r(e);
    r.stop();
    const text = err.text();
    expect(text).toMatch(/apps\s+█{24} 2\/2 {2}\(1 failed\)/);
    expect(text).toMatch(/overall\s+█{24} 100% {2}2\.0 KiB exported/);
    expect(text).toContain("warning: other users' private content");
  });

  it("json mode: one event per line on stdout", () => {
    const out = capture();
    const r = createBackupRenderer("json", out.s, capture().s);
    for (const e of events) r(e);
    expect(out.text().trim().split("\n").map((l) => (JSON.parse(l) as BackupEvent).type)).toEqual(events.map((e) => e.type));
  });
});

describe("tables and stats", () => {
  it("aligns columns and shortens hostile text", () => {
    expect(table(["a", "n"], [["x", 1], ["long", 10]])).toBe("a      n\n----  --\nx      1\nlong  10\n");
    expect(clean("a\u0000b".padEnd(100, "z"), 10)).toBe("a\\x00bzzzzzz…");
    expect(formatApiCalls({ callsPerTier: { "2": 3, "1": 10 }, qixSessions: 2, qixCalls: 9, retries: 1, rateLimited: 1, throttledMs: 1500 })).toBe(
      "tier 1: 10, tier 2: 3; QIX: 2 sessions, 9 calls; 1 retries, 1 rate-limited (429) answers, waited 1.5 s",
    );
  });
});
