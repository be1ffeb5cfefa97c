/**
 * OAuth clients (`/api/v1/oauth-clients…`, API-FACTS §6.23) and the API-key configuration
 * (`/api/v1/api-keys/configs/{tenantId}`, §6.21): tenant settings of the management console,
 * TenantAdmin only (403 otherwise — the spec's "Requires `TenantAdmin` role when created
 * in-tenant"; the stricter reading for reads). Shapes from the 2025 spec
 * (`OAuthClientCreateRequest`, `OAuthClientAdminListItem`, `OAuthClientAdminReadResponse`,
 * `OAuthClientCreateResponse`, `OAuthClientSecretResponse`, `OAuthClientUpdate`,
 * `ApiKeysConfig`, `ApiKeyConfigPatch`) and `@qlik/api` 2.19 `oauth-clients.d.ts` /
 * `api-keys.d.ts`.
 *
 * OAuth clients:
 * - `clientId` and secrets are server-generated. A secret is in the create response (and in a
 *   PATCH that adds `client_secret` to `allowedAuthMethods`: 202) and never again: reads list
 *   `clientSecrets[{hint, createdAt, createdBy}]`. At most 5 secrets (409). Public clients
 *   (`spa`, `native`, `anonymous-embed`) get none.
 * - `appType` is fixed after creation (not a PATCH path: 400). `allowedOrigins` only for `spa`,
 *   `allowedGrantTypes` only for `web`; `connectionConfig.consentMethod` only `trusted` at create.
 * - Unknown or read-only fields in a create body are a 400 (stricter than the spec, which does
 *   not close the schema: a client must not echo what it read).
 * - DELETE needs the `qlik-confirm-delete` header equal to the id (the 2025 spec); it also
 *   unregisters the client from the token endpoint.
 * - Paging: `limit` (20, ≤100), `next`/`prev` cursors; SCIM `filter` on clientId, clientName,
 *   appType, tenantId, createdByType; `sort` on those and createdAt/updatedAt.
 *
 * API-key configuration: a singleton per tenant; the path's tenantId must be the tenant's (404
 * otherwise). PATCH takes `replace` of `/max_api_key_expiry`, `/max_keys_per_user`,
 * `/scim_externalClient_expiry` — and `/api_keys_enabled` only with the quirk
 * `apiKeysEnabledPatch: accept` (see internal/runtime.ts).
 */
import type { Identity } from "../model.ts";
import { kindsOf, type ManagedOAuthClient } from "../kinds.ts";
import { badRequest, conflict, forbidden, notFound } from "../internal/errors.ts";
import { newHexId, nowIso } from "../internal/runtime.ts";
import { randomBytes } from "node:crypto";
import { readJson, readJsonArray, who, type Ctx, type RestApp, type RouteDeps } from "./common.ts";
import { cursorPage, limitOf } from "./kinds-common.ts";
import { matchScim, parseScim } from "./scim.ts";

const APP_TYPES = ["web", "native", "spa", "anonymous-embed"] as const;
const GRANT_TYPES = ["client_credentials", "urn:qlik:oauth:user-impersonation"] as const;
const AUTH_METHODS = ["client_secret", "private_key_jwt"] as const;
const MAX_SECRETS = 5;
/** `OAuthClientCreateRequest` (2025 spec) and what @qlik/api 2.19 adds (`allowedAuthMethods`, `jwksUri`, `publicKeys`). */
const CREATE_FIELDS = new Set(["appType", "clientName", "description", "clientUri", "logoUri", "redirectUris", "allowedOrigins", "allowedScopes", "allowedGrantTypes", "allowedAuthMethods", "jwksUri", "publicKeys", "connectionConfig"]);
/** `OAuthClientUpdate.path` (@qlik/api 2.19). */
const PATCH_PATHS = new Set(["/allowedOrigins", "/clientName", "/clientUri", "/description", "/logoUri", "/redirectUris", "/allowedScopes", "/allowedGrantTypes", "/allowedAuthMethods", "/jwksUri", "/publicKeys"]);
/** An ISO-8601 duration (P…, with an optional T part). */
const DURATION_RE = /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$/;

/** A new client secret: 64 hex characters (the spec's maxLength). */
const newSecret = (): string => randomBytes(32).toString("hex");

export function registerOAuthClients(app: RestApp, { tenant, rt }: RouteDeps): void {
  const clients = () => kindsOf(tenant).oauthClients;
  const admin = (c: Ctx): Identity => {
    const w = who(c);
    if (!w.isTenantAdmin) throw forbidden("HTTP-403", "This tenant setting needs the TenantAdmin role.");
    return w;
  };
  const clientFor = (c: Ctx): ManagedOAuthClient => {
    const id = c.req.param("id") ?? "";
    const x = clients()[id];
    if (!x) throw notFound("HTTP-404", `OAuth client "${id}" was not found.`);
    return x;
  };

  const hints = (x: ManagedOAuthClient) => x.secrets.map((s) => ({ hint: s.hint, createdAt: s.createdAt, createdBy: s.createdBy }));
  /** Fields every response shares (`OAuthClientBase` + clientId). */
  const base = (x: ManagedOAuthClient): Record<string, unknown> => {
    const out: Record<string, unknown> = {
      clientId: x.clientId,
      clientName: x.clientName,
      appType: x.appType,
      ownerId: x.ownerId,
      createdByType: "user",
      allowedScopes: x.allowedScopes,
      allowedGrantTypes: x.allowedGrantTypes,
      allowedAuthMethods: x.allowedAuthMethods,
      redirectUris: x.redirectUris,
      allowedOrigins: x.allowedOrigins,
      createdAt: x.createdAt,
      updatedAt: x.updatedAt,
    };
    for (const k of ["description", "clientUri", "logoUri", "jwksUri", "publishedAt"] as const) if (x[k] !== undefined) out[k] = x[k];
    if (x.publicKeys?.length) out.publicKeys = x.publicKeys;
    return out;
  };
  /** `OAuthClientAdminListItem`: with the connection config. */
  const listJson = (x: ManagedOAuthClient): Record<string, unknown> => ({ ...base(x), clientSecrets: hints(x), ...(x.consentMethod ? { connectionConfig: { consentMethod: x.consentMethod } } : {}) });
  /** `OAuthClientAdminReadResponse`. */
  const readJsonOf = (x: ManagedOAuthClient): Record<string, unknown> => ({ ...base(x), clientSecrets: hints(x) });

  const str = (v: unknown, k: string, max: number): string | undefined => {
    if (v === undefined) return undefined;
    if (typeof v !== "string" || v.length > max) throw badRequest("HTTP-400", `"${k}" must be a string of at most ${max} characters.`);
    return v;
  };
  const list = (v: unknown, k: string, opts: { maxItems?: number; maxLength: number; allowed?: readonly string[] }): string[] => {
    if (v === undefined) return [];
    const items = typeof v === "string" ? [v] : v;
    if (!Array.isArray(items) || items.some((x) => typeof x !== "string" || x.length > opts.maxLength || (opts.allowed && !opts.allowed.includes(x))))
      throw badRequest("HTTP-400", `"${k}" must be a list of ${opts.allowed ? opts.allowed.map((a) => `"${a}"`).join(", ") : `strings of at most ${opts.maxLength} characters`}.`);
    if (opts.maxItems !== undefined && items.length > opts.maxItems) throw badRequest("HTTP-400", `"${k}" takes at most ${opts.maxItems} entries.`);
    if (new Set(items).size !== items.length) throw badRequest("HTTP-400", `"${k}" has duplicate entries.`);
    return items as string[];
  };
  /** `JWK` (oauth-clients.d.ts): kid, kty RSA|EC, alg, use "sig"; RSA keys n and e, EC keys crv, x and y. */
  const jwks = (v: unknown): Record<string, string>[] => {
    if (v === undefined) return [];
    const ok = (k: unknown): boolean => {
      if (!k || typeof k !== "object" || Array.isArray(k)) return false;
      const j = k as Record<string, unknown>;
      if (Object.values(j).some((x) => typeof x !== "string") || typeof j.kid !== "string" || j.use !== "sig" || !["RS256", "RS512", "ES384"].includes(String(j.alg))) return false;
      return j.kty === "RSA" ? typeof j.n === "string" && typeof j.e === "string" : j.kty === "EC" && typeof j.crv === "string" && typeof j.x === "string" && typeof j.y === "string";
    };
    if (!Array.isArray(v) || !v.every(ok)) throw badRequest("HTTP-400", 'publicKeys must be a list of JWKs (kid, kty RSA or EC, alg RS256|RS512|ES384, use "sig", and the key\'s parameters).');
    return v as Record<string, string>[];
  };
  const uri = (v: unknown, k: string): string => {
    const s = str(v, k, 2048) ?? "";
    if (!/^https?:\/\/\S+$/.test(s)) throw badRequest("HTTP-400", `"${k}" must be an http(s) URI.`);
    return s;
  };
  /** Cross-field rules of a client (create and after a PATCH). */
  const checkClient = (x: ManagedOAuthClient): void => {
    if (x.allowedOrigins.length && x.appType !== "spa") throw badRequest("HTTP-400", `allowedOrigins are only available with the "spa" application type, not "${x.appType}".`);
    if (x.allowedGrantTypes.length && x.appType !== "web") throw badRequest("HTTP-400", `allowedGrantTypes are only for use with appType "web", not "${x.appType}".`);
    for (const r of x.redirectUris) if (!/^(https?:\/\/|[a-z][a-z0-9+.-]*:\/)\S+$/.test(r)) throw badRequest("HTTP-400", `redirect URI "${r}" is not a URI.`);
    for (const o of x.allowedOrigins) if (!/^https?:\/\/[^\s/]+$/.test(o)) throw badRequest("HTTP-400", `allowed origin "${o}" is not an origin (scheme://host[:port]).`);
  };
  const secretFor = (x: ManagedOAuthClient, w: Identity): string => {
    const secret = newSecret();
    x.secrets.push({ hint: secret.slice(-4), secret, createdAt: nowIso(), createdBy: w.user.id });
    return secret;
  };
  const confidential = (x: ManagedOAuthClient): boolean => x.appType === "web" && x.allowedAuthMethods.includes("client_secret");

  app.get("/api/v1/oauth-clients", (c) => {
    admin(c);
    const limit = limitOf(c, 20, 100);
    let all = Object.values(clients());
    const filter = c.req.query("filter");
    if (filter) {
      const node = parseScim(filter);
      const fields: Record<string, (x: ManagedOAuthClient) => string> = { clientId: (x) => x.clientId, clientName: (x) => x.clientName, appType: (x) => x.appType, tenantId: () => tenant.id, createdByType: () => "user" };
      all = all.filter((x) =>
        matchScim(node, x, (_item, attr) => {
          const f = fields[attr];
          if (!f) throw badRequest("HTTP-400", `unsupported filter attribute "${attr}": use clientId, clientName, appType, tenantId or createdByType.`);
          return [f(x)];
        }),
      );
    }
    const sort = c.req.query("sort") ?? "+clientName";
    const key = sort.replace(/^[+-]/, "");
    const sortKeys: Record<string, (x: ManagedOAuthClient) => string> = { clientId: (x) => x.clientId, clientName: (x) => x.clientName, appType: (x) => x.appType, tenantId: () => tenant.id, createdAt: (x) => x.createdAt, updatedAt: (x) => x.updatedAt };
    const by = sortKeys[key];
    if (!by) throw badRequest("HTTP-400", `unsupported sort "${sort}"`);
    all.sort((a, b) => by(a).localeCompare(by(b)) || a.clientId.localeCompare(b.clientId));
    if (sort.startsWith("-")) all.reverse();
    const { page, links } = cursorPage(c, all, limit, "next");
    const total = c.req.query("totalResults");
    if (total !== undefined && total !== "true" && total !== "false") throw badRequest("HTTP-400", `totalResults must be true or false, got "${total}".`);
    return c.json({ data: page.map(listJson), links, ...(total === "true" ? { totalResults: all.length } : {}) });
  });

  app.get("/api/v1/oauth-clients/:id", (c) => {
    admin(c);
    return c.json(readJsonOf(clientFor(c)));
  });

  app.post("/api/v1/oauth-clients", async (c) => {
    const w = admin(c);
    const body = await readJson(c);
    const unknown = Object.keys(body).filter((k) => !CREATE_FIELDS.has(k));
    if (unknown.length) throw badRequest("HTTP-400", `unknown or read-only field(s) ${unknown.map((k) => `"${k}"`).join(", ")} in an OAuth client create request.`);
    if (typeof body.appType !== "string" || !(APP_TYPES as readonly string[]).includes(body.appType)) throw badRequest("HTTP-400", `appType is required: one of ${APP_TYPES.join(", ")}.`);
    const clientName = str(body.clientName, "clientName", 512);
    if (!clientName) throw badRequest("HTTP-400", "clientName is required: at most 512 characters.");
    const cc = body.connectionConfig;
    if (cc !== undefined && (typeof cc !== "object" || cc === null || Array.isArray(cc) || Object.keys(cc).some((k) => k !== "consentMethod") || (cc as { consentMethod?: unknown }).consentMethod !== "trusted"))
      throw badRequest("HTTP-400", 'connectionConfig takes only consentMethod, and the only allowed value at create is "trusted".');
    const appType = body.appType as ManagedOAuthClient["appType"];
    const t = nowIso();
    const x: ManagedOAuthClient = {
      clientId: newHexId() + randomBytes(4).toString("hex"),
      clientName,
      appType,
      redirectUris: list(body.redirectUris, "redirectUris", { maxItems: 5, maxLength: 256 }),
      allowedOrigins: list(body.allowedOrigins, "allowedOrigins", { maxItems: 5, maxLength: 256 }),
      allowedScopes: list(body.allowedScopes, "allowedScopes", { maxLength: 256 }),
      allowedGrantTypes: list(body.allowedGrantTypes, "allowedGrantTypes", { maxLength: 64, allowed: GRANT_TYPES }) as ManagedOAuthClient["allowedGrantTypes"],
      allowedAuthMethods: (body.allowedAuthMethods === undefined ? (appType === "web" ? ["client_secret"] : []) : list(body.allowedAuthMethods, "allowedAuthMethods", { maxLength: 64, allowed: AUTH_METHODS })) as ManagedOAuthClient["allowedAuthMethods"],
      ownerId: w.user.id,
      secrets: [],
      createdAt: t,
      updatedAt: t,
    };
    const description = str(body.description, "description", 4096);
    if (description !== undefined) x.description = description;
    if (body.clientUri !== undefined) x.clientUri = uri(body.clientUri, "clientUri");
    if (body.logoUri !== undefined) x.logoUri = uri(body.logoUri, "logoUri");
    if (body.jwksUri !== undefined) x.jwksUri = uri(body.jwksUri, "jwksUri");
    if (body.publicKeys !== undefined) x.publicKeys = jwks(body.publicKeys);
    if (cc !== undefined) x.consentMethod = "trusted";
    checkClient(x);
    const secret = confidential(x) ? secretFor(x, w) : undefined;
    clients()[x.clientId] = x;
    rt.changed(tenant);
    return c.json({ ...readJsonOf(x), ...(secret ? { clientSecret: secret } : {}) }, 201);
  });

  app.patch("/api/v1/oauth-clients/:id", async (c) => {
    const w = admin(c);
    const x = clientFor(c);
    const next: ManagedOAuthClient = structuredClone(x);
    for (const op of await readJsonArray(c)) {
      const path = String(op.path ?? "");
      if (op.op !== "add" && op.op !== "replace" && op.op !== "remove") throw badRequest("HTTP-400", `unsupported patch op ${JSON.stringify(op.op)}`);
      if (!PATCH_PATHS.has(path)) throw badRequest("HTTP-400", path === "/appType" ? "appType cannot be changed after creation." : `unsupported patch path "${path}"`);
      const remove = op.op === "remove";
      switch (path) {
        case "/clientName": {
          const v = remove ? undefined : str(op.value, "clientName", 512);
          if (!v) throw badRequest("HTTP-400", "clientName cannot be removed or empty.");
          next.clientName = v;
          break;
        }
        case "/description":
          if (remove) delete next.description;
          else next.description = str(op.value, "description", 4096) ?? "";
          break;
        case "/publicKeys":
          next.publicKeys = remove ? [] : jwks(op.value);
          break;
        case "/clientUri":
        case "/logoUri":
        case "/jwksUri": {
          const k = path.slice(1) as "clientUri" | "logoUri" | "jwksUri";
          if (remove) delete next[k];
          else next[k] = uri(op.value, k);
          break;
        }
        case "/redirectUris":
          next.redirectUris = remove ? [] : list(op.value, "redirectUris", { maxItems: 5, maxLength: 256 });
          break;
        case "/allowedOrigins":
          next.allowedOrigins = remove ? [] : list(op.value, "allowedOrigins", { maxItems: 5, maxLength: 256 });
          break;
        case "/allowedScopes":
          next.allowedScopes = remove ? [] : list(op.value, "allowedScopes", { maxLength: 256 });
          break;
        case "/allowedGrantTypes":
          next.allowedGrantTypes = (remove ? [] : list(op.value, "allowedGrantTypes", { maxLength: 64, allowed: GRANT_TYPES })) as ManagedOAuthClient["allowedGrantTypes"];
          break;
        case "/allowedAuthMethods":
          next.allowedAuthMethods = (remove ? [] : list(op.value, "allowedAuthMethods", { maxLength: 64, allowed: AUTH_METHODS })) as ManagedOAuthClient["allowedAuthMethods"];
          break;
      }
    }
    checkClient(next);
    // Adding client_secret to a web client's methods generates a secret (202 with it).
    const generated = confidential(next) && !confidential(x) && next.secrets.length === 0 ? secretFor(next, w) : undefined;
    Object.assign(x, next, { updatedAt: nowIso() });
    rt.changed(tenant);
    return generated ? c.json({ clientSecret: generated }, 202) : c.body(null, 204);
  });

  app.delete("/api/v1/oauth-clients/:id", (c) => {
    admin(c);
    const x = clientFor(c);
    if (c.req.header("qlik-confirm-delete") !== x.clientId) throw badRequest("HTTP-400", "The qlik-confirm-delete header must be the id of the OAuth client to delete.");
    delete clients()[x.clientId];
    delete tenant.oauthClients[x.clientId];
    rt.changed(tenant);
    return c.body(null, 204);
  });

  app.post("/api/v1/oauth-clients/:id/actions/publish", (c) => {
    admin(c);
    const x = clientFor(c);
    if (x.publishedAt) throw badRequest("HTTP-400", `OAuth client "${x.clientName}" is already published.`);
    if (x.appType === "anonymous-embed") throw badRequest("HTTP-400", "Anonymous-embed clients cannot be published.");
    x.publishedAt = nowIso();
    x.updatedAt = x.publishedAt;
    rt.changed(tenant);
    return c.json({ publishedAt: x.publishedAt }, 201);
  });

  app.post("/api/v1/oauth-clients/:id/client-secrets", (c) => {
    const w = admin(c);
    const x = clientFor(c);
    if (!confidential(x)) throw badRequest("HTTP-400", `OAuth client "${x.clientName}" (${x.appType}) does not use client secrets.`);
    if (x.secrets.length >= MAX_SECRETS) throw conflict("HTTP-409", `An OAuth client can have at most ${MAX_SECRETS} client secrets at one time.`);
    const secret = secretFor(x, w);
    const s = x.secrets[x.secrets.length - 1]!;
    x.updatedAt = nowIso();
    rt.changed(tenant);
    return c.json({ clientId: x.clientId, clientSecret: secret, hint: s.hint, createdAt: s.createdAt, createdBy: s.createdBy }, 201);
  });

  app.delete("/api/v1/oauth-clients/:id/client-secrets/:hint", (c) => {
    admin(c);
    const x = clientFor(c);
    const hint = c.req.param("hint");
    const i = x.secrets.findIndex((s) => s.hint === hint);
    if (i < 0) throw notFound("HTTP-404", `OAuth client "${x.clientName}" has no client secret with the hint "${hint}".`);
    x.secrets.splice(i, 1);
    x.updatedAt = nowIso();
    rt.changed(tenant);
    return c.body(null, 204);
  });

  // ---- API-key configuration (a singleton)
  const configFor = (c: Ctx) => {
    admin(c);
    const id = c.req.param("tenantId");
    if (id !== tenant.id) throw notFound("HTTP-404", `No API key configuration for tenant "${id}".`);
    return kindsOf(tenant).apiKeysConfig;
  };
  app.get("/api/v1/api-keys/configs/:tenantId", (c) => c.json({ ...configFor(c) }));
  app.patch("/api/v1/api-keys/configs/:tenantId", async (c) => {
    const config = configFor(c);
    const next = { ...config };
    const ops = await readJsonArray(c);
    if (!ops.length) throw badRequest("HTTP-400", "The patch document is empty.");
    for (const op of ops) {
      if (op.op !== "replace") throw badRequest("HTTP-400", `unsupported patch op ${JSON.stringify(op.op)}: only "replace".`);
      if (!("value" in op)) throw badRequest("HTTP-400", `patch of "${String(op.path)}" lacks a value.`);
      const v = op.value;
      switch (op.path) {
        case "/max_api_key_expiry":
        case "/scim_externalClient_expiry":
          if (typeof v !== "string" || !DURATION_RE.test(v)) throw badRequest("HTTP-400", `${op.path.slice(1)} must be an ISO-8601 duration (e.g. "P30D"), got ${JSON.stringify(v)}.`);
          next[op.path.slice(1) as "max_api_key_expiry" | "scim_externalClient_expiry"] = v;
          break;
        case "/max_keys_per_user":
          if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 1000) throw badRequest("HTTP-400", `max_keys_per_user must be an integer from 0 to 1000, got ${JSON.stringify(v)}.`);
          next.max_keys_per_user = v;
          break;
        case "/api_keys_enabled":
          if (rt.quirks.apiKeysEnabledPatch === "refuse") throw badRequest("HTTP-400", 'unsupported patch path "/api_keys_enabled"');
          if (typeof v !== "boolean") throw badRequest("HTTP-400", "api_keys_enabled must be a boolean.");
          next.api_keys_enabled = v;
          break;
        default:
          throw badRequest("HTTP-400", `unsupported patch path "${String(op.path)}"`);
      }
    }
    Object.assign(config, next);
    rt.changed(tenant);
    return c.body(null, 204);
  });
}
