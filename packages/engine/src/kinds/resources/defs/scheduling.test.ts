/**
 * The scheduling and organisation declarations (scheduling.ts, organisation.ts) through the
 * engine with the in-memory fakes, records shaped as the connector reads them from Qlik: the
 * snapshot holds no secret and names what a restore needs; `diff` names changed fields; a
 * restore into an empty tenant points every app, user and group reference at the target's ids,
 * hands the e-mail content to the sharing task's step only, leaves private collections and notes
 * to the checklist; `--app` brings an app's schedule, subscriptions, alerts and tags back with it.
 */
import type { Repository } from "@lifeboat/repository";
import { createTestRepository } from "@lifeboat/repository/testing";
import type { ResourceRecord } from "@lifeboat/model";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { backup } from "../../../backup/run.ts";
import { diffSnapshots } from "../../../diff.ts";
import { loadManifest } from "../../../manifest.ts";
import { executeRestore } from "../../../restore/execute.ts";
import { MemoryJournal } from "../../../restore/journal.ts";
import { objectsForPlan, planRestore, resourcesForPlan, type RestoreOptions } from "../../../restore/plan.ts";
import { formatPlanFile } from "../../../restore/planfile.ts";
import type { RestoreSecrets } from "../../../restore/resources.ts";
import { loadRestoreSource, type RestoreSource } from "../../../restore/source.ts";
import { readTargetState } from "../../../restore/target.ts";
import { verifyRestore } from "../../../restore/verify.ts";
import { createFakeTenant, FakeTarget, sampleTenantState, type FakeResource } from "../../../testing.ts";
import { resourceKindsFor } from "../restore.ts";

const EMAIL = "SECRET-test-sharing-email-body";

function resources(recurrence = "RRULE:FREQ=DAILY;BYHOUR=6"): FakeResource[] {
  const r = (x: ResourceRecord): ResourceRecord => x;
  return [
    {
      record: r({
        kind: "reloadTasks",
        id: "rt-1",
        name: "Sales",
        ownerId: "u-jane",
        body: { id: "rt-1", appId: "app-sales", userId: "u-jane", tenantId: "t", timeZone: "Europe/Stockholm", recurrence: [recurrence], state: "Enabled", partial: false, autoReload: false, autoReloadPartial: false, nextExecutionTime: "x" },
      }),
    },
    {
      record: r({
        kind: "sharingTasks",
        id: "st-1",
        name: "Weekly sales",
        ownerId: "u-jane",
        stamp: "1",
        secrets: ["emailContent.subject", "emailContent.body"],
        body: {
          id: "st-1",
          name: "Weekly sales",
          type: "sheet-sharing",
          appId: "app-sales",
          appName: "Sales",
          owner: "u-jane",
          templates: [{ type: "sheet", sheetData: { appId: "app-sales", sheetId: "sheet-1" } }],
          state: { selections: [] },
          recipients: { userIds: [{ value: "u-bob", enabledByUser: true, enabledBySystem: true }], groupIds: [{ value: "g-1", enabledByUser: true }], emailAddresses: [{ value: "board@example.com" }] },
          scheduleOptions: { timezone: "UTC", recurrence: ["RRULE:FREQ=WEEKLY"], chronosJobID: "c-1" },
          lastUpdated: "1",
        },
      }),
      secretValues: { "emailContent.subject": "Weekly", "emailContent.body": EMAIL },
    },
    {
      record: r({ kind: "reportTemplates", id: "tpl-1", name: "Sales pack", ownerId: "u-jane", stamp: "1", files: ["template"], body: { id: "tpl-1", name: "Sales pack", sourceAppId: "app-sales", sourceAppName: "Sales", type: "excel", ownerId: "u-jane" } }),
      files: { template: new Uint8Array([80, 75, 3, 4, 9, 9]) },
    },
    {
      record: r({
        kind: "dataAlerts",
        id: "da-1",
        name: "Pipeline drop",
        ownerId: "u-jane",
        stamp: "1",
        body: {
          id: "da-1",
          name: "Pipeline drop",
          appId: "app-sales",
          conditionId: "cond-1",
          triggerType: "RELOAD",
          recipients: { userIds: [{ value: "u-jane", enabled: true }], groupIds: [] },
          condition: { type: "data", dataCondition: { conditionBase: { id: "cond-1", appId: "app-sales" }, headers: ["Pipeline"] } },
        },
      }),
    },
    { record: r({ kind: "tags", id: "tag-1", name: "certified", ownerId: "u-admin", body: { id: "tag-1", name: "certified", type: "public", description: "", items: [{ id: "item-sales", resourceType: "app", resourceId: "app-sales", name: "Sales" }] } }) },
    { record: r({ kind: "collections", id: "col-1", name: "Finance certified", ownerId: "u-admin", body: { id: "col-1", name: "Finance certified", type: "publicgoverned", description: "", items: [{ id: "item-sales", resourceType: "app", resourceId: "app-sales", name: "Sales" }] } }) },
    { record: r({ kind: "collections", id: "col-2", name: "Jane's shortlist", ownerId: "u-jane", body: { id: "col-2", name: "Jane's shortlist", type: "private", description: "", items: [] } }) },
    { record: r({ kind: "notes", id: "note-1", name: "Q3 review", ownerId: "u-jane", stamp: "1", body: { id: "note-1", name: "Q3 review", resourceType: "note" } }) },
  ];
}

const secretsOf = (given: Record<string, Record<string, string>>): RestoreSecrets => ({
  has: (layer, name, field) => given[`${layer}/${name}`]?.[field] !== undefined,
  values: (layer, name) => ({ ...(given[`${layer}/${name}`] ?? {}) }),
});

describe("scheduling and organisation kinds through the engine", () => {
  let repo: Repository;
  let source: RestoreSource;
  let target: FakeTarget;
  let first: Awaited<ReturnType<typeof backup>>["snapshot"];
  beforeEach(async () => {
    repo = await createTestRepository();
    const state = Object.assign(sampleTenantState(), { resources: resources() });
    first = (await backup({ tenant: createFakeTenant(state), repository: repo, now: () => new Date("2026-12-01T00:00:00.000Z") })).snapshot;
    source = await loadRestoreSource(repo, first);
    target = new FakeTarget();
    target.users.push(
      { id: "t-admin", subject: "auth0|admin", status: "active", assignedRoles: [], assignedGroups: [] },
      { id: "t-jane", subject: "auth0|jane", status: "active", assignedRoles: [], assignedGroups: [] },
      { id: "t-bob", subject: "auth0|bob", status: "active", assignedRoles: [], assignedGroups: [] },
    );
    target.groups.push({ id: "t-g1", name: "Sales", providerType: "idp", assignedRoles: [] });
  });
  afterEach(async () => repo.close());

  async function run(options: RestoreOptions, secrets?: RestoreSecrets) {
    await resourcesForPlan(source, options);
    const state = await readTargetState(target, { resources: resourceKindsFor(source, options) });
    const p = planRestore(source, state, options, { created: {} }, await objectsForPlan(source, options), secrets ? { secrets } : {});
    expect(p.blockers).toEqual([]);
    const journal = new MemoryJournal();
    const result = await executeRestore({ plan: p, source, repository: repo, target, journal, ...(secrets ? { secrets } : {}), safetyBackup: async () => ({ id: "safety" }) });
    const report = await verifyRestore({ plan: p, source, target, created: result.created, repository: repo });
    return { plan: p, result, report, journal };
  }

  it("the snapshot: each kind in its folder, no secret, what a restore needs re-entered; diff names the changed field", async () => {
    const manifest = await loadManifest(repo, first);
    for (const layer of ["reloadTasks", "sharingTasks", "reportTemplates", "dataAlerts", "tags", "collections", "notes"] as const) expect(manifest.counts[layer]?.captured, layer).toBeGreaterThan(0);
    expect(manifest.items.find((i) => i.id === "st-1")).toMatchObject({ reenter: ["e-mail subject", "e-mail body"] });
    const shares = await source.resourcesOf("sharingTasks");
    expect(JSON.stringify(shares)).not.toContain(EMAIL);
    expect(Object.keys((await source.resourcesOf("reportTemplates"))[0]!.files)).toEqual(["template"]);

    const second = (await backup({ tenant: createFakeTenant(Object.assign(sampleTenantState(), { resources: resources("RRULE:FREQ=DAILY;BYHOUR=7") })), repository: repo, now: () => new Date("2026-12-02T00:00:00.000Z") })).snapshot;
    const diff = await diffSnapshots(repo, first, second);
    const changed = diff.changes.filter((c) => (c.layer as string) === "reloadTasks");
    expect(changed).toEqual([expect.objectContaining({ kind: "changed", id: "rt-1", details: ["recurrence"] })]);
    expect(diff.changes.filter((c) => ["sharingTasks", "tags", "collections"].includes(c.layer))).toEqual([]);
  });

  it("--all into an empty tenant: app, user and group references remapped; e-mail content only to its step; private collections and notes on the checklist", async () => {
    const secrets = secretsOf({ "sharingTasks/Weekly sales": { "emailContent.subject": "Weekly", "emailContent.body": EMAIL } });
    const { plan: p, result, report, journal } = await run({ all: true, createMissingUsers: false }, secrets);
    const by = (id: string) => p.resources.find((d) => d.sourceId === id)!;
    expect(by("rt-1")).toMatchObject({ action: "create", class: "direct" });
    expect(by("st-1")).toMatchObject({ action: "create", class: "input", secrets: [{ field: "emailContent.subject", given: true }, { field: "emailContent.body", given: true }] });
    expect(by("col-1")).toMatchObject({ action: "create", class: "direct" });
    expect(by("col-2")).toMatchObject({ action: "reference", class: "reference" });
    expect(by("note-1")).toMatchObject({ action: "reference" });
    for (const text of [formatPlanFile(p), JSON.stringify(journal.records), JSON.stringify(result)]) expect(text).not.toContain(EMAIL);
    expect(result.failed).toEqual([]);

    const app = result.created["app:app-sales"]!;
    const one = (layer: Parameters<FakeTarget["resourcesOf"]>[0]) => target.resourcesOf(layer)[0]!;
    expect(one("reloadTasks").record.body).toMatchObject({ appId: app, timeZone: "Europe/Stockholm" });
    expect(one("reloadTasks").record.ownerId).toBe("t-jane");
    const share = one("sharingTasks");
    expect(share.record.body).toMatchObject({ appId: app, templates: [{ sheetData: { appId: app, sheetId: "sheet-1" } }], recipients: { userIds: [{ value: "t-bob" }], groupIds: [{ value: "t-g1" }] } });
    expect(share.secretValues).toEqual({ "emailContent.subject": "Weekly", "emailContent.body": EMAIL });
    expect(one("reportTemplates").record.body).toMatchObject({ sourceAppId: app });
    expect(Buffer.from(one("reportTemplates").files.template!)).toEqual(Buffer.from([80, 75, 3, 4, 9, 9]));
    expect(one("dataAlerts").record.body).toMatchObject({ appId: app, condition: { dataCondition: { conditionBase: { appId: app } } }, recipients: { userIds: [{ value: "t-jane" }] } });
    expect(one("tags").record.body).toMatchObject({ items: [{ resourceId: app }] });
    expect(target.resourcesOf("collections").map((c) => c.record.name)).toEqual(["Finance certified"]);
    expect(target.resourcesOf("notes")).toEqual([]);
    // The fake names an item after its body's `name`; Qlik's listing names a reload task after
    // its app (the connector), which the restored app keeps: the fake's name is not compared.
    expect(report.other.filter((m) => !(m.where === "reload task 'Sales' (rt-1)" && m.field === "name"))).toEqual([]);
    expect(result.checklist.map((c) => [c.layer, c.name])).toEqual([
      ["collections", "Jane's shortlist"],
      ["notes", "Q3 review"],
    ]);
  });

  it("without the e-mail content the subscription is still created, and the checklist says what to enter and where", async () => {
    const { result } = await run({ all: true, createMissingUsers: false });
    expect(target.resourcesOf("sharingTasks")).toHaveLength(1);
    expect(result.checklist.filter((c) => c.layer === "sharingTasks").map((c) => [c.name, c.todo, c.where])).toEqual([
      ["Weekly sales", "enter its e-mail subject", expect.stringMatching(/Subscriptions/)],
      ["Weekly sales", "enter its e-mail body", expect.stringMatching(/Subscriptions/)],
    ]);
  });

  it("--app: the app-adjacent content Qlik's own restore loses comes back with the app (a collection without the app stays out)", async () => {
    const { plan: p } = await run({ apps: ["app-sales"], createMissingUsers: false });
    expect(p.resources.map((d) => [d.layer, d.sourceId, d.action]).sort()).toEqual(
      [
        ["collections", "col-1", "create"],
        ["dataAlerts", "da-1", "create"],
        ["reloadTasks", "rt-1", "create"],
        ["reportTemplates", "tpl-1", "create"],
        ["sharingTasks", "st-1", "create"],
        ["tags", "tag-1", "create"],
      ].sort(),
    );
  });
});
