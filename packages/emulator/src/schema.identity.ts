/**
 * Part of `schema.test.ts`: the identity-and-settings kinds (custom roles, role holders, group
 * settings, identity providers, tenant flags and settings, licences, IP policies) — their schema
 * fixes and their walk.
 *
 * Two services are newer than the 2025 spec: `/api/v1/tenant-settings` and
 * `/api/core/ip-policies`. Their response schemas are written here from `@qlik/api` 2.19
 * (`tenant-settings.d.ts` `TenantSettingsDefinition`; `core/ip-policies.d.ts`
 * `IPPolicyResource`, `ListIPPoliciesResult`), the reference where the spec lacks an operation.
 */
import { expect } from "vitest";
import type { EmulatorHandle } from "./server.ts";
import type { Call } from "./schema.kinds.ts";
import { userByName } from "./testing.ts";

type Json = Record<string, unknown>;
type Spec = { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema?: unknown }> }> }>>; components: Json };

const json = (schema: unknown) => ({ content: { "application/json": { schema } } });
const str = { type: "string" };
const bool = { type: "boolean" };
const errors = { type: "object", properties: { errors: { type: "array", items: { type: "object", required: ["code", "title"], properties: { code: { type: ["string", "number"] }, title: str, detail: str, status: { type: ["integer", "string"] } } } }, traceId: str } };
const href = { type: "object", required: ["href"], properties: { href: str } };

/** @qlik/api 2.19 tenant-settings.d.ts `TenantSettingsDefinition`. */
const tenantSettings = {
  type: "object",
  required: ["id", "tenantId", "createdAt", "createdBy", "updatedAt"],
  properties: {
    id: str,
    tenantId: str,
    createdAt: { type: "string", format: "date-time" },
    createdBy: str,
    updatedAt: { type: "string", format: "date-time" },
    updatedBy: str,
    crossRegionDataProcessing: bool,
    customizeNoAccess: { type: "object", required: ["linkEnabled"], properties: { linkEnabled: bool, linkLabel: str, linkUrl: str, message: str } },
    preferredStartPage: { type: "object", properties: { route: { enum: ["/insights", "/analytics", "/qdi", "/console"] }, value: { enum: ["analytics-hub", "analytics-creation-hub", "data-integration-hub", "management-console"] } } },
    releaseCadence: { enum: ["monthly", "continuous"] },
    sessionReplayOptOut: bool,
  },
};

/** @qlik/api 2.19 core/ip-policies.d.ts `IPPolicyResource` (the list items are the same fields, optional). */
const ipPolicy = {
  type: "object",
  required: ["allowedIps", "createdAt", "createdBy", "deletable", "editable", "enabled", "id", "name", "tenantId", "toggleable", "updatedAt", "updatedBy"],
  properties: {
    allowedIps: { type: "array", items: str },
    createdAt: { type: "string", format: "date-time" },
    createdBy: str,
    deletable: bool,
    editable: bool,
    enabled: bool,
    id: str,
    name: str,
    tenantId: str,
    toggleable: bool,
    updatedAt: { type: "string", format: "date-time" },
    updatedBy: str,
  },
};

export function patchIdentitySchemas(spec: Spec): void {
  const schemas = spec.components.schemas as Record<string, Json>;
  // @qlik/api 2.19 tenants.d.ts `Tenant` has `enableAppOpeningFeedback` (a PATCH path there too); the 2025 spec lacks it.
  (schemas.Tenant!.properties as Json).enableAppOpeningFeedback = bool;
  // An identity provider is `oneOf` three `allOf`s discriminated by `protocol`; the test's
  // validator does not use discriminators, and an OIDC body also matches the jwtAuth part. Each
  // part is flattened into one closed object whose `protocol` is its own.
  const flat = (name: string, protocols: string[]): Json => {
    const parts = (schemas[name]!.allOf as Json[]).map((x) => (typeof x.$ref === "string" ? schemas[x.$ref.split("/").pop()!]! : x));
    const properties = Object.assign({}, ...parts.map((x) => JSON.parse(JSON.stringify(x.properties ?? {})) as Json)) as Json;
    properties.protocol = { type: "string", enum: protocols };
    return { type: "object", required: ["protocol"], properties };
  };
  schemas.IDP = { oneOf: [flat("IDPOIDC", ["OIDC"]), flat("IDPSAML", ["SAML"]), flat("IDPJWTAuth", ["jwtAuth"])] };
  spec.paths["/v1/tenant-settings"] = {
    get: { responses: { "200": json(tenantSettings), "403": json(errors), "404": json(errors) } },
    post: { responses: { "201": json(tenantSettings), "400": json(errors), "409": json(errors) } },
    patch: { responses: { "200": json(tenantSettings), "400": json(errors), "404": json(errors) } },
    delete: { responses: { "403": json(errors), "404": json(errors) } },
  };
  spec.paths["/core/ip-policies"] = {
    get: { responses: { "200": json({ type: "object", required: ["data", "links"], properties: { data: { type: "array", items: ipPolicy }, links: { type: "object", required: ["self"], properties: { self: href, next: href, prev: href } }, totalResults: { type: "integer" } } }), "400": json(errors) } },
    post: { responses: { "201": json(ipPolicy), "400": json(errors) } },
  };
  spec.paths["/core/ip-policies/{id}"] = {
    get: { responses: { "200": json(ipPolicy), "404": json(errors) } },
    patch: { responses: { "400": json(errors), "404": json(errors) } },
    delete: { responses: { "400": json(errors), "404": json(errors) } },
  };
}

/** Calls every identity-and-settings operation (as the admin API key unless a token is given). */
export async function walkIdentity(emu: EmulatorHandle, call: Call): Promise<void> {
  const tenant = emu.state.tenants[0]!;
  const ben = userByName(emu, "Ben Builder");
  const benToken = `schema_id_${ben.id}`;
  tenant.apiKeys[benToken] = { id: benToken, token: benToken, userId: ben.id };
  // tenant flags
  await call("PATCH", `/api/v1/tenants/${tenant.id}`, { body: [{ op: "replace", path: "/enableAppOpeningFeedback", value: false }] });
  await call("PATCH", `/api/v1/tenants/${tenant.id}`, { body: [{ op: "replace", path: "/region", value: "x" }] });
  await call("GET", `/api/v1/tenants/${tenant.id}`);
  // tenant settings
  await call("GET", "/api/v1/tenant-settings");
  await call("GET", "/api/v1/tenant-settings", { token: benToken });
  await call("POST", "/api/v1/tenant-settings", { body: { preferredStartPage: "analytics-hub" } });
  await call("DELETE", "/api/v1/tenant-settings");
  await call("GET", "/api/v1/tenant-settings");
  await call("POST", "/api/v1/tenant-settings", { body: { preferredStartPage: "analytics-hub", customizeNoAccess: { linkEnabled: false } } });
  await call("PATCH", "/api/v1/tenant-settings", { body: [{ op: "replace", path: "/preferredStartPage", value: "management-console" }, { op: "replace", path: "/releaseCadence", value: "monthly" }] });
  await call("PATCH", "/api/v1/tenant-settings", { body: [{ op: "replace", path: "/crossRegionDataProcessing", value: true }] });
  // group settings
  await call("GET", "/api/v1/groups/settings");
  await call("PATCH", "/api/v1/groups/settings", { body: [{ op: "replace", path: "/systemGroups/000000000000000000000001/assignedRoles", value: [{ name: "Steward" }] }, { op: "replace", path: "/autoCreateGroups", value: true }] });
  await call("PATCH", "/api/v1/groups/settings", { body: [{ op: "replace", path: "/systemGroups/000000000000000000000001/assignedRoles", value: [{ name: "No such role" }] }] });
  // licences
  const lic = await call("GET", "/api/v1/licenses/assignments?limit=3");
  expect((lic.json as { data: unknown[] }).data).toHaveLength(3);
  await call("GET", "/api/v1/licenses/assignments", { token: benToken });
  const newUser = await call("POST", "/api/v1/users", { body: { subject: "auth0|schema-licence", name: "Licence user" } });
  const add = await call("POST", "/api/v1/licenses/assignments/actions/add", { body: { add: [{ subject: "auth0|schema-licence", type: "analyzer" }, { subject: ben.subject, type: "analyzer" }, { subject: "nobody", type: "professional" }] } });
  expect(add.status).toBe(207);
  await call("POST", "/api/v1/licenses/assignments/actions/update", { body: { update: [{ subject: "auth0|schema-licence", sourceType: "analyzer", type: "professional" }, { subject: "nobody", type: "analyzer" }] } });
  await call("POST", "/api/v1/licenses/assignments/actions/delete", { body: { delete: [{ subject: "auth0|schema-licence", type: "professional" }, { subject: "nobody", type: "analyzer" }] } });
  await call("POST", "/api/v1/licenses/assignments/actions/delete", { body: { delete: [] } });
  await call("DELETE", `/api/v1/users/${(newUser.json as Json).id}`);
  await call("GET", "/api/v1/licenses/settings");
  await call("PUT", "/api/v1/licenses/settings", { body: { autoAssignAnalyzer: false } });
  await call("PUT", "/api/v1/licenses/settings", { body: { autoAssignEverything: true } });
  // identity providers
  const idps = await call("GET", "/api/v1/identity-providers?limit=2");
  expect((idps.json as { data: unknown[] }).data).toHaveLength(2);
  await call("GET", "/api/v1/identity-providers?active=true");
  await call("GET", "/api/v1/identity-providers", { token: benToken });
  const oidc = await call("POST", "/api/v1/identity-providers", {
    body: { protocol: "OIDC", provider: "generic", interactive: true, description: "Schema OIDC", pendingOptions: { clientId: "c", clientSecret: "s", discoveryUrl: "https://idp.example.com/.well-known/openid-configuration", claimsMapping: { sub: ["sub"] } } },
  });
  expect(JSON.stringify(oidc.json)).not.toContain('"clientSecret"');
  const oidcId = (oidc.json as Json).id as string;
  await call("POST", "/api/v1/identity-providers", { body: { protocol: "OIDC", provider: "generic", interactive: true, pendingOptions: { clientId: "c", discoveryUrl: "https://x", claimsMapping: {} } } });
  const jwt = await call("POST", "/api/v1/identity-providers", { body: { protocol: "jwtAuth", provider: "external", description: "Schema JWT", options: { issuer: "https://jwt.example.com", staticKeys: [{ kid: "k1", pem: "-----BEGIN PUBLIC KEY-----\nabc\n-----END PUBLIC KEY-----" }] } } });
  const saml = await call("POST", "/api/v1/identity-providers", {
    body: { protocol: "SAML", provider: "adfs", interactive: true, skipVerify: true, options: { signOnUrl: "https://adfs.example.com/ls", entityId: "e", claimsMapping: { sub: ["nameid"], email: [], groups: [], name: [], picture: [] } } },
  });
  await call("GET", `/api/v1/identity-providers/${oidcId}`);
  await call("GET", "/api/v1/identity-providers/nope");
  await call("PATCH", `/api/v1/identity-providers/${oidcId}`, { body: [{ op: "replace", path: "/description", value: "Schema OIDC 2" }] });
  await call("PATCH", `/api/v1/identity-providers/${oidcId}`, { body: [{ op: "replace", path: "/active", value: true }] });
  await call("PATCH", `/api/v1/identity-providers/${(jwt.json as Json).id}`, { body: [{ op: "replace", path: "/active", value: false }] });
  for (const id of [oidcId, (jwt.json as Json).id, (saml.json as Json).id]) await call("DELETE", `/api/v1/identity-providers/${id}`);
  // IP policies
  const pols = await call("GET", "/api/core/ip-policies?totalResults=true&limit=1");
  expect((pols.json as { data: unknown[] }).data).toHaveLength(1);
  await call("GET", "/api/core/ip-policies?sort=-name");
  await call("GET", "/api/core/ip-policies", { token: benToken });
  const pol = await call("POST", "/api/core/ip-policies", { body: { name: "Schema policy", allowedIps: ["192.0.2.0/24"] } });
  const polId = (pol.json as Json).id as string;
  await call("POST", "/api/core/ip-policies", { body: { name: "Bad", allowedIps: ["2001:db8::1"] } });
  await call("GET", `/api/core/ip-policies/${polId}`);
  await call("GET", "/api/core/ip-policies/nope");
  await call("PATCH", `/api/core/ip-policies/${polId}`, { body: [{ op: "replace", path: "/name", value: "Schema policy 2" }] });
  await call("DELETE", `/api/core/ip-policies/${polId}`);
  // custom roles (the routes are in identity.ts)
  const role = await call("POST", "/api/v1/roles", { body: { name: "Schema custom", description: "d", assignedScopes: ["a"] } });
  const roleId = (role.json as Json).id as string;
  await call("PATCH", `/api/v1/roles/${roleId}`, { body: [{ op: "add", path: "/assignedScopes/-", value: "b" }, { op: "remove-value", path: "/assignedScopes", value: "a" }] });
  await call("PATCH", `/api/v1/roles/${roleId}`, { body: [{ op: "replace", path: "/permissions", value: ["x"] }] });
  await call("DELETE", `/api/v1/roles/${roleId}`);
}
