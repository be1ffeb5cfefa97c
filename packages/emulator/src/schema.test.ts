/**
 * Every JSON response of every REST operation the emulator serves validates against its
 * response schema in Qlik's OpenAPI spec (the subset in `spec/qlik-rest-subset.json`,
 * extracted by `spec/extract.mjs`). The walk below calls each operation; a test then checks
 * that no registered route was left out. Validation is strict: objects that declare
 * properties are closed (no undeclared fields), formats are checked.
 */
import { readFileSync } from "node:fs";
import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmulatorHandle } from "./server.ts";
import { createTenantApp } from "./server.ts";
import { startTestEmulator, userByName } from "./testing.ts";
import { patchKindSchemas, walkKinds } from "./schema.kinds.ts";
import { patchIdentitySchemas, walkIdentity } from "./schema.identity.ts";

type Json = Record<string, unknown>;
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const spec = JSON.parse(readFileSync(new URL("../spec/qlik-rest-subset.json", import.meta.url), "utf8")) as {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema?: unknown }> }> }>>;
  components: Json;
};

// Fields Qlik documents outside this spec: the token response's `expires_in`
// (qlik.dev getting-started-oauth-m2m) and a group's `providerType`/`description`
// (@qlik/api 2.19 groups.d.ts `Group`, the newer contract).
const schemas = spec.components.schemas as Record<string, Json>;
(schemas["oauth-token-response"]!.properties as Json).expires_in = { type: "integer" };
Object.assign(schemas.Group!.properties as Json, { providerType: { enum: ["idp", "custom"], type: "string" }, description: { type: "string" } });
// An app's `attributes.spaceId`: absent from the spec's NxAttributes, but Qlik sends it (the
// import response in qlik.dev/manage/reports/deploy-tabular-reports; qlik-cloud-examples
// `tenant_deploy_content.sh` tests `.attributes | has("spaceId")`) — FIDELITY-AUDIT #9.
(schemas.NxAttributes!.properties as Json).spaceId = { type: "string" };
// A tenant's `created`/`lastUpdated` are typed `format: date` but described (and sent) as timestamps;
// so are a user's (a real tenant's GET /users/{id}: "2023-12-14T19:42:54.417Z", datahub-project/datahub
// qlik_sense test mocks), which also carry `groups` (undeclared).
for (const k of ["created", "lastUpdated"]) ((schemas.Tenant!.properties as Json)[k] as Json).format = "date-time";
for (const k of ["created", "lastUpdated"]) ((schemas.User!.properties as Json)[k] as Json).format = "date-time";
(schemas.User!.properties as Json).groups = { type: "array", items: { type: "string" } };
// An item's `resourceCustomAttributes` is `null` in the real items listing (same capture);
// the spec types it as an object.
(schemas.itemResultResponseBody!.properties as Json).resourceCustomAttributes = { type: ["object", "null"] };

/**
 * Qlik's restore of a soft-deleted app (June 2026) is not in the 2025 spec: its response schema
 * is written here from `@qlik/api` 2.19 `analytics/apps.d.ts` (`NxAppV2`, `NxAttributesV2`,
 * `ErrorResponse`), the reference the project uses where the spec lacks an operation.
 */
const nxAppV2 = {
  type: "object",
  properties: {
    attributes: {
      type: "object",
      properties: {
        ...Object.fromEntries(["createdAt", "description", "id", "name", "originAppId", "ownerId", "promotedAt", "reloadedAt", "resourceType", "spaceId", "updatedAt"].map((k) => [k, { type: "string" }])),
        hasSectionAccess: { type: "boolean" },
        state: { type: "string", enum: ["EMPTY", "PROMOTED", "DISTRIBUTED"] },
        usage: { type: "string", enum: ["ANALYTICS", "DATA_PREPARATION", "DATAFLOW_PREP", "SINGLE_TABLE_PREP", "DIRECT_QUERY_MODE"] },
      },
    },
    create: { type: "array", items: { type: "object", properties: { canCreate: { type: "boolean" }, resource: { type: "string" } } } },
    privileges: { type: "array", items: { type: "string" } },
  },
};
const errorResponse = { type: "object", properties: { errors: { type: "array", items: { type: "object", required: ["code", "title"], properties: { code: { type: "string" }, detail: { type: "string" }, title: { type: "string" } } } } } };
spec.paths["/analytics/apps/{appId}/actions/restore"] = {
  post: { responses: Object.fromEntries([["200", nxAppV2], ...["400", "401", "403", "404"].map((s) => [s, errorResponse])].map(([s, schema]) => [s, { content: { "application/json": { schema } } }])) },
};

patchKindSchemas(spec);
patchIdentitySchemas(spec);

/**
 * Operations whose published response schema is wrong, with the reason; their 2xx bodies
 * are not validated (errors still are).
 */
const SPEC_BUGS: Record<string, string> = {
  "GET /v1/items/{itemId}/publisheditems":
    "the spec (and @qlik/api's type) names the collections list schema (ItemsListItemCollectionsResponseBody) for a list of published app items",
};

/** OpenAPI → JSON Schema: nullable, title-only oneOf enums, and (when `closed`) objects closed. */
function normalise(node: unknown, closed = true, inAllOf = false): unknown {
  if (Array.isArray(node)) return node.map((n) => normalise(n, closed, inAllOf));
  if (!node || typeof node !== "object") return node;
  const o = { ...(node as Json) };
  for (const k of Object.keys(o)) {
    if (k === "allOf" && Array.isArray(o[k])) o[k] = (o[k] as unknown[]).map((n) => normalise(n, closed, true));
    else if (k === "properties" && o[k] && typeof o[k] === "object") o[k] = Object.fromEntries(Object.entries(o[k] as Json).map(([pk, pv]) => [pk, normalise(pv, closed)]));
    else o[k] = normalise(o[k], closed);
  }
  if (Array.isArray(o.oneOf) && (o.oneOf as Json[]).every((x) => typeof x.title === "string" && x.type === undefined && x.properties === undefined && x.$ref === undefined)) {
    o.enum = (o.oneOf as Json[]).map((x) => x.title);
    delete o.oneOf;
  }
  if (o.nullable === true && typeof o.type === "string") o.type = [o.type, "null"];
  delete o.nullable;
  const hasProps = !!o.properties && Object.keys(o.properties as Json).length > 0;
  if (closed && !inAllOf && hasProps && o.additionalProperties === undefined && !o.allOf && !o.oneOf && !o.anyOf) o.additionalProperties = false;
  return o;
}

function makeAjv(closed: boolean): Ajv {
  const a = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  addFormats(a);
  for (const f of ["uid", "int64", "binary", "url"]) a.addFormat(f, true);
  a.addSchema({ $id: "spec", components: normalise(spec.components, closed) });
  return a;
}
// 2xx bodies are validated closed (no undeclared fields); error bodies open, because the
// merged spec has one shared `Errors` schema without the `status`/`traceId` Qlik sends.
const strictAjv = makeAjv(true);
const openAjv = makeAjv(false);

const templates = Object.keys(spec.paths)
  .map((t) => ({ t, re: new RegExp(`^${t.replace(/\/\{path\}$/, "(?:/.*)?").replace(/\{[^}]+\}/g, "[^/]+")}$`), params: (t.match(/\{/g) ?? []).length }))
  .sort((a, b) => a.params - b.params);

function templateOf(path: string): string | undefined {
  const p = path.replace(/^\/api/, "");
  return templates.find((x) => x.re.test(p))?.t;
}

const compiled = new Map<string, ValidateFunction>();
function validatorFor(template: string, method: string, status: number): ValidateFunction | undefined {
  const key = `${method} ${template} ${status}`;
  if (compiled.has(key)) return compiled.get(key);
  if (status < 300 && SPEC_BUGS[`${method} ${template}`]) return undefined;
  const resp = spec.paths[template]?.[method.toLowerCase()]?.responses?.[String(status)];
  const schema = resp?.content?.["application/json"]?.schema;
  if (!schema) return undefined;
  const fn = (status < 300 ? strictAjv : openAjv).compile(normalise(schema, status < 300) as Json);
  compiled.set(key, fn);
  return fn;
}

// Refs inside schemas point at "#/components/…" — compile them relative to the "spec" document.
function rewriteRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rewriteRefs);
  if (!node || typeof node !== "object") return node;
  const o: Json = {};
  for (const [k, v] of Object.entries(node as Json)) o[k] = k === "$ref" && typeof v === "string" && v.startsWith("#/") ? `spec${v}` : rewriteRefs(v);
  return o;
}
for (const ops of Object.values(spec.paths)) for (const op of Object.values(ops)) for (const r of Object.values(op.responses ?? {})) for (const c of Object.values(r.content ?? {})) if (c.schema) c.schema = rewriteRefs(c.schema);

interface Seen {
  method: string;
  template: string;
  status: number;
  validated: boolean;
}

let emu: EmulatorHandle;
const seen: Seen[] = [];
const violations: string[] = [];

async function call(method: string, path: string, opts: { body?: unknown; raw?: NonNullable<RequestInit["body"]>; token?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; json: unknown; headers: Headers }> {
  const headers: Record<string, string> = { authorization: `Bearer ${opts.token ?? emu.apiKey}`, ...opts.headers };
  let body: NonNullable<RequestInit["body"]> | undefined = opts.raw;
  if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers["content-type"] = "application/json";
  }
  const res = await fetch(`${emu.host}${path}`, { method, headers, body, redirect: "manual" });
  const template = templateOf(path.split("?")[0] ?? "");
  let json: unknown;
  const isJson = (res.headers.get("content-type") ?? "").includes("application/json");
  if (isJson) json = await res.json();
  else await res.arrayBuffer();
  if (!template) {
    violations.push(`${method} ${path}: no operation in the spec`);
    return { status: res.status, json, headers: res.headers };
  }
  let validated = false;
  if (isJson) {
    const v = validatorFor(template, method, res.status);
    if (v) {
      validated = true;
      if (!v(json)) violations.push(`${method} ${template} ${res.status}: ${strictAjv.errorsText(v.errors, { separator: "\n   " })}\n   body: ${JSON.stringify(json).slice(0, 400)}`);
    }
  }
  seen.push({ method, template, status: res.status, validated });
  return { status: res.status, json, headers: res.headers };
}

let botToken = "";

beforeAll(async () => {
  emu = await startTestEmulator({ admin: true });
  const tok = await fetch(`${emu.host}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ client_id: emu.clientId, client_secret: emu.clientSecret, grant_type: "client_credentials", scope: "user_default admin.apps admin_classic" }),
  });
  botToken = ((await tok.json()) as { access_token: string }).access_token;
});
afterAll(async () => {
  await emu?.close();
});

describe("responses conform to Qlik's OpenAPI schemas", () => {
  it("walks every operation", async () => {
    const tenant = emu.state.tenants[0]!;
    const bot = { token: botToken };
    const ben = userByName(emu, "Ben Builder");
    // oauth
    await call("POST", "/oauth/token", { body: { client_id: emu.clientId, client_secret: emu.clientSecret, grant_type: "client_credentials" } });
    await call("POST", "/oauth/token", { body: { client_id: emu.clientId, client_secret: "wrong", grant_type: "client_credentials" } });
    // users
    await call("GET", "/api/v1/users?limit=3");
    await call("GET", `/api/v1/users?filter=${encodeURIComponent(`subject eq "${ben.subject}"`)}&totalResults=true`);
    await call("GET", `/api/v1/users?filter=${encodeURIComponent("bogus ~~ 1")}`);
    await call("GET", "/api/v1/users/me");
    await call("GET", "/api/v1/tenants/me");
    await call("GET", `/api/v1/tenants/${tenant.id}`);
    await call("GET", "/api/v1/tenants/nope");
    await call("GET", `/api/v1/users/${ben.id}`);
    await call("GET", "/api/v1/users/000000000000000000000000");
    await call("GET", "/api/v1/users/actions/count");
    await call("POST", "/api/v1/users/actions/filter", { body: { filter: `id eq "${ben.id}"` } });
    const created = await call("POST", "/api/v1/users", { body: { subject: "auth0|schema-1", name: "Schema User", email: "s@example.com", status: "invited" } });
    await call("POST", "/api/v1/users", { body: { subject: "auth0|schema-1", name: "Again" } });
    const newUserId = (created.json as Json).id as string;
    await call("PATCH", `/api/v1/users/${newUserId}`, { body: [{ op: "replace", path: "/name", value: "Renamed" }] });
    await call("DELETE", `/api/v1/users/${newUserId}`);
    await call("GET", "/api/v1/users", { token: "invalid" });
    // groups
    const groups = await call("GET", "/api/v1/groups?totalResults=true");
    const gid = ((groups.json as { data: Json[] }).data[0] as Json).id as string;
    await call("GET", `/api/v1/groups/${gid}`);
    const g = await call("POST", "/api/v1/groups", { body: { name: "Schema group", providerType: "custom" } });
    await call("PATCH", `/api/v1/groups/${(g.json as Json).id}`, { body: [{ op: "replace", path: "name", value: "Schema group 2" }] });
    await call("DELETE", `/api/v1/groups/${(g.json as Json).id}`);
    // roles
    const roles = await call("GET", "/api/v1/roles");
    await call("GET", `/api/v1/roles/${((roles.json as { data: Json[] }).data[0] as Json).id}`);
    const r = await call("POST", "/api/v1/roles", { body: { name: "Schema role", description: "d", assignedScopes: [] } });
    await call("PATCH", `/api/v1/roles/${(r.json as Json).id}`, { body: [{ op: "replace", path: "/description", value: "e" }] });
    await call("DELETE", `/api/v1/roles/${(r.json as Json).id}`);
    // spaces & assignments
    await call("GET", "/api/v1/spaces?type=managed");
    await call("GET", "/api/v1/spaces?limit=2");
    await call("GET", "/api/v1/spaces/types");
    const sp = await call("POST", "/api/v1/spaces", { body: { name: "Schema space", type: "shared", description: "x" } });
    await call("POST", "/api/v1/spaces", { body: { name: "Schema space", type: "shared" } });
    const spaceId = (sp.json as Json).id as string;
    await call("GET", `/api/v1/spaces/${spaceId}`);
    await call("GET", "/api/v1/spaces/000000000000000000000000");
    await call("PUT", `/api/v1/spaces/${spaceId}`, { body: { name: "Schema space 2", description: "y" } });
    await call("PATCH", `/api/v1/spaces/${spaceId}`, { body: [{ op: "replace", path: "/description", value: "z" }] });
    const as = await call("POST", `/api/v1/spaces/${spaceId}/assignments`, { body: { type: "user", assigneeId: ben.id, roles: ["producer"] } });
    const aid = (as.json as Json).id as string;
    await call("POST", `/api/v1/spaces/${spaceId}/assignments`, { body: { type: "user", assigneeId: ben.id, roles: ["producer"] } });
    await call("GET", `/api/v1/spaces/${spaceId}/assignments`);
    await call("GET", `/api/v1/spaces/${spaceId}/assignments/${aid}`);
    await call("PUT", `/api/v1/spaces/${spaceId}/assignments/${aid}`, { body: { roles: ["consumer"] } });
    await call("DELETE", `/api/v1/spaces/${spaceId}/assignments/${aid}`);
    // Restore hands a space it created to its owner in the snapshot.
    const patched = await call("PATCH", `/api/v1/spaces/${spaceId}`, { body: [{ op: "replace", path: "/ownerId", value: ben.id }] });
    expect((patched.json as { ownerId?: string }).ownerId).toBe(ben.id);
    // items
    const items = await call("GET", "/api/v1/items?resourceType=app&limit=3", bot);
    const item = (items.json as { data: Json[] }).data[0] as Json;
    await call("GET", "/api/v1/items?resourceType=app&spaceType=personal&limit=100", bot);
    await call("GET", "/api/v1/items?limit=1000", bot);
    await call("GET", `/api/v1/items/${item.id}`, bot);
    await call("GET", `/api/v1/items/${item.id}/publisheditems`, bot);
    // apps
    const src = Object.values(tenant.apps).find((a) => a.name === "Sales Overview" && !a.originAppId)!;
    const pub = Object.values(tenant.apps).find((a) => a.originAppId === src.id)!;
    await call("GET", `/api/v1/apps/${src.id}`, bot);
    await call("GET", `/api/v1/apps/${pub.id}`, bot);
    await call("GET", "/api/v1/apps/00000000-0000-0000-0000-000000000000", bot);
    const made = await call("POST", "/api/v1/apps", { ...bot, body: { attributes: { name: "Schema app", spaceId } } });
    const madeId = ((made.json as Json).attributes as Json).id as string;
    await call("PUT", `/api/v1/apps/${madeId}`, { ...bot, body: { attributes: { name: "Schema app 2", description: "d" } } });
    const copy = await call("POST", `/api/v1/apps/${src.id}/copy`, { ...bot, body: { attributes: { name: "Copy" } } });
    const ex = await call("POST", `/api/v1/apps/${src.id}/export?NoData=true`, bot);
    const fileId = ex.headers.get("location")!.split("/").pop()!;
    await call("GET", `/api/v1/temp-contents/${fileId}/details`, bot);
    await call("GET", `/api/v1/temp-contents/${fileId}`, bot);
    await call("GET", "/api/v1/temp-contents/000000000000000000000000", bot);
    const up = await call("POST", "/api/v1/temp-contents?filename=x.bin&ttl=60", { ...bot, raw: new Uint8Array([1, 2, 3]), headers: { "content-type": "application/octet-stream" } });
    await call("POST", `/api/v1/apps/import?fileId=${up.headers.get("location")!.split("/").pop()}`, bot);
    const imp = await call("POST", `/api/v1/apps/import?fileId=${fileId}&spaceId=${spaceId}`, bot);
    const impId = ((imp.json as Json).attributes as Json).id as string;
    const sales = Object.values(tenant.spaces).find((s) => s.name === "Sales")!;
    const published = await call("POST", `/api/v1/apps/${impId}/publish`, { ...bot, body: { spaceId: sales.id, data: "source" } });
    const publishedId = ((published.json as Json).attributes as Json).id as string;
    await call("PUT", `/api/v1/apps/${impId}/publish`, { ...bot, body: { targetId: publishedId, data: "source" } });
    await call("PUT", `/api/v1/apps/${madeId}/space`, { ...bot, body: { spaceId } });
    await call("DELETE", `/api/v1/apps/${madeId}/space`, bot);
    await call("PUT", `/api/v1/apps/${madeId}/owner`, { ...bot, body: { ownerId: ben.id } });
    const obj = Object.values(src.objects).find((o) => !o.approved)!;
    await call("POST", `/api/v1/apps/${src.id}/objects/${obj.id}/actions/change-owner`, { ...bot, body: { ownerId: obj.ownerId } });
    await call("POST", `/api/v1/apps/${src.id}/objects/${obj.id}/actions/change-owner`, { body: { ownerId: obj.ownerId } });
    await call("GET", `/api/v1/apps/${src.id}/scripts`, bot);
    await call("GET", `/api/v1/apps/${src.id}/scripts/current`, bot);
    await call("POST", `/api/v1/apps/${src.id}/scripts`, { ...bot, body: { script: "// new", versionMessage: "v" } });
    const hist = src.scriptHistory;
    await call("GET", `/api/v1/apps/${src.id}/scripts/${hist[1]!.scriptId}`, bot);
    await call("PATCH", `/api/v1/apps/${src.id}/scripts/${hist[1]!.scriptId}`, { ...bot, body: [{ op: "replace", path: "/versionMessage", value: "renamed" }] });
    await call("DELETE", `/api/v1/apps/${src.id}/scripts/${hist[1]!.scriptId}`, bot);
    await call("GET", `/api/v1/apps/${src.id}/media/list/`, bot);
    await call("GET", `/api/v1/apps/${src.id}/media/list/images`, bot);
    await call("GET", `/api/v1/apps/${src.id}/media/files/images/logo.png`, bot);
    await call("PUT", `/api/v1/apps/${src.id}/media/files/images/thumbnail.png`, { ...bot, raw: new Uint8Array([1]), headers: { "content-type": "application/octet-stream" } });
    await call("PUT", `/api/v1/apps/${src.id}/media/files/images/thumbnail.png`, { ...bot, raw: new Uint8Array([1]), headers: { "content-type": "application/octet-stream" } });
    await call("GET", `/api/v1/apps/${src.id}/media/thumbnail`, bot);
    await call("DELETE", `/api/v1/apps/${src.id}/media/files/images/thumbnail.png`, bot);
    await call("DELETE", `/api/v1/apps/${((copy.json as Json).attributes as Json).id}`, bot);
    // Soft delete (§6.1b): a fixture app is older than 45 minutes; its deletion events; Qlik's restore.
    const old = Object.values(tenant.apps).find((a) => a.name === "Quick Look")!;
    await call("DELETE", `/api/v1/apps/${old.id}`, bot);
    await call("GET", "/api/v1/audits?eventType=com.qlik.app.softdeleted&limit=5", bot);
    await call("GET", "/api/v1/audits?limit=1&sort=%2BeventTime", bot);
    await call("POST", `/api/analytics/apps/${old.id}/actions/restore`, bot);
    await call("POST", `/api/analytics/apps/${old.id}/actions/restore`, bot);
    await call("DELETE", `/api/v1/spaces/${spaceId}`);
    for (const a of Object.values(tenant.apps)) if (a.spaceId === spaceId) await call("DELETE", `/api/v1/apps/${a.id}`, bot);
    await call("DELETE", `/api/v1/spaces/${spaceId}`);
    await call("GET", "/api/v1/users", { token: "invalid" });
    await walkKinds(emu, call);
    await walkIdentity(emu, call);

    expect(violations, violations.join("\n")).toEqual([]);
  });

  it("covered every REST route the emulator registers", () => {
    const app = createTenantApp(emu.state.tenants[0]!, {} as never, { admin: false });
    const routes = app.routes
      .filter((r) => r.method !== "ALL" && (r.path.startsWith("/api/") || r.path.startsWith("/oauth/")))
      .map((r) => `${r.method} ${templateOf(r.path.replace(/:([A-Za-z]+)(\{[^}]*\})?/g, "x"))}`);
    const covered = new Set(seen.filter((s) => s.status < 400).map((s) => `${s.method} ${s.template}`));
    const missing = [...new Set(routes)].filter((r) => !covered.has(r));
    expect(missing).toEqual([]);
    expect(seen.filter((s) => s.validated).length).toBeGreaterThan(50);
  });

  it("the validators are not vacuous: a wrong body fails", () => {
    const v = validatorFor("/v1/users/{userId}", "GET", 200)!;
    expect(v({ id: "x", subject: "s", name: "n", tenantId: "t" })).toBe(true);
    expect(v({ subject: "s", name: "n", tenantId: "t" })).toBe(false);
    expect(v({ id: "x", subject: "s", name: "n", tenantId: "t", surprise: 1 })).toBe(false);
    expect(v({ id: "x", subject: "s", name: "n", tenantId: "t", createdAt: "yesterday" })).toBe(false);
  });
});
