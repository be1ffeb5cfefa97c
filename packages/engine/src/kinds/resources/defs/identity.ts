/**
 * Identity and settings (issue 12; API-FACTS §6.5, §6.19–6.24, §7, §9): custom roles, who
 * holds each role, group settings, identity providers, tenant settings, licence assignments,
 * IP policies. The connector's calls are in `@lifeboat/qlik` resources/identity.ts.
 *
 * Users, groups and the list of roles are kinds of their own (`users.json`, `groups.json`,
 * `roles.json`): `customRoles` holds only the full definitions of custom roles (default roles
 * are in every tenant), and `roleAssignments` only who holds which role — by subject for users
 * and by name for groups, so that the holder is found in any target.
 */
import type { ResourceRecord } from "@lifeboat/model";
import { resourceKind } from "../kind.ts";

const direct = (reason: string) => ({ class: "direct" as const, reason });

/** Custom roles by name (unique in a tenant); restored before apps, as §9 orders them. */
export const customRoles = resourceKind({
  layer: "customRoles",
  noun: "custom role",
  path: "custom-roles",
  group: "identity",
  phase: "before-apps",
  match: "name",
  where: "Management Console › Users › Permissions (custom roles)",
  restoreNote: "nothing to re-enter: name, description and scopes come back as they were",
  // `permissions`, `level` and the entitlement hints are Qlik's, derived from the scopes (read-only in @qlik/api 2.19 roles.d.ts).
  volatile: ["id", "tenantId", "type", "level", "permissions", "canEdit", "canDelete", "createdAt", "createdBy", "lastUpdatedAt", "updatedBy", "fullUser", "userEntitlementType"],
  classify: () => direct("name, description and scopes are written back through the roles API"),
});

/** An OAuth client's user: no email, its subject `qlikbot\<clientId>` names it. */
const isBot = (r: ResourceRecord): boolean => r.body.principal === "user" && r.name.startsWith("user qlikbot\\");

/**
 * Who holds each role: one item per user (`user <email>`, or `user <subject>` without one) or
 * group (`group <name>`) holding a role. The holder's id is a reference: the plan maps a user as
 * every other user reference (id on the same tenant, subject, email, or the user the restore
 * creates) and a group by name — a holder not in the target is skipped in the plan with the
 * reason. After apps, so the users a restore creates exist. A role the target lacks is left out
 * and noted.
 */
export const roleAssignments = resourceKind({
  layer: "roleAssignments",
  noun: "role holder",
  path: "role-assignments",
  group: "identity",
  phase: "after-apps",
  match: "name",
  where: "Management Console › Users (or Groups) › Edit roles",
  restoreNote: "nothing to re-enter; a role the target lacks is reported, the others are given",
  refs: [
    { path: "userId", to: "user" },
    { path: "groupId", to: "group" },
  ],
  classify: (r) =>
    isBot(r)
      ? { class: "reference", reason: "the user of an OAuth client (qlikbot): it exists only with its client — give the target's client these roles by hand" }
      : direct(r.body.principal === "group" ? "the group is found by name and given the roles by name" : "the user is found as every restored owner is (subject, then email) and given the roles by name"),
});

const EVERYONE = "systemGroups.000000000000000000000001";

/** The `/groups/settings` singleton: group auto-creation, IdP sync, the Everyone group's roles. */
export const groupSettings = resourceKind({
  layer: "groupSettings",
  noun: "group settings",
  plural: "group settings",
  path: "group-settings",
  group: "identity",
  phase: "after-apps",
  match: "singleton",
  where: "Management Console › Settings › Groups",
  restoreNote: "nothing to re-enter",
  volatile: ["tenantId", `${EVERYONE}.id`, `${EVERYONE}.name`, `${EVERYONE}.enabled`, `${EVERYONE}.createdAt`, `${EVERYONE}.lastUpdatedAt`, `${EVERYONE}.assignedRoles[].id`, `${EVERYONE}.assignedRoles[].type`, `${EVERYONE}.assignedRoles[].level`],
  classify: () => direct("auto-creation, IdP sync and the Everyone group's roles (by name) are patched back"),
});

/**
 * Identity providers. Interactive ones (OIDC, SAML) need a person: Qlik verifies a provider's
 * options with a test sign-in in a browser. One verified in the source comes back with its
 * options and `skipVerify: true`, one still pending comes back pending; either way inactive —
 * Lifeboat never activates an interactive provider (an untested sign-in can lock every user
 * out), so activating it is on the checklist. jwtAuth providers carry public keys only and come
 * back as they were. Qlik's own provider ("qlik") is in every tenant.
 */
export const identityProviders = resourceKind({
  layer: "identityProviders",
  noun: "identity provider",
  path: "identity-providers",
  group: "identity",
  phase: "after-apps",
  match: "id-or-name",
  where: "Management Console › Identity provider",
  restoreNote: "an interactive OIDC provider's client secret; every interactive provider is verified and activated by a person",
  // §7: OIDC `clientSecret` assumed write-only (UNCONFIRMED); SAML keys and JWT keys read back are public.
  secrets: [{ field: "options.clientSecret", label: "client secret" }],
  // Server state, and what a restore cannot set: activation and verification are a person's steps.
  // (`active`: a restore leaves interactive ones off on purpose; the checklist says so.)
  volatile: ["id", "tenantIds", "created", "lastUpdated", "active", "pendingState", "pendingResult", "options.signingKeys", "options.signingKeySelectedRefId", "options.decryptingKey", "pendingOptions.decryptingKey"],
  classify: (r) => {
    if (r.body.provider === "qlik") return { class: "reference", reason: "Qlik's own identity provider: every tenant has it, nothing to restore" };
    if (r.body.interactive !== true) return direct(r.body.protocol === "jwtAuth" ? "JWT issuer and public keys are written back; it is active again at once" : "a machine-to-machine provider: its options are written back");
    return {
      class: "input",
      reason: `${r.body.protocol === "OIDC" ? "its client secret is never returned by Qlik, and " : ""}an interactive sign-in: it comes back inactive (its options as they were, taken without Qlik's browser test), for a person to test the sign-in and activate — Lifeboat never activates one: an untested sign-in can lock every user out`,
    };
  },
});

/**
 * Tenant settings: three singletons by fixed id — `tenant` (the flags `PATCH /tenants/{id}`
 * takes), `tenant-settings` (no-access page, start page, release cadence, session replay) and
 * `license-settings` (automatic licence assignment). Left out on purpose: the tenant's name and
 * hostnames (they identify a tenant, and a migration target keeps its own), the settings other
 * groups own (`api-keys` config, notes, data alerts, sharing tasks, automations, items), the
 * email server (its password is write-only; transports are not in this group), and
 * `/api/core/auth-settings` (fields unresearched, API-FACTS §6.20).
 */
export const tenantSettings = resourceKind({
  layer: "tenantSettings",
  noun: "tenant setting",
  plural: "tenant settings",
  path: "tenant-settings",
  group: "identity",
  phase: "after-apps",
  match: "id",
  where: "Management Console › Settings",
  restoreNote: "nothing to re-enter; cross-region data processing is set by a person",
  volatile: ["id", "tenantId", "createdAt", "createdBy", "updatedAt", "updatedBy", "crossRegionDataProcessing"],
  classify: (r) =>
    r.body.crossRegionDataProcessing !== undefined
      ? { class: "input", reason: "written back, except cross-region data processing: a data-residency decision a person makes in the target" }
      : direct("written back through the tenant, tenant-settings and licence-settings APIs"),
});

/** Licences by subject; a target without a free licence of the type refuses that user, and the restore goes on. */
export const licenseAssignments = resourceKind({
  layer: "licenseAssignments",
  noun: "licence assignment",
  path: "license-assignments",
  group: "identity",
  phase: "after-apps",
  match: "name",
  where: "Management Console › Licenses",
  restoreNote: "nothing to re-enter; the target needs free licences of each type",
  volatile: ["created", "excess"],
  classify: (r) => direct(`a ${String(r.body.type)} licence for the subject, if the target has one free`),
});

/**
 * IP policies, restored last (their phase and the last place in `RESOURCE_KINDS`) and always
 * **disabled**: enabling a policy blocks every address outside the enabled ones, the restoring
 * tool's own included (API-FACTS §6.22). `enabled` is therefore not compared at verification.
 */
export const ipPolicies = resourceKind({
  layer: "ipPolicies",
  noun: "IP policy",
  plural: "IP policies",
  path: "ip-policies",
  group: "identity",
  phase: "after-apps",
  match: "id-or-name",
  where: "Management Console › Settings › IP policies",
  restoreNote: "nothing to re-enter; an enabled policy comes back disabled for a person to enable",
  volatile: ["id", "tenantId", "createdAt", "createdBy", "updatedAt", "updatedBy", "deletable", "editable", "toggleable", "enabled"],
  classify: (r) =>
    r.body.enabled === true
      ? { class: "input", reason: "restored disabled: enabling it blocks every address outside it, Lifeboat's own included — a person enables it after checking the egress addresses" }
      : direct("disabled in the snapshot: name and addresses are written back"),
});

export const IDENTITY_KINDS = [customRoles, roleAssignments, groupSettings, identityProviders, tenantSettings, licenseAssignments, ipPolicies] as const;
