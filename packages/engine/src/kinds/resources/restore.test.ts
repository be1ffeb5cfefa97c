/**
 * The generic restore half of declared resource kinds, end to end through the engine with the
 * in-memory fakes: a fake tenant with resources is backed up (generic capture), the snapshot
 * is loaded (`resourcesOf`), the target read (`readTargetState`), planned (classes, actions,
 * references, secrets), executed (creates, updates, secrets from `RestoreSecrets` only, a
 * refused item fails alone, an interrupted create is adopted) and verified field by field; the
 * checklist lists what still needs the operator.
 *
 * No kind is declared on main yet (the verticals declare them), so this file declares four
 * test kinds in the shape of real ones and puts them into the registry's declaration list.
 */
import type { Repository } from "@lifeboat/repository";
import { createTestRepository } from "@lifeboat/repository/testing";
import type { ResourceRecord } from "@lifeboat/model";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { backup } from "../../backup/run.ts";
import { loadManifest } from "../../manifest.ts";
import { executeRestore } from "../../restore/execute.ts";
import { MemoryJournal } from "../../restore/journal.ts";
import { objectsForPlan, planRestore, resourcesForPlan, type RestoreOptions } from "../../restore/plan.ts";
import { formatPlanFile, parsePlanFile, stalePlanReasons } from "../../restore/planfile.ts";
import type { RestoreSecrets } from "../../restore/resources.ts";
import { loadRestoreSource, type RestoreSource } from "../../restore/source.ts";
import { readTargetState } from "../../restore/target.ts";
import { verifyRestore } from "../../restore/verify.ts";
import { createFakeTenant, FakeTarget, sampleTenantState, type FakeResource } from "../../testing.ts";
import { planChecklist, resourceKindsFor } from "./restore.ts";

vi.mock("./defs/index.ts", async () => {
  const { resourceKind } = await import("./kind.ts");
  return {
    DECLARED: [
      resourceKind({
        layer: "dataConnections",
        noun: "data connection",
        path: "data-connections",
        group: "data",
        phase: "before-apps",
        match: "name-in-space",
        where: "Management Console › Data connections",
        restoreNote: "passwords are re-entered",
        secrets: [{ field: "qPassword", label: "password", affects: ["connected"] }],
        volatile: ["qID", "updated"],
        classify: (r) => (r.secrets?.length ? { class: "input", reason: "its password is never returned by Qlik" } : { class: "direct", reason: "no secret" }),
      }),
      resourceKind({
        layer: "themes",
        noun: "theme",
        path: "themes",
        group: "appearance",
        phase: "before-apps",
        match: "name",
        where: "Management Console › Themes",
        restoreNote: "none",
        files: ["archive.zip"],
        classify: () => ({ class: "direct", reason: "uploaded again from its archive" }),
      }),
      resourceKind({
        layer: "reloadTasks",
        noun: "reload task",
        path: "reload-tasks",
        group: "scheduling",
        phase: "after-apps",
        match: "id-or-name",
        where: "the app's reload schedule",
        restoreNote: "none",
        refs: [
          { path: "appId", to: "app" },
          { path: "userId", to: "user", optional: true },
          { path: "connections[]", to: "dataConnections", optional: true },
          { path: "notify[].groupId", to: "group", optional: true },
        ],
        volatile: ["updated", "lastExecutionTime"],
        ownerByCreator: "Qlik's reload-tasks API sets no owner",
        classify: () => ({ class: "direct", reason: "no secret" }),
      }),
      resourceKind({
        layer: "collections",
        noun: "collection",
        path: "collections",
        group: "organisation",
        phase: "after-apps",
        match: "name",
        where: "the hub › Collections",
        restoreNote: "none",
        refs: [{ path: "items[].resourceId", to: "app", optional: true }],
        classify: () => ({ class: "direct", reason: "its apps added by their restored ids" }),
      }),
      resourceKind({
        layer: "identityProviders",
        noun: "identity provider",
        path: "identity-providers",
        group: "identity",
        phase: "after-apps",
        match: "name",
        where: "Management Console › Identity provider",
        restoreNote: "configured by hand",
        classify: () => ({ class: "reference", reason: "an interactive IdP setup Qlik's API cannot redo" }),
      }),
    ],
  };
});

const PASSWORD = "SECRET-test-dc-password-123";

function resources(): FakeResource[] {
  const rec = (r: Omit<ResourceRecord, "body"> & { body: Record<string, unknown> }): ResourceRecord => r;
  return [
    {
      record: rec({ kind: "dataConnections", id: "dc-1", name: "Sales DB", spaceId: "sp-shared", ownerId: "u-jane", stamp: "1", body: { qName: "Sales DB", qConnectStatement: "CUSTOM CONNECT TO x", qType: "jdbc", qID: "dc-1", updated: "1" }, secrets: ["qPassword"] }),
      secretValues: { qPassword: "SECRET-source-password-never-stored" },
    },
    { record: rec({ kind: "dataConnections", id: "dc-2", name: "Files", spaceId: "sp-shared", stamp: "1", body: { qName: "Files", qConnectStatement: "folder", qType: "folder", qID: "dc-2", updated: "1" } }) },
    { record: rec({ kind: "themes", id: "th-1", name: "Brand", stamp: "1", body: { name: "Brand", version: "1" }, files: ["archive.zip"] }), files: { "archive.zip": new Uint8Array([80, 75, 3, 4, 1, 2, 3, 255]) } },
    {
      record: rec({ kind: "reloadTasks", id: "rt-1", name: "Nightly", ownerId: "u-jane", stamp: "1", body: { name: "Nightly", appId: "app-sales", userId: "u-jane", connections: ["dc-2"], notify: [{ groupId: "g-1", mail: true }, { groupId: "g-gone", mail: true }], timezone: "Europe/Paris", recurrence: ["RRULE:FREQ=DAILY"], state: "Enabled", updated: "1" } }),
    },
    { record: rec({ kind: "reloadTasks", id: "rt-2", name: "Scratch hourly", stamp: "1", body: { name: "Scratch hourly", appId: "app-jane", userId: "u-gone", timezone: "UTC", state: "Enabled", updated: "1" } }) },
    { record: rec({ kind: "identityProviders", id: "idp-1", name: "Okta", stamp: "1", body: { name: "Okta", protocol: "OIDC" } }) },
  ];
}

const secretsOf = (given: Record<string, Record<string, string>>): RestoreSecrets => ({
  has: (layer, name, field) => given[`${layer}/${name}`]?.[field] !== undefined,
  values: (layer, name) => ({ ...(given[`${layer}/${name}`] ?? {}) }),
});

describe("declared resource kinds: plan, execute, verify, checklist", () => {
  let repo: Repository;
  let source: RestoreSource;
  let target: FakeTarget;
  let snapshotOf: Awaited<ReturnType<typeof backup>>["snapshot"];
  beforeEach(async () => {
    repo = await createTestRepository();
    const state = sampleTenantState();
    state.resources = resources();
    const tenant = createFakeTenant(state);
    const { snapshot } = await backup({ tenant, repository: repo, now: () => new Date("2026-12-01T00:00:00.000Z") });
    snapshotOf = snapshot;
    source = await loadRestoreSource(repo, snapshot);
    target = new FakeTarget();
    target.users.push(
      { id: "t-jane", subject: "auth0|jane", status: "active", assignedRoles: [], assignedGroups: [] },
      { id: "t-admin", subject: "auth0|admin", status: "active", assignedRoles: [], assignedGroups: [] },
    );
  });
  afterEach(async () => repo.close());

  async function plan(options: RestoreOptions, secrets?: RestoreSecrets) {
    await resourcesForPlan(source, options);
    const state = await readTargetState(target, { resources: resourceKindsFor(source, options) });
    return planRestore(source, state, options, { created: {} }, await objectsForPlan(source, options), secrets ? { secrets } : {});
  }
  async function run(options: RestoreOptions, secrets?: RestoreSecrets, journal = new MemoryJournal()) {
    const p = await plan(options, secrets);
    expect(p.blockers).toEqual([]);
    const result = await executeRestore({ plan: p, source, repository: repo, target, journal, ...(secrets ? { secrets } : {}), safetyBackup: async () => ({ id: "safety" }) });
    const report = await verifyRestore({ plan: p, source, target, created: result.created, repository: repo });
    return { plan: p, result, report, journal };
  }

  it("the snapshot holds each kind without a secret; the source reads them per kind", async () => {
    expect(source.resourceLayers).toEqual(["dataConnections", "themes", "reloadTasks", "identityProviders"]);
    expect(source.loadedResources("themes")).toBeUndefined();
    const dcs = await source.resourcesOf("dataConnections");
    expect(dcs.map((d) => d.record.id)).toEqual(["dc-1", "dc-2"]);
    expect(JSON.stringify(dcs)).not.toContain("SECRET-source");
    expect(Object.keys((await source.resourcesOf("themes"))[0]!.files)).toEqual(["archive.zip"]);
    // The manifest counts each kind it holds and says, per item, what a restore needs re-entered.
    const manifest = await loadManifest(repo, snapshotOf);
    expect(manifest.counts.dataConnections).toEqual({ captured: 2, unchanged: 0, failed: 0, skipped: 0 });
    expect(manifest.counts.webhooks).toBeUndefined();
    expect(manifest.items.find((i) => i.id === "dc-1")).toMatchObject({ layer: "dataConnections", reenter: ["password"] });
    expect(manifest.items.find((i) => i.id === "dc-2")).not.toHaveProperty("reenter");
    // Changed-only: a second backup reads no item again (stamps unchanged) and keeps what the items need.
    const again = await backup({ tenant: createFakeTenant(Object.assign(sampleTenantState(), { resources: resources() })), repository: repo, now: () => new Date("2026-12-02T00:00:00.000Z") });
    expect(again.manifest.items.filter((i) => i.layer === "dataConnections").map((i) => [i.id, i.status, i.reenter])).toEqual([
      ["dc-1", "unchanged", ["password"]],
      ["dc-2", "unchanged", undefined],
    ]);
    expect(manifest.restoreNeeds.map((n) => n.layer)).toEqual(["users", "groups", "roles", "spaces", "apps", "objects", "dataConnections", "themes", "reloadTasks", "identityProviders"]);
  });

  it("--all into an empty tenant: every kind, in order, references remapped, secrets given only to the step, verified equal; the checklist names what is left", async () => {
    const secrets = secretsOf({ "dataConnections/Sales DB": { qPassword: PASSWORD } });
    target.groups.push({ id: "t-sales", name: "Sales", providerType: "idp", assignedRoles: [] });
    const { plan: p, result, report, journal } = await run({ all: true, createMissingUsers: false }, secrets);
    const by = (id: string) => p.resources.find((d) => d.sourceId === id)!;
    expect(by("dc-1")).toMatchObject({ action: "create", class: "input", secrets: [{ field: "qPassword", label: "password", given: true }] });
    expect(by("th-1")).toMatchObject({ action: "create", class: "direct" });
    expect(by("rt-1")).toMatchObject({ action: "create" });
    expect(by("idp-1")).toMatchObject({ action: "reference", class: "reference" });
    // Reload tasks come after the apps; data connections and themes before them.
    const ids = p.steps.map((s) => s.id);
    expect(ids.indexOf("res:dataConnections:dc-1")).toBeLessThan(ids.indexOf("app:app-sales:import"));
    expect(ids.indexOf("res:reloadTasks:rt-1")).toBeGreaterThan(ids.indexOf("app:app-sales:import"));
    // The items of one kind side by side: each waits for what came before the kind, the next kind for all of them.
    const step = (id: string) => p.steps.find((s) => s.id === id)!;
    expect(step("res:dataConnections:dc-2").after).toEqual(step("res:dataConnections:dc-1").after);
    expect(step("res:themes:th-1").after).toEqual(["res:dataConnections:dc-1", "res:dataConnections:dc-2"]);
    expect(step("res:reloadTasks:rt-2").after).toEqual(step("res:reloadTasks:rt-1").after);
    expect(step("res:reloadTasks:rt-1").after.some((a) => a.startsWith("res:reloadTasks:"))).toBe(false);
    // No secret in the plan, the journal or the result.
    for (const text of [formatPlanFile(p), JSON.stringify(journal.records), JSON.stringify(result)]) expect(text).not.toContain(PASSWORD);

    expect(result.failed).toEqual([]);
    const dc = target.resourcesOf("dataConnections").find((r) => r.record.name === "Sales DB")!;
    expect(dc.secretValues).toEqual({ qPassword: PASSWORD });
    expect(dc.record.body).toEqual({ qName: "Sales DB", qConnectStatement: "CUSTOM CONNECT TO x", qType: "jdbc" });
    const space = target.spaces.find((s) => s.name === "Sales (dev)")!;
    expect(dc.record.spaceId).toBe(space.id);
    expect(dc.record.ownerId).toBe("t-jane");
    const task = target.resourcesOf("reloadTasks").find((r) => r.record.name === "Nightly")!;
    const salesApp = result.created["app:app-sales"]!;
    const files = target.resourcesOf("dataConnections").find((r) => r.record.name === "Files")!;
    expect(task.record.body).toMatchObject({ appId: salesApp, userId: "t-jane", connections: [files.record.id], timezone: "Europe/Paris" });
    // A group by name; an array element whose (optional) reference is left out goes as a whole.
    expect(task.record.body.notify).toEqual([{ groupId: "t-sales", mail: true }]);
    // The task whose user is not in the target: created without it (optional), with a warning.
    expect(target.resourcesOf("reloadTasks").find((r) => r.record.name === "Scratch hourly")!.record.body).not.toHaveProperty("userId");
    expect(p.warnings.some((w) => /reload task 'Scratch hourly'.*user u-gone/.test(w))).toBe(true);
    expect(Buffer.from(target.resourcesOf("themes")[0]!.files["archive.zip"]!)).toEqual(Buffer.from([80, 75, 3, 4, 1, 2, 3, 255]));
    expect(target.resourcesOf("identityProviders")).toEqual([]);

    // Tenant-level mismatches (resources among them): none. (The sample apps' .qvf bytes are the fake export's: not compared here.)
    expect(report.other).toEqual([]);
    expect(result.checklist.map((c) => [c.layer, c.name, c.todo])).toEqual([["identityProviders", "Okta", "re-create it by hand from the snapshot's configuration"]]);
    // A kind whose owner Qlik's API cannot set: the plan names whose it was.
    expect(by("rt-1").ownerByHand).toBe("auth0|jane");
    expect(by("rt-2")).not.toHaveProperty("ownerByHand");
    // Its owner is not compared: the restoring user keeps it until someone hands it over.
    task.record.ownerId = "t-bot";
    expect((await verifyRestore({ plan: p, source, target, created: result.created, repository: repo })).other).toEqual([]);
    expect(planChecklist(p)).toEqual(result.checklist.map(({ targetId: _t, ...c }) => c));
  });

  it("without the secret: created anyway, and the checklist says to enter it, with where", async () => {
    const { result, plan: p } = await run({ layers: ["dataConnections"] });
    // What follows from the missing secret (declared `affects`) is not a mismatch; other fields are.
    const dc = target.resourcesOf("dataConnections").find((r) => r.record.name === "Sales DB")!;
    dc.record.body.connected = false;
    expect((await verifyRestore({ plan: p, source, target, created: result.created, repository: repo })).other).toEqual([]);
    dc.record.body.qType = "odbc";
    expect((await verifyRestore({ plan: p, source, target, created: result.created, repository: repo })).other.map((m) => m.field)).toEqual(["qType"]);
    expect(target.resourcesOf("dataConnections").map((r) => r.record.name).sort()).toEqual(["Files", "Sales DB"]);
    expect(result.checklist).toEqual([
      { layer: "dataConnections", noun: "data connection", sourceId: "dc-1", name: "Sales DB", targetId: expect.any(String), todo: "enter its password", where: "Management Console › Data connections", reason: expect.stringMatching(/never returned/) },
    ]);
  });

  it("on the same tenant, an item still there keeps its secret and a reference item still there is not on the checklist", async () => {
    target = new FakeTarget({ host: source.tenant.host });
    const sample = sampleTenantState();
    target.users.push(...sample.users);
    target.spaces = sample.spaces;
    for (const r of resources()) target.seedResource(r);
    const p = await plan({ layers: ["dataConnections", "identityProviders"] });
    expect(p.resources.map((d) => [d.sourceId, d.action])).toEqual([
      ["dc-1", "unchanged"],
      ["dc-2", "unchanged"],
      ["idp-1", "unchanged"],
    ]);
    expect(p.resources[0]!.secrets).toEqual([{ field: "qPassword", label: "password", given: false, inTarget: true }]);
    expect(planChecklist(p)).toEqual([]);
  });

  it("what the target could not do as asked joins the checklist: on the item's line when it has one, else a line of its own", async () => {
    target.resourceNotes.set("dataConnections:Sales DB", ["its owner stays the restoring user's"]);
    target.resourceNotes.set("themes:Brand", ["its preview image is not uploaded"]);
    const { result } = await run({ layers: ["dataConnections", "themes"] });
    expect(result.checklist.map((c) => [c.name, c.todo, c.reason])).toEqual([
      ["Sales DB", "enter its password", expect.stringMatching(/never returned.*; the target said: its owner stays the restoring user's$/)],
      ["Brand", "its preview image is not uploaded", "the target could not do this as asked"],
    ]);
    expect(result.steps.find((s) => s.id === "res:themes:th-1")?.note).toBe("its preview image is not uploaded");
  });

  it("a second run changes nothing; a changed item is updated in place; a refused item fails alone", async () => {
    await run({ layers: ["dataConnections", "themes"] });
    const again = await plan({ layers: ["dataConnections", "themes"] });
    expect(again.resources.map((d) => d.action)).toEqual(["unchanged", "unchanged", "unchanged"]);
    expect(again.steps.filter((s) => s.kind === "resource")).toEqual([]);

    const files = target.resourcesOf("dataConnections").find((r) => r.record.name === "Files")!;
    files.record.body.qConnectStatement = "changed";
    target.failOn.add("createResource:themes:Brand");
    target.resources.get("themes")!.clear();
    const { plan: p, result, report } = await run({ layers: ["dataConnections", "themes"] });
    expect(p.resources.find((d) => d.sourceId === "dc-2")).toMatchObject({ action: "update", targetId: files.record.id, reason: expect.stringMatching(/qConnectStatement/) });
    expect(files.record.body.qConnectStatement).toBe("folder");
    expect(result.status).toBe("partial");
    expect(result.failed.map((f) => f.step)).toEqual(["res:themes:th-1"]);
    expect(report.other).toEqual([]);
  });

  it("--app: the reload tasks of an imported app come with it; a reconciled app's only when missing", async () => {
    const { plan: p } = await run({ apps: ["app-sales"] });
    expect(p.resources.map((d) => [d.sourceId, d.action])).toEqual([["rt-1", "create"]]);
    // Its connection is not selected and not in the target: the optional reference is left out.
    expect(target.resourcesOf("reloadTasks")[0]!.record.body).not.toHaveProperty("connections.0");
  });

  it("--app: a shared item the target has (a collection) gets the restored app back among its members; its other members stay", async () => {
    const collection = { record: { kind: "collections" as const, id: "col-1", name: "Certified", stamp: "1", body: { name: "Certified", items: [{ resourceType: "app", resourceId: "app-sales" }, { resourceType: "app", resourceId: "app-jane" }] } } };
    const { snapshot } = await backup({ tenant: createFakeTenant(Object.assign(sampleTenantState(), { resources: [...resources(), collection] })), repository: repo, now: () => new Date("2026-12-04T00:00:00.000Z") });
    source = await loadRestoreSource(repo, snapshot);
    // Its members: another app, and the snapshot's app under its old id (gone: stale once the app is back under a new one).
    target.seedResource({ record: { kind: "collections", id: "t-col", name: "Certified", body: { name: "Certified", items: [{ resourceType: "app", resourceId: "t-someone-elses" }, { resourceType: "app", resourceId: "app-sales" }] } } });
    const { plan: p, result, report } = await run({ apps: ["app-sales"] });
    const d = p.resources.find((x) => x.layer === "collections")!;
    expect(d).toMatchObject({ action: "update", targetId: "t-col", reason: expect.stringMatching(/app 'Sales' is added back to it; its other members stay/) });
    const newApp = result.created["app:app-sales"]!;
    expect(target.resource("collections", "t-col")!.record.body.items).toEqual([
      { resourceType: "app", resourceId: "t-someone-elses" },
      { resourceType: "app", resourceId: newApp },
    ]);
    expect(report.other).toEqual([]);
    // Again: the membership is in place.
    await resourcesForPlan(source, { apps: ["app-sales"] });
    const state = await readTargetState(target, { resources: resourceKindsFor(source, { apps: ["app-sales"] }) });
    const again = planRestore(source, state, { apps: ["app-sales"] }, { created: result.created }, await objectsForPlan(source, { apps: ["app-sales"] }));
    expect(again.resources.find((x) => x.layer === "collections")).toMatchObject({ action: "unchanged" });
  });

  it("--as-new: the copy is a new app, so what names the original is not taken", async () => {
    const p = await plan({ apps: ["app-sales"], asNew: true });
    expect(p.resources).toEqual([]);
  });

  it("a re-run of a restore that imported the app: its reload task, made by the earlier attempt, is unchanged", async () => {
    const journal = new MemoryJournal();
    const first = await run({ apps: ["app-sales"] }, undefined, journal);
    expect(first.plan.resources.map((d) => d.action)).toEqual(["create"]);
    await resourcesForPlan(source, { apps: ["app-sales"] });
    const state = await readTargetState(target, { resources: resourceKindsFor(source, { apps: ["app-sales"] }) });
    const again = planRestore(source, state, { apps: ["app-sales"] }, { created: first.result.created }, await objectsForPlan(source, { apps: ["app-sales"] }));
    expect(again.resources.map((d) => [d.sourceId, d.action, d.reason])).toEqual([["rt-1", "unchanged", expect.stringMatching(/created by an earlier attempt/)]]);
  });

  it("--app on the same tenant: an app reconciled in place gets its missing reload task back, and keeps one that is there", async () => {
    target = new FakeTarget({ host: source.tenant.host });
    target.users.push({ id: "u-jane", subject: "auth0|jane", status: "active", assignedRoles: [], assignedGroups: [] });
    target.apps.set("app-sales", { summary: { appId: "app-sales", itemId: "i", name: "Sales", spaceType: "personal", ownerId: "t-bot" }, objects: new Map() });
    const first = await run({ apps: ["app-sales"], safetyBackup: false });
    expect(first.plan.apps[0]).toMatchObject({ action: "reconcile" });
    expect(first.plan.resources.map((d) => [d.sourceId, d.action])).toEqual([["rt-1", "create"]]);
    expect(target.resourcesOf("reloadTasks")[0]!.record.body).toMatchObject({ appId: "app-sales", userId: "u-jane" });
    target.resourcesOf("reloadTasks")[0]!.record.body.timezone = "UTC";
    const second = await plan({ apps: ["app-sales"], safetyBackup: false });
    expect(second.resources[0]).toMatchObject({ action: "unchanged", reason: expect.stringMatching(/select its kind with --layers/) });
  });

  it("verification names the kind, the item and the field that differ; files by content", async () => {
    const { plan: p, result } = await run({ layers: ["dataConnections", "themes"] });
    const dc = target.resourcesOf("dataConnections").find((r) => r.record.name === "Files")!;
    dc.record.body.qConnectStatement = "elsewhere";
    dc.record.body.updated = "volatile: ignored";
    target.resourcesOf("themes")[0]!.files["archive.zip"] = new Uint8Array([1]);
    const report = await verifyRestore({ plan: p, source, target, created: result.created, repository: repo });
    expect(report.other).toEqual([
      { where: "data connection 'Files' (dc-2)", field: "qConnectStatement", expected: "folder", actual: "elsewhere" },
      { where: "theme 'Brand' (th-1)", field: "file archive.zip", expected: expect.stringMatching(/^sha256 /), actual: expect.stringMatching(/^sha256 /) },
    ]);
  });

  it("a target that cannot take a kind: its items are skipped with the reason, not fatal", async () => {
    target.kinds = target.kinds.filter((k) => k !== "themes");
    const p = await plan({ all: true });
    expect(p.blockers).toEqual([]);
    expect(p.resources.find((d) => d.layer === "themes")).toMatchObject({ action: "skip", reason: expect.stringMatching(/cannot take themes/) });
    expect(p.warnings.some((w) => /1 theme\(s\) are not restored/.test(w))).toBe(true);
  });

  it("an interrupted create is adopted, not duplicated", async () => {
    target.failAfter.add("createResource");
    const journal = new MemoryJournal();
    const first = await run({ layers: ["themes"] }, undefined, journal);
    expect(first.result.status).toBe("partial");
    expect(target.resourcesOf("themes")).toHaveLength(1);
    target.failAfter.delete("createResource");
    // Same restore again (the journal says the step started and failed after the call).
    const p2 = await plan({ layers: ["themes"] });
    // The planner sees the theme by name: nothing to create.
    expect(p2.resources[0]).toMatchObject({ action: "unchanged" });
    const r2 = await executeRestore({ plan: first.plan, source, repository: repo, target, journal });
    expect(r2.steps.find((s) => s.id === "res:themes:th-1")).toMatchObject({ outcome: "done", note: expect.stringMatching(/adopted/) });
    expect(target.resourcesOf("themes")).toHaveLength(1);
  });

  it("plan files written before resource kinds still read (no resources)", async () => {
    const p = await plan({ all: true });
    const { resources: _r, ...old } = p;
    const read = parsePlanFile(formatPlanFile(old as typeof p), "old.json");
    expect(read.resources).toEqual([]);
    expect(() => parsePlanFile(formatPlanFile(p), "new.json")).not.toThrow();
  });

  it("a plan file no longer fits when an item it creates appeared, or one it updates went", async () => {
    const p = await plan({ layers: ["themes"] });
    const state = await readTargetState(target, { resources: ["themes"] });
    expect(stalePlanReasons(p, state, { done: new Set(), interrupted: new Set(), created: {} })).toEqual([]);
    target.seedResource({ record: { kind: "themes", id: "someone", name: "Brand", body: { name: "Brand" } } });
    const now = await readTargetState(target, { resources: ["themes"] });
    expect(stalePlanReasons(p, now, { done: new Set(), interrupted: new Set(), created: {} })).toEqual(["themes 'Brand' appeared since the plan was made (someone)"]);
  });

  it("a personal item (no space) matches only its owner's of the same name, never another user's", async () => {
    const mine = { kind: "dataConnections" as const, name: "Scratch", stamp: "1", body: { qName: "Scratch", qConnectStatement: "CUSTOM CONNECT TO s", qType: "jdbc", updated: "1" } };
    const state = Object.assign(sampleTenantState(), { resources: [{ record: { ...mine, id: "dc-p", ownerId: "u-jane", body: { ...mine.body, qID: "dc-p" } } }] });
    const { snapshot } = await backup({ tenant: createFakeTenant(state), repository: repo, now: () => new Date("2026-12-03T00:00:00.000Z") });
    source = await loadRestoreSource(repo, snapshot);
    // The target has a personal "Scratch" of another user: not Jane's.
    target.seedResource({ record: { ...mine, id: "t-other", ownerId: "t-admin" } });
    expect((await plan({ layers: ["dataConnections"] })).resources[0]).toMatchObject({ sourceId: "dc-p", action: "create" });
    // Jane's own "Scratch" is hers: brought back in place.
    target.seedResource({ record: { ...mine, id: "t-jane-scratch", ownerId: "t-jane", body: { ...mine.body, qConnectStatement: "changed" } } });
    expect((await plan({ layers: ["dataConnections"] })).resources[0]).toMatchObject({ sourceId: "dc-p", action: "update", targetId: "t-jane-scratch" });
  });

  it("--layer names an unknown kind: a clear error", async () => {
    await expect(plan({ layers: ["dataConections"] })).rejects.toThrow(/unknown layer 'dataConections'; the layers a restore selects are: dataConnections/);
  });
});
