/**
 * Typed refs keep the string keys earlier versions journaled, so a restore an earlier version
 * left unfinished continues after an upgrade; plan files of version 2 (string refs, no `after`)
 * are still read.
 */
import { describe, expect, it } from "vitest";
import { journalState, type JournalRecord } from "./journal.ts";
import { parseRefKey, type Ref, refKey, resolveRef } from "./ref.ts";

describe("refs", () => {
  const cases: [Ref, string][] = [
    [{ t: "existing", id: "t-1" }, "id:t-1"],
    [{ t: "user", sourceId: "u-1" }, "user:u-1"],
    [{ t: "space", sourceId: "sp-1" }, "space:sp-1"],
    [{ t: "app", sourceId: "a-1" }, "app:a-1"],
    [{ t: "devcopy", sourceId: "a-1" }, "devcopy:a-1"],
    [{ t: "devspace", sourceSpaceId: "sp-1" }, "devspace:sp-1"],
    [{ t: "object", appId: "a-1", objectId: "sh:1" }, "obj:a-1:sh:1"],
    // Resources of declared kinds (issue 12): a new form; the source id may hold ':'.
    [{ t: "resource", layer: "dataConnections", sourceId: "dc:1" }, "res:dataConnections:dc:1"],
  ];
  it("refKey is the string earlier versions used; parseRefKey reads it back", () => {
    for (const [ref, key] of cases) {
      expect(refKey(ref)).toBe(key);
      expect(parseRefKey(key)).toEqual(ref);
    }
    expect(parseRefKey("safety")).toBeUndefined();
    expect(parseRefKey("nope:x")).toBeUndefined();
    expect(parseRefKey("res:webhooks")).toBeUndefined();
  });

  it("a journal written with the keys of earlier versions resolves", () => {
    // As the version before typed refs wrote it (restore-kill: killed after the first import).
    const records: JournalRecord[] = [
      { type: "begin", at: "2026-12-01T10:00:00.000Z", restoreKey: "k", snapshot: "s", target: "https://t.example.com" },
      { type: "started", at: "2026-12-01T10:00:01.000Z", step: "safety-backup" },
      { type: "done", at: "2026-12-01T10:00:02.000Z", step: "safety-backup", outputs: { safety: "snap-1" } },
      { type: "started", at: "2026-12-01T10:00:03.000Z", step: "user:u-dev:create" },
      { type: "done", at: "2026-12-01T10:00:04.000Z", step: "user:u-dev:create", outputs: { "user:u-dev": "t-dev" } },
      { type: "started", at: "2026-12-01T10:00:05.000Z", step: "space:sp-1:create" },
      { type: "done", at: "2026-12-01T10:00:06.000Z", step: "space:sp-1:create", outputs: { "space:sp-1": "t-sp" } },
      { type: "started", at: "2026-12-01T10:00:07.000Z", step: "app:a-1:import", known: [] },
      { type: "done", at: "2026-12-01T10:00:08.000Z", step: "app:a-1:import", outputs: { "app:a-1": "t-a1" } },
      { type: "done", at: "2026-12-01T10:00:09.000Z", step: "app:a-1:objects", outputs: { "obj:a-1:sh-9": "t-sh-9" } },
      { type: "started", at: "2026-12-01T10:00:10.000Z", step: "app:a-2:dev-copy", known: ["x"] },
      { type: "done", at: "2026-12-01T10:00:11.000Z", step: "app:a-2:dev-copy", outputs: { "devcopy:a-2": "t-dc" } },
      { type: "done", at: "2026-12-01T10:00:12.000Z", step: "devspace:sp-m:create", outputs: { "devspace:sp-m": "t-dev-sp" } },
    ];
    const { created, done } = journalState(records);
    expect(done.has("app:a-1:import")).toBe(true);
    expect(resolveRef({ t: "user", sourceId: "u-dev" }, created)).toBe("t-dev");
    expect(resolveRef({ t: "space", sourceId: "sp-1" }, created)).toBe("t-sp");
    expect(resolveRef({ t: "app", sourceId: "a-1" }, created)).toBe("t-a1");
    expect(resolveRef({ t: "object", appId: "a-1", objectId: "sh-9" }, created)).toBe("t-sh-9");
    expect(resolveRef({ t: "devcopy", sourceId: "a-2" }, created)).toBe("t-dc");
    expect(resolveRef({ t: "devspace", sourceSpaceId: "sp-m" }, created)).toBe("t-dev-sp");
    expect(resolveRef({ t: "existing", id: "t-9" }, created)).toBe("t-9");
    expect(resolveRef({ t: "app", sourceId: "a-3" }, created)).toBeUndefined();
    expect(created.safety).toBe("snap-1");
  });
});
