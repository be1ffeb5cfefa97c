/**
 * The identity-and-settings kinds (API-FACTS §6.5, §6.19–6.24): custom roles, who holds each
 * role, group settings, identity providers, tenant settings, licence assignments, IP policies —
 * each a `ResourceApi` (api.ts) over `@qlik/api` 2.19 (`roles`, `users`, `groups`,
 * `identityProviders`, `tenants`, `tenantSettings`, `licenses`, `core.ipPolicies`).
 *
 * - `customRoles`: roles of `type: custom` only (the default ones are in every tenant and in
 *   `roles.json`); created and patched by name, description and scopes (`roles.d.ts`
 *   `CreateRole`, `PatchRole`; `permissions` is read-only there).
 * - `roleAssignments`: one record per user and per group that holds a role, with the role
 *   names and the holder's id (`userId` / `groupId`, which the engine maps like every other
 *   reference to a user or group: by subject, then email; groups by name — a holder not in the
 *   target is skipped in the plan). Written by `PATCH /users/{id}` / `PATCH /groups/{id}`
 *   (`assignedRoles`, by name); a role the target lacks is left out and named in the notes,
 *   never fatal. The calling user keeps the roles it has (a restore never takes TenantAdmin
 *   away from the account doing it).
 * - `groupSettings`: the `/groups/settings` singleton (auto-create, IdP sync, the Everyone
 *   group's roles).
 * - `identityProviders`: OIDC `clientSecret` is never returned (§7: assumed write-only) and is
 *   named in `secrets` for interactive OIDC providers; without it Qlik cannot create one, so
 *   it is skipped onto the checklist. An interactive provider verified in the
 *   source is created with its `options` and `skipVerify: true` (Qlik's test sign-in needs a
 *   person in a browser), one still pending with its `pendingOptions`; either way inactive —
 *   Lifeboat never activates one: an interactive provider activated without a test sign-in
 *   can lock every user out of the tenant.
 * - `tenantSettings`: three singletons by fixed id — `tenant` (the flags `PATCH /tenants/{id}`
 *   takes, not the name or hostnames, which identify a tenant), `tenant-settings`
 *   (`/api/v1/tenant-settings`, absent until created) and `license-settings`
 *   (`/api/v1/licenses/settings`).
 * - `licenseAssignments`: one record per subject; a target without a free licence of that
 *   type (or without the user) refuses that user in the 207 answer: that item is skipped and
 *   goes on the checklist (`ResourceWriteResult.skipped`), the restore goes on.
 * - `ipPolicies`: created **disabled** and never enabled (§6.22: an enabled policy blocks every
 *   address outside it, Lifeboat's own included); a person enables it after checking the
 *   egress addresses (the engine's class puts it on the checklist).
 */
import { systemClock } from "@lifeboat/kit";
import type { ResourceRecord, ResourceWrite, ResourceWriteResult } from "@lifeboat/model";
import type { TenantCore } from "../client.ts";
import { pages } from "../internal/pages.ts";
import { QlikApiError } from "../errors.ts";
import type { OperationName } from "../operations.ts";
import type { ResourceApi } from "./api.ts";

type Json = Record<string, unknown>;
const nc = { noCache: true } as const;
const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const strOf = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
/** Qlik's record without its `links` (navigation, not content). */
const withoutLinks = (x: Json): Json => {
  const { links: _l, ...rest } = x;
  return rest;
};

/** A failure Lifeboat decides before (or after) Qlik answered: one item fails with the reason. */
function refused(core: TenantCore, operation: OperationName, object: string, detail: string, status?: number, qlikCode?: string): QlikApiError {
  return new QlikApiError({
    kind: status === 404 ? "not-found" : "permanent",
    operation,
    host: core.host,
    object,
    detail,
    message: `could not restore ${object} on ${core.host}: ${detail}`,
    ...(status !== undefined ? { status } : {}),
    ...(qlikCode ? { qlikCode } : {}),
  });
}

/**
 * The target's role names (default and custom), read once a minute per client: every role
 * holder's write needs them. Forgotten when this module creates or renames a custom role, or
 * when a listing fails.
 */
const knownRoles = new WeakMap<TenantCore, { at: number; names: Promise<Set<string>> }>();
function roleNames(core: TenantCore): Promise<Set<string>> {
  const now = (core.config.clock ?? systemClock).now();
  const hit = knownRoles.get(core);
  if (hit && now - hit.at < 60_000) return hit.names;
  const names = (async () => {
    const out = new Set<string>();
    for await (const r of pages(core, "getRoles", undefined, (api) => api.roles.getRoles({ limit: 100 }, nc))) if (isObj(r) && typeof r.name === "string") out.add(r.name);
    return out;
  })();
  names.catch(() => knownRoles.delete(core));
  knownRoles.set(core, { at: now, names });
  return names;
}

/** The calling user's id, read once per client (a restore never takes roles away from it). */
const callers = new WeakMap<TenantCore, Promise<string>>();
function callerId(core: TenantCore): Promise<string> {
  let id = callers.get(core);
  if (!id) {
    id = core.call("getMyUser", undefined, (api) => api.users.getMyUser(nc)).then((r) => String((r.data as unknown as Json).id));
    id.catch(() => callers.delete(core));
    callers.set(core, id);
  }
  return id;
}

/** Role names the target has, and a note naming those it lacks. */
async function availableRoles(core: TenantCore, wanted: string[], holder: string): Promise<{ roles: string[]; notes: string[] }> {
  const known = await roleNames(core);
  const missing = wanted.filter((r) => !known.has(r));
  return {
    roles: wanted.filter((r) => known.has(r)),
    notes: missing.length ? [`${holder}: the target has no role ${missing.map((r) => `'${r}'`).join(", ")} — create it (custom roles are restored before role holders) or assign it by hand in Management Console › Users / Groups`] : [],
  };
}

// ---- custom roles ------------------------------------------------------------------------

function roleRecord(r: Json): ResourceRecord {
  return { kind: "customRoles", id: String(r.id), name: String(r.name), ...(strOf(r.lastUpdatedAt) ? { stamp: strOf(r.lastUpdatedAt)! } : {}), body: withoutLinks(r) };
}

const roleScopes = (body: Json): string[] => (Array.isArray(body.assignedScopes) ? body.assignedScopes.filter((s): s is string => typeof s === "string") : []);

export const customRoles: ResourceApi = {
  kind: "customRoles",
  async *list(core) {
    for await (const r of pages(core, "getRoles", "custom roles", (api) => api.roles.getRoles({ limit: 100 }, nc))) if (isObj(r) && r.type === "custom") yield roleRecord(r);
  },
  async get(core, id) {
    const resp = await core.call("getRole", `the role ${id}`, (api) => api.roles.getRole(id, nc));
    return roleRecord(resp.data as unknown as Json);
  },
  async create(core, input) {
    const name = String(input.body.name ?? "");
    const body = { name, description: strOf(input.body.description) ?? "", assignedScopes: roleScopes(input.body) };
    knownRoles.delete(core);
    const resp = await core.call("createRole", `the custom role '${name}'`, (api) => api.roles.createRole(body), { idempotent: false });
    return { id: String((resp.data as unknown as Json).id) };
  },
  async update(core, id, input) {
    const name = String(input.body.name ?? "");
    const ops = [
      { op: "replace" as const, path: "/name" as const, value: name },
      { op: "replace" as const, path: "/description" as const, value: strOf(input.body.description) ?? "" },
      { op: "replace" as const, path: "/assignedScopes" as const, value: roleScopes(input.body) },
    ];
    knownRoles.delete(core);
    await core.call("patchRole", `the custom role '${name}' (${id})`, (api) => api.roles.patchRole(id, ops));
    return { id };
  },
};

// ---- who holds each role -----------------------------------------------------------------

const namesOf = (roles: unknown): string[] =>
  (Array.isArray(roles) ? roles : [])
    .map((r) => (isObj(r) ? strOf(r.name) : undefined))
    .filter((n): n is string => !!n)
    .sort();

/**
 * The record name of a holder: what a person recognises and what matches it in a target — a
 * user by email (by subject when it has none: the users kind maps users by subject, then
 * email, so a user found by either keeps one name), a group by name.
 */
export const holderName = (principal: "user" | "group", key: string): string => `${principal} ${key}`;

function holderOf(input: ResourceWrite): { principal: "user" | "group"; id: string; roles: string[] } {
  const principal = input.body.principal === "group" ? "group" : "user";
  // The engine maps `userId` / `groupId` to the target's (refs of the kind's declaration).
  const id = strOf(principal === "user" ? input.body.userId : input.body.groupId) ?? "";
  const roles = Array.isArray(input.body.roles) ? input.body.roles.filter((r): r is string => typeof r === "string") : [];
  return { principal, id, roles };
}

/** Gives a holder exactly the snapshot's roles the target has (the caller keeps its own). */
async function assignRoles(core: TenantCore, targetId: string | undefined, input: ResourceWrite): Promise<ResourceWriteResult> {
  const { principal, id: mapped, roles } = holderOf(input);
  // The engine's mapping of the holder wins over a name match (two users of one email).
  const id = mapped || targetId || "";
  const label = `${principal} ${id}`;
  if (!id) throw refused(core, principal === "user" ? "patchUser" : "patchGroup", `a role holder (${principal})`, `its ${principal} is not in the target: restore ${principal === "user" ? "the users first (restore --all --create-missing-users invites them)" : "or create the group first"}, then run the restore again`, 404);
  const { roles: available, notes } = await availableRoles(core, roles, label);
  let wanted = available;
  if (principal === "user") {
    if ((await callerId(core)) === id) {
      const me = (await core.call("getMyUser", undefined, (api) => api.users.getMyUser(nc))).data as unknown as Json;
      const mine = namesOf(me.assignedRoles);
      const kept = mine.filter((r) => !wanted.includes(r));
      if (kept.length) notes.push(`${label} is the account doing this restore: it keeps its roles ${kept.map((r) => `'${r}'`).join(", ")}`);
      wanted = [...new Set([...wanted, ...mine])].sort();
    }
    const value = wanted.map((name) => ({ name }));
    await core.call("patchUser", `the ${label}`, (api) => api.users.patchUser(id, [{ op: "replace", path: "/assignedRoles", value }] as never));
  } else {
    const value = wanted.map((name) => ({ name }));
    await core.call("patchGroup", `the ${label}`, (api) => api.groups.patchGroup(id, [{ op: "replace", path: "assignedRoles", value }] as never));
  }
  return { id, ...(notes.length ? { notes } : {}) };
}

export const roleAssignments: ResourceApi = {
  kind: "roleAssignments",
  async *list(core) {
    for await (const u of pages(core, "getUsers", "role holders (users)", (api) => api.users.getUsers({ limit: 100 }, nc))) {
      if (!isObj(u)) continue;
      const roles = namesOf(u.assignedRoles);
      const key = strOf(u.email) || strOf(u.subject);
      if (!roles.length || !key) continue;
      yield { kind: "roleAssignments", id: String(u.id), name: holderName("user", key), ...(strOf(u.lastUpdatedAt) ? { stamp: strOf(u.lastUpdatedAt)! } : {}), body: { principal: "user", userId: String(u.id), roles } };
    }
    for await (const g of pages(core, "getGroups", "role holders (groups)", (api) => api.groups.getGroups({ limit: 100 }, nc))) {
      if (!isObj(g)) continue;
      const roles = namesOf(g.assignedRoles);
      if (!roles.length || typeof g.name !== "string") continue;
      yield { kind: "roleAssignments", id: String(g.id), name: holderName("group", g.name), ...(strOf(g.lastUpdatedAt) ? { stamp: strOf(g.lastUpdatedAt)! } : {}), body: { principal: "group", groupId: String(g.id), roles } };
    }
  },
  /** "Create": the holder exists (users and groups are kinds of their own) and has none of these roles yet; it is given them. */
  create: (core, input) => assignRoles(core, undefined, input),
  update: (core, id, input) => assignRoles(core, id, input),
};

// ---- group settings ----------------------------------------------------------------------

const EVERYONE = "000000000000000000000001";
const GROUP_SETTINGS_ID = "groups-settings";

export const groupSettings: ResourceApi = {
  kind: "groupSettings",
  async *list(core) {
    const resp = await core.call("getGroupsSettings", "the group settings", (api) => api.groups.getGroupsSettings(nc));
    yield { kind: "groupSettings", id: GROUP_SETTINGS_ID, name: "group settings", body: withoutLinks(resp.data as unknown as Json) };
  },
  create: (core, input) => groupSettings.update!(core, GROUP_SETTINGS_ID, input),
  async update(core, _id, input) {
    const b = input.body;
    const ops: { op: "replace"; path: string; value: unknown }[] = [];
    if (typeof b.autoCreateGroups === "boolean") ops.push({ op: "replace", path: "/autoCreateGroups", value: b.autoCreateGroups });
    if (typeof b.syncIdpGroups === "boolean") ops.push({ op: "replace", path: "/syncIdpGroups", value: b.syncIdpGroups });
    const everyone = isObj(b.systemGroups) && isObj(b.systemGroups[EVERYONE]) ? b.systemGroups[EVERYONE] : undefined;
    const notes: string[] = [];
    if (everyone) {
      const avail = await availableRoles(core, namesOf(everyone.assignedRoles), "the Everyone group");
      notes.push(...avail.notes);
      ops.push({ op: "replace", path: `/systemGroups/${EVERYONE}/assignedRoles`, value: avail.roles.map((name) => ({ name })) });
    }
    if (ops.length) await core.call("patchGroupsSettings", "the group settings", (api) => api.groups.patchGroupsSettings(ops as never));
    return { id: GROUP_SETTINGS_ID, ...(notes.length ? { notes } : {}) };
  },
};

// ---- identity providers ------------------------------------------------------------------

/** The write-only secret of an OIDC provider, as the secrets file names it. */
export const IDP_SECRET = "options.clientSecret";

function idpRecord(p: Json): ResourceRecord {
  const body = structuredClone(p);
  for (const o of ["options", "pendingOptions"]) if (isObj(body[o])) delete (body[o] as Json).clientSecret;
  const name = strOf(p.description) || `${String(p.provider)} ${String(p.protocol)}`;
  const secret = p.protocol === "OIDC" && p.interactive === true;
  return { kind: "identityProviders", id: String(p.id), name, ...(strOf(p.lastUpdated) ? { stamp: strOf(p.lastUpdated)! } : {}), body, ...(secret ? { secrets: [IDP_SECRET] } : {}) };
}

/** Options as a create payload takes them: without what Qlik generates (signing and decrypting keys). */
function writableOptions(o: unknown): Json | undefined {
  if (!isObj(o)) return undefined;
  const { signingKeys: _k, signingKeySelectedRefId: _r, decryptingKey: _d, clientSecret: _s, issuer: _i, ...rest } = o;
  return structuredClone(rest);
}

const VERIFY_NOTE = "created inactive with its options as they were: a person tests the sign-in and activates it in Management Console › Identity provider (Lifeboat never activates one: an untested sign-in can lock every user out)";
const PENDING_NOTE = "created waiting for verification, as it was in the snapshot: a person verifies and activates it in Management Console › Identity provider";

export const identityProviders: ResourceApi = {
  kind: "identityProviders",
  async *list(core) {
    for await (const p of pages(core, "getIdps", "identity providers", (api) => api.identityProviders.getIdps({ limit: 100 }, nc))) if (isObj(p)) yield idpRecord(p);
  },
  async get(core, id) {
    const resp = await core.call("getIdp", `the identity provider ${id}`, (api) => api.identityProviders.getIdp(id, nc));
    return idpRecord(resp.data as unknown as Json);
  },
  async create(core, input) {
    const b = input.body;
    const label = `the identity provider '${strOf(b.description) || String(b.provider)}'`;
    if (b.provider === "qlik") throw refused(core, "createIdp", label, "Qlik's own identity provider is part of every tenant and cannot be created; nothing to restore");
    const common: Json = {
      protocol: b.protocol,
      provider: b.provider,
      ...(strOf(b.description) !== undefined ? { description: b.description } : {}),
      ...(typeof b.clockToleranceSec === "number" ? { clockToleranceSec: b.clockToleranceSec } : {}),
      ...(typeof b.createNewUsersOnLogin === "boolean" && b.protocol !== "jwtAuth" ? { createNewUsersOnLogin: b.createNewUsersOnLogin } : {}),
      ...(strOf(b.postLogoutRedirectUri) && b.protocol !== "jwtAuth" ? { postLogoutRedirectUri: b.postLogoutRedirectUri } : {}),
    };
    let payload: Json;
    const notes: string[] = [];
    if (b.protocol === "jwtAuth") payload = { ...common, options: { issuer: (b.options as Json | undefined)?.issuer, staticKeys: (b.options as Json | undefined)?.staticKeys } };
    else if (b.interactive !== true) payload = { ...common, interactive: false, options: writableOptions(b.options) };
    else {
      // Verified in the source (`options`): created with them and `skipVerify` — Qlik's test
      // sign-in needs a person in a browser — but never activated. Still pending in the source:
      // created pending, as it was.
      const verified = isObj(b.options);
      const opts = writableOptions(verified ? b.options : b.pendingOptions) ?? {};
      if (b.protocol === "OIDC") {
        const secret = input.secrets?.[IDP_SECRET];
        // Qlik does not create one without it (@qlik/api 2.19 `CreateOIDCPayload`): not written, on the checklist.
        if (!secret) return { id: "", skipped: `give its client secret (identityProviders › ${strOf(b.description) || String(b.provider)} › ${IDP_SECRET} in --secrets) and run the restore again: Qlik does not create an interactive OIDC provider without it` };
        opts.clientSecret = secret;
      }
      payload = verified ? { ...common, interactive: true, options: opts, skipVerify: true } : { ...common, interactive: true, pendingOptions: opts };
      notes.push(verified ? VERIFY_NOTE : PENDING_NOTE);
    }
    const resp = await core.call("createIdp", label, (api) => api.identityProviders.createIdp(payload as never), { idempotent: false });
    const made = resp.data as unknown as Json;
    const id = String(made.id);
    // Whether Qlik activates a provider created with skipVerify is UNCONFIRMED: if it did, it is
    // switched off at once — activating is a person's step after a test sign-in.
    if (made.interactive === true && made.active === true) await core.call("patchIdp", label, (api) => api.identityProviders.patchIdp(id, [{ op: "replace", path: "/active", value: false }] as never));
    return { id, ...(notes.length ? { notes } : {}) };
  },
  async update(core, id, input) {
    const b = input.body;
    const label = `the identity provider '${strOf(b.description) || String(b.provider)}' (${id})`;
    const current = (await core.call("getIdp", label, (api) => api.identityProviders.getIdp(id, nc))).data as unknown as Json;
    const ops: { op: "replace"; path: string; value: unknown }[] = [];
    const notes: string[] = [];
    if (strOf(b.description) !== undefined && b.description !== current.description) ops.push({ op: "replace", path: "/description", value: b.description });
    if (current.protocol !== "jwtAuth") {
      if (strOf(b.postLogoutRedirectUri) !== undefined && b.postLogoutRedirectUri !== current.postLogoutRedirectUri) ops.push({ op: "replace", path: "/postLogoutRedirectUri", value: b.postLogoutRedirectUri });
      if (typeof b.clockToleranceSec === "number" && b.clockToleranceSec !== current.clockToleranceSec) ops.push({ op: "replace", path: "/clockToleranceSec", value: b.clockToleranceSec });
    }
    const wanted = writableOptions(b.options);
    const have = writableOptions(current.options);
    if (wanted && JSON.stringify(wanted) !== JSON.stringify(have)) {
      if (current.protocol === "jwtAuth" || current.interactive !== true) notes.push(`${label}: its options differ from the snapshot and Qlik cannot change them in place — re-create it by hand from the snapshot in Management Console › Identity provider`);
      else {
        const secret = input.secrets?.[IDP_SECRET];
        if (current.protocol === "OIDC" && !secret) notes.push(`${label}: its options differ from the snapshot; give ${IDP_SECRET} in --secrets to stage them, or change them by hand`);
        else {
          ops.push({ op: "replace", path: "/pendingOptions", value: { ...wanted, ...(secret ? { clientSecret: secret } : {}) } });
          notes.push(`the snapshot's options were staged as pending options: ${PENDING_NOTE.replace(/^created waiting for verification, as it was in the snapshot: /, "")}`);
        }
      }
    }
    if (ops.length) await core.call("patchIdp", label, (api) => api.identityProviders.patchIdp(id, ops as never));
    return { id, ...(notes.length ? { notes } : {}) };
  },
};

// ---- tenant settings ---------------------------------------------------------------------

const TENANT_FLAGS = [
  "autoAssignCreateSharedSpacesRoleToProfessionals",
  "autoAssignPrivateAnalyticsContentCreatorRoleToProfessionals",
  "autoAssignDataServicesContributorRoleToProfessionals",
  "enableAnalyticCreation",
  "enableAppOpeningFeedback",
] as const;
export const TENANT_SETTING_IDS = { tenant: "tenant", settings: "tenant-settings", licenses: "license-settings" } as const;

async function myTenant(core: TenantCore): Promise<Json> {
  return (await core.call("getMyTenant", "the tenant", (api) => api.tenants.getMyTenant(nc))).data as unknown as Json;
}

/** The start page as a create or patch takes it (reads answer `{route, value}`). */
const startPageValue = (v: unknown): unknown => (isObj(v) ? v.value : v);

export const tenantSettings: ResourceApi = {
  kind: "tenantSettings",
  async *list(core) {
    const t = await myTenant(core);
    const flags: Json = {};
    for (const f of TENANT_FLAGS) if (typeof t[f] === "boolean") flags[f] = t[f];
    yield { kind: "tenantSettings", id: TENANT_SETTING_IDS.tenant, name: "tenant flags", body: flags };
    try {
      const s = await core.call("getTenantSettings", "the tenant settings", (api) => api.tenantSettings.getTenantSettings(nc));
      yield { kind: "tenantSettings", id: TENANT_SETTING_IDS.settings, name: "tenant settings", ...(strOf((s.data as Json).updatedAt) ? { stamp: strOf((s.data as Json).updatedAt)! } : {}), body: structuredClone(s.data as unknown as Json) };
    } catch (e) {
      // None created yet in this tenant (404): nothing to capture.
      if (!(e instanceof QlikApiError && e.kind === "not-found")) throw e;
    }
    const l = await core.call("getLicenseSettings", "the licence settings", (api) => api.licenses.getLicenseSettings(nc));
    yield { kind: "tenantSettings", id: TENANT_SETTING_IDS.licenses, name: "licence settings", body: structuredClone(l.data as unknown as Json) };
  },
  create: (core, input) => writeTenantSetting(core, undefined, input),
  update: (core, id, input) => writeTenantSetting(core, id, input),
};

/** Which of the three a write is: the target id, else the fields it has. */
function settingOf(id: string | undefined, body: Json): (typeof TENANT_SETTING_IDS)[keyof typeof TENANT_SETTING_IDS] {
  if (id && (Object.values(TENANT_SETTING_IDS) as string[]).includes(id)) return id as never;
  if ("autoAssignProfessional" in body || "autoAssignAnalyzer" in body) return TENANT_SETTING_IDS.licenses;
  if (TENANT_FLAGS.some((f) => f in body)) return TENANT_SETTING_IDS.tenant;
  return TENANT_SETTING_IDS.settings;
}

async function writeTenantSetting(core: TenantCore, id: string | undefined, input: ResourceWrite): Promise<ResourceWriteResult> {
  const b = input.body;
  const which = settingOf(id, b);
  const notes: string[] = [];
  if (which === TENANT_SETTING_IDS.tenant) {
    const t = await myTenant(core);
    const ops = TENANT_FLAGS.filter((f) => typeof b[f] === "boolean").map((f) => ({ op: "replace" as const, path: `/${f}` as const, value: b[f] as boolean }));
    if (ops.length) await core.call("patchTenant", "the tenant flags", (api) => api.tenants.patchTenant(String(t.id), ops));
    return { id: which };
  }
  if (which === TENANT_SETTING_IDS.licenses) {
    const body: Json = {};
    for (const f of ["autoAssignProfessional", "autoAssignAnalyzer"]) if (typeof b[f] === "boolean") body[f] = b[f];
    await core.call("updateLicenseSettings", "the licence settings", (api) => api.licenses.updateLicenseSettings(body as never));
    return { id: which };
  }
  // `crossRegionDataProcessing` is never written (the engine leaves it out: a data-residency decision for a person).
  if (!id) {
    // None in the target yet: POST takes only these two; the rest is patched after.
    const create: Json = {};
    if (b.customizeNoAccess !== undefined) create.customizeNoAccess = b.customizeNoAccess;
    if (b.preferredStartPage !== undefined) create.preferredStartPage = startPageValue(b.preferredStartPage);
    await core.call("createTenantSettings", "the tenant settings", (api) => api.tenantSettings.createTenantSettings(create as never), { idempotent: false });
  }
  const ops: { op: "replace"; path: string; value: unknown }[] = [];
  if (id && b.customizeNoAccess !== undefined) ops.push({ op: "replace", path: "/customizeNoAccess", value: b.customizeNoAccess });
  if (id && b.preferredStartPage !== undefined) ops.push({ op: "replace", path: "/preferredStartPage", value: startPageValue(b.preferredStartPage) });
  for (const f of ["releaseCadence", "sessionReplayOptOut"]) if (b[f] !== undefined) ops.push({ op: "replace", path: `/${f}`, value: b[f] });
  if (ops.length) await core.call("updateTenantSettings", "the tenant settings", (api) => api.tenantSettings.updateTenantSettings(ops as never));
  return { id: which, ...(notes.length ? { notes } : {}) };
}

// ---- licence assignments -----------------------------------------------------------------

/** The 207 answer's item for one subject: undefined when it succeeded, else Qlik's reason with the next step. */
function licenceRefusal(subject: string, type: string, data: unknown): { why: string; status: number; code?: string } | undefined {
  const list = isObj(data) && Array.isArray(data.data) ? (data.data as Json[]) : [];
  const item = list.find((x) => x.subject === subject) ?? list[0];
  const status = typeof item?.status === "number" ? item.status : 0;
  if (status >= 200 && status < 300) return undefined;
  const title = strOf(item?.title) ?? "no answer for this user";
  const next =
    status === 403 || /allotment/i.test(title)
      ? `the target has no free ${type} licence: free or buy one in Management Console › Licenses, then run the restore again`
      : status === 404
        ? "the user is not in the target: restore the users first (restore --all --create-missing-users invites them), then run the restore again"
        : "assign it by hand in Management Console › Users";
  return { why: `${title} — ${next}`, status, ...(strOf(item?.code) ? { code: strOf(item?.code)! } : {}) };
}

export const licenseAssignments: ResourceApi = {
  kind: "licenseAssignments",
  async *list(core) {
    for await (const a of pages(core, "getLicenseAssignments", "licence assignments", (api) => api.licenses.getLicenseAssignments({ limit: 100 }, nc)))
      if (isObj(a) && typeof a.subject === "string") yield { kind: "licenseAssignments", id: a.subject, name: a.subject, body: structuredClone(a) };
  },
  async create(core, input) {
    const subject = String(input.body.subject ?? "");
    const type = String(input.body.type ?? "");
    const resp = await core.call("addLicenseAssignments", `the ${type} licence of ${subject}`, (api) => api.licenses.addLicenseAssignments({ add: [{ subject, type }] }), { idempotent: false });
    // Refused for this user (no free licence, no such user): reported on the checklist, the restore goes on.
    const refusal = licenceRefusal(subject, type, resp.data);
    return refusal ? { id: "", skipped: `a ${type} licence for ${subject}: ${refusal.why}` } : { id: subject };
  },
  async update(core, id, input) {
    const type = String(input.body.type ?? "");
    const resp = await core.call("updateLicenseAssignments", `the licence of ${id}`, (api) => api.licenses.updateLicenseAssignments({ update: [{ subject: id, type }] }));
    const refusal = licenceRefusal(id, type, resp.data);
    if (refusal) throw refused(core, "updateLicenseAssignments", `the licence of ${id} (to ${type})`, refusal.why, refusal.status || undefined, refusal.code);
    return { id };
  },
};

// ---- IP policies -------------------------------------------------------------------------

const ipsOf = (body: Json): string[] => (Array.isArray(body.allowedIps) ? body.allowedIps.filter((x): x is string => typeof x === "string") : []);

export const ipPolicies: ResourceApi = {
  kind: "ipPolicies",
  async *list(core) {
    for await (const p of pages(core, "getIpPolicies", "IP policies", (api) => api.core.ipPolicies.getIpPolicies({ limit: 100 }, nc)))
      if (isObj(p)) yield { kind: "ipPolicies", id: String(p.id), name: strOf(p.name) || String(p.id), ...(strOf(p.updatedAt) ? { stamp: strOf(p.updatedAt)! } : {}), body: structuredClone(p) };
  },
  async create(core, input) {
    const name = strOf(input.body.name) ?? "";
    const resp = await core.call("createIpPolicy", `the IP policy '${name}'`, (api) => api.core.ipPolicies.createIpPolicy({ name, allowedIps: ipsOf(input.body), enabled: false }), { idempotent: false });
    return { id: String((resp.data as unknown as Json).id) };
  },
  async update(core, id, input) {
    const name = strOf(input.body.name) ?? "";
    const ops: { op: "replace"; path: "/name" | "/allowedIps"; value: string | string[] }[] = [
      { op: "replace", path: "/name", value: name },
      { op: "replace", path: "/allowedIps", value: ipsOf(input.body) },
    ];
    // `enabled` is never written (the engine leaves it out of the body): enabling is a person's step.
    await core.call("patchIpPolicy", `the IP policy '${name}' (${id})`, (api) => api.core.ipPolicies.patchIpPolicy(id, ops));
    return { id };
  },
};

export const IDENTITY_APIS: readonly ResourceApi[] = [customRoles, roleAssignments, groupSettings, identityProviders, tenantSettings, licenseAssignments, ipPolicies];
