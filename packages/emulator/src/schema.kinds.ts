/**
 * Part of `schema.test.ts`: the schema fixes and the walk of the issue-12 kinds (data
 * connections, data credentials, reload tasks, webhooks, web integrations, CSP origins, OAuth
 * clients, the API-key configuration, …). Kept apart so the kinds grow here.
 */
import { expect } from "vitest";
import type { EmulatorHandle } from "./server.ts";
import { userByName } from "./testing.ts";
import { writeZip } from "./internal/zip.ts";
import { templateFile } from "./fixtures-kinds.ts";

type Json = Record<string, unknown>;
type Spec = { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema?: unknown }> }> }>>; components: Json };
export type Call = (method: string, path: string, opts?: { body?: unknown; raw?: NonNullable<RequestInit["body"]>; token?: string; headers?: Record<string, string> }) => Promise<{ status: number; json: unknown; headers: Headers }>;

const json = (schema: unknown) => ({ content: { "application/json": { schema } } });
const selfLink = { type: "object", required: ["self"], properties: { self: { type: "object", required: ["href"], properties: { href: { type: "string" } } } } };
const topLinks = { type: "object", required: ["self"], properties: Object.fromEntries(["self", "next", "prev"].map((k) => [k, { type: "object", required: ["href"], properties: { href: { type: "string" } } }])) };

/**
 * The merged 2025 spec shares component names across services, so the data-connections
 * service's `Link` (`{self:{href}}`), `Meta` (`{count}`) and `TopLevelLink` resolve to other
 * services' schemas (notifications' `Meta {unreadCount}`; a bare `{href}` Link). Those
 * operations get their response schemas written from `@qlik/api` 2.19 `data-connections.d.ts`
 * / `data-credentials.d.ts` (`ConnectionGet`, `Connections`, `ConnectionCreateResponse`,
 * `Credential`, `BulkResponse`, `OrphanCredentialResItem` — whose spec version requires
 * `userId`/`tenantId` while declaring `user`/`tenant`). Webhooks and reload tasks keep the spec's.
 */
const p0 = (spec: Spec) => spec.paths;

export function patchKindSchemas(spec: Spec): void {
  const schemas = spec.components.schemas as Record<string, Json>;
  // `allOf` of a closed `$ref` cannot be validated closed (each part rejects the other's
  // fields): the spec's `Task` and `WebhookResponse` are flattened into one closed object.
  const flatten = (name: string): Json => {
    const parts = [{ ...schemas[name]!, allOf: undefined }, ...(schemas[name]!.allOf as Json[])].map((x) => (typeof x.$ref === "string" ? schemas[x.$ref.split("/").pop()!]! : x));
    return {
      type: "object",
      required: parts.flatMap((x) => (x.required as string[] | undefined) ?? []),
      properties: Object.assign({}, ...parts.map((x) => JSON.parse(JSON.stringify(x.properties ?? {})) as Json)),
    };
  };
  // Its `required` names a `jobId` it never declares; @qlik/api 2.19 `reload-tasks.d.ts` `Task`
  // has no `jobId` (and adds `migrated`): the emulator follows @qlik/api.
  const task = flatten("Task");
  task.required = (task.required as string[]).filter((k) => k !== "jobId");
  (task.properties as Json).migrated = { type: "boolean" };
  schemas.Task = task;
  // Webhook responses as @qlik/api 2.19 `WebhookResponseBase` has them: `description`,
  // `enableCloudEventDelivery`, `secretKeyAdded`, `encryptedHeaders` as a list of names, and
  // no `secret` (write-only since its sunset, API-FACTS §6.10) — a returned secret fails here.
  const hook = flatten("WebhookResponse");
  const hp = hook.properties as Json;
  delete hp.secret;
  Object.assign(hp, { description: { type: "string" }, enableCloudEventDelivery: { type: "boolean" }, secretKeyAdded: { type: "boolean" }, encryptedHeaders: { type: "array", items: { type: "string" } } });
  schemas.WebhookResponse = hook;
  // CSP entries: `allOf` flattened; `description` from @qlik/api 2.19 `csp-origins.d.ts`.
  const csp = flatten("CSPEntry");
  Object.assign(csp.properties as Json, { id: { type: "string" }, description: { type: "string" } });
  schemas.CSPEntry = csp;
  // Automations as @qlik/api 2.19 `automations.d.ts` has them (the 2025 spec lacks these fields).
  for (const n of ["AutomationDetailResponseObject", "AutomationListObject"]) Object.assign(schemas[n]!.properties as Json, { description: { type: "string" }, spaceId: { type: "string" }, maxConcurrentRuns: { type: "integer" } });
  Object.assign(schemas.ScheduleResponseObject!.properties as Json, { recurrence: { type: "string" }, nextRunAt: { type: "string" } });
  // `change-owner` and `change-space` of an automation are not in the 2025 spec (it has the
  // legacy `move`); @qlik/api 2.19 `automations.d.ts` (`changeOwnerAutomation`,
  // `changeSpaceAutomation`): 204 without a body, errors as `move`'s.
  for (const action of ["change-owner", "change-space"]) spec.paths[`/v1/automations/{id}/actions/${action}`] = structuredClone(spec.paths["/v1/automations/{id}/actions/move"]!);
  // Themes and extensions: `createdAt`/`updateAt` are typed `format: date` though they are
  // timestamps (UNCONFIRMED what Qlik sends; the emulator sends ISO date-times), and the spec
  // gives `PATCH /themes/{id}` the list schema (`themes`) for the one theme it answers.
  for (const n of ["theme", "extension"]) for (const f of ["createdAt", "updateAt"]) ((schemas[n]!.properties as Json)[f] as Json).format = "date-time";
  p0(spec)["/v1/themes/{id}"]!.patch!.responses["200"] = json({ $ref: "#/components/schemas/theme" });
  // Collections: `description` (@qlik/api 2.19 `collections.d.ts`); the items listing requires
  // `links` without declaring them.
  (schemas.collectionResultResponseBody!.properties as Json).description = { type: "string" };
  (schemas.CollectionsListCollectionItemsResponseBody!.properties as Json).links = { $ref: "#/components/schemas/itemsLinksResponseBody" };
  // OAuth clients: the `allOf` schemas flattened closed, with what @qlik/api 2.19
  // `oauth-clients.d.ts` adds to `OAuthClientBase` (`clientSecrets`, `allowedAuthMethods`,
  // `createdByType`) and the `ownerId` the spec requires without declaring. The emulator
  // answers TenantAdmins only, so the list and read answer the admin variants of their
  // `oneOf`. A public client (spa, native, anonymous-embed) gets no secret: `clientSecret`
  // is not required in the create response (qlik.dev: only confidential clients have secrets).
  const oauthExtra = {
    ownerId: { type: "string" },
    createdByType: { type: "string" },
    allowedAuthMethods: { type: "array", items: { enum: ["client_secret", "private_key_jwt"], type: "string" } },
    clientSecrets: { $ref: "#/components/schemas/ClientSecrets" },
    jwksUri: { type: "string" },
    publicKeys: { type: "array", items: { type: "object", required: ["alg", "kid", "kty", "use"], properties: Object.fromEntries(["alg", "crv", "e", "kid", "kty", "n", "use", "x", "y"].map((k) => [k, { type: "string" }])) } },
  };
  for (const n of ["OAuthClientAdminListItem", "OAuthClientAdminReadResponse", "OAuthClientCreateResponse"]) {
    const flat = flatten(n);
    Object.assign(flat.properties as Json, oauthExtra);
    if (n === "OAuthClientCreateResponse") flat.required = (flat.required as string[]).filter((k) => k !== "clientSecret");
    schemas[n] = flat;
  }
  spec.paths["/v1/oauth-clients"]!.get!.responses["200"] = json({ $ref: "#/components/schemas/OAuthClientAdminListResponse" });
  spec.paths["/v1/oauth-clients/{id}"]!.get!.responses["200"] = json({ $ref: "#/components/schemas/OAuthClientAdminReadResponse" });
  // Distribution (rest/distribution.ts): the spec's `allOf` responses flattened closed, as above.
  // `ReportTemplateResponse` lacks the `type` @qlik/api 2.19 report-templates.d.ts declares.
  for (const n of ["SharingTaskRecurringResponse", "SharingTaskRecurringListResponse", "AlertingTaskListResponse", "TemplateResult"]) schemas[n] = flatten(n);
  (schemas.ReportTemplateResponse!.properties as Json).type = { type: "string", enum: ["excel", "pixelPerfect", "html", "powerPoint", "word"] };
  // Glossary terms: the spec's `term` requires an "abbrevation" it never declares (a typo of
  // `abbreviation`), and its `termRelatesTo.type` lists 7 of the 14 relations @qlik/api 2.19
  // `glossaries.d.ts` `TermRelatesTo` has (replaces, replacedBy, hasSubtype, preferredTerm,
  // seeInstead, defines, definedBy).
  schemas.term!.required = (schemas.term!.required as string[]).map((k) => (k === "abbrevation" ? "abbreviation" : k));
  ((schemas.termRelatesTo!.properties as Json).type as Json).enum = ["isA", "hasA", "seeAlso", "synonym", "antonym", "classifies", "other", "replaces", "replacedBy", "hasSubtype", "preferredTerm", "seeInstead", "defines", "definedBy"];
  // Glossaries' error bodies: their `errorResponse` is shadowed in the merged spec by the
  // licenses service's (which requires `error` and `message`); @qlik/api 2.19 `glossaries.d.ts`
  // `ErrorResponse` is `{errors?: ErrorResponseCode[], traceId?}` — the spec's own
  // `errorResponseBadRequest`.
  for (const [path, ops] of Object.entries(p0(spec)))
    if (path.startsWith("/v1/glossaries"))
      for (const op of Object.values(ops)) for (const [status, r] of Object.entries(op.responses)) if (Number(status) >= 400 && r.content) op.responses[status] = json({ $ref: "#/components/schemas/errorResponseBadRequest" });
  // `PublicApiError` (data-connections' errors) requires a `details` it does not declare (its
  // field is `detail`): a spec typo.
  schemas.PublicApiError!.required = ["code", "title"];
  const connGet = JSON.parse(JSON.stringify(schemas.ConnectionGet)) as Json;
  (connGet.properties as Json).links = selfLink;
  const connCreate = JSON.parse(JSON.stringify(schemas.ConnectionCreateResponse)) as Json;
  (connCreate.properties as Json).links = selfLink;
  (connCreate.properties as Json).tenant = { type: "string" };
  const cred = JSON.parse(JSON.stringify(schemas.Credential)) as Json;
  (cred.properties as Json).links = selfLink;
  const p = spec.paths;
  p["/v1/data-connections"]!.get!.responses["200"] = json({
    type: "object",
    properties: { data: { type: "array", items: connGet }, meta: { type: "object", properties: { count: { type: "integer" } } }, links: topLinks, errors: { type: "array" } },
  });
  p["/v1/data-connections"]!.post!.responses["201"] = json(connCreate);
  p["/v1/data-connections/{qID}"]!.get!.responses["200"] = json(connGet);
  p["/v1/data-connections/actions/update"]!.post!.responses["207"] = json({
    type: "object",
    properties: { data: { type: "array", items: { type: "object", required: ["id", "status"], properties: { id: { type: "string" }, status: { type: "integer" }, error: { type: "object", properties: { code: { type: "string" }, detail: { type: "string" }, status: { type: "integer" }, title: { type: "string" } } } } } } },
  });
  p["/v1/data-credentials/{qID}"]!.get!.responses["200"] = json(cred);
  p["/v1/data-credentials/actions/filter-orphan"]!.post!.responses["200"] = json({
    type: "object",
    required: ["data", "count"],
    properties: {
      count: { type: "integer" },
      data: { type: "array", items: { type: "object", required: ["qID", "qName", "qType", "created", "updated"], properties: Object.fromEntries(["created", "datasourceID", "qID", "qName", "qType", "tenant", "updated", "user"].map((k) => [k, { type: "string" }])) } },
    },
  });
}

/** Calls every operation of the kinds (as the admin API key unless a token is given). */
export async function walkKinds(emu: EmulatorHandle, call: Call): Promise<void> {
  const tenant = emu.state.tenants[0]!;
  const ben = userByName(emu, "Ben Builder");
  const salesDev = Object.values(tenant.spaces).find((s) => s.name === "Sales Dev")!;
  // data connections
  const list = await call("GET", "/api/v1/data-connections?limit=3");
  expect(list.status).toBe(200);
  await call("GET", `/api/v1/data-connections?spaceId=${salesDev.id}&noDatafiles=true&sort=-qName`);
  await call("GET", `/api/v1/data-connections?filter=${encodeURIComponent('qName co "Sales"')}`);
  await call("GET", "/api/v1/data-connections?limit=1000");
  const made = await call("POST", "/api/v1/data-connections", {
    body: { qName: "Schema conn", qType: "QvOdbcConnectorPackage.exe", qConnectStatement: 'CUSTOM CONNECT TO "provider=QvOdbcConnectorPackage.exe;driver=postgres;"', datasourceID: "postgresql", space: salesDev.id, qUsername: "u", qPassword: "p", qLogOn: "0" },
  });
  expect(made.status).toBe(201);
  const qid = (made.json as Json).qID as string;
  await call("POST", "/api/v1/data-connections", { body: { qName: "Schema conn", qType: "x", qConnectStatement: "y", datasourceID: "z", space: salesDev.id } });
  await call("GET", `/api/v1/data-connections/${qid}`);
  await call("GET", `/api/v1/data-connections/${encodeURIComponent("Schema conn")}?type=connectionname&spaceId=${salesDev.id}`);
  await call("GET", "/api/v1/data-connections/00000000-0000-4000-8000-000000000000");
  await call("PUT", `/api/v1/data-connections/${qid}`, { body: { qID: qid, qEngineObjectID: qid, qName: "Schema conn 2", qType: "QvOdbcConnectorPackage.exe", qConnectStatement: "CUSTOM CONNECT TO \"x\"" } });
  await call("PATCH", `/api/v1/data-connections/${qid}`, { body: [{ op: "replace", path: "/qName", value: "Schema conn 3" }] });
  await call("POST", "/api/v1/data-connections/actions/update", { body: { connections: [{ id: qid, ownerId: ben.id }, { id: "00000000-0000-4000-8000-000000000000" }] } });
  // data credentials: one comes with a separate-credentials connection
  const sep = await call("POST", "/api/v1/data-connections", {
    body: { qName: "Schema sep", qType: "QvOdbcConnectorPackage.exe", qConnectStatement: "CUSTOM CONNECT TO \"y\"", datasourceID: "snowflake", qSeparateCredentials: true, qUsername: "me", qPassword: "pw", qCredentialsName: "Schema cred" },
  });
  const credId = (sep.json as Json).qCredentialsID as string;
  await call("GET", `/api/v1/data-credentials/${credId}`);
  await call("GET", `/api/v1/data-credentials/${encodeURIComponent("Schema cred")}?byCredentialName=true`);
  await call("GET", "/api/v1/data-credentials/00000000-0000-4000-8000-000000000000");
  await call("PUT", `/api/v1/data-credentials/${credId}`, { body: { qName: "Schema cred 2", qType: "QvOdbcConnectorPackage.exe", qUsername: "me", qPassword: "pw2" } });
  await call("PATCH", `/api/v1/data-credentials/${credId}`, { body: [{ op: "replace", path: "/qPassword", value: "pw3" }] });
  await call("DELETE", `/api/v1/data-connections/${(sep.json as Json).qID}`);
  await call("POST", "/api/v1/data-credentials/actions/filter-orphan", { body: {} });
  await call("DELETE", `/api/v1/data-credentials/${credId}`);
  await call("DELETE", `/api/v1/data-connections/${qid}`);
  // reload tasks
  const app = Object.values(tenant.apps).find((a) => a.name === "Admin Scratchpad")!;
  await call("GET", "/api/v1/reload-tasks?limit=2");
  const task = await call("POST", "/api/v1/reload-tasks", { body: { appId: app.id, timeZone: "Europe/Paris", recurrence: ["RRULE:FREQ=DAILY;BYHOUR=3"], startDateTime: "2026-01-01T03:00:00Z" } });
  expect(task.status).toBe(201);
  const taskId = (task.json as Json).id as string;
  await call("POST", "/api/v1/reload-tasks", { body: { appId: app.id, timeZone: "Mars/Olympus" } });
  await call("GET", `/api/v1/reload-tasks?appId=${app.id}`);
  await call("GET", `/api/v1/reload-tasks/${taskId}`);
  await call("GET", "/api/v1/reload-tasks/000000000000000000000000");
  await call("PUT", `/api/v1/reload-tasks/${taskId}`, { body: { timeZone: "UTC", state: "Disabled", recurrence: ["RRULE:FREQ=WEEKLY;BYDAY=MO"] } });
  await call("DELETE", `/api/v1/reload-tasks/${taskId}`);
  // webhooks
  await call("GET", "/api/v1/webhooks/event-types");
  await call("GET", "/api/v1/webhooks?limit=1");
  const hook = await call("POST", "/api/v1/webhooks", { body: { name: "Schema hook", url: "https://example.com/h", eventTypes: ["com.qlik.v1.app.created"], secret: "x".repeat(40), encryptedHeaders: { "X-K": "v" } } });
  expect(hook.status).toBe(201);
  const hookId = (hook.json as Json).id as string;
  await call("POST", "/api/v1/webhooks", { body: { name: "Bad", url: "https://example.com/h", secret: "short" } });
  await call("GET", `/api/v1/webhooks/${hookId}`);
  await call("GET", "/api/v1/webhooks/00000000-0000-4000-8000-000000000000");
  await call("PUT", `/api/v1/webhooks/${hookId}`, { body: { name: "Schema hook 2", url: "https://example.com/h2", enabled: true } });
  await call("PATCH", `/api/v1/webhooks/${hookId}`, { body: [{ op: "replace", path: "/description", value: "d" }] });
  await call("DELETE", `/api/v1/webhooks/${hookId}`);
  // web integrations
  await call("GET", "/api/v1/web-integrations?limit=1");
  const wi = await call("POST", "/api/v1/web-integrations", { body: { name: "Schema wi", validOrigins: ["https://a.example.com"] } });
  expect(wi.status).toBe(201);
  const wiId = (wi.json as Json).id as string;
  await call("POST", "/api/v1/web-integrations", { body: { validOrigins: [] } });
  await call("GET", `/api/v1/web-integrations/${wiId}`);
  await call("GET", "/api/v1/web-integrations/nope");
  await call("PATCH", `/api/v1/web-integrations/${wiId}`, { body: [{ op: "replace", path: "/validOrigins", value: ["https://b.example.com"] }] });
  await call("DELETE", `/api/v1/web-integrations/${wiId}`);
  await call("GET", "/api/v1/web-integrations", { token: (await userToken(emu, ben.id)) });
  // CSP origins
  await call("GET", "/api/v1/csp-origins?limit=2");
  await call("GET", "/api/v1/csp-origins/actions/generate-header");
  const csp = await call("POST", "/api/v1/csp-origins", { body: { name: "Schema csp", origin: "cdn.example.com", imgSrc: true } });
  expect(csp.status).toBe(201);
  const cspId = (csp.json as Json).id as string;
  await call("POST", "/api/v1/csp-origins", { body: { name: "no origin" } });
  await call("GET", `/api/v1/csp-origins/${cspId}`);
  await call("GET", "/api/v1/csp-origins/nope");
  await call("PUT", `/api/v1/csp-origins/${cspId}`, { body: { name: "Schema csp", origin: "cdn.example.com", imgSrc: true, fontSrc: true } });
  await call("DELETE", `/api/v1/csp-origins/${cspId}`);
  // OAuth clients (TenantAdmin only) and the API-key configuration
  await call("GET", "/api/v1/oauth-clients?limit=1&totalResults=true");
  await call("GET", `/api/v1/oauth-clients?filter=${encodeURIComponent('appType eq "spa"')}&sort=-clientName`);
  const oc = await call("POST", "/api/v1/oauth-clients", { body: { clientName: "Schema client", appType: "web", allowedGrantTypes: ["client_credentials"], allowedScopes: ["user_default"], description: "d" } });
  expect(oc.status).toBe(201);
  const ocId = (oc.json as Json).clientId as string;
  const spa = await call("POST", "/api/v1/oauth-clients", { body: { clientName: "Schema spa", appType: "spa", allowedOrigins: ["https://spa.example.com"], redirectUris: ["https://spa.example.com/cb"] } });
  expect(spa.status).toBe(201);
  await call("POST", "/api/v1/oauth-clients", { body: { clientName: "Schema bad", appType: "web", allowedOrigins: ["https://x.example.com"] } });
  await call("GET", `/api/v1/oauth-clients/${ocId}`);
  await call("GET", "/api/v1/oauth-clients/nope");
  await call("GET", "/api/v1/oauth-clients", { token: await userToken(emu, ben.id) });
  await call("PATCH", `/api/v1/oauth-clients/${ocId}`, { body: [{ op: "replace", path: "/description", value: "d2" }] });
  await call("PATCH", `/api/v1/oauth-clients/${ocId}`, { body: [{ op: "replace", path: "/jwksUri", value: "https://keys.example.com/jwks.json" }, { op: "replace", path: "/publicKeys", value: [{ kid: "k1", kty: "RSA", alg: "RS256", use: "sig", n: "abc", e: "AQAB" }] }] });
  await call("GET", `/api/v1/oauth-clients/${ocId}`);
  await call("PATCH", `/api/v1/oauth-clients/${(spa.json as Json).clientId}`, { body: [{ op: "replace", path: "/appType", value: "web" }] });
  const sec = await call("POST", `/api/v1/oauth-clients/${ocId}/client-secrets`);
  expect(sec.status).toBe(201);
  await call("DELETE", `/api/v1/oauth-clients/${ocId}/client-secrets/${(sec.json as Json).hint}`);
  await call("DELETE", `/api/v1/oauth-clients/${ocId}/client-secrets/zzzz`);
  await call("POST", `/api/v1/oauth-clients/${ocId}/actions/publish`);
  await call("POST", `/api/v1/oauth-clients/${ocId}/actions/publish`);
  await call("DELETE", `/api/v1/oauth-clients/${ocId}`);
  await call("DELETE", `/api/v1/oauth-clients/${ocId}`, { headers: { "qlik-confirm-delete": ocId } });
  await call("DELETE", `/api/v1/oauth-clients/${(spa.json as Json).clientId}`, { headers: { "qlik-confirm-delete": (spa.json as Json).clientId as string } });
  await call("GET", `/api/v1/api-keys/configs/${tenant.id}`);
  await call("GET", "/api/v1/api-keys/configs/other-tenant");
  await call("PATCH", `/api/v1/api-keys/configs/${tenant.id}`, { body: [{ op: "replace", path: "/max_keys_per_user", value: 12 }] });
  await call("PATCH", `/api/v1/api-keys/configs/${tenant.id}`, { body: [{ op: "replace", path: "/max_api_key_expiry", value: "thirty days" }] });
  // automations: the admin key is not the owner of others' definitions; an admin.automations token is
  const client = Object.values(tenant.oauthClients)[0]!;
  if (!client.scopes.includes("admin.automations")) client.scopes.push("admin.automations");
  const tok = await fetch(`${emu.host}/oauth/token`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ client_id: emu.clientId, client_secret: emu.clientSecret, grant_type: "client_credentials", scope: "user_default admin.automations" }) });
  const autoBot = { token: ((await tok.json()) as { access_token: string }).access_token };
  await call("GET", "/api/v1/automations?limit=2");
  await call("GET", `/api/v1/automations?filter=${encodeURIComponent('runMode eq "scheduled"')}&sort=-name`);
  const someone = Object.values(tenant.kinds!.automations).find((a) => a.ownerId === ben.id)!;
  await call("GET", `/api/v1/automations/${someone.id}`, autoBot);
  await call("GET", `/api/v1/automations/${someone.id}`);
  const auto = await call("POST", "/api/v1/automations", { body: { name: "Schema auto", description: "d", workspace: { blocks: [] }, schedules: [{ interval: 3600, timezone: "Europe/Paris", recurrence: "RRULE:FREQ=HOURLY" }] } });
  expect(auto.status).toBe(201);
  const autoId = (auto.json as Json).id as string;
  await call("POST", "/api/v1/automations", { body: { description: "no name" } });
  await call("GET", `/api/v1/automations/${autoId}`);
  await call("GET", "/api/v1/automations/00000000-0000-4000-8000-000000000000");
  await call("PUT", `/api/v1/automations/${autoId}`, { body: { name: "Schema auto 2", workspace: { blocks: [{ type: "StartBlock", runMode: "webhook" }] } } });
  await call("POST", `/api/v1/automations/${autoId}/actions/disable`);
  await call("POST", `/api/v1/automations/${autoId}/actions/enable`);
  const copied = await call("POST", `/api/v1/automations/${autoId}/actions/copy`, { body: { name: "Schema copy" } });
  await call("POST", `/api/v1/automations/${autoId}/actions/change-space`, { body: { spaceId: salesDev.id } });
  await call("POST", `/api/v1/automations/${autoId}/actions/change-space`, { body: {} });
  await call("POST", `/api/v1/automations/${autoId}/actions/change-owner`, { body: { userId: ben.id } });
  await call("POST", `/api/v1/automations/${autoId}/actions/change-owner`, { body: { userId: "nobody" } });
  await call("POST", `/api/v1/automations/${autoId}/actions/move`, { body: { userId: ben.id } });
  await call("DELETE", `/api/v1/automations/${(copied.json as Json).id}`);
  await call("DELETE", `/api/v1/automations/${autoId}`, autoBot);
  // automation connections
  await call("GET", "/api/v1/automation-connections?listAll=true&limit=2");
  const ac = await call("POST", "/api/v1/automation-connections", { body: { connectorId: "61a87510-c7a3-11ea-95da-0fb0c241e75c", name: "Schema ac", params: [{ name: "password", value: "pw" }] } });
  expect(ac.status).toBe(201);
  const acId = (ac.json as Json).id as string;
  await call("POST", "/api/v1/automation-connections", { body: { name: "no connector" } });
  await call("GET", `/api/v1/automation-connections/${acId}`);
  await call("GET", "/api/v1/automation-connections/nope");
  const paramId = (((ac.json as Json).params as Json[])[0] as Json).id;
  await call("PUT", `/api/v1/automation-connections/${acId}`, { body: { name: "Schema ac 2", params: [{ id: paramId, value: "pw2" }] } });
  await call("POST", `/api/v1/automation-connections/${acId}/actions/check`);
  await call("POST", `/api/v1/automation-connections/${acId}/actions/change-space`, { body: { spaceId: salesDev.id } });
  await call("POST", `/api/v1/automation-connections/${acId}/actions/change-owner`, { body: { userId: ben.id } });
  await call("DELETE", `/api/v1/automation-connections/${acId}`);
  // themes and extensions (multipart upload, byte-for-byte download)
  for (const kind of ["themes", "extensions"]) {
    await call("GET", `/api/v1/${kind}`);
    const form = new FormData();
    form.set("file", new Blob([new Uint8Array(writeZip([{ name: `schema-${kind}.qext`, data: JSON.stringify({ name: `Schema ${kind}`, version: "1.0.0" }) }, { name: "main.js", data: "//" }]))]), "x.zip");
    const up = await call("POST", `/api/v1/${kind}`, { raw: form });
    expect(up.status).toBe(201);
    const id = (up.json as Json).id as string;
    await call("POST", `/api/v1/${kind}`, { raw: form });
    await call("GET", `/api/v1/${kind}/${id}`);
    await call("GET", `/api/v1/${kind}/schema-${kind}`);
    await call("GET", `/api/v1/${kind}/nope`);
    await call("GET", `/api/v1/${kind}/${id}/file`);
    await call("GET", `/api/v1/${kind}/${id}/file/main.js`);
    const patch = new FormData();
    patch.set("data", JSON.stringify({ author: "Schema" }));
    await call("PATCH", `/api/v1/${kind}/${id}`, { raw: patch });
    await call("DELETE", `/api/v1/${kind}/${id}`);
    await call("GET", `/api/v1/${kind}/${id}`);
  }
  // collections and their items
  await call("GET", "/api/v1/collections?limit=2");
  await call("GET", "/api/v1/collections?type=private");
  const col = await call("POST", "/api/v1/collections", { body: { name: "Schema col", type: "public", description: "d" } });
  expect(col.status).toBe(201);
  const colId = (col.json as Json).id as string;
  await call("POST", "/api/v1/collections", { body: { name: "Schema col", type: "public" } });
  await call("GET", `/api/v1/collections/${colId}`);
  await call("GET", "/api/v1/collections/nope");
  const anApp = Object.values(tenant.apps).find((a) => a.name === "Admin Scratchpad")!;
  await call("POST", `/api/v1/collections/${colId}/items`, { body: { id: anApp.itemId } });
  await call("POST", `/api/v1/collections/${colId}/items`, { body: { id: anApp.itemId } });
  await call("GET", `/api/v1/collections/${colId}/items`);
  await call("GET", `/api/v1/collections/${colId}/items/${anApp.itemId}`);
  await call("PUT", `/api/v1/collections/${colId}`, { body: { name: "Schema col 2" } });
  await call("PATCH", `/api/v1/collections/${colId}`, { body: [{ op: "replace", path: "/type", value: "publicgoverned" }] });
  const priv = await call("POST", "/api/v1/collections", { body: { name: "Schema private", type: "private" } });
  const privId = (priv.json as Json).id as string;
  await call("POST", `/api/v1/collections/${privId}/items`, { body: { id: anApp.itemId } });
  await call("PATCH", `/api/v1/collections/${privId}`, { body: [{ op: "replace", path: "/type", value: "publicgoverned" }] });
  await call("PATCH", `/api/v1/collections/${privId}`, { body: [{ op: "replace", path: "/type", value: "private" }] });
  await call("DELETE", `/api/v1/collections/${privId}`);
  await call("DELETE", `/api/v1/collections/${colId}/items/${anApp.itemId}`);
  await call("DELETE", `/api/v1/collections/${colId}`);
  await walkDistribution(emu, call);
  await walkBrands(call);
  await walkGlossaries(emu, call);
}

/** Favourites, sharing tasks, report templates, conditions and data alerts (rest/distribution.ts). */
async function walkDistribution(emu: EmulatorHandle, call: Call): Promise<void> {
  const tenant = emu.state.tenants[0]!;
  const ben = userByName(emu, "Ben Builder");
  const app = Object.values(tenant.apps).find((a) => a.name === "Admin Scratchpad")!;
  const group = Object.values(tenant.groups)[0]!;
  // the admin's favourites: a 302 to the collection; Ben (no key here) has his own
  const fav = await call("GET", "/api/v1/collections/favorites");
  expect(fav.status).toBe(302);
  await call("GET", "/api/v1/collections/favorites", { token: await userToken(emu, userByName(emu, "Dev Patel").id) });
  // notes: catalogue items only
  const notes = await call("GET", "/api/v1/items?resourceType=note&limit=5");
  expect(((notes.json as Json).data as Json[]).length).toBeGreaterThan(0);
  await call("GET", `/api/v1/items/${(((notes.json as Json).data as Json[])[0] as Json).id as string}`);
  // sharing tasks
  await call("GET", "/api/v1/sharing-tasks?limit=1");
  const share = await call("POST", "/api/v1/sharing-tasks", {
    body: {
      name: "Schema share",
      type: "sheet-sharing",
      state: { selections: [] },
      templates: [{ type: "sheet", subType: "pdf", sheetData: { appId: app.id, sheetId: "s1", widthPx: 100, heightPx: 100 } }],
      recipients: { userIds: [{ value: ben.id, enabled: true }], groupIds: [{ value: group.id }], emailAddresses: ["x@example.com"] },
      scheduleOptions: { timezone: "Europe/Paris", recurrence: ["RRULE:FREQ=DAILY"], startDateTime: "2026-01-01T08:00:00" },
      emailContent: { subject: "s", body: "b" },
    },
  });
  expect(share.status).toBe(201);
  const shareId = (share.json as Json).id as string;
  await call("POST", "/api/v1/sharing-tasks", { body: { name: "No app", type: "sheet-sharing", state: {}, templates: [{ type: "sheet" }] } });
  await call("GET", `/api/v1/sharing-tasks/${shareId}`);
  await call("GET", "/api/v1/sharing-tasks/nope");
  await call("PATCH", `/api/v1/sharing-tasks/${shareId}`, { body: [{ op: "replace", path: "/enabled", value: false }, { op: "replace", path: "/ownerId", value: ben.id }] });
  await call("DELETE", `/api/v1/sharing-tasks/${shareId}`);
  // report templates: upload a file, create, download, update, patch, delete
  await call("GET", "/api/v1/report-templates?limit=5");
  const file = templateFile(app.id, "Schema");
  const up = await call("POST", "/api/v1/temp-contents?filename=t.xlsx", { raw: new Uint8Array(file), headers: { "content-type": "application/octet-stream" } });
  const tempId = up.headers.get("location")!.split("/").pop()!;
  const tpl = await call("POST", "/api/v1/report-templates", { body: { name: "Schema template", temporaryContentId: tempId } });
  expect(tpl.status).toBe(201);
  const tplId = (tpl.json as Json).id as string;
  await call("POST", "/api/v1/report-templates", { body: { name: "Schema template 2", temporaryContentId: tempId, sourceAppId: Object.values(tenant.apps).find((a) => a.id !== app.id)!.id } });
  await call("GET", `/api/v1/report-templates/${tplId}`);
  await call("GET", "/api/v1/report-templates/nope");
  await call("POST", `/api/v1/report-templates/${tplId}/actions/download`);
  await call("PUT", `/api/v1/report-templates/${tplId}`, { body: { name: "Schema template 3", temporaryContentId: tempId } });
  await call("PATCH", `/api/v1/report-templates/${tplId}`, { body: [{ op: "replace", path: "/description", value: "d" }] });
  await call("DELETE", `/api/v1/report-templates/${tplId}`);
  // conditions and data alerts
  const cond = await call("POST", "/api/v1/conditions", { body: { type: "data", dataCondition: { conditionBase: { appId: app.id }, conditionData: { operator: ">" }, headers: ["m"] } } });
  expect(cond.status).toBe(201);
  const condId = (((cond.json as Json).condition as Json).dataCondition as { conditionBase: Json }).conditionBase.id as string;
  await call("POST", "/api/v1/conditions", { body: { type: "data", dataCondition: {} } });
  await call("GET", `/api/v1/conditions/${condId}`);
  await call("GET", "/api/v1/conditions/nope");
  await call("PATCH", `/api/v1/conditions/${condId}`, { body: [{ op: "replace", path: "/dataCondition", value: { conditionBase: { appId: app.id }, headers: ["m2"] } }] });
  await call("GET", "/api/v1/data-alerts?limit=1");
  const alert = await call("POST", "/api/v1/data-alerts", { body: { name: "Schema alert", appId: app.id, conditionId: condId, triggerType: "RELOAD", recipients: { userIds: [{ value: ben.id, enabled: true }], groupIds: [{ value: group.id }] } } });
  expect(alert.status).toBe(202);
  const alertId = (alert.json as Json).id as string;
  await call("POST", "/api/v1/data-alerts", { body: { name: "No recipients", appId: app.id, conditionId: condId, triggerType: "RELOAD" } });
  await call("GET", `/api/v1/data-alerts/${alertId}`);
  await call("GET", `/api/v1/data-alerts/${alertId}/condition`);
  await call("GET", "/api/v1/data-alerts/nope");
  await call("PATCH", `/api/v1/data-alerts/${alertId}`, { body: [{ op: "replace", path: "/enabledAction", value: false }, { op: "replace", path: "/ownerId", value: ben.id }] });
  await call("DELETE", `/api/v1/data-alerts/${alertId}`, { token: await userToken(emu, ben.id) });
  await call("DELETE", `/api/v1/conditions/${condId}`);
}

/** A 1×1 PNG and an ICO around it (brand files). */
const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==", "base64");
const ICO = Buffer.concat([Buffer.from([0, 0, 1, 0, 1, 0, 1, 1, 0, 0, 1, 0, 32, 0]), Buffer.from(Uint32Array.of(PNG.length, 22).buffer), PNG]);

async function walkBrands(call: Call): Promise<void> {
  const list = await call("GET", "/api/v1/brands?limit=1");
  expect(list.status).toBe(200);
  const next = ((list.json as Json).links as Json).next as Json | undefined;
  if (next) await call("GET", new URL(next.href as string).pathname + new URL(next.href as string).search);
  await call("GET", "/api/v1/brands?sort=-updatedAt");
  const form = new FormData();
  form.set("name", "Schema brand");
  form.set("description", "d");
  form.set("logo", new Blob([new Uint8Array(PNG)]), "logo.png");
  form.set("styles", new Blob(['{"a":1}']), "styles.json");
  const made = await call("POST", "/api/v1/brands", { raw: form });
  expect(made.status).toBe(201);
  const id = (made.json as Json).id as string;
  const bad = new FormData();
  bad.set("name", "Bad logo");
  bad.set("logo", new Blob(["not an image"]), "logo.png");
  expect((await call("POST", "/api/v1/brands", { raw: bad })).status).toBe(400);
  await call("GET", `/api/v1/brands/${id}`);
  await call("GET", "/api/v1/brands/nope");
  await call("PATCH", `/api/v1/brands/${id}`, { body: [{ op: "replace", path: "/description", value: "d2" }] });
  await call("PATCH", `/api/v1/brands/${id}`, { body: [{ op: "replace", path: "/files", value: "x" }] });
  await call("POST", `/api/v1/brands/${id}/actions/activate`);
  expect((await call("GET", "/api/v1/brands/active")).status).toBe(301);
  await call("POST", `/api/v1/brands/${id}/actions/deactivate`);
  await call("GET", "/api/v1/brands/active");
  await call("GET", `/api/v1/brands/${id}/files/logo`);
  await call("GET", `/api/v1/brands/${id}/files/favIcon`);
  const icon = new FormData();
  icon.set("file", new Blob([new Uint8Array(ICO)]), "favicon.ico");
  expect((await call("POST", `/api/v1/brands/${id}/files/favIcon`, { raw: icon })).status).toBe(201);
  await call("POST", `/api/v1/brands/${id}/files/favIcon`, { raw: icon });
  const logo = new FormData();
  logo.set("file", new Blob([new Uint8Array(PNG)]), "logo.png");
  await call("PUT", `/api/v1/brands/${id}/files/logo`, { raw: logo });
  await call("DELETE", `/api/v1/brands/${id}/files/styles`);
  await call("DELETE", `/api/v1/brands/${id}`);
}

async function walkGlossaries(emu: EmulatorHandle, call: Call): Promise<void> {
  const tenant = emu.state.tenants[0]!;
  const salesDev = Object.values(tenant.spaces).find((s) => s.name === "Sales Dev")!;
  const anApp = Object.values(tenant.apps).find((a) => a.name === "Admin Scratchpad")!;
  const rich = JSON.stringify([{ type: "paragraph", children: [{ text: "x" }] }]);
  const list = await call("GET", "/api/v1/glossaries?limit=1&countTotal=true");
  expect(list.status).toBe(200);
  await call("GET", "/api/v1/glossaries?sort=-name");
  const made = await call("POST", "/api/v1/glossaries", { body: { name: "Schema glossary", spaceId: salesDev.id, overview: rich, tags: ["t"], termTemplate: { relatedInformation: rich } } });
  expect(made.status).toBe(201);
  const id = (made.json as Json).id as string;
  await call("POST", "/api/v1/glossaries", { body: { description: "no name" } });
  await call("POST", "/api/v1/glossaries", { body: { name: "Bad rich text", overview: "plain" } });
  await call("GET", `/api/v1/glossaries/${id}`);
  await call("GET", "/api/v1/glossaries/00000000-0000-4000-8000-000000000000");
  await call("PUT", `/api/v1/glossaries/${id}`, { body: { name: "Schema glossary 2", spaceId: salesDev.id, description: "d" } });
  await call("PATCH", `/api/v1/glossaries/${id}`, { body: [{ op: "replace", path: "/description", value: "d2" }] });
  const cat = await call("POST", `/api/v1/glossaries/${id}/categories`, { body: { name: "Schema category" } });
  expect(cat.status).toBe(201);
  const catId = (cat.json as Json).id as string;
  const sub = await call("POST", `/api/v1/glossaries/${id}/categories`, { body: { name: "Sub", parentId: catId } });
  await call("POST", `/api/v1/glossaries/${id}/categories`, { body: { name: "Schema category" } });
  await call("GET", `/api/v1/glossaries/${id}/categories`);
  await call("GET", `/api/v1/glossaries/${id}/categories/${catId}`);
  await call("GET", `/api/v1/glossaries/${id}/categories/nope`);
  await call("PUT", `/api/v1/glossaries/${id}/categories/${catId}`, { body: { name: "Schema category 2", description: "d" } });
  const term = await call("POST", `/api/v1/glossaries/${id}/terms`, { body: { name: "Schema term", abbreviation: "ST", categories: [catId], relatedInformation: rich, linksTo: [{ resourceId: anApp.id, resourceType: "app", type: "definition" }] } });
  expect(term.status).toBe(201);
  const termId = (term.json as Json).id as string;
  const other = await call("POST", `/api/v1/glossaries/${id}/terms`, { body: { name: "Other term", relatesTo: [{ termId, type: "synonym" }] } });
  await call("POST", `/api/v1/glossaries/${id}/terms`, { body: { abbreviation: "no name" } });
  await call("GET", `/api/v1/glossaries/${id}/terms?limit=1`);
  await call("GET", `/api/v1/glossaries/${id}/terms/${termId}`);
  await call("GET", `/api/v1/glossaries/${id}/terms/nope`);
  await call("PUT", `/api/v1/glossaries/${id}/terms/${termId}`, { body: { name: "Schema term", description: "d", categories: [catId] } });
  await call("POST", `/api/v1/glossaries/${id}/terms/${termId}/actions/change-status?status=verified`);
  await call("POST", `/api/v1/glossaries/${id}/terms/${termId}/actions/change-status?status=approved`);
  await call("GET", `/api/v1/glossaries/${id}/terms/${termId}/links`);
  await call("POST", `/api/v1/glossaries/${id}/terms/${(other.json as Json).id}/links`, { body: { resourceId: anApp.id, resourceType: "app" } });
  await call("POST", `/api/v1/glossaries/${id}/terms/${(other.json as Json).id}/links`, { body: { resourceId: anApp.id, resourceType: "app" } });
  const exported = await call("GET", `/api/v1/glossaries/${id}/actions/export`);
  expect(exported.status).toBe(200);
  const imported = await call("POST", `/api/v1/glossaries/actions/import?spaceId=${salesDev.id}&lookupUserOnEmail=true&importerAsFallbackSteward=true`, { body: exported.json });
  expect(imported.status).toBe(201);
  await call("POST", "/api/v1/glossaries/actions/import", { body: { name: "Bad", terms: "x" } });
  await call("DELETE", `/api/v1/glossaries/${id}/terms/${(other.json as Json).id}`);
  await call("DELETE", `/api/v1/glossaries/${id}/categories/${(sub.json as Json).id}`);
  await call("DELETE", `/api/v1/glossaries/${id}/categories/${catId}`);
  await call("DELETE", `/api/v1/glossaries/${(imported.json as Json).id}`);
  await call("DELETE", `/api/v1/glossaries/${id}`);
}

/** An API key for a fixture user (as testing.ts's userApi adds them). */
async function userToken(emu: EmulatorHandle, userId: string): Promise<string> {
  const token = `schema_${userId}`;
  emu.state.tenants[0]!.apiKeys[token] = { id: token, token, userId };
  return token;
}
