import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import type { AppDoc } from "../layout.ts";
import type { ObjectRecord, UserRecord } from "@lifeboat/model";
import { planRestore, RestorePlanError, type RestoreOptions, type RestorePlan } from "./plan.ts";
import { formatPlanFile, parsePlanFile, PlanFileError, stalePlanReasons } from "./planfile.ts";
import { memoryRestoreSource, type RestoreSource, type SourceApp } from "./source.ts";
import type { TargetState } from "./target.ts";

const user = (id: string, subject: string, email?: string, name?: string): UserRecord => ({
  id,
  subject,
  status: "active",
  assignedRoles: [],
  assignedGroups: [],
  ...(email ? { email } : {}),
  ...(name ? { name } : {}),
});

const obj = (id: string, ownerId: string, ownerSubject: string, state: "base" | "community" | "private"): ObjectRecord => ({
  id,
  type: "sheet",
  genericType: "genericObject",
  title: id,
  ownerId,
  ownerSubject,
  approved: state === "base",
  published: state !== "private",
  propertyTree: { qProperty: { qInfo: { qId: id, qType: "sheet" } }, qChildren: [] },
});

function app(id: string, name: string, ownerId: string, space: { id: string; name: string; type: "shared" | "managed" } | undefined, objects: ObjectRecord[], originAppId?: string): SourceApp & { objects: ObjectRecord[] } {
  const doc: AppDoc = {
    layoutVersion: 1,
    appId: id,
    name,
    summary: { appId: id, itemId: `i-${id}`, name, spaceType: space?.type ?? "personal", ownerId, ...(space ? { spaceId: space.id } : {}) },
    attributes: { id, name, ownerId, ...(originAppId ? { originAppId } : {}) },
    ...(space ? { space } : {}),
    owner: { id: ownerId },
    lineage: { published: !!originAppId, ...(originAppId ? { originAppId } : {}) },
    fingerprint: "f",
    qvf: { withData: false, exportedAt: "2026-11-25T00:00:00.000Z" },
    objectCount: objects.length,
  };
  return { id, name, doc, objects, qvf: { id: `qvf-${id}`, size: 10 } } as SourceApp & { objects: ObjectRecord[] };
}

const devSpace = { id: "sp-dev", name: "Sales Dev", type: "shared" as const };
const managedSpace = { id: "sp-sales", name: "Sales", type: "managed" as const };

function source(): RestoreSource {
  return memoryRestoreSource({
    snapshot: { id: "snap0123456789abcdef", tenant: "src.example.com", time: "2026-11-20T10:00:00.000Z", toolVersion: "0.1.0", tags: [], partial: false, tree: "t" },
    tenant: { layoutVersion: 1, host: "https://src.example.com", caller: { userId: "u-bot", subject: "bot", name: "bot", isPrivateContentBot: true }, capturedAt: "2026-11-20T10:00:00.000Z" },
    users: [
      user("u-ben", "auth0|ben", "ben@example.com", "Ben"),
      user("u-chloe", "auth0|chloe", "chloe@example.com", "Chloe"),
      user("u-dev", "auth0|dev", "dev@example.com", "Dev"),
    ],
    groups: [{ id: "g-sales", name: "Sales", assignedRoles: [] }],
    spaces: [
      { record: { ...devSpace, ownerId: "u-ben" }, assignments: [{ id: "a1", type: "user", assigneeId: "u-chloe", roles: ["producer"] }, { id: "a2", type: "group", assigneeId: "g-sales", roles: ["consumer"] }] },
      { record: { ...managedSpace, ownerId: "u-ben" }, assignments: [] },
    ],
    apps: [
      app("a-sales", "Sales Overview", "u-ben", devSpace, [obj("s1", "u-ben", "auth0|ben", "base"), obj("s2", "u-chloe", "auth0|chloe", "private")]),
      app("a-pub", "Sales Overview", "u-ben", managedSpace, [obj("s1", "u-ben", "auth0|ben", "base"), obj("s3", "u-dev", "auth0|dev", "private")], "a-sales"),
      app("a-personal", "Scratch", "u-dev", undefined, [obj("s4", "u-dev", "auth0|dev", "base")]),
    ],
  });
}

function emptyTarget(host = "https://dst.example.com"): TargetState {
  return {
    host,
    caller: { userId: "t-bot", subject: "bot", name: "bot", isPrivateContentBot: true },
    users: [],
    groups: [],
    spaces: [],
    assignments: {},
    apps: [],
  };
}

const plan = (opts: RestoreOptions, target = emptyTarget()) => planRestore(source(), target, opts);

describe("planRestore: owner mapping", () => {
  const cases: { name: string; target: UserRecord[]; opts?: RestoreOptions; expect: Record<string, [string, string | undefined, string | undefined]> }[] = [
    {
      name: "by subject first, then by email",
      target: [user("t-ben", "auth0|ben", "other@example.com"), user("t-chloe", "okta|chloe", "CHLOE@example.com")],
      expect: { "u-ben": ["map", "subject", "t-ben"], "u-chloe": ["map", "email", "t-chloe"], "u-dev": ["missing", undefined, undefined] },
    },
    {
      name: "subject wins over a different user's email",
      target: [user("t-x", "auth0|x", "ben@example.com"), user("t-ben", "auth0|ben")],
      expect: { "u-ben": ["map", "subject", "t-ben"] },
    },
    {
      name: "fallback for unresolved owners",
      target: [user("t-ben", "auth0|ben"), user("t-admin", "auth0|admin")],
      opts: { ownerFallback: "auth0|admin" },
      expect: { "u-ben": ["map", "subject", "t-ben"], "u-chloe": ["map", "fallback", "t-admin"], "u-dev": ["map", "fallback", "t-admin"] },
    },
    {
      name: "create missing users (before falling back)",
      target: [user("t-ben", "auth0|ben"), user("t-admin", "auth0|admin")],
      opts: { createMissingUsers: true, ownerFallback: "auth0|admin" },
      expect: { "u-chloe": ["create", undefined, undefined], "u-dev": ["create", undefined, undefined] },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const p = plan({ all: true, ...c.opts }, { ...emptyTarget(), users: c.target });
      for (const [id, [action, by, targetId]] of Object.entries(c.expect)) {
        const d = p.users.find((u) => u.sourceId === id);
        expect(d, id).toBeDefined();
        expect([d!.action, d!.matchedBy, d!.targetId], id).toEqual([action, by, targetId]);
        expect(d!.reason.length).toBeGreaterThan(5);
      }
    });
  }

  it("lists missing users and warns; creates them with --create-missing-users", () => {
    const target = { ...emptyTarget(), users: [user("t-ben", "auth0|ben"), user("t-chloe", "auth0|chloe")] };
    const p = plan({ apps: ["a-pub"] }, target);
    expect(p.users.filter((u) => u.action === "missing").map((u) => u.subject)).toEqual(["auth0|dev"]);
    expect(p.warnings.join("\n")).toContain("auth0|dev");
    expect(p.steps.some((s) => s.kind === "create-user")).toBe(false);
    const p2 = plan({ apps: ["a-pub"], createMissingUsers: true }, target);
    const create = p2.steps.filter((s) => s.kind === "create-user");
    expect(create.map((s) => s.kind === "create-user" && s.subject)).toEqual(["auth0|dev"]);
    expect(p2.owners["u-dev"]).toEqual({ t: "user", sourceId: "u-dev" });
  });

  it("same tenant: maps by id", () => {
    const target = { ...emptyTarget("https://src.example.com"), users: [user("u-ben", "changed|ben")] };
    const p = plan({ apps: ["a-personal"], ownerFallback: "changed|ben" }, target);
    expect(p.users.find((u) => u.sourceId === "u-ben")).toBeUndefined();
    const all = plan({ all: true }, target);
    expect(all.users.find((u) => u.sourceId === "u-ben")?.matchedBy).toBe("id");
  });

  it("rejects an unknown --owner-fallback", () => {
    expect(() => plan({ all: true, ownerFallback: "nobody" })).toThrow(/--owner-fallback nobody/);
  });
});

describe("planRestore: selection and spaces", () => {
  it("rejects an empty selection and selectors that match nothing", () => {
    expect(() => plan({})).toThrow(RestorePlanError);
    expect(() => plan({ apps: ["No Such App"] })).toThrow(/no app 'No Such App' in snapshot snap01234567/);
    expect(() => plan({ spaces: ["Nope"] })).toThrow(/no space 'Nope'/);
    expect(() => plan({ apps: ["Sales Overview"] })).toThrow(/names 2 apps/);
  });

  it("space map: errors for a space missing on either side; maps otherwise", () => {
    expect(() => plan({ apps: ["a-sales"], spaceMap: { "Sales Dev": "Nowhere" } })).toThrow(/no space 'Nowhere' on https:\/\/dst.example.com/);
    expect(() => plan({ apps: ["a-sales"], spaceMap: { Ghost: "x" } })).toThrow(/no space 'Ghost' in snapshot/);
    const target = { ...emptyTarget(), spaces: [{ id: "t-sp", name: "Restored", type: "shared" as const, ownerId: "t-bot" }] };
    const p = plan({ apps: ["a-sales"], spaceMap: { "Sales Dev": "Restored" } }, target);
    expect(p.spaces.find((s) => s.sourceId === "sp-dev")).toMatchObject({ action: "map", targetId: "t-sp", ref: { t: "existing", id: "t-sp" } });
    const imp = p.steps.find((s) => s.kind === "import-app");
    expect(imp).toMatchObject({ space: { t: "existing", id: "t-sp" }, name: "Sales Overview" });
  });

  it("creates missing spaces with their assignments; reuses by name", () => {
    const target = { ...emptyTarget(), users: [user("t-chloe", "auth0|chloe")], groups: [{ id: "t-g", name: "Sales", assignedRoles: [] }] };
    const p = plan({ spaces: ["Sales Dev"] }, target);
    expect(p.spaces[0]).toMatchObject({ action: "create", ref: { t: "space", sourceId: "sp-dev" } });
    const assigns = p.steps.filter((s) => s.kind === "assign");
    expect(assigns).toEqual([
      expect.objectContaining({ space: { t: "space", sourceId: "sp-dev" }, assignee: { t: "existing", id: "t-chloe" }, roles: ["producer"] }),
      expect.objectContaining({ space: { t: "space", sourceId: "sp-dev" }, assignee: { t: "existing", id: "t-g" }, roles: ["consumer"] }),
    ]);
    const reused = plan({ spaces: ["Sales Dev"] }, { ...target, spaces: [{ id: "t-dev", name: "Sales Dev", type: "shared", ownerId: "x" }], assignments: { "t-dev": [{ id: "x", type: "user", assigneeId: "t-chloe", roles: ["producer"] }] } });
    expect(reused.spaces[0]).toMatchObject({ action: "reuse", targetId: "t-dev" });
    expect(reused.steps.filter((s) => s.kind === "assign").map((s) => s.kind === "assign" && s.assignee)).toEqual([{ t: "existing", id: "t-g" }]);
  });

  it("hands a created space to its owner in the snapshot, after every app step; never a space reused by name", () => {
    const ben = user("t-ben", "auth0|ben");
    const p = plan({ spaces: ["Sales Dev"] }, { ...emptyTarget(), users: [ben] });
    const owner = p.steps.find((s) => s.kind === "space-owner");
    expect(owner).toMatchObject({ id: "space:sp-dev:owner", space: { t: "space", sourceId: "sp-dev" }, owner: { t: "existing", id: "t-ben" } });
    expect(p.steps.at(-1)).toBe(owner);
    expect(p.spaces[0]!.owner).toEqual({ sourceId: "u-ben", subject: "auth0|ben", ref: { t: "existing", id: "t-ben" } });
    // Owner not in the target: warned, created with --create-missing-users.
    const missing = plan({ spaces: ["Sales Dev"] });
    expect(missing.steps.some((s) => s.kind === "space-owner")).toBe(false);
    expect(missing.warnings.join("\n")).toMatch(/space 'Sales Dev': its owner auth0\|ben is not in the target/);
    const created = plan({ spaces: ["Sales Dev"], createMissingUsers: true });
    expect(created.steps.find((s) => s.kind === "space-owner")).toMatchObject({ owner: { t: "user", sourceId: "u-ben" } });
    expect(created.steps.some((s) => s.kind === "create-user" && s.subject === "auth0|ben")).toBe(true);
    // A space of that name already in the target is someone else's: its owner stays.
    const reused = plan({ spaces: ["Sales Dev"] }, { ...emptyTarget(), users: [ben], spaces: [{ id: "t-dev", name: "Sales Dev", type: "shared", ownerId: "t-other" }] });
    expect(reused.steps.some((s) => s.kind === "space-owner")).toBe(false);
    // …unless an earlier attempt of this restore created it.
    const resumed = planRestore(source(), { ...emptyTarget(), users: [ben], spaces: [{ id: "t-dev", name: "Sales Dev", type: "shared", ownerId: "t-bot" }] }, { spaces: ["Sales Dev"] }, { created: { "space:sp-dev": "t-dev" } });
    expect(resumed.steps.find((s) => s.kind === "space-owner")).toMatchObject({ space: { t: "existing", id: "t-dev" }, owner: { t: "existing", id: "t-ben" } });
    // …or an earlier attempt was killed while creating it (Qlik made it, the journal never knew).
    const killed = planRestore(source(), { ...emptyTarget(), users: [ben], spaces: [{ id: "t-dev", name: "Sales Dev", type: "shared", ownerId: "t-bot" }] }, { spaces: ["Sales Dev"] }, { created: {}, interrupted: ["space:sp-dev:create"] });
    expect(killed.steps.find((s) => s.kind === "space-owner")).toMatchObject({ space: { t: "existing", id: "t-dev" }, owner: { t: "existing", id: "t-ben" } });
  });

  it("same tenant: the same space is brought back to its owner when it changed", () => {
    const t = { ...emptyTarget("https://src.example.com"), users: [user("u-ben", "auth0|ben"), user("u-chloe", "auth0|chloe")] };
    const changed = plan({ spaces: ["Sales Dev"] }, { ...t, spaces: [{ id: "sp-dev", name: "Sales Dev", type: "shared", ownerId: "u-chloe" }] });
    expect(changed.steps.find((s) => s.kind === "space-owner")).toMatchObject({ space: { t: "existing", id: "sp-dev" }, owner: { t: "existing", id: "u-ben" } });
    const same = plan({ spaces: ["Sales Dev"] }, { ...t, spaces: [{ id: "sp-dev", name: "Sales Dev", type: "shared", ownerId: "u-ben" }] });
    expect(same.steps.some((s) => s.kind === "space-owner")).toBe(false);
    expect(same.spaces[0]!.owner?.ref).toEqual({ t: "existing", id: "u-ben" });
  });

  it("blocks when a space name is taken by a space of another type", () => {
    const p = plan({ apps: ["a-sales"] }, { ...emptyTarget(), spaces: [{ id: "x", name: "Sales Dev", type: "managed", ownerId: "x" }] });
    expect(p.blockers.join("\n")).toMatch(/Sales Dev.*--space-map/);
    expect(p.apps[0]!.action).toBe("blocked");
  });
});

describe("planRestore: apps", () => {
  it("orders steps: users, spaces, assignments, then per app import → objects → owners", () => {
    const p = plan({ all: true, createMissingUsers: true });
    const kinds = p.steps.map((s) => s.kind);
    expect(kinds.indexOf("create-user")).toBeLessThan(kinds.indexOf("create-space"));
    expect(kinds.lastIndexOf("create-space")).toBeLessThan(kinds.indexOf("import-app"));
    const ids = p.steps.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.indexOf("app:a-sales:import")).toBeLessThan(ids.indexOf("app:a-sales:objects"));
    expect(ids.indexOf("app:a-sales:objects")).toBeLessThan(ids.indexOf("app:a-sales:object-owners"));
    // No safety backup on an empty target.
    expect(kinds).not.toContain("safety-backup");
  });

  it("managed app with its origin in the plan: imported beside the origin, moved, origin set", () => {
    const p = plan({ all: true, createMissingUsers: true });
    const pub = p.apps.find((a) => a.sourceId === "a-pub")!;
    expect(pub.managed).toEqual({ space: { ref: { t: "space", sourceId: "sp-sales" }, name: "Sales" }, origin: { t: "app", sourceId: "a-sales" }, devCopy: false });
    const move = p.steps.find((s) => s.id === "app:a-pub:publish-move");
    expect(move).toMatchObject({ kind: "publish-move", target: { t: "app", sourceId: "a-pub" }, space: { t: "space", sourceId: "sp-sales" }, origin: { t: "app", sourceId: "a-sales" } });
    expect(p.steps.findIndex((s) => s.id === "app:a-sales:import")).toBeLessThan(p.steps.findIndex((s) => s.id === "app:a-pub:import"));
  });

  it("same tenant: an origin Qlik still holds is Qlik-restored and becomes the development app of its managed app, which is imported", () => {
    const target: TargetState = {
      ...emptyTarget("https://src.example.com"),
      users: [user("u-ben", "auth0|ben"), user("u-chloe", "auth0|chloe"), user("u-dev", "auth0|dev")],
      spaces: [{ ...devSpace, ownerId: "u-ben" }, { ...managedSpace, ownerId: "u-ben" }],
      softDeleted: [{ appId: "a-sales", spaceId: "sp-dev", deletedAt: "2026-12-01T00:00:00Z", purgeAt: "2026-12-15T00:00:00Z" }],
    };
    const p = plan({ all: true }, target);
    expect(p.apps.find((a) => a.sourceId === "a-sales")).toMatchObject({ action: "qlik-restore", targetSpace: { ref: { t: "existing", id: "sp-dev" }, name: "Sales Dev" } });
    const pub = p.apps.find((a) => a.sourceId === "a-pub")!;
    expect(pub).toMatchObject({ action: "import", qlik: expect.stringMatching(/Qlik cannot restore it/) });
    expect(pub.managed).toEqual({ space: { ref: { t: "existing", id: "sp-sales" }, name: "Sales" }, origin: { t: "app", sourceId: "a-sales" }, devCopy: false });
    const order = p.steps.map((s) => s.id);
    expect(order.indexOf("app:a-sales:qlik-restore")).toBeLessThan(order.indexOf("app:a-pub:publish-move"));
  });

  it("managed app alone: Qlik's flow with a development copy in a shared space, stripped", () => {
    const p = plan({ apps: ["a-pub"], createMissingUsers: true });
    const pub = p.apps[0]!;
    expect(pub.managed).toMatchObject({ origin: { t: "devcopy", sourceId: "a-pub" }, devCopy: true });
    expect(pub.targetSpace).toEqual({ ref: { t: "devspace", sourceSpaceId: "sp-sales" }, name: "Sales (development)" });
    const order = p.steps.map((s) => s.id);
    expect(order).toEqual(
      expect.arrayContaining(["devspace:sp-sales:create", "app:a-pub:import", "app:a-pub:dev-copy", "app:a-pub:strip-dev-copy", "app:a-pub:publish-move"]),
    );
    expect(order.indexOf("app:a-pub:dev-copy")).toBeLessThan(order.indexOf("app:a-pub:object-owners"));
  });

  it("name clashes block unless --as-new or --skip-existing; same tenant + same id reconciles", () => {
    const target: TargetState = {
      ...emptyTarget(),
      users: [user("t-dev", "auth0|dev")],
      apps: [{ appId: "t-app", itemId: "i", name: "Scratch", spaceType: "personal", ownerId: "t-dev" }],
    };
    const blocked = plan({ apps: ["a-personal"] }, target);
    expect(blocked.apps[0]!.action).toBe("blocked");
    expect(blocked.blockers[0]).toMatch(/already exists.*--as-new/);
    const asNew = plan({ apps: ["a-personal"], asNew: true, name: "Scratch (copy)" }, target);
    expect(asNew.blockers).toEqual([]);
    expect(asNew.steps.find((s) => s.kind === "import-app")).toMatchObject({ name: "Scratch (copy)", knownSameName: [] });
    const asNewDefault = plan({ apps: ["a-personal"], asNew: true }, target);
    expect(asNewDefault.apps[0]!.targetName).toBe("Scratch (restored 2026-11-20)");
    expect(plan({ apps: ["a-personal"], skipExisting: true }, target).apps[0]!.action).toBe("skip");
    expect(() => plan({ all: true, asNew: true, name: "x" })).toThrow(/exactly one/);
    expect(() => plan({ all: true, name: "x" })).toThrow(/--as-new/);

    const same: TargetState = {
      ...emptyTarget("https://src.example.com"),
      users: [user("u-dev", "auth0|dev")],
      apps: [{ appId: "a-personal", itemId: "i", name: "Scratch", spaceType: "personal", ownerId: "u-dev" }],
    };
    const rec = plan({ apps: ["a-personal"] }, same);
    expect(rec.apps[0]).toMatchObject({ action: "reconcile", targetAppId: "a-personal" });
    expect(rec.steps.map((s) => s.kind)).toEqual(["safety-backup", "objects", "object-owners", "app-owner"]);
  });

  it("an earlier attempt's import is not a clash", () => {
    const target: TargetState = { ...emptyTarget(), users: [user("t-dev", "auth0|dev")], apps: [{ appId: "new-1", itemId: "i", name: "Scratch", spaceType: "personal", ownerId: "t-dev" }] };
    const p = planRestore(source(), target, { apps: ["a-personal"] }, { created: { "app:a-personal": "new-1" } });
    expect(p.apps[0]!.action).toBe("import");
    expect(p.apps[0]!.reason).toMatch(/earlier attempt/);
  });

  it("an interrupted import: same-named apps that were not there before are the attempt's, not a clash", () => {
    const target: TargetState = {
      ...emptyTarget(),
      users: [user("t-dev", "auth0|dev")],
      apps: [
        { appId: "old", itemId: "i1", name: "Scratch", spaceType: "personal", ownerId: "t-dev" },
        { appId: "half", itemId: "i2", name: "Scratch", spaceType: "personal", ownerId: "t-dev" },
      ],
    };
    const p = planRestore(source(), target, { apps: ["a-personal"] }, { created: {}, interruptedKnown: { "app:a-personal:import": ["old"] } });
    expect(p.blockers).toEqual([]);
    expect(p.steps.find((s) => s.kind === "import-app")).toMatchObject({ knownSameName: ["old"] });
    // Without the journal's record both are clashes.
    expect(planRestore(source(), target, { apps: ["a-personal"] }).apps[0]!.action).toBe("blocked");
  });

  it("the restore key is stable across attempts and differs per target and selection", () => {
    const a = plan({ apps: ["a-sales"] });
    const b = planRestore(source(), { ...emptyTarget(), users: [user("x", "y")] }, { apps: ["a-sales"] });
    expect(a.restoreKey).toBe(b.restoreKey);
    expect(plan({ apps: ["a-pub"] }).restoreKey).not.toBe(a.restoreKey);
    expect(plan({ apps: ["a-sales"] }, emptyTarget("https://other.example.com")).restoreKey).not.toBe(a.restoreKey);
    // A journal an earlier version keyed differently is continued under its own key.
    expect(planRestore(source(), emptyTarget(), { apps: ["a-sales"] }, { restoreKey: "k-earlier-version", created: {} }).restoreKey).toBe("k-earlier-version");
  });
});

describe("plan files", () => {
  const p = plan({ all: true, createMissingUsers: true });
  const key = new Uint8Array(32).fill(7);

  it("round-trips a signed plan", () => {
    expect(parsePlanFile(formatPlanFile(p, key), "plan.json", key)).toEqual(p);
    expect(parsePlanFile(formatPlanFile(p), "plan.json")).toEqual(p);
  });

  it("rejects edited, truncated, foreign and wrongly keyed files", () => {
    const text = formatPlanFile(p, key);
    const edited = text.replace('"Sales Overview"', '"Hacked"');
    expect(edited).not.toBe(text);
    expect(() => parsePlanFile(edited, "plan.json", key)).toThrow(/does not match its signature/);
    const retargeted = text.replace(/dst\.example\.com/g, "evil.example.com");
    expect(() => parsePlanFile(retargeted, "plan.json", key)).toThrow(PlanFileError);
    expect(() => parsePlanFile(text.slice(0, text.length / 2), "plan.json", key)).toThrow(/truncated/);
    expect(() => parsePlanFile('{"hello":1}', "plan.json", key)).toThrow(/not a Lifeboat restore plan/);
    expect(() => parsePlanFile(text, "plan.json", new Uint8Array(32).fill(8))).toThrow(/signature/);
    expect(() => parsePlanFile(text, "plan.json")).toThrow(/repository's key/);
  });

  it("reads a plan file of version 2 (written before typed refs and `after`) as the plan this version makes", async () => {
    // testdata/plan-v2.json: `restore --plan --json` of the version before typed refs, for
    // this file's source() into this target (refs were strings, steps had no `after`).
    const text = await readFile(new URL("./testdata/plan-v2.json", import.meta.url), "utf8");
    const old = JSON.parse(text) as { plan: { version: number; owners: Record<string, unknown> } };
    expect([old.plan.version, old.plan.owners["u-ben"]]).toEqual([2, "id:t-ben"]);
    const target = { ...emptyTarget(), users: [user("t-ben", "auth0|ben")], spaces: [{ id: "t-x", name: "Other", type: "shared" as const, ownerId: "t-bot" }] };
    const now = planRestore(source(), target, { all: true, createMissingUsers: true });
    const read = parsePlanFile(text, "plan-v2.json");
    expect(read).toEqual(now);
    // The managed app's chain waits for its origin's, as the executor of version 2 derived it.
    expect(read.steps.find((s) => s.id === "app:a-pub:import")!.after).toContain("app:a-sales:app-owner");
    // Edited, it is refused like any other plan file.
    expect(() => parsePlanFile(text.replace('"id:t-ben"', '"id:t-evil"'), "plan-v2.json")).toThrow(/does not match its signature/);
    expect(() => parsePlanFile(text.replace('"version": 2', '"version": 1'), "plan-v2.json")).toThrow(/version 1; this Lifeboat reads versions 2 and 3 — make a new plan/);
  });

  it("plans exactly what the version before the registry planned (plan files it wrote for nine restores, read back)", async () => {
    // testdata/plans-v2.json: for each scenario, the options, the target, what an earlier
    // attempt created, and the plan file the previous version wrote for this file's source().
    const scenarios = JSON.parse(await readFile(new URL("./testdata/plans-v2.json", import.meta.url), "utf8")) as {
      name: string;
      options: RestoreOptions;
      target: TargetState;
      previous?: { created: Record<string, string> };
      file: string;
    }[];
    expect(scenarios.length).toBe(9);
    // Issue 11.5 made the object plan of an app restored in place complete: its objects and
    // object-owners steps now also list every object change (`changes`, `readAt`) and say so in
    // their reason. Everything else — which steps, in which order, what they delete — is as before.
    const beforeObjectPlan = (plan: RestorePlan): RestorePlan => ({
      ...plan,
      steps: plan.steps.map((st) => {
        if (st.kind !== "objects" && st.kind !== "object-owners") return st;
        const { changes: _c, readAt: _r, only: _o, reason: _why, ...rest } = st as typeof st & { readAt?: unknown; only?: unknown };
        return rest as typeof st;
      }),
    });
    for (const sc of scenarios)
      expect(beforeObjectPlan(parsePlanFile(sc.file, sc.name)), sc.name).toEqual(beforeObjectPlan(planRestore(source(), sc.target, sc.options, sc.previous ?? { created: {} })));
  });
});

describe("stalePlanReasons: a plan file made earlier, executed later", () => {
  const none = { done: new Set<string>(), interrupted: new Set<string>(), created: {} };
  const withDev: TargetState = { ...emptyTarget(), spaces: [{ id: "t-dev", name: "Sales Dev", type: "shared", ownerId: "t-bot" }] };
  const salesIn = (appId: string) => ({ appId, itemId: `i-${appId}`, name: "Sales Overview", spaceType: "shared" as const, spaceId: "t-dev", ownerId: "t-bot" });

  it("still fits when nothing relevant changed", () => {
    const p = plan({ apps: ["a-sales"] }, withDev);
    expect(stalePlanReasons(p, withDev, none)).toEqual([]);
  });

  it("an app of the imported name that appeared in the space since is named; one this restore made is not", () => {
    const p = plan({ apps: ["a-sales"] }, withDev);
    const later = { ...withDev, apps: [salesIn("x-1")] };
    expect(stalePlanReasons(p, later, none)).toEqual(["an app named 'Sales Overview' appeared in space t-dev since the plan was made (x-1)"]);
    expect(stalePlanReasons(p, later, { ...none, created: { "app:a-sales": "x-1" } })).toEqual([]);
    // An interrupted attempt's import is the executor's to adopt.
    expect(stalePlanReasons(p, later, { ...none, interrupted: new Set(["app:a-sales:import"]) })).toEqual([]);
  });

  it("a space the plan creates that appeared since is named (the executor would adopt and re-own it)", () => {
    const p = plan({ spaces: ["Sales Dev"] });
    expect(p.steps.some((s) => s.kind === "create-space")).toBe(true);
    const later = { ...emptyTarget(), spaces: [{ id: "t-x", name: "Sales Dev", type: "shared" as const, ownerId: "t-someone" }] };
    expect(stalePlanReasons(p, later, none)).toEqual(["a shared space named 'Sales Dev' appeared since the plan was made (t-x)"]);
    expect(stalePlanReasons(p, later, { ...none, created: { "space:sp-dev": "t-x" } })).toEqual([]);
  });

  it("an app the plan restores in place that is gone is named", () => {
    const same: TargetState = { ...withDev, host: "https://src.example.com", spaces: [{ id: "sp-dev", name: "Sales Dev", type: "shared", ownerId: "u-ben" }], apps: [{ ...salesIn("a-sales"), spaceId: "sp-dev" }] };
    const p = planRestore(source(), same, { apps: ["a-sales"] });
    expect(p.apps[0]!.action).toBe("reconcile");
    expect(stalePlanReasons(p, same, none)).toEqual([]);
    expect(stalePlanReasons(p, { ...same, apps: [] }, none)).toEqual(["app a-sales, which the plan restores in place, is no longer on https://src.example.com"]);
  });
});
