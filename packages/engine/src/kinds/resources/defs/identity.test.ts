/**
 * The identity-and-settings declarations: what the plan prints per item (class and reason),
 * what is never stored (secrets), what verification and diff ignore (volatile), and the order
 * (IP policies last). Through the fakes: a backup of these kinds and a restore into an empty
 * target, planned and executed by the generic machinery (kinds/resources/restore.ts).
 */
import type { ResourceRecord } from "@lifeboat/model";
import { createTestRepository } from "@lifeboat/repository/testing";
import { describe, expect, it } from "vitest";
import { backup } from "../../../backup/run.ts";
import { executeRestore } from "../../../restore/execute.ts";
import { MemoryJournal } from "../../../restore/journal.ts";
import { planRestore, resourcesForPlan } from "../../../restore/plan.ts";
import { loadRestoreSource } from "../../../restore/source.ts";
import { readTargetState } from "../../../restore/target.ts";
import { createFakeTenant, FakeTarget, sampleTenantState } from "../../../testing.ts";
import { RESOURCES } from "../../registry.ts";
import { storedRecord } from "../capture.ts";
import { changedFields } from "../index.ts";
import { resourceKindsFor } from "../restore.ts";
import { customRoles, identityProviders, ipPolicies, licenseAssignments, roleAssignments, tenantSettings } from "./identity.ts";

const rec = (kind: ResourceRecord["kind"], id: string, name: string, body: Record<string, unknown>, secrets?: string[]): ResourceRecord => ({ kind, id, name, body, ...(secrets ? { secrets } : {}) });

const okta = rec("identityProviders", "idp-1", "Acme Okta", { protocol: "OIDC", provider: "okta", interactive: true, active: true, description: "Acme Okta", options: { clientId: "c", clientSecret: "SECRET-unit-idp", claimsMapping: {} }, lastUpdated: "1" }, ["options.clientSecret"]);
const jwt = rec("identityProviders", "idp-2", "Portal JWT", { protocol: "jwtAuth", provider: "external", interactive: false, active: true, description: "Portal JWT", options: { issuer: "https://p", staticKeys: [] } });
const qlik = rec("identityProviders", "idp-3", "qlik OIDC", { protocol: "OIDC", provider: "qlik", interactive: true, active: true });
const office = rec("ipPolicies", "ip-1", "Office", { name: "Office", allowedIps: ["203.0.113.0/24"], enabled: true, updatedAt: "1" });
const staged = rec("ipPolicies", "ip-2", "Staged", { name: "Staged", allowedIps: ["198.51.100.7"], enabled: false, updatedAt: "1" });

describe("identity and settings declarations", () => {
  it("classes: interactive IdPs and enabled IP policies need a person, the OAuth client's roles are a reference, the rest is direct", () => {
    expect(identityProviders.def.classify(okta)).toMatchObject({ class: "input", reason: expect.stringMatching(/client secret.*never activates/) });
    expect(identityProviders.def.classify(jwt)).toMatchObject({ class: "direct" });
    expect(identityProviders.def.classify(qlik)).toMatchObject({ class: "reference", reason: expect.stringMatching(/every tenant has it/) });
    expect(ipPolicies.def.classify(office)).toMatchObject({ class: "input", reason: expect.stringMatching(/restored disabled.*egress/) });
    expect(ipPolicies.def.classify(staged)).toMatchObject({ class: "direct" });
    expect(roleAssignments.def.classify(rec("roleAssignments", "u1", "user qlikbot\\abc", { principal: "user", userId: "u1", roles: ["TenantAdmin"] }))).toMatchObject({ class: "reference" });
    expect(roleAssignments.def.classify(rec("roleAssignments", "u2", "user ada@example.com", { principal: "user", userId: "u2", roles: ["TenantAdmin"] }))).toMatchObject({ class: "direct" });
    expect(roleAssignments.def.classify(rec("roleAssignments", "g1", "group Finance", { principal: "group", groupId: "g1", roles: ["Steward"] }))).toMatchObject({ class: "direct", reason: expect.stringMatching(/group is found by name/) });
    expect(tenantSettings.def.classify(rec("tenantSettings", "tenant-settings", "tenant settings", { crossRegionDataProcessing: true }))).toMatchObject({ class: "input" });
    expect(licenseAssignments.def.classify(rec("licenseAssignments", "s", "s", { subject: "s", type: "analyzer" })).reason).toMatch(/analyzer licence/);
  });

  it("never stores an IdP's client secret, even if a reader returned one", () => {
    expect(JSON.stringify(storedRecord(identityProviders.def, okta))).not.toContain("SECRET-unit-idp");
    expect(identityProviders.restoreNeeds?.reenter).toEqual(["client secret"]);
  });

  it("diff and verification ignore what Qlik sets and what a restore leaves to a person", () => {
    expect(changedFields(customRoles.def, rec("customRoles", "r", "R", { name: "R", description: "a", lastUpdatedAt: "1", permissions: ["x"] }), rec("customRoles", "r2", "R", { name: "R", description: "b", lastUpdatedAt: "2", permissions: ["y"] }))).toEqual(["description"]);
    expect(changedFields(ipPolicies.def, office, { ...office, body: { ...office.body, enabled: false, updatedAt: "2" } })).toEqual([]);
    expect(changedFields(identityProviders.def, okta, { ...okta, body: { ...okta.body, active: false, lastUpdated: "2" } })).toEqual([]);
  });

  it("are in the registry in the model's order: IP policies last of all", () => {
    const layers = RESOURCES.map((k) => k.layer);
    expect(layers.slice(-7)).toEqual(["customRoles", "roleAssignments", "groupSettings", "identityProviders", "tenantSettings", "licenseAssignments", "ipPolicies"]);
    expect(ipPolicies.def.phase).toBe("after-apps");
  });

  it("restore through the fakes: created in order, IP policies last, the secret only where given, the checklist", async () => {
    const repo = await createTestRepository();
    try {
      const state = sampleTenantState();
      state.resources = [okta, jwt, office, staged].map((record) => ({ record: { ...record, body: structuredClone(record.body) } }));
      const { snapshot } = await backup({ tenant: createFakeTenant(state), repository: repo, now: () => new Date("2026-12-01T00:00:00.000Z") });
      const source = await loadRestoreSource(repo, snapshot);
      const options = { layers: ["identityProviders", "ipPolicies"] };
      await resourcesForPlan(source, options);
      const target = new FakeTarget();
      const plan = planRestore(source, await readTargetState(target, { resources: resourceKindsFor(source, options) }), options, { created: {} });
      const steps = plan.steps.filter((s) => s.kind === "resource").map((s) => s.id);
      expect(steps).toEqual(["res:identityProviders:idp-1", "res:identityProviders:idp-2", "res:ipPolicies:ip-1", "res:ipPolicies:ip-2"]);
      const result = await executeRestore({ plan, source, repository: repo, target, journal: new MemoryJournal(), safetyBackup: async () => ({ id: "safety" }) });
      // Written without the volatile fields: never `enabled` or `active`, so nothing is switched on.
      for (const r of target.resourcesOf("ipPolicies")) expect(r.record.body).not.toHaveProperty("enabled");
      for (const r of target.resourcesOf("identityProviders")) expect(r.record.body).not.toHaveProperty("active");
      expect(result.checklist.map((c) => [c.name, c.todo])).toEqual(
        expect.arrayContaining([
          ["Acme Okta", "enter its client secret"],
          ["Office", "give what only you can supply"],
        ]),
      );
      expect(result.checklist.some((c) => c.name === "Staged" || c.name === "Portal JWT")).toBe(false);
    } finally {
      await repo.close();
    }
  });
});
