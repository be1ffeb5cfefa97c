/**
 * The integration kinds (API-FACTS §6.10–6.12, §6.21, §6.23) through `@qlik/api` 2.19's
 * `webhooks`, `web-integrations`, `csp-origins`, `oauth-clients` and `api-keys` modules.
 * Every listing is complete (no detail read).
 *
 * - **Webhooks**: the owner (`ownerId`) is also the record's owner. Write-only
 *   (`webhooks.d.ts` `WebhookBase` vs `WebhookResponseBase`): `secret` — reads say only
 *   `secretKeyAdded` — and the values of `encryptedHeaders` — reads list their names. The record
 *   names them as the secrets `secret` and `encryptedHeaderValues` (one secret holding every
 *   header's value, written as a JSON object `{"X-Api-Token": "…"}`: a secrets file holds one
 *   scalar per field). Without them a webhook is created all the same, disabled, and noted.
 *   Updates PATCH what differs where Qlik allows it (`WebhookPatch` paths); `filter`, `level`,
 *   `checkCertificateRevocation` and the owner need a PUT, which clears the secret and the
 *   encrypted headers it does not carry — so a PUT is made only when they are given.
 *   `enableCloudEventDelivery` cannot be turned off once on (noted, not sent).
 * - **Web integrations**: the id is the server's; a recreated one gets a new id, said in the
 *   step's note (embedding clients that name the old id must be updated). PATCH `replace` of
 *   `/name`, `/validOrigins`.
 * - **CSP origins**: no secrets; create POST, update PUT (replaces the entry).
 * - **OAuth clients**: `clientId` and secrets are the server's (`oauth-clients.d.ts`): the
 *   create answer's `clientSecret` is dropped unread — never stored, logged or shown — and the
 *   note says to make a new secret in the management console and reconfigure every integration
 *   that used the old client. `appType` is fixed after creation (a different one is noted, not
 *   changed); a published client is published again.
 * - **API-key configuration**: a singleton (`id` "config") read and written at
 *   `/api-keys/configs/{tenantId}` with the caller's tenant id (`GET /users/me`). The three
 *   fields `@qlik/api` 2.19's `ApiKeyConfigPatch` names are patched together; `api_keys_enabled`
 *   (in the 2025 spec's `ApiKeysConfig`, no longer in @qlik/api's patch paths) in a call of its
 *   own, and a refusal is noted (switch API keys on or off by hand).
 */
import type { ResourceKindName, ResourceRecord, ResourceWrite, ResourceWriteResult } from "@lifeboat/model";
import { LifeboatError } from "@lifeboat/model";
import type { CSPEntryContent } from "@qlik/api/csp-origins";
import type { OAuthClientCreateRequest, OAuthClientUpdate } from "@qlik/api/oauth-clients";
import type { ApiKeyConfigPatch } from "@qlik/api/api-keys";
import type { WebhookBase, WebhookPatch, WebhookPost } from "@qlik/api/webhooks";
import type { WebIntegrationPatchSchema } from "@qlik/api/web-integrations";
import type { TenantCore } from "../client.ts";
import { pages } from "../internal/pages.ts";
import { isQlikApiError } from "../errors.ts";
import type { ResourceApi } from "./api.ts";

type Json = Record<string, unknown>;
const nc = { noCache: true } as const;

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
/** Key order does not matter (headers, nested objects). */
function canon(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canon).join(",")}]`;
  if (v && typeof v === "object")
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canon((v as Json)[k])}`)
      .join(",")}}`;
  return JSON.stringify(v ?? null);
}
const same = (a: unknown, b: unknown): boolean => canon(a) === canon(b);
function pick(b: Json, keys: readonly string[]): Json {
  const out: Json = {};
  for (const k of keys) if (b[k] !== undefined) out[k] = b[k];
  return out;
}
function record(kind: ResourceKindName, id: string, name: string, body: Json, extra: Partial<ResourceRecord> = {}): ResourceRecord {
  return { kind, id, name, body, ...extra };
}
/** Transport fields of an answer, never stored. */
const withoutLinks = (x: Json): Json => {
  const { links: _l, ...rest } = x;
  return rest;
};

// ---------------------------------------------------------------- webhooks

const WEBHOOK_WRITABLE = ["name", "description", "url", "eventTypes", "filter", "level", "enabled", "headers", "checkCertificateRevocation", "enableCloudEventDelivery"] as const;
/** `WebhookPatch` paths (webhooks.d.ts) among the writable fields; the rest need a PUT. */
const WEBHOOK_PATCHABLE = new Set<string>(["name", "description", "url", "eventTypes", "headers", "enabled", "enableCloudEventDelivery"]);
export const WEBHOOK_SECRET = "secret";
export const WEBHOOK_HEADER_VALUES = "encryptedHeaderValues";

const hookLabel = (name: string, id?: string): string => `webhook '${name}'${id ? ` (${id})` : ""}`;

/** The names of a webhook's encrypted headers, as a read returns them (a list; an old-style map: its keys, never its values). */
const headerNames = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : v && typeof v === "object" ? Object.keys(v) : []);

export function toWebhookRecord(w: Json): ResourceRecord {
  const { secret: _secret, encryptedHeaders, ...rest } = withoutLinks(w);
  const ownerId = w.ownerId;
  const names = headerNames(encryptedHeaders);
  const id = String(w.id);
  const owner = str(ownerId);
  const stamp = str(w.updatedAt);
  return record("webhooks", id, String(w.name ?? id), { ...rest, encryptedHeaders: names }, {
    ...(owner ? { ownerId: owner } : {}),
    ...(stamp ? { stamp } : {}),
    secrets: [...(w.secretKeyAdded === true ? [WEBHOOK_SECRET] : []), ...(names.length ? [WEBHOOK_HEADER_VALUES] : [])],
  });
}

/** The secrets given for a webhook: its signing secret and its encrypted headers' values (checked, never echoed). */
function webhookSecrets(input: ResourceWrite, name: string): { secret?: string; headers?: Record<string, string>; missing: string[] } {
  const secret = input.secrets?.[WEBHOOK_SECRET];
  const raw = input.secrets?.[WEBHOOK_HEADER_VALUES];
  const names = headerNames(input.body.encryptedHeaders);
  let headers: Record<string, string> | undefined;
  if (raw !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      parsed = undefined;
    }
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed) || Object.values(parsed).some((v) => typeof v !== "string"))
      throw new LifeboatError("usage", `the ${WEBHOOK_HEADER_VALUES} given for ${hookLabel(name)} is not a JSON object of header name → value (e.g. {"X-Api-Token": "…"}); fix it in the secrets file`, {
        object: hookLabel(name),
        next: `give ${WEBHOOK_HEADER_VALUES} as a JSON object of header name → value`,
      });
    headers = parsed as Record<string, string>;
  }
  const given = new Set(Object.keys(headers ?? {}).map((k) => k.toLowerCase()));
  return { ...(secret ? { secret } : {}), ...(headers ? { headers } : {}), missing: names.filter((n) => !given.has(n.toLowerCase())) };
}

/** What a webhook without its secrets lacks, in words; empty when nothing is missing. */
function lacking(input: ResourceWrite, s: { secret?: string; missing: string[] }): string[] {
  return [...(input.body.secretKeyAdded === true && !s.secret ? ["signing secret"] : []), ...(s.missing.length ? [`encrypted header value(s) ${s.missing.join(", ")}`] : [])];
}

async function readWebhook(core: TenantCore, id: string): Promise<Json> {
  return (await core.call("getWebhook", `webhook ${id}`, (api) => api.webhooks.getWebhook(id, nc))).data as Json;
}

export const webhooks: ResourceApi = {
  kind: "webhooks",
  async *list(core) {
    for await (const w of pages(core, "getWebhooks", undefined, (api) => api.webhooks.getWebhooks({ limit: 100 }, nc))) yield toWebhookRecord(w as Json);
  },
  get: async (core, id) => toWebhookRecord(await readWebhook(core, id)),

  async create(core, input): Promise<ResourceWriteResult> {
    const b = input.body;
    const name = String(b.name ?? "");
    const s = webhookSecrets(input, name);
    const body: Json = pick(b, WEBHOOK_WRITABLE);
    if (typeof b.origin === "string") body.origin = b.origin;
    // webhooks.d.ts: "The id of the user that owns the webhook, only applicable for user level
    // webhooks" — sent for every level (a tenant admin may name any owner); where Qlik keeps the
    // creator instead, the note says so.
    const ownerId = input.ownerId ?? str(b.ownerId);
    if (ownerId) body.ownerId = ownerId;
    if (s.secret) body.secret = s.secret;
    if (s.headers) body.encryptedHeaders = s.headers;
    const notes: string[] = [];
    const unrestored: string[] = [];
    const missing = lacking(input, s);
    if (missing.length) {
      // Its switch and what it says of its secrets follow from the secrets not given: the
      // declaration's `affects` (defs/integration.ts) keeps them out of verification.
      if (body.enabled === true) body.enabled = false;
      notes.push(`created ${b.enabled === true ? "disabled" : "as it was (disabled)"} without its ${missing.join(" and ")}: enter ${missing.length > 1 ? "them" : "it"} in the management console${b.enabled === true ? ", then enable it" : ""}`);
    }
    const resp = await core.call("createWebhook", hookLabel(name), (api) => api.webhooks.createWebhook(body as WebhookPost));
    const made = resp.data as Json;
    if (ownerId && str(made.ownerId) !== ownerId) {
      notes.push("owned by the restoring user, not the snapshot's owner: Qlik kept its creator as the owner; change it in the management console");
      unrestored.push("owner", "ownerId");
    }
    return { id: String(made.id), ...(notes.length ? { notes } : {}), ...(unrestored.length ? { unrestored } : {}) };
  },

  async update(core, id, input): Promise<ResourceWriteResult> {
    const name = String(input.body.name ?? id);
    const label = hookLabel(name, id);
    const cur = await readWebhook(core, id);
    const s = webhookSecrets(input, name);
    const want = pick(input.body, WEBHOOK_WRITABLE);
    const notes: string[] = [];
    const unrestored: string[] = [];
    const result = (): ResourceWriteResult => ({ id, ...(notes.length ? { notes } : {}), ...(unrestored.length ? { unrestored } : {}) });
    if (cur.enableCloudEventDelivery === true && want.enableCloudEventDelivery === false) {
      delete want.enableCloudEventDelivery;
      notes.push("CloudEvent delivery stays on: Qlik cannot turn it off once on");
      unrestored.push("enableCloudEventDelivery");
    }
    // Without its secrets a webhook is not switched on (it would sign nothing, send no token).
    // Qlik drops encrypted headers when the URL changes (webhooks.d.ts `encryptedHeaders`).
    const urlChanges = want.url !== undefined && !same(cur.url, want.url);
    const held = urlChanges ? [] : headerNames(cur.encryptedHeaders).map((h) => h.toLowerCase());
    const missing = lacking(input, { ...(s.secret || cur.secretKeyAdded === true ? { secret: "held" } : {}), missing: s.missing.filter((n) => !held.includes(n.toLowerCase())) });
    if (missing.length && want.enabled === true && cur.enabled !== true) {
      want.enabled = false;
      notes.push(`left disabled: its ${missing.join(" and ")} ${missing.length > 1 ? "were" : "was"} not given; enter ${missing.length > 1 ? "them" : "it"} in the management console, then enable it`);
    }
    const changed = WEBHOOK_WRITABLE.filter((k) => want[k] !== undefined && !same(cur[k], want[k]));
    const wantOwner = input.ownerId ?? str(input.body.ownerId);
    const owner = wantOwner && str(cur.ownerId) !== wantOwner ? wantOwner : undefined;
    const needsPut = changed.filter((k) => !WEBHOOK_PATCHABLE.has(k));
    if (needsPut.length || owner) {
      // PUT replaces the webhook: what it omits is cleared (API-FACTS §6.10), the secret and the encrypted headers too.
      const wouldClear = [...(cur.secretKeyAdded === true && !s.secret ? ["signing secret"] : []), ...(headerNames(cur.encryptedHeaders).length && !s.headers ? ["encrypted headers"] : [])];
      const fields = [...needsPut, ...(owner ? ["owner"] : [])];
      if (wouldClear.length) {
        unrestored.push(...fields, ...(owner ? ["ownerId"] : []));
        notes.push(`${fields.join(", ")} not changed: Qlik changes ${fields.length > 1 ? "them" : "it"} only by replacing the whole webhook, which would clear its ${wouldClear.join(" and ")}; give ${wouldClear.length > 1 ? "them" : "it"} in the secrets file or change ${fields.join(", ")} by hand`);
      } else {
        const body: Json = { ...pick(cur, WEBHOOK_WRITABLE), ...want, ...(owner ? { ownerId: owner } : str(cur.ownerId) ? { ownerId: cur.ownerId } : {}) };
        if (s.secret) body.secret = s.secret;
        if (s.headers) body.encryptedHeaders = s.headers;
        await core.call("updateWebhook", label, (api) => api.webhooks.updateWebhook(id, body as WebhookBase));
        return result();
      }
    }
    const ops: WebhookPatch[] = changed.filter((k) => WEBHOOK_PATCHABLE.has(k)).map((k) => ({ op: "replace", path: `/${k}` as WebhookPatch["path"], value: want[k] }));
    if (s.secret) ops.push({ op: "replace", path: "/secret", value: s.secret });
    // After `/url`: Qlik drops encrypted headers when the URL changes.
    if (s.headers) ops.push({ op: "replace", path: "/encryptedHeaders", value: s.headers });
    else if (changed.includes("url") && headerNames(cur.encryptedHeaders).length) {
      notes.push("its encrypted headers were dropped by Qlik with the URL change: enter them again in the management console");
      unrestored.push("encryptedHeaders");
    }
    if (ops.length) await core.call("patchWebhook", label, (api) => api.webhooks.patchWebhook(id, ops));
    return result();
  },
};

// ---------------------------------------------------------------- web integrations

const wiLabel = (name: string, id?: string): string => `web integration '${name}'${id ? ` (${id})` : ""}`;

export function toWebIntegrationRecord(w: Json): ResourceRecord {
  const id = String(w.id);
  const stamp = str(w.lastUpdated);
  return record("webIntegrations", id, String(w.name ?? id), withoutLinks(w), stamp ? { stamp } : {});
}

export const webIntegrations: ResourceApi = {
  kind: "webIntegrations",
  async *list(core) {
    for await (const w of pages(core, "getWebIntegrations", undefined, (api) => api.webIntegrations.getWebIntegrations({ limit: 100 }, nc))) yield toWebIntegrationRecord(w as Json);
  },
  get: async (core, id) => toWebIntegrationRecord((await core.call("getWebIntegration", `web integration ${id}`, (api) => api.webIntegrations.getWebIntegration(id, nc))).data as Json),

  async create(core, input) {
    const name = String(input.body.name ?? "");
    const body = { name, validOrigins: Array.isArray(input.body.validOrigins) ? (input.body.validOrigins as string[]) : [] };
    const made = (await core.call("createWebIntegration", wiLabel(name), (api) => api.webIntegrations.createWebIntegration(body))).data as Json;
    const id = String(made.id);
    return { id, notes: [`Qlik gave it the id ${id}: embedding clients (qlik-embed, mashups) that name the old web integration id must be updated`] };
  },

  async update(core, id, input) {
    const name = String(input.body.name ?? "");
    const cur = (await core.call("getWebIntegration", wiLabel(name, id), (api) => api.webIntegrations.getWebIntegration(id, nc))).data as Json;
    // `WebIntegrationPatch.value` is typed string; Qlik's `/validOrigins` takes the list (web-integrations.d.ts: "replace" of the field).
    const ops = [
      ...(name && cur.name !== name ? [{ op: "replace", path: "/name", value: name }] : []),
      ...(Array.isArray(input.body.validOrigins) && !same(cur.validOrigins, input.body.validOrigins) ? [{ op: "replace", path: "/validOrigins", value: input.body.validOrigins }] : []),
    ] as unknown as WebIntegrationPatchSchema;
    if (ops.length) await core.call("patchWebIntegration", wiLabel(name, id), (api) => api.webIntegrations.patchWebIntegration(id, ops));
    return { id };
  },
};

// ---------------------------------------------------------------- CSP origins

const CSP_FIELDS = ["name", "origin", "description", "childSrc", "connectSrc", "connectSrcWSS", "fontSrc", "formAction", "frameAncestors", "frameSrc", "imgSrc", "mediaSrc", "objectSrc", "scriptSrc", "styleSrc", "workerSrc"] as const;
const cspLabel = (name: string, id?: string): string => `CSP origin '${name}'${id ? ` (${id})` : ""}`;

export function toCspRecord(e: Json): ResourceRecord {
  const id = String(e.id);
  const stamp = str(e.modifiedDate);
  return record("cspOrigins", id, str(e.name) ?? String(e.origin ?? id), withoutLinks(e), stamp ? { stamp } : {});
}

export const cspOrigins: ResourceApi = {
  kind: "cspOrigins",
  async *list(core) {
    for await (const e of pages(core, "getCSPEntries", undefined, (api) => api.cspOrigins.getCSPEntries({ limit: 100 }, nc))) yield toCspRecord(e as Json);
  },
  get: async (core, id) => toCspRecord((await core.call("getCSPEntry", `CSP origin ${id}`, (api) => api.cspOrigins.getCSPEntry(id, nc))).data as Json),

  async create(core, input) {
    const body = pick(input.body, CSP_FIELDS) as CSPEntryContent;
    const made = (await core.call("createCSPEntry", cspLabel(String(body.name || body.origin)), (api) => api.cspOrigins.createCSPEntry(body))).data as Json;
    return { id: String(made.id) };
  },

  async update(core, id, input) {
    const body = pick(input.body, CSP_FIELDS) as CSPEntryContent;
    const label = cspLabel(String(body.name || body.origin), id);
    const cur = (await core.call("getCSPEntry", label, (api) => api.cspOrigins.getCSPEntry(id, nc))).data as Json;
    if (CSP_FIELDS.some((k) => !same(cur[k] ?? (k === "name" || k === "description" ? "" : false), body[k] ?? (k === "name" || k === "description" ? "" : false))))
      await core.call("updateCSPEntry", label, (api) => api.cspOrigins.updateCSPEntry(id, body));
    return { id };
  },
};

// ---------------------------------------------------------------- OAuth clients

/** `OAuthClientCreateRequest` fields a snapshot carries (the list item's shape). */
const OAUTH_CREATE = ["clientName", "appType", "description", "clientUri", "logoUri", "redirectUris", "allowedOrigins", "allowedScopes", "allowedGrantTypes", "allowedAuthMethods", "jwksUri", "publicKeys"] as const;
/** `OAuthClientUpdate` paths (oauth-clients.d.ts). */
const OAUTH_PATCH = ["clientName", "description", "clientUri", "logoUri", "redirectUris", "allowedOrigins", "allowedScopes", "allowedGrantTypes", "allowedAuthMethods", "jwksUri", "publicKeys"] as const;
const oauthLabel = (name: string, id?: string): string => `OAuth client '${name}'${id ? ` (${id})` : ""}`;
const empty = (v: unknown): boolean => v === undefined || v === null || v === "" || (Array.isArray(v) && v.length === 0);

export function toOAuthClientRecord(x: Json): ResourceRecord {
  const { clientSecret: _secret, ...rest } = withoutLinks(x);
  const id = String(x.clientId);
  const stamp = str(x.updatedAt);
  return record("oauthClients", id, String(x.clientName ?? id), rest, {
    ...(stamp ? { stamp } : {}),
    ...(Array.isArray(x.clientSecrets) && x.clientSecrets.length ? { secrets: ["clientSecret"] } : {}),
  });
}

async function readOAuthClient(core: TenantCore, id: string, label = `OAuth client ${id}`): Promise<Json> {
  return (await core.call("getOAuthClient", label, (api) => api.oauthClients.getOAuthClient(id, nc))).data as Json;
}

export const oauthClients: ResourceApi = {
  kind: "oauthClients",
  async *list(core) {
    for await (const x of pages(core, "getOAuthClients", undefined, (api) => api.oauthClients.getOAuthClients({ limit: 100 }, nc))) yield toOAuthClientRecord(x as Json);
  },
  get: async (core, id) => toOAuthClientRecord(await readOAuthClient(core, id)),

  async create(core, input) {
    const b = input.body;
    const name = String(b.clientName ?? "");
    const body: Json = {};
    for (const k of OAUTH_CREATE) if (!empty(b[k])) body[k] = b[k];
    // At create "the only allowed value is trusted" (OAuthClientCreateRequest.connectionConfig).
    if ((b.connectionConfig as Json | undefined)?.consentMethod === "trusted") body.connectionConfig = { consentMethod: "trusted" };
    const label = oauthLabel(name);
    const made = (await core.call("createOAuthClient", label, (api) => api.oauthClients.createOAuthClient(body as OAuthClientCreateRequest))).data as Json;
    // `made.clientSecret` (a confidential client's first secret) is never read: Lifeboat neither keeps nor shows a secret.
    const id = String(made.clientId);
    const notes = [
      typeof made.clientSecret === "string"
        ? `Qlik gave it the client id ${id} and a client secret Lifeboat does not keep: generate a new secret in the management console (OAuth) and reconfigure every integration that used the old client id and secret`
        : `Qlik gave it the client id ${id}: reconfigure every integration that used the old client id`,
    ];
    if (str(b.publishedAt)) await core.call("publishOAuthClient", oauthLabel(name, id), (api) => api.oauthClients.publishOAuthClient(id));
    return { id, notes };
  },

  async update(core, id, input) {
    const b = input.body;
    const name = String(b.clientName ?? id);
    const label = oauthLabel(name, id);
    const cur = await readOAuthClient(core, id, label);
    const notes: string[] = [];
    if (str(b.appType) && b.appType !== cur.appType)
      notes.push(`its application type stays ${String(cur.appType)} (the snapshot has ${String(b.appType)}): Qlik fixes it at creation; delete and recreate the client by hand to change it`);
    const ops: OAuthClientUpdate[] = [];
    for (const k of OAUTH_PATCH) {
      const want = b[k];
      if (same(empty(cur[k]) ? null : cur[k], empty(want) ? null : want)) continue;
      ops.push(empty(want) ? { op: "remove", path: `/${k}` } : { op: "replace", path: `/${k}`, value: want as string | string[] });
    }
    if (ops.length) {
      const resp = await core.call("patchOAuthClient", label, (api) => api.oauthClients.patchOAuthClient(id, ops));
      // 202: Qlik generated a secret (client_secret added to the methods) — dropped unread, as at create.
      if (resp.status === 202) notes.push("Qlik generated a client secret with this change that Lifeboat does not keep: generate a new one in the management console (OAuth) for the integrations that use it");
    }
    if (str(b.publishedAt) && !str(cur.publishedAt)) await core.call("publishOAuthClient", label, (api) => api.oauthClients.publishOAuthClient(id));
    return { id, ...(notes.length ? { notes } : {}) };
  },
};

// ---------------------------------------------------------------- API-key configuration

/** The one item of the singleton. */
export const API_KEY_CONFIG_ID = "config";
/** The fields `@qlik/api` 2.19 patches (`ApiKeyConfigPatch.path`). */
const API_KEY_CONFIG_FIELDS = ["max_api_key_expiry", "max_keys_per_user", "scim_externalClient_expiry"] as const;
const CONFIG_LABEL = "the API-key configuration";

async function tenantIdOf(core: TenantCore): Promise<string> {
  const me = (await core.call("getMyUser", undefined, (api) => api.users.getMyUser(nc))).data as Json;
  const id = str(me.tenantId);
  if (!id) throw new LifeboatError("internal", `the calling user of ${core.host} carries no tenantId: ${CONFIG_LABEL} cannot be addressed`, { place: core.host });
  return id;
}

async function readConfig(core: TenantCore): Promise<{ tenantId: string; config: Json }> {
  const tenantId = await tenantIdOf(core);
  const config = (await core.call("getApiKeysConfig", CONFIG_LABEL, (api) => api.apiKeys.getApiKeysConfig(tenantId, nc))).data as Json;
  return { tenantId, config };
}

const toConfigRecord = (config: Json): ResourceRecord => record("apiKeyConfig", API_KEY_CONFIG_ID, "API-key configuration", withoutLinks(config));

async function writeConfig(core: TenantCore, input: ResourceWrite): Promise<ResourceWriteResult> {
  const { tenantId, config } = await readConfig(core);
  const ops: ApiKeyConfigPatch[] = API_KEY_CONFIG_FIELDS.filter((k) => input.body[k] !== undefined && !same(config[k], input.body[k])).map((k) => ({ op: "replace", path: `/${k}`, value: input.body[k] }));
  if (ops.length) await core.call("patchApiKeysConfig", CONFIG_LABEL, (api) => api.apiKeys.patchApiKeysConfig(tenantId, ops));
  const notes: string[] = [];
  const unrestored: string[] = [];
  const enabled = input.body.api_keys_enabled;
  if (typeof enabled === "boolean" && config.api_keys_enabled !== undefined && config.api_keys_enabled !== enabled) {
    // Not a path of @qlik/api 2.19's `ApiKeyConfigPatch` (the 2025 spec has it): its own call, and a refusal is a note.
    const op = [{ op: "replace", path: "/api_keys_enabled", value: enabled }] as unknown as ApiKeyConfigPatch[];
    try {
      await core.call("patchApiKeysConfig", CONFIG_LABEL, (api) => api.apiKeys.patchApiKeysConfig(tenantId, op));
    } catch (err) {
      if (!isQlikApiError(err) || err.status !== 400) throw err;
      unrestored.push("api_keys_enabled");
      notes.push(`API keys stay ${enabled ? "disabled" : "enabled"} (the snapshot has them ${enabled ? "enabled" : "disabled"}): Qlik refused to change it through the API (${err.detail ?? err.message}); switch it in the management console (Settings › API keys)`);
    }
  }
  return { id: API_KEY_CONFIG_ID, ...(notes.length ? { notes } : {}), ...(unrestored.length ? { unrestored } : {}) };
}

export const apiKeyConfig: ResourceApi = {
  kind: "apiKeyConfig",
  async *list(core) {
    yield toConfigRecord((await readConfig(core)).config);
  },
  get: async (core) => toConfigRecord((await readConfig(core)).config),
  // A singleton exists in every tenant: "create" brings it to the snapshot's values too.
  create: (core, input) => writeConfig(core, input),
  update: (core, _id, input) => writeConfig(core, input),
};

export const INTEGRATION_APIS: readonly ResourceApi[] = [cspOrigins, webIntegrations, oauthClients, apiKeyConfig, webhooks];
