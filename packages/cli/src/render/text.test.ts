import { PassThrough } from "node:stream";
import type { Manifest } from "@lifeboat/engine";
import { describe, expect, it } from "vitest";
import { renderPlan } from "./restore.ts";
import { formatError } from "../errors.ts";
import { renderManifest } from "./manifest.ts";
import { createBackupRenderer } from "./progress.ts";
import { table } from "./table.ts";
import { clean, escapeText } from "./text.ts";

/** What must never reach a terminal from tenant text. */
// eslint-disable-next-line no-control-regex
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200b\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/;
const HOSTILE = "Q3 \u202Efdp.exe\u202C \u2066iso\u2069 \u200F\u061C\u200B\uFEFF\u2028 \u001b[2J\u0007 tab\tnl\nnul\u0000 \u0085 \ud800 👨‍👩‍👧 ok";

describe("escapeText / clean", () => {
  it("shows control, direction and invisible characters as escapes; keeps emoji and ZWJ sequences", () => {
    expect(escapeText(HOSTILE)).toBe(
      "Q3 \\u202Efdp.exe\\u202C \\u2066iso\\u2069 \\u200F\\u061C\\u200B\\uFEFF\\u2028 \\x1B[2J\\x07 tab\\tnl\\nnul\\x00 \\x85 \\uD800 👨‍👩‍👧 ok",
    );
    expect(escapeText(HOSTILE)).not.toMatch(RAW);
    expect(escapeText("Margin 100% 🚀 R&D")).toBe("Margin 100% 🚀 R&D");
    // Shortened on the original's characters, so an escape is never cut in half.
    expect(clean("\u202E".repeat(5), 3)).toBe("\\u202E\\u202E…");
  });

  it("every renderer escapes: progress, tables, manifest and the restore plan", () => {
    const err = new PassThrough();
    let text = "";
    err.on("data", (c: Buffer) => (text += c.toString("utf8")));
    const r = createBackupRenderer("text", new PassThrough(), err);
    r({ type: "item", layer: "apps", id: "a1", name: HOSTILE, status: "failed", reason: `could not export app '${HOSTILE}'` });
    r({ type: "warning", code: "coverage-gap", message: HOSTILE });
    r.stop();
    expect(text).toContain("\\u202Efdp.exe");
    expect(text.replace(/\n/g, "")).not.toMatch(RAW);

    expect(table(["name"], [[clean(HOSTILE, 200)]])).not.toMatch(/\u202E/);

    const counts = Object.fromEntries(["tenant", "users", "groups", "roles", "spaces", "apps", "objects"].map((l) => [l, { captured: 0, unchanged: 0, failed: 1, skipped: 0 }]));
    const manifest = {
      caller: { userId: "u", subject: HOSTILE, isPrivateContentBot: false },
      durationMs: 1,
      exports: { count: 0, bytes: 0 },
      options: {},
      counts,
      items: [{ layer: "apps", id: `a1${HOSTILE}`, name: HOSTILE, status: "failed", reason: HOSTILE }],
      coverageGaps: [{ layer: "objects", description: HOSTILE }],
      restoreNeeds: [],
    } as unknown as Manifest;
    const rendered = renderManifest(manifest, { id: "s".repeat(64), time: "2026-01-01T00:00:00Z", tenant: HOSTILE, tags: [], partial: true } as never, { items: true });
    expect(rendered).toContain("\\u202Efdp.exe");
    expect(rendered.replace(/\n/g, "")).not.toMatch(RAW);

    expect(formatError(new Error(`could not export app '${HOSTILE}'\nsecond line`))).toMatch(/^lifeboat: could not export app 'Q3 \\u202Efdp\.exe.*\nsecond line$/s);
    expect(formatError(new Error(HOSTILE)).replace(/\n/g, "")).not.toMatch(RAW);

    const plan = {
      snapshot: { id: "s".repeat(64), host: "https://x", time: "t", partial: false },
      target: { host: "https://y", caller: HOSTILE, sameTenant: true },
      users: [],
      spaces: [],
      apps: [],
      steps: [{ label: `import app '${HOSTILE}'` }],
      warnings: [`app '${HOSTILE}' warns`],
      blockers: [`an app named '${HOSTILE}' already exists`],
    };
    const out = renderPlan(plan as never);
    expect(out).toContain("\\u202Efdp.exe");
    expect(out.replace(/\n/g, "")).not.toMatch(RAW);
  });

  it("the restore plan lists every object change under its step: a count per action, then each (readable for big apps)", () => {
    const change = (action: string, i: number) => ({ action, id: `o${i}`, type: "sheet", genericType: "genericObject", title: i === 0 ? HOSTILE : `Sheet ${i}`, why: "", ...(action === "state" ? { state: { approved: true, published: true } } : {}) });
    const plan = {
      snapshot: { id: "s".repeat(64), host: "https://x", time: "t", partial: false },
      target: { host: "https://y", caller: "bot", sameTenant: true },
      users: [],
      spaces: [],
      apps: [],
      steps: [
        {
          kind: "objects",
          label: "reconcile objects of 'Sales'",
          remove: [],
          readAt: { objects: {} },
          changes: [...Array.from({ length: 250 }, (_, i) => change("update", i)), change("create", 300), change("state", 300), ...Array.from({ length: 210 }, (_, i) => change("delete", 400 + i))],
        },
        { kind: "object-owners", label: "restore object owners of 'Sales'", changes: [{ id: "o300", type: "sheet", title: "Sheet 300", subject: "auth0|ann", owner: "id:u-ann" }] },
        { kind: "objects", label: "restore objects and states of 'New'", remove: [] },
      ],
      warnings: [],
      blockers: [],
    };
    const out = renderPlan(plan as never);
    expect(out).toContain("1 create, 250 update, 1 state, 210 delete; checked unchanged since planning before writing");
    expect(out).toContain("- create sheet 'Sheet 300' (o300)");
    expect(out).toContain("- state sheet 'Sheet 300' (o300): approved");
    expect(out).toContain("- update sheet 'Sheet 199' (o199)");
    expect(out).not.toContain("(o200)");
    expect(out).toContain("… and 50 more update (the plan file, --plan --json, lists all)");
    // Every deletion is listed, however many.
    expect(out.match(/- delete sheet /g)).toHaveLength(210);
    expect(out).toContain("- owner sheet 'Sheet 300' (o300) → auth0|ann");
    expect(out).toContain("(planned from the snapshot: the app cannot be read before it is back;");
    expect(out).toContain("\\u202Efdp.exe");
    expect(out.replace(/\n/g, "")).not.toMatch(RAW);
  });
});
