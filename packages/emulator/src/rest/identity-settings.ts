/**
 * Identity and settings beyond users, groups and roles (API-FACTS §6.19–6.24): identity
 * providers, the tenant's flags (`PATCH /tenants/{id}`), tenant settings, group settings,
 * licence assignments and settings, IP policies. Every route needs the TenantAdmin role (403
 * otherwise; the stricter reading where Qlik's pages do not say).
 *
 * Shapes: the 2025 spec where it has the operation (groups settings, identity providers,
 * licences, tenants); `@qlik/api` 2.19 where it does not (`tenant-settings.d.ts`,
 * `core/ip-policies.d.ts`).
 *
 * - Identity providers: OIDC `clientSecret` is write-only (accepted, never returned; §7 assumes
 *   so). An interactive one (OIDC, SAML) is created with `pendingOptions`, waiting for a person's
 *   verification in the management console (inactive), or with `options` and `skipVerify: true`
 *   (active at once when no other interactive one is, as the `idpSkipVerifyActivates` quirk
 *   says); only a verified one can be activated, one active interactive provider at a time. A jwtAuth provider takes public keys only and is active.
 * - Licence assignments are keyed by subject; an add beyond the allotment's units is refused for
 *   that user in the 207 answer, not for the whole request.
 * - IP policies: creating or enabling a policy that would leave the caller's own address outside
 *   every enabled policy is refused (§6.22: it would lock the caller out). Blocking requests from
 *   outside enabled policies is not modelled.
 */
import type { Identity } from "../model.ts";
import { kindsOf, type IdentityProvider, type IpPolicy, type TenantSettingsState } from "../kinds.ts";
import { QlikError, badRequest, conflict, forbidden, notFound, traceId } from "../internal/errors.ts";
import { newHexId, nowIso } from "../internal/runtime.ts";
import { readJson, readJsonArray, who, type Ctx, type RestApp, type RouteDeps } from "./common.ts";
import { cursorPage, limitOf, selfHref } from "./kinds-common.ts";

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

export const EVERYONE_GROUP_ID = "000000000000000000000001";

const START_PAGES: Record<string, string> = {
  "analytics-hub": "/insights",
  "analytics-creation-hub": "/analytics",
  "data-integration-hub": "/qdi",
  "management-console": "/console",
};

const TENANT_FLAGS = [
  "autoAssignCreateSharedSpacesRoleToProfessionals",
  "autoAssignPrivateAnalyticsContentCreatorRoleToProfessionals",
  "autoAssignDataServicesContributorRoleToProfessionals",
  "enableAnalyticCreation",
  "enableAppOpeningFeedback",
] as const satisfies readonly (keyof TenantSettingsState["flags"])[];

const OIDC_PROVIDERS = ["auth0", "okta", "generic", "salesforce", "keycloak", "adfs", "azureAD"];
const SAML_PROVIDERS = ["okta", "generic", "adfs", "azureAD"];

/** An IPv4 address or CIDR block (IP policies are IPv4 only, §6.22). */
const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}(\/([0-9]|[12]\d|3[0-2]))?$/;

function ipToInt(ip: string): number {
  return ip.split(".").reduce((n, p) => n * 256 + Number(p), 0);
}

/** Whether `ip` (IPv4) is inside `entry` (an address or CIDR block). */
export function ipAllowed(ip: string, entry: string): boolean {
  const [base, bits] = entry.split("/");
  const n = bits === undefined ? 32 : Number(bits);
  const mask = n === 0 ? 0 : (0xffffffff << (32 - n)) >>> 0;
  return ((ipToInt(ip) & mask) >>> 0) === ((ipToInt(base!) & mask) >>> 0);
}

/** The caller's IPv4 address as the socket reports it. */
function callerIp(c: Ctx): string {
  const raw = c.env?.incoming?.socket?.remoteAddress ?? "127.0.0.1";
  const v4 = raw.replace(/^::ffff:/, "");
  return v4 === "::1" ? "127.0.0.1" : v4;
}

/** Role references (`[{id}]` or `[{name}]`) → role names; an unknown one is a 400. */
function roleNames(tenantRoles: Record<string, { id: string; name: string }>, value: unknown, code: string): string[] {
  if (!Array.isArray(value)) throw badRequest(code, "assignedRoles must be an array of {id} or {name}.");
  const roles = Object.values(tenantRoles);
  return value.map((r: unknown) => {
    const ref = isObj(r) ? r : {};
    const role = typeof ref.id === "string" ? roles.find((x) => x.id === ref.id) : typeof ref.name === "string" ? roles.find((x) => x.name === ref.name) : undefined;
    if (!role) throw badRequest(code, `unknown role ${JSON.stringify(r)}`);
    return role.name;
  });
}

/** `options` without the write-only secrets (OIDC `clientSecret`). */
function publicOptions(o: Json | undefined): Json | undefined {
  if (!o) return undefined;
  const { clientSecret: _s, ...rest } = o;
  return structuredClone(rest);
}

export function registerIdentitySettings(app: RestApp, { tenant, rt }: RouteDeps): void {
  const k = () => kindsOf(tenant);
  const admin = (c: Ctx): Identity => {
    const w = who(c);
    if (!w.isTenantAdmin) throw forbidden("HTTP-403", "This tenant setting needs the TenantAdmin role.");
    return w;
  };
  const roleRefs = (names: string[]): Json[] =>
    names.map((name) => {
      const r = Object.values(tenant.roles).find((x) => x.name === name);
      return { id: r?.id ?? "", name, type: r?.type ?? "default", level: r?.level ?? "user" };
    });

  // ---- tenant flags: PATCH /tenants/{id} (GET is in identity.ts and shows them)
  app.patch("/api/v1/tenants/:tenantId", async (c) => {
    admin(c);
    if (c.req.param("tenantId") !== tenant.id) throw notFound("TENANTS-4", `Tenant "${c.req.param("tenantId")}" was not found.`);
    const flags = { ...k().settings.flags };
    let name = tenant.name;
    for (const op of await readJsonArray(c)) {
      const path = String(op.path ?? "");
      if (op.op !== "replace") throw badRequest("TENANTS-1", `unsupported op "${String(op.op)}" (only replace)`);
      if (path === "/name") {
        if (typeof op.value !== "string" || !op.value) throw badRequest("TENANTS-1", "name must be a non-empty string.");
        name = op.value;
      } else if ((TENANT_FLAGS as readonly string[]).includes(path.slice(1))) {
        if (typeof op.value !== "boolean") throw badRequest("TENANTS-1", `${path} must be a boolean.`);
        flags[path.slice(1) as keyof typeof flags] = op.value;
      } else throw badRequest("TENANTS-1", `unsupported patch path "${path}"`);
    }
    k().settings.flags = flags;
    tenant.name = name;
    rt.changed(tenant);
    return c.body(null, 204);
  });

  // ---- tenant settings (@qlik/api 2.19 tenant-settings.d.ts; not in the 2025 spec)
  const tsJson = (): Json => {
    const s = k().settings.settings!;
    const out: Json = { id: s.id, tenantId: tenant.id, createdAt: s.createdAt, createdBy: s.createdBy, updatedAt: s.updatedAt };
    if (s.updatedBy) out.updatedBy = s.updatedBy;
    if (s.customizeNoAccess) out.customizeNoAccess = { ...s.customizeNoAccess };
    if (s.preferredStartPage) out.preferredStartPage = { route: START_PAGES[s.preferredStartPage], value: s.preferredStartPage };
    if (s.releaseCadence) out.releaseCadence = s.releaseCadence;
    if (s.crossRegionDataProcessing !== undefined) out.crossRegionDataProcessing = s.crossRegionDataProcessing;
    if (s.sessionReplayOptOut !== undefined) out.sessionReplayOptOut = s.sessionReplayOptOut;
    return out;
  };
  const noAccess = (v: unknown): NonNullable<NonNullable<TenantSettingsState["settings"]>["customizeNoAccess"]> => {
    if (!isObj(v) || typeof v.linkEnabled !== "boolean") throw badRequest("TENANT-SETTINGS-1", "customizeNoAccess needs linkEnabled (boolean).");
    for (const f of ["linkLabel", "linkUrl", "message"]) if (v[f] !== undefined && typeof v[f] !== "string") throw badRequest("TENANT-SETTINGS-1", `customizeNoAccess.${f} must be a string.`);
    const extra = Object.keys(v).filter((f) => !["linkEnabled", "linkLabel", "linkUrl", "message"].includes(f));
    if (extra.length) throw badRequest("TENANT-SETTINGS-1", `customizeNoAccess has unknown fields: ${extra.join(", ")}`);
    return structuredClone(v) as ReturnType<typeof noAccess>;
  };
  const startPage = (v: unknown): NonNullable<NonNullable<TenantSettingsState["settings"]>["preferredStartPage"]> => {
    const value = isObj(v) ? v.value : v;
    if (typeof value !== "string" || !(value in START_PAGES)) throw badRequest("TENANT-SETTINGS-1", `preferredStartPage must be one of ${Object.keys(START_PAGES).join(", ")}.`);
    return value as ReturnType<typeof startPage>;
  };
  const settingsOr404 = (): NonNullable<TenantSettingsState["settings"]> => {
    const s = k().settings.settings;
    if (!s) throw notFound("TENANT-SETTINGS-4", "This tenant has no tenant settings yet; create them with POST /api/v1/tenant-settings.");
    return s;
  };
  app.get("/api/v1/tenant-settings", (c) => {
    admin(c);
    settingsOr404();
    return c.json(tsJson());
  });
  app.post("/api/v1/tenant-settings", async (c) => {
    const w = admin(c);
    if (k().settings.settings) throw conflict("TENANT-SETTINGS-9", "Tenant settings exist already; change them with PATCH.");
    const body = await readJson(c);
    const extra = Object.keys(body).filter((f) => !["customizeNoAccess", "preferredStartPage"].includes(f));
    if (extra.length) throw badRequest("TENANT-SETTINGS-1", `unknown fields on create: ${extra.join(", ")} (only customizeNoAccess, preferredStartPage)`);
    const t = nowIso();
    k().settings.settings = {
      id: newHexId(),
      createdAt: t,
      createdBy: w.user.id,
      updatedAt: t,
      ...(body.customizeNoAccess !== undefined ? { customizeNoAccess: noAccess(body.customizeNoAccess) } : {}),
      ...(body.preferredStartPage !== undefined ? { preferredStartPage: startPage(body.preferredStartPage) } : {}),
    };
    rt.changed(tenant);
    return c.json(tsJson(), 201);
  });
  app.delete("/api/v1/tenant-settings", (c) => {
    admin(c);
    settingsOr404();
    delete k().settings.settings;
    rt.changed(tenant);
    return c.body(null, 204);
  });
  app.patch("/api/v1/tenant-settings", async (c) => {
    const w = admin(c);
    const next = structuredClone(settingsOr404());
    for (const op of await readJsonArray(c)) {
      const path = String(op.path ?? "");
      if (op.op !== "replace" && op.op !== "add") throw badRequest("TENANT-SETTINGS-1", `unsupported op "${String(op.op)}" (add or replace)`);
      if (path === "/customizeNoAccess") next.customizeNoAccess = noAccess(op.value);
      else if (path === "/preferredStartPage") next.preferredStartPage = startPage(op.value);
      else if (path === "/releaseCadence") {
        if (op.value !== "monthly" && op.value !== "continuous") throw badRequest("TENANT-SETTINGS-1", "releaseCadence must be monthly or continuous.");
        next.releaseCadence = op.value;
      } else if (path === "/sessionReplayOptOut") {
        if (typeof op.value !== "boolean") throw badRequest("TENANT-SETTINGS-1", "sessionReplayOptOut must be a boolean.");
        next.sessionReplayOptOut = op.value;
      } else if (path === "/crossRegionDataProcessing")
        throw badRequest("TENANT-SETTINGS-1", "crossRegionDataProcessing is changed through POST /api/v1/tenant-settings/actions/toggle-cross-region-data-processing, not PATCH.");
      else throw badRequest("TENANT-SETTINGS-1", `unsupported patch path "${path}"`);
    }
    Object.assign(next, { updatedAt: nowIso(), updatedBy: w.user.id });
    k().settings.settings = next;
    rt.changed(tenant);
    return c.json(tsJson());
  });

  // ---- group settings (2025 spec `GroupSettings`)
  app.get("/api/v1/groups/settings", (c) => {
    admin(c);
    const g = k().settings.groups;
    return c.json({
      tenantId: tenant.id,
      autoCreateGroups: g.autoCreateGroups,
      syncIdpGroups: g.syncIdpGroups,
      systemGroups: {
        [EVERYONE_GROUP_ID]: { id: EVERYONE_GROUP_ID, name: "com.qlik.Everyone", enabled: true, createdAt: g.everyoneCreatedAt, lastUpdatedAt: g.everyoneUpdatedAt, assignedRoles: roleRefs(g.everyoneRoles) },
      },
      links: { self: { href: selfHref(c, "/api/v1/groups/settings") } },
    });
  });
  app.patch("/api/v1/groups/settings", async (c) => {
    admin(c);
    const next = structuredClone(k().settings.groups);
    for (const op of await readJsonArray(c)) {
      const path = String(op.path ?? "");
      if (op.op !== "replace") throw badRequest("GROUPS-1", `unsupported op "${String(op.op)}" (only replace)`);
      if (path === "/autoCreateGroups" || path === "/syncIdpGroups") {
        if (typeof op.value !== "boolean") throw badRequest("GROUPS-1", `${path} must be a boolean.`);
        next[path.slice(1) as "autoCreateGroups" | "syncIdpGroups"] = op.value;
      } else if (path === `/systemGroups/${EVERYONE_GROUP_ID}/assignedRoles`) {
        next.everyoneRoles = roleNames(tenant.roles, op.value, "GROUPS-1");
        next.everyoneUpdatedAt = nowIso();
      } else throw badRequest("GROUPS-1", `unsupported patch path "${path}"`);
    }
    k().settings.groups = next;
    rt.changed(tenant);
    return c.body(null, 204);
  });

  // ---- licences (2025 spec `licenses`): this service's errors are `{error, errors[], message}` (spec `errorResponse`).
  for (const path of ["/api/v1/licenses/*"]) {
    app.use(path, async (c, next) => {
      await next();
      const e = c.error;
      if (e instanceof QlikError && e.status !== 401 && e.status !== 429) {
        const body = { error: e.title, message: e.detail ?? e.title, errors: [{ code: e.code, title: e.title, ...(e.detail !== undefined ? { detail: e.detail } : {}) }], traceId: traceId() };
        c.res = new Response(JSON.stringify(body), { status: e.status, headers: { "content-type": "application/json", ...e.headers } });
      }
    });
  }
  const licenceError = (status: number, code: string, title: string): QlikError => new QlikError(status, code, title, title);
  app.get("/api/v1/licenses/assignments", (c) => {
    admin(c);
    const limit = limitOf(c, 20, 100);
    const list = Object.values(k().licenseAssignments).sort((a, b) => a.created.localeCompare(b.created) || a.subject.localeCompare(b.subject));
    const { page, links } = cursorPage(c, list, limit, "page");
    const { self: _self, ...rest } = links;
    return c.json({ data: page.map((a) => ({ subject: a.subject, type: a.type, created: a.created, excess: a.excess })), links: rest });
  });
  const used = (type: string): number => Object.values(k().licenseAssignments).filter((a) => a.type === type).length;
  const knownType = (type: unknown): type is string => typeof type === "string" && type in k().settings.licenseUnits;
  const userOf = (subject: string) => Object.values(tenant.users).find((u) => u.subject === subject && u.status !== "deleted");
  const items = async (c: Ctx, key: string): Promise<Json[]> => {
    const body = await readJson(c);
    const list = body[key];
    if (!Array.isArray(list) || list.length === 0 || list.some((x) => !isObj(x) || typeof x.subject !== "string")) throw badRequest("LICENSES-1", `"${key}" must be a non-empty array of objects with a subject.`);
    return list as Json[];
  };
  app.post("/api/v1/licenses/assignments/actions/add", async (c) => {
    admin(c);
    const data: Json[] = [];
    for (const x of await items(c, "add")) {
      const subject = x.subject as string;
      const type = x.type;
      const r: Json = { subject, ...(typeof type === "string" ? { type } : {}) };
      if (!knownType(type)) data.push({ ...r, status: 400, code: "LICENSES-1", title: `Unknown license type "${String(type)}".` });
      else if (!userOf(subject)) data.push({ ...r, status: 404, code: "LICENSES-4", title: `No user with subject "${subject}".` });
      else if (k().licenseAssignments[subject]) data.push({ ...r, status: 409, code: "LICENSES-9", title: "The user already has a license assigned." });
      else if (used(type) >= (k().settings.licenseUnits[type] ?? 0)) data.push({ ...r, status: 403, code: "LICENSES-011", title: "No available allotment error, No available allotment." });
      else {
        k().licenseAssignments[subject] = { subject, type, created: nowIso(), excess: false };
        data.push({ ...r, status: 201 });
      }
    }
    rt.changed(tenant);
    return c.json({ data }, 207);
  });
  app.post("/api/v1/licenses/assignments/actions/delete", async (c) => {
    admin(c);
    const data: Json[] = [];
    for (const x of await items(c, "delete")) {
      const subject = x.subject as string;
      const a = k().licenseAssignments[subject];
      if (!a || (typeof x.type === "string" && x.type !== a.type)) data.push({ subject, ...(typeof x.type === "string" ? { type: x.type } : {}), status: 404, code: "LICENSES-016", title: "Assignment not found." });
      else {
        delete k().licenseAssignments[subject];
        data.push({ subject, type: a.type, status: 200 });
      }
    }
    rt.changed(tenant);
    return c.json({ data }, 207);
  });
  app.post("/api/v1/licenses/assignments/actions/update", async (c) => {
    admin(c);
    const data: Json[] = [];
    for (const x of await items(c, "update")) {
      const subject = x.subject as string;
      const from = typeof x.sourceSubject === "string" ? x.sourceSubject : subject;
      const a = k().licenseAssignments[from];
      const type = x.type ?? a?.type;
      const r: Json = { subject, ...(typeof type === "string" ? { type } : {}), ...(x.sourceType !== undefined ? { sourceType: x.sourceType } : {}), ...(x.sourceSubject !== undefined ? { sourceSubject: x.sourceSubject } : {}) };
      if (!a || (typeof x.sourceType === "string" && x.sourceType !== a.type)) data.push({ ...r, status: 404, code: "LICENSES-016", title: "Assignment not found." });
      else if (!knownType(type)) data.push({ ...r, status: 400, code: "LICENSES-1", title: `Unknown license type "${String(type)}".` });
      else if (type !== a.type && used(type) >= (k().settings.licenseUnits[type] ?? 0)) data.push({ ...r, status: 403, code: "LICENSES-011", title: "No available allotment error, No available allotment." });
      else if (from !== subject && (!userOf(subject) || k().licenseAssignments[subject])) data.push({ ...r, status: 409, code: "LICENSES-9", title: "The new subject is unknown or has a license already." });
      else {
        delete k().licenseAssignments[from];
        k().licenseAssignments[subject] = { ...a, subject, type };
        data.push({ ...r, status: 200 });
      }
    }
    rt.changed(tenant);
    return c.json({ data }, 207);
  });
  app.get("/api/v1/licenses/settings", (c) => {
    admin(c);
    return c.json({ ...k().settings.licenses });
  });
  app.put("/api/v1/licenses/settings", async (c) => {
    admin(c);
    const body = await readJson(c);
    const next = { ...k().settings.licenses };
    for (const [f, v] of Object.entries(body)) {
      if (f !== "autoAssignProfessional" && f !== "autoAssignAnalyzer") throw licenceError(400, "LICENSES-1", `Unknown license setting "${f}".`);
      if (typeof v !== "boolean") throw licenceError(400, "LICENSES-1", `${f} must be a boolean.`);
      next[f] = v;
    }
    k().settings.licenses = next;
    rt.changed(tenant);
    return c.json({ ...next });
  });

  // ---- identity providers (2025 spec `IDP`; @qlik/api 2.19 identity-providers.d.ts)
  const idpJson = (p: IdentityProvider): Json => {
    const out: Json = {
      id: p.id,
      tenantIds: [tenant.id],
      protocol: p.protocol,
      provider: p.provider,
      interactive: p.interactive,
      active: p.active,
      description: p.description,
      clockToleranceSec: p.clockToleranceSec,
      created: p.created,
      lastUpdated: p.lastUpdated,
    };
    if (p.createNewUsersOnLogin !== undefined) out.createNewUsersOnLogin = p.createNewUsersOnLogin;
    if (p.postLogoutRedirectUri !== undefined) out.postLogoutRedirectUri = p.postLogoutRedirectUri;
    if (p.options) out.options = publicOptions(p.options);
    if (p.pendingOptions) out.pendingOptions = publicOptions(p.pendingOptions);
    if (p.pendingState) out.pendingState = p.pendingState;
    return out;
  };
  const idpFor = (c: Ctx): IdentityProvider => {
    const id = c.req.param("id") ?? "";
    const p = k().identityProviders[id];
    if (!p) throw notFound("IDENTITY-PROVIDERS-4", `Identity provider "${id}" was not found.`);
    return p;
  };
  /** Validates an interactive provider's options (OIDC: client id and secret, claims mapping; SAML: claims mapping and a sign-on URL or metadata). */
  const checkOptions = (protocol: string, o: unknown, where: string, needSecret: boolean): Json => {
    if (!isObj(o)) throw badRequest("IDENTITY-PROVIDERS-1", `${where} is required.`);
    if (!isObj(o.claimsMapping)) throw badRequest("IDENTITY-PROVIDERS-1", `${where}.claimsMapping is required.`);
    if (protocol === "OIDC") {
      if (typeof o.clientId !== "string" || !o.clientId) throw badRequest("IDENTITY-PROVIDERS-1", `${where}.clientId is required.`);
      if (needSecret && (typeof o.clientSecret !== "string" || !o.clientSecret)) throw badRequest("IDENTITY-PROVIDERS-1", `${where}.clientSecret is required.`);
      if (typeof o.discoveryUrl !== "string" && !isObj(o.openid_configuration)) throw badRequest("IDENTITY-PROVIDERS-1", `${where} needs a discoveryUrl or an openid_configuration.`);
    } else if (typeof o.signOnUrl !== "string" && !isObj(o.metadata)) throw badRequest("IDENTITY-PROVIDERS-1", `${where} needs a signOnUrl or metadata.`);
    return structuredClone(o);
  };
  const activeInteractive = (except?: string): IdentityProvider | undefined => Object.values(k().identityProviders).find((p) => p.active && p.interactive && p.id !== except);
  app.get("/api/v1/identity-providers", (c) => {
    admin(c);
    const limit = limitOf(c, 20, 100);
    let list = Object.values(k().identityProviders).sort((a, b) => a.created.localeCompare(b.created) || a.id.localeCompare(b.id));
    const active = c.req.query("active");
    if (active === "true" || active === "false") list = list.filter((p) => p.active === (active === "true"));
    const { page, links } = cursorPage(c, list, limit, "next");
    return c.json({ data: page.map(idpJson), links });
  });
  app.get("/api/v1/identity-providers/:id", (c) => {
    admin(c);
    return c.json(idpJson(idpFor(c)));
  });
  app.post("/api/v1/identity-providers", async (c) => {
    admin(c);
    const body = await readJson(c);
    const protocol = body.protocol;
    const provider = body.provider;
    const t = nowIso();
    const base = {
      id: newHexId(),
      description: typeof body.description === "string" ? body.description : "",
      clockToleranceSec: typeof body.clockToleranceSec === "number" ? body.clockToleranceSec : 5,
      ...(typeof body.postLogoutRedirectUri === "string" ? { postLogoutRedirectUri: body.postLogoutRedirectUri } : {}),
      created: t,
      lastUpdated: t,
    };
    let idp: IdentityProvider;
    if (protocol === "jwtAuth") {
      if (provider !== "external") throw badRequest("IDENTITY-PROVIDERS-1", 'a jwtAuth provider must be "external".');
      const o = body.options;
      if (!isObj(o) || typeof o.issuer !== "string" || !Array.isArray(o.staticKeys) || o.staticKeys.length === 0) throw badRequest("IDENTITY-PROVIDERS-1", "options.issuer and options.staticKeys are required for jwtAuth.");
      for (const key of o.staticKeys as unknown[])
        if (!isObj(key) || typeof key.kid !== "string" || typeof key.pem !== "string" || !key.pem.includes("PUBLIC KEY")) throw badRequest("IDENTITY-PROVIDERS-1", "each static key needs a kid and a public key pem.");
      idp = { ...base, protocol, provider, interactive: false, active: true, options: structuredClone(o) };
    } else if (protocol === "OIDC" || protocol === "SAML") {
      if (typeof provider !== "string" || !(protocol === "OIDC" ? OIDC_PROVIDERS : SAML_PROVIDERS).includes(provider)) throw badRequest("IDENTITY-PROVIDERS-1", `provider "${String(provider)}" is not allowed for ${protocol}.`);
      if (typeof body.interactive !== "boolean") throw badRequest("IDENTITY-PROVIDERS-1", "interactive (boolean) is required.");
      if (protocol === "SAML" && !body.interactive) throw badRequest("IDENTITY-PROVIDERS-1", "SAML providers are interactive.");
      const common = { ...base, protocol: protocol as IdentityProvider["protocol"], provider: provider as IdentityProvider["provider"], interactive: body.interactive, active: false, ...(typeof body.createNewUsersOnLogin === "boolean" ? { createNewUsersOnLogin: body.createNewUsersOnLogin } : {}) };
      if (!body.interactive) {
        if (!isObj(body.options) || !isObj(body.options.claimsMapping)) throw badRequest("IDENTITY-PROVIDERS-1", "options.claimsMapping is required for a non-interactive OIDC provider.");
        idp = { ...common, active: true, options: structuredClone(body.options) };
      } else if (body.skipVerify === true)
        idp = { ...common, options: checkOptions(protocol, body.options, "options", true), pendingState: "verified", active: rt.quirks.idpSkipVerifyActivates && !activeInteractive() };
      else {
        if (body.options !== undefined) throw badRequest("IDENTITY-PROVIDERS-1", "an interactive provider is created with pendingOptions (verified in the management console), or with options and skipVerify: true.");
        idp = { ...common, pendingOptions: checkOptions(protocol, body.pendingOptions, "pendingOptions", true), pendingState: "pending" };
      }
    } else throw badRequest("IDENTITY-PROVIDERS-1", `protocol must be OIDC, SAML or jwtAuth, not "${String(protocol)}".`);
    k().identityProviders[idp.id] = idp;
    rt.changed(tenant);
    return c.json(idpJson(idp), 201);
  });
  app.patch("/api/v1/identity-providers/:id", async (c) => {
    admin(c);
    const p = idpFor(c);
    const next = structuredClone(p);
    // @qlik/api 2.19 `PatchJWTAuthPayload`, `PatchOIDCPayload`, `PatchSAMLPayload` (SAML has no `/options`).
    const allowed =
      p.protocol === "jwtAuth"
        ? ["/description"]
        : ["/active", "/description", "/postLogoutRedirectUri", "/clockToleranceSec", "/pendingOptions", ...(p.protocol === "OIDC" ? ["/options", "/meta"] : [])];
    for (const op of await readJsonArray(c)) {
      const path = String(op.path ?? "");
      if (op.op === "promote-options") {
        if (!next.pendingOptions || next.pendingState !== "verified") throw badRequest("IDENTITY-PROVIDERS-1", "only verified pending options can be promoted (verify them in the management console).");
        next.options = next.pendingOptions;
        delete next.pendingOptions;
        continue;
      }
      if (op.op !== "replace") throw badRequest("IDENTITY-PROVIDERS-1", `unsupported op "${String(op.op)}"`);
      if (!allowed.includes(path) && !(path.startsWith("/pendingOptions/") && p.interactive)) throw badRequest("IDENTITY-PROVIDERS-1", `unsupported patch path "${path}" for a ${p.protocol} provider`);
      if (path === "/active") {
        if (typeof op.value !== "boolean") throw badRequest("IDENTITY-PROVIDERS-1", "active must be a boolean.");
        if (op.value && p.interactive && !next.options) throw badRequest("IDENTITY-PROVIDERS-1", "this provider has no verified options: verify its pending options in the management console first.");
        if (op.value && p.interactive && activeInteractive(p.id)) throw badRequest("IDENTITY-PROVIDERS-1", "another interactive identity provider is active; deactivate it first.");
        next.active = op.value;
      } else if (path === "/description" || path === "/postLogoutRedirectUri") {
        if (typeof op.value !== "string") throw badRequest("IDENTITY-PROVIDERS-1", `${path} must be a string.`);
        next[path.slice(1) as "description"] = op.value;
      } else if (path === "/clockToleranceSec") {
        if (typeof op.value !== "number") throw badRequest("IDENTITY-PROVIDERS-1", "clockToleranceSec must be a number.");
        next.clockToleranceSec = op.value;
      } else if (path === "/options") {
        // Replacing verified options keeps the secret unless a new one is sent.
        const merged = { ...(isObj(op.value) ? { clientSecret: next.options?.clientSecret } : {}), ...(isObj(op.value) ? op.value : {}) };
        next.options = checkOptions(p.protocol, merged, "options", p.protocol === "OIDC");
      } else if (path === "/pendingOptions") {
        next.pendingOptions = checkOptions(p.protocol, op.value, "pendingOptions", p.protocol === "OIDC");
        next.pendingState = "pending";
      } else if (path.startsWith("/pendingOptions/")) {
        next.pendingOptions = { ...(next.pendingOptions ?? {}), [path.slice("/pendingOptions/".length)]: op.value };
        next.pendingState = "pending";
      }
    }
    next.lastUpdated = nowIso();
    k().identityProviders[p.id] = next;
    rt.changed(tenant);
    return c.body(null, 204);
  });
  app.delete("/api/v1/identity-providers/:id", (c) => {
    admin(c);
    const p = idpFor(c);
    if (p.active && p.interactive) throw badRequest("IDENTITY-PROVIDERS-1", "an active interactive identity provider cannot be deleted; deactivate it first.");
    delete k().identityProviders[p.id];
    rt.changed(tenant);
    return c.body(null, 204);
  });

  // ---- IP policies (@qlik/api 2.19 core/ip-policies.d.ts; not in the 2025 spec)
  const ipJson = (p: IpPolicy): Json => ({
    id: p.id,
    tenantId: tenant.id,
    name: p.name,
    allowedIps: [...p.allowedIps],
    enabled: p.enabled,
    deletable: true,
    editable: true,
    toggleable: true,
    createdAt: p.createdAt,
    createdBy: p.createdBy,
    updatedAt: p.updatedAt,
    updatedBy: p.updatedBy,
  });
  const ipFor = (c: Ctx): IpPolicy => {
    const id = c.req.param("id") ?? "";
    const p = k().ipPolicies[id];
    if (!p) throw notFound("IP-POLICIES-4", `IP policy "${id}" was not found.`);
    return p;
  };
  const ips = (v: unknown): string[] => {
    if (!Array.isArray(v) || v.length === 0 || v.some((x) => typeof x !== "string" || !IPV4.test(x))) throw badRequest("IP-POLICIES-1", "allowedIps must be a non-empty list of IPv4 addresses or CIDR blocks.");
    return [...new Set(v as string[])];
  };
  /** Refuses a change after which enabled policies exist and none allows the caller (§6.22). */
  const keepCallerIn = (c: Ctx, policies: IpPolicy[]): void => {
    const enabled = policies.filter((p) => p.enabled);
    const ip = callerIp(c);
    if (enabled.length && !enabled.some((p) => p.allowedIps.some((e) => ipAllowed(ip, e))))
      throw badRequest("IP-POLICIES-2", `This change would block the caller's own address ${ip}: no enabled IP policy would allow it.`);
  };
  app.get("/api/core/ip-policies", (c) => {
    admin(c);
    const limit = limitOf(c, 10, 100);
    const sort = c.req.query("sort") ?? "+createdAt";
    const key = sort.replace(/^[+-]/, "") as "name" | "createdAt" | "updatedAt" | "enabled";
    if (!["name", "createdAt", "updatedAt", "enabled"].includes(key)) throw badRequest("IP-POLICIES-1", `unsupported sort "${sort}"`);
    const list = Object.values(k().ipPolicies).sort((a, b) => String(a[key]).localeCompare(String(b[key])) || a.id.localeCompare(b.id));
    if (sort.startsWith("-")) list.reverse();
    const { page, links } = cursorPage(c, list, limit, "page");
    const body: Json = { data: page.map(ipJson), links };
    if (c.req.query("totalResults") === "true") body.totalResults = list.length;
    return c.json(body);
  });
  app.get("/api/core/ip-policies/:id", (c) => {
    admin(c);
    return c.json(ipJson(ipFor(c)));
  });
  app.post("/api/core/ip-policies", async (c) => {
    const w = admin(c);
    const body = await readJson(c);
    if (body.name !== undefined && (typeof body.name !== "string" || body.name.length > 256)) throw badRequest("IP-POLICIES-1", "name must be a string of at most 256 characters.");
    if (body.enabled !== undefined && typeof body.enabled !== "boolean") throw badRequest("IP-POLICIES-1", "enabled must be a boolean.");
    const t = nowIso();
    const p: IpPolicy = { id: newHexId(), name: (body.name as string | undefined) ?? "", allowedIps: ips(body.allowedIps), enabled: body.enabled === true, createdAt: t, createdBy: w.user.id, updatedAt: t, updatedBy: w.user.id };
    keepCallerIn(c, [...Object.values(k().ipPolicies), p]);
    k().ipPolicies[p.id] = p;
    rt.changed(tenant);
    return c.json(ipJson(p), 201);
  });
  app.patch("/api/core/ip-policies/:id", async (c) => {
    const w = admin(c);
    const p = ipFor(c);
    const next = { ...p };
    for (const op of await readJsonArray(c)) {
      const path = String(op.path ?? "");
      if (op.op !== "replace") throw badRequest("IP-POLICIES-1", `unsupported op "${String(op.op)}" (only replace)`);
      if (path === "/enabled") {
        if (typeof op.value !== "boolean") throw badRequest("IP-POLICIES-1", "enabled must be a boolean.");
        next.enabled = op.value;
      } else if (path === "/name") {
        if (typeof op.value !== "string") throw badRequest("IP-POLICIES-1", "name must be a string.");
        next.name = op.value;
      } else if (path === "/allowedIps") next.allowedIps = ips(op.value);
      else throw badRequest("IP-POLICIES-1", `unsupported patch path "${path}"`);
    }
    keepCallerIn(c, [...Object.values(k().ipPolicies).filter((x) => x.id !== p.id), next]);
    k().ipPolicies[p.id] = { ...next, updatedAt: nowIso(), updatedBy: w.user.id };
    rt.changed(tenant);
    return c.body(null, 204);
  });
  app.delete("/api/core/ip-policies/:id", (c) => {
    admin(c);
    const p = ipFor(c);
    keepCallerIn(c, Object.values(k().ipPolicies).filter((x) => x.id !== p.id));
    delete k().ipPolicies[p.id];
    rt.changed(tenant);
    return c.body(null, 204);
  });
}
