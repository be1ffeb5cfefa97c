/**
 * Authentication: API keys and OAuth2 client-credentials tokens, both as
 * `Authorization: Bearer`. Access tokens are self-verifying (payload + HMAC with the
 * client secret), so they survive a restart with `--state`. Token lifetime is 6 hours of
 * real time (not time-scaled, so long benchmarks are not interrupted by expiry).
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Identity, Tenant } from "../model.ts";
import { QlikError, badRequest } from "../internal/errors.ts";
import type { Ctx, RestApp, RouteDeps } from "./common.ts";

const TOKEN_TTL_SECONDS = 21_600;

function sign(secret: string, payload: string): string {
  return createHmac("sha256", secret).update(payload).digest("base64url");
}

export function issueToken(tenant: Tenant, clientId: string, scopes: string[], nowMs: number): { token: string; expiresAt: number } {
  const client = tenant.oauthClients[clientId];
  if (!client) throw new Error(`unknown OAuth client ${clientId}`);
  const expiresAt = nowMs + TOKEN_TTL_SECONDS * 1000;
  const payload = Buffer.from(JSON.stringify({ c: clientId, s: scopes, e: expiresAt, t: tenant.id })).toString("base64url");
  return { token: `emuat.${payload}.${sign(client.clientSecret, payload)}`, expiresAt };
}

function identityFor(tenant: Tenant, userId: string, scopes: string[], isClient: boolean): Identity | undefined {
  const user = tenant.users[userId];
  if (!user || user.status === "disabled" || user.status === "deleted") return undefined;
  return {
    tenant,
    user,
    scopes,
    isPrivateContentBot: isClient && scopes.includes("admin.apps") && scopes.includes("admin_classic"),
    isTenantAdmin: user.roles.includes("TenantAdmin"),
  };
}

/** Resolves a raw `Authorization` header to a caller; undefined when missing or invalid. */
export function resolveBearer(tenant: Tenant, header: string | undefined): Identity | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  const token = m?.[1];
  if (!token) return undefined;
  const key = tenant.apiKeys[token];
  if (key) return identityFor(tenant, key.userId, ["user_default"], false);
  const parts = token.split(".");
  if (parts.length !== 3 || parts[0] !== "emuat" || !parts[1] || !parts[2]) return undefined;
  let payload: { c?: unknown; s?: unknown; e?: unknown; t?: unknown };
  try {
    payload = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8")) as typeof payload;
  } catch {
    return undefined;
  }
  if (typeof payload.c !== "string" || payload.t !== tenant.id || typeof payload.e !== "number" || !Array.isArray(payload.s)) return undefined;
  const client = tenant.oauthClients[payload.c];
  if (!client) return undefined;
  const expected = Buffer.from(sign(client.clientSecret, parts[1]));
  const given = Buffer.from(parts[2]);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
  if (Date.now() >= payload.e) return undefined;
  return identityFor(tenant, client.userId, payload.s.map(String), true);
}

export function authenticateUpgrade(tenant: Tenant, req: IncomingMessage): Identity | undefined {
  return resolveBearer(tenant, req.headers.authorization);
}

async function tokenRequestBody(c: Ctx): Promise<Record<string, unknown>> {
  const type = (c.req.header("content-type") ?? "").toLowerCase();
  const text = await c.req.text();
  if (type.includes("application/x-www-form-urlencoded")) return Object.fromEntries(new URLSearchParams(text));
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw badRequest("OAUTH-1", "The token request must be a JSON object or a form-encoded body.");
}

export function registerOAuth(app: RestApp, { tenant, rt }: RouteDeps): void {
  app.post("/oauth/token", async (c) => {
    const body = await tokenRequestBody(c);
    let clientId = typeof body.client_id === "string" ? body.client_id : undefined;
    let clientSecret = typeof body.client_secret === "string" ? body.client_secret : undefined;
    const basic = /^Basic\s+(\S+)$/i.exec(c.req.header("authorization") ?? "")?.[1];
    if (basic && !clientId) {
      const [id, secret] = Buffer.from(basic, "base64").toString("utf8").split(":", 2);
      clientId = id;
      clientSecret = secret;
    }
    if (body.grant_type !== "client_credentials") {
      throw badRequest("OAUTH-2", `grant_type "${String(body.grant_type ?? "")}" is not supported by the emulator (client_credentials only).`);
    }
    if (!clientId || !clientSecret) throw badRequest("OAUTH-1", "client_id and client_secret are required.");
    const client = tenant.oauthClients[clientId];
    if (!client || client.clientSecret !== clientSecret) throw new QlikError(401, "OAUTH-3", "Unauthorized", "Invalid client credentials.");
    const requested = typeof body.scope === "string" && body.scope.trim() !== "" ? body.scope.trim().split(/\s+/) : undefined;
    // Requested scopes must be assigned to the client; omitted ⇒ the client's own scopes.
    // The others are dropped (the response's `scope` says what was granted) or, with the
    // `unassignedScopes: refuse` switch, the request is refused (RFC 6749 §5.2 invalid_scope).
    const scopes = requested ? requested.filter((s) => client.scopes.includes(s)) : [...client.scopes];
    const unassigned = requested?.filter((s) => !client.scopes.includes(s)) ?? [];
    if (unassigned.length > 0 && rt.quirks.unassignedScopes === "refuse")
      throw badRequest("OAUTH-4", `invalid_scope: the scope(s) ${unassigned.join(" ")} are not assigned to this OAuth client.`);
    if (requested && scopes.length === 0) throw badRequest("OAUTH-4", `None of the requested scopes (${requested.join(" ")}) is assigned to this client.`);
    const user = tenant.users[client.userId];
    if (!user || user.status === "disabled") throw new QlikError(403, "OAUTH-5", "Forbidden", "The client's user is disabled.");
    const { token, expiresAt } = issueToken(tenant, clientId, scopes, Date.now());
    return c.json({
      access_token: token,
      token_type: "bearer",
      expires_in: TOKEN_TTL_SECONDS,
      expires_at: new Date(expiresAt).toISOString(),
      scope: scopes.join(" "),
    });
  });
}
