/**
 * The integration kinds' declarations (integration.ts) through a backup of a fake tenant that
 * lists them: every kind captured under its folder, no secret in any stored byte (even one a
 * reader returned by mistake), what a restore needs re-entered in the manifest, the class and
 * its reason (a webhook's filter naming ids), `diff` of two snapshots, and a restore of them into
 * an empty fake target (plan classes, secrets only to the step, the checklist).
 */
import { createTestRepository } from "@lifeboat/repository/testing";
import type { Repository, Tree } from "@lifeboat/repository";
import type { ResourceRecord, TenantReader } from "@lifeboat/model";
import { describe, expect, it } from "vitest";
import { backup } from "../../../backup/run.ts";
import { diffSnapshots } from "../../../diff.ts";
import { executeRestore } from "../../../restore/execute.ts";
import { MemoryJournal } from "../../../restore/journal.ts";
import { objectsForPlan, planRestore, resourcesForPlan, type RestoreOptions } from "../../../restore/plan.ts";
import { formatPlanFile } from "../../../restore/planfile.ts";
import type { RestoreSecrets } from "../../../restore/resources.ts";
import { loadRestoreSource } from "../../../restore/source.ts";
import { readTargetState } from "../../../restore/target.ts";
import { createFakeTenant, FakeTarget, sampleTenantState } from "../../../testing.ts";
import { RESOURCES } from "../../registry.ts";
import { resourceKindsFor } from "../restore.ts";
import { apiKeyConfig, filterIds, INTEGRATION, oauthClients, webhooks, webIntegrations } from "./integration.ts";

const SECRETS = ["SECRET-int-hook-0123456789abcdef0123456789", "SECRET-int-header-value"];

/** What the connector lists (resources/integration.ts), plus a secret no reader should return. */
function records(): Record<string, ResourceRecord[]> {
  return {
    webhooks: [
      {
        kind: "webhooks",
        id: "wh-1",
        name: "Reload alerts",
        ownerId: "u-admin",
        stamp: "2026-01-01T00:00:00.000Z",
        // `secret` must never come from a reader; if it does, it is not stored.
        body: { id: "wh-1", name: "Reload alerts", url: "https://hooks.example.com/r", eventTypes: ["com.qlik.v1.app.reload.finished"], filter: 'data.status eq "error"', level: "tenant", enabled: true, headers: { "X-Team": "ops" }, encryptedHeaders: ["X-Api-Token"], secretKeyAdded: true, secret: SECRETS[0], ownerId: "u-admin", createdAt: "2026-01-01T00:00:00.000Z" },
        secrets: ["secret", "encryptedHeaderValues"],
      },
      {
        kind: "webhooks",
        id: "wh-2",
        name: "Sales Dev app events",
        ownerId: "u-admin",
        stamp: "2026-01-02T00:00:00.000Z",
        body: { id: "wh-2", name: "Sales Dev app events", url: "https://hooks.example.com/s", eventTypes: ["com.qlik.v1.app.created"], filter: 'spaceId eq "sp-1" or topLevelResourceId ne "app-9"', level: "tenant", enabled: true, headers: {}, encryptedHeaders: [], secretKeyAdded: false },
        secrets: [],
      },
      {
        kind: "webhooks",
        id: "wh-3",
        name: "Plain",
        stamp: "2026-01-03T00:00:00.000Z",
        body: { id: "wh-3", name: "Plain", url: "https://hooks.example.com/p", eventTypes: [], level: "tenant", enabled: false, headers: {}, encryptedHeaders: [], secretKeyAdded: false },
        secrets: [],
      },
    ],
    webIntegrations: [{ kind: "webIntegrations", id: "wi-1", name: "Customer portal", stamp: "t1", body: { id: "wi-1", name: "Customer portal", validOrigins: ["https://portal.example.com"], tenantId: "t", created: "c", createdBy: "u-admin", lastUpdated: "t1" } }],
    cspOrigins: [{ kind: "cspOrigins", id: "csp-1", name: "Fonts", stamp: "m1", body: { id: "csp-1", name: "Fonts", origin: "https://fonts.example.org", fontSrc: true, imgSrc: false, createdDate: "c", modifiedDate: "m1" } }],
    oauthClients: [
      { kind: "oauthClients", id: "oc-1", name: "Reporting service", stamp: "u1", body: { clientId: "oc-1", clientName: "Reporting service", appType: "web", allowedScopes: ["user_default"], clientSecrets: [{ hint: "d1f4" }], createdAt: "c", updatedAt: "u1" }, secrets: ["clientSecret"] },
      { kind: "oauthClients", id: "oc-2", name: "Portal SPA", stamp: "u2", body: { clientId: "oc-2", clientName: "Portal SPA", appType: "spa", allowedOrigins: ["https://portal.example.com"], createdAt: "c", updatedAt: "u2" } },
    ],
    apiKeyConfig: [{ kind: "apiKeyConfig", id: "config", name: "API-key configuration", body: { api_keys_enabled: true, max_keys_per_user: 10, max_api_key_expiry: "P30D", scim_externalClient_expiry: "P180D" } }],
  };
}

/** The sample tenant (users u-admin, u-jane, …) listing these resources. */
function tenantWith(resources: Record<string, ResourceRecord[]>): TenantReader {
  return createFakeTenant(Object.assign(sampleTenantState(), { resources: Object.values(resources).flatMap((rs) => rs.map((record) => ({ record: structuredClone(record) }))) }));
}

/** Every byte a snapshot stores, decrypted, as text (trees' names and meta, and every blob). */
async function storedText(repo: Repository, treeId: string): Promise<string> {
  const parts: string[] = [];
  const walk = async (tree: Tree): Promise<void> => {
    for (const e of tree.entries) {
      parts.push(JSON.stringify({ name: e.name, meta: e.meta }));
      if (e.type === "tree") await walk(await repo.loadTree(e.subtree));
      else parts.push((await repo.readBlobBytes(e.blob)).toString("utf8"));
    }
  };
  await walk(await repo.loadTree(treeId));
  return parts.join("\n");
}

describe("integration kinds", () => {
  it("are declared in RESOURCE_KINDS order, each with a folder of its own", () => {
    expect(RESOURCES.filter((k) => INTEGRATION.includes(k)).map((k) => k.layer)).toEqual(["cspOrigins", "webIntegrations", "oauthClients", "apiKeyConfig", "webhooks"]);
    expect(INTEGRATION.map((k) => k.path)).toEqual(["csp-origins", "web-integrations", "oauth-clients", "api-key-config", "webhooks"]);
    expect(webhooks.restoreNeeds).toEqual({ reenter: ["signing secret", "encrypted header values"], note: expect.stringContaining("created disabled") });
  });

  it("back up into their folders with no secret in any stored byte; the manifest says what a restore needs re-entered", async () => {
    const repo = await createTestRepository();
    try {
      const { snapshot, manifest } = await backup({ tenant: tenantWith(records()), repository: repo });
      const root = await repo.loadTree(snapshot.tree);
      for (const k of INTEGRATION) expect(root.entries.find((e) => e.name === k.path)?.type, k.path).toBe("tree");
      const text = await storedText(repo, snapshot.tree);
      for (const s of SECRETS) expect(text).not.toContain(s);
      expect(text).toContain("X-Api-Token"); // the header's name is kept: a restore asks for its value
      const item = (layer: string, id: string) => manifest.items.find((i) => i.layer === layer && i.id === id);
      expect(item("webhooks", "wh-1")).toMatchObject({ status: "captured", owner: "u-admin" });
      // Per item, what a restore needs re-entered (the document's entry meta; never a value).
      const folder = root.entries.find((e) => e.name === "webhooks");
      if (folder?.type !== "tree") throw new Error("no webhooks folder");
      const hooks = (await repo.loadTree(folder.subtree)).entries;
      expect(hooks.find((e) => e.meta?.id === "wh-1")?.meta?.reenter).toEqual(["signing secret", "encrypted header values"]);
      expect(hooks.find((e) => e.meta?.id === "wh-2")?.meta?.reenter).toBeUndefined();
      expect(item("oauthClients", "oc-1")).toMatchObject({ status: "captured" });
      expect(item("apiKeyConfig", "config")).toMatchObject({ status: "captured", name: "API-key configuration" });
    } finally {
      await repo.close();
    }
  });

  it("classify: secrets or a filter naming ids make a webhook input (with the reason); OAuth clients are input; the rest direct", () => {
    const r = records();
    const [reload, salesDev, plain] = r.webhooks!;
    expect(webhooks.def.classify(reload!)).toEqual({ class: "input", reason: expect.stringMatching(/^its signing secret and encrypted header values are never returned by Qlik/) });
    expect(webhooks.def.classify(salesDev!)).toEqual({ class: "input", reason: expect.stringContaining('its filter names spaceId "sp-1", topLevelResourceId "app-9" of the source tenant') });
    expect(webhooks.def.classify(plain!).class).toBe("direct");
    expect(oauthClients.def.classify(r.oauthClients![0]!)).toEqual({ class: "input", reason: expect.stringContaining("id and secret: every integration that uses it must be reconfigured with the new ones") });
    expect(oauthClients.def.classify(r.oauthClients![1]!).reason).not.toContain("secret");
    expect(webIntegrations.def.classify(r.webIntegrations![0]!)).toEqual({ class: "direct", reason: expect.stringContaining("new id") });
    expect(apiKeyConfig.def.match).toBe("singleton");
    expect(filterIds('id eq "a" and data.status eq "ok" or spaceId ne "s\\"x"')).toEqual([
      { attr: "id", value: "a" },
      { attr: "spaceId", value: 's\\"x' },
    ]);
    expect(filterIds(undefined)).toEqual([]);
  });

  it("diff: changed fields per item, Qlik's own fields (ids, dates, hints) ignored; unchanged stamps keep the previous bytes", async () => {
    const repo = await createTestRepository();
    try {
      const before = records();
      const first = await backup({ tenant: tenantWith(before), repository: repo });
      const after = records();
      after.webhooks![2]!.body.url = "https://hooks.example.com/p2";
      after.webhooks![2]!.stamp = "2026-02-01T00:00:00.000Z";
      after.cspOrigins![0]!.body = { ...after.cspOrigins![0]!.body, imgSrc: true, modifiedDate: "m2" };
      after.cspOrigins![0]!.stamp = "m2";
      after.oauthClients![0]!.body = { ...after.oauthClients![0]!.body, clientSecrets: [{ hint: "zz99" }], updatedAt: "u9" };
      after.oauthClients![0]!.stamp = "u9";
      after.apiKeyConfig![0]!.body.max_keys_per_user = 3;
      after.webIntegrations = [];
      const second = await backup({ tenant: tenantWith(after), repository: repo });
      const diff = await diffSnapshots(repo, first.snapshot, second.snapshot);
      const layers = new Set<string>(INTEGRATION.map((k) => k.layer));
      const mine = diff.changes.filter((c) => layers.has(c.layer)).map((c) => c.summary);
      expect(mine).toEqual([
        "CSP origin 'Fonts' (csp-1): imgSrc changed",
        "web integration 'Customer portal' (wi-1): removed",
        "API-key configuration 'API-key configuration' (config): max_keys_per_user changed",
        "webhook 'Plain' (wh-3): url changed",
      ]);
      expect(second.manifest.items.find((i) => i.layer === "webhooks" && i.id === "wh-1")?.status).toBe("unchanged");
    } finally {
      await repo.close();
    }
  });

  it("restore --layers into an empty tenant: classes and reasons in the plan, secrets only to the step, the checklist names what is left", async () => {
    const repo = await createTestRepository();
    try {
      const { snapshot } = await backup({ tenant: tenantWith(records()), repository: repo });
      const source = await loadRestoreSource(repo, snapshot);
      const target = new FakeTarget();
      target.users.push({ id: "t-admin", subject: "auth0|admin", status: "active", assignedRoles: [], assignedGroups: [] });
      const given = { "webhooks/Reload alerts": { secret: SECRETS[0]!, encryptedHeaderValues: JSON.stringify({ "X-Api-Token": SECRETS[1] }) } } as Record<string, Record<string, string>>;
      const secrets: RestoreSecrets = { has: (l, n, f) => given[`${l}/${n}`]?.[f] !== undefined, values: (l, n) => ({ ...(given[`${l}/${n}`] ?? {}) }) };
      const options: RestoreOptions = { layers: INTEGRATION.map((k) => k.layer), createMissingUsers: false };
      await resourcesForPlan(source, options);
      const state = await readTargetState(target, { resources: resourceKindsFor(source, options) });
      const plan = planRestore(source, state, options, { created: {} }, await objectsForPlan(source, options), { secrets });
      expect(plan.blockers).toEqual([]);
      const by = (id: string) => plan.resources.find((d) => d.sourceId === id)!;
      expect(by("wh-1")).toMatchObject({ action: "create", class: "input", secrets: [{ field: "secret", label: "signing secret", given: true }, { field: "encryptedHeaderValues", label: "encrypted header values", given: true }] });
      expect(by("wh-2")).toMatchObject({ action: "create", class: "input", classReason: expect.stringContaining('spaceId "sp-1"') });
      expect(by("oc-1")).toMatchObject({ class: "input" });
      expect(by("csp-1")).toMatchObject({ action: "create", class: "direct" });
      expect(by("config")).toMatchObject({ action: "create", class: "direct" });
      const result = await executeRestore({ plan, source, repository: repo, target, journal: new MemoryJournal(), secrets, safetyBackup: async () => ({ id: "safety" }) });
      expect(result.failed).toEqual([]);
      for (const text of [formatPlanFile(plan), JSON.stringify(result)]) for (const v of SECRETS) expect(text).not.toContain(v);
      // What the connector is handed: Qlik's own fields left out, the owner mapped by subject, the secrets as given.
      const hook = target.resourcesOf("webhooks").find((r) => r.record.name === "Reload alerts")!;
      expect(hook.secretValues).toEqual(given["webhooks/Reload alerts"]);
      expect(hook.record.ownerId).toBe("t-admin");
      expect(hook.record.body).not.toHaveProperty("createdAt");
      expect(hook.record.body).toMatchObject({ url: "https://hooks.example.com/r", encryptedHeaders: ["X-Api-Token"], secretKeyAdded: true, ownerId: "t-admin" });
      expect(target.resourcesOf("oauthClients").find((r) => r.record.body.clientName === "Reporting service")!.record.body).not.toHaveProperty("clientSecrets");
      // Left for a person: the filter naming ids, the OAuth clients to reconfigure.
      expect(result.checklist.map((c) => [c.layer, c.name, c.where])).toEqual([
        ["oauthClients", "Reporting service", "Management Console › OAuth"],
        ["oauthClients", "Portal SPA", "Management Console › OAuth"],
        ["webhooks", "Sales Dev app events", "Management Console › Webhooks"],
      ]);
    } finally {
      await repo.close();
    }
  });
});
