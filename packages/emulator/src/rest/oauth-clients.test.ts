/**
 * OAuth clients and the API-key configuration as Qlik serves them (rest/oauth-clients.ts):
 * TenantAdmin only, server-generated ids and secrets (a secret only in the answer that made
 * it), `appType` fixed, publish, at most 5 secrets, the delete confirmation header, the
 * configuration's tenant id and the `apiKeysEnabledPatch` switch. Response shapes: schema.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmulatorHandle } from "../server.ts";
import { startTestEmulator, userByName } from "../testing.ts";
import { kindsOf } from "../kinds.ts";

type Json = Record<string, unknown>;
let emu: EmulatorHandle;

async function call(method: string, path: string, opts: { token?: string; body?: unknown; headers?: Record<string, string>; on?: EmulatorHandle } = {}): Promise<{ status: number; json: Json; text: string }> {
  const e = opts.on ?? emu;
  const res = await fetch(path.startsWith("http") ? path : `${e.host}${path}`, {
    method,
    headers: { authorization: `Bearer ${opts.token ?? e.apiKey}`, ...(opts.body !== undefined ? { "content-type": "application/json" } : {}), ...opts.headers },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Json) : {}, text };
}
const tokenOfUser = (name: string): string => {
  const u = userByName(emu, name);
  const token = `oc_${u.id}`;
  emu.state.tenants[0]!.apiKeys[token] = { id: token, token, userId: u.id };
  return token;
};

beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(async () => {
  await emu?.close();
});

describe("OAuth clients", () => {
  it("are a TenantAdmin setting: others get 403 on every route", async () => {
    const token = tokenOfUser("Ben Builder");
    expect((await call("GET", "/api/v1/oauth-clients", { token })).status).toBe(403);
    expect((await call("POST", "/api/v1/oauth-clients", { token, body: { clientName: "x", appType: "web" } })).status).toBe(403);
  });

  it("a secret is in the create answer only; reads list its hint; ids are the server's", async () => {
    const made = await call("POST", "/api/v1/oauth-clients", { body: { clientName: "Round trip", appType: "web", allowedGrantTypes: ["client_credentials"], allowedScopes: ["user_default", "admin.apps"] } });
    expect(made.status).toBe(201);
    const secret = made.json.clientSecret as string;
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    const id = made.json.clientId as string;
    expect(made.json.clientSecrets).toEqual([expect.objectContaining({ hint: secret.slice(-4) })]);
    const read = await call("GET", `/api/v1/oauth-clients/${id}`);
    const listed = ((await call("GET", "/api/v1/oauth-clients?limit=100")).json.data as Json[]).find((x) => x.clientId === id)!;
    for (const body of [read.text, JSON.stringify(listed)]) expect(body).not.toContain(secret);
    expect(read.json.appType).toBe("web");
    // A client id cannot be chosen, nor any read-only field echoed back.
    expect((await call("POST", "/api/v1/oauth-clients", { body: { clientName: "Mine", appType: "web", clientId: "mine" } })).status).toBe(400);
    expect((await call("POST", "/api/v1/oauth-clients", { body: { clientName: "Mine", appType: "web", clientSecrets: [] } })).status).toBe(400);
    // A public client gets no secret.
    const spa = await call("POST", "/api/v1/oauth-clients", { body: { clientName: "Spa", appType: "spa", allowedOrigins: ["https://spa.example.com"] } });
    expect(spa.status).toBe(201);
    expect(spa.json.clientSecret).toBeUndefined();
    expect((await call("POST", `/api/v1/oauth-clients/${spa.json.clientId}/client-secrets`)).status).toBe(400);
  });

  it("appType is fixed; origins only for spa, grant types only for web; at most 5 secrets; publish once", async () => {
    const made = await call("POST", "/api/v1/oauth-clients", { body: { clientName: "Rules", appType: "web" } });
    const id = made.json.clientId as string;
    expect((await call("PATCH", `/api/v1/oauth-clients/${id}`, { body: [{ op: "replace", path: "/appType", value: "spa" }] })).json).toMatchObject({ errors: [expect.objectContaining({ detail: expect.stringContaining("appType cannot be changed") })] });
    expect((await call("PATCH", `/api/v1/oauth-clients/${id}`, { body: [{ op: "replace", path: "/allowedOrigins", value: ["https://x.example.com"] }] })).status).toBe(400);
    expect((await call("POST", "/api/v1/oauth-clients", { body: { clientName: "Bad", appType: "spa", allowedGrantTypes: ["client_credentials"] } })).status).toBe(400);
    expect((await call("PATCH", `/api/v1/oauth-clients/${id}`, { body: [{ op: "replace", path: "/description", value: "now described" }] })).status).toBe(204);
    for (let i = 1; i < 5; i++) expect((await call("POST", `/api/v1/oauth-clients/${id}/client-secrets`)).status).toBe(201);
    expect((await call("POST", `/api/v1/oauth-clients/${id}/client-secrets`)).status).toBe(409);
    const pub = await call("POST", `/api/v1/oauth-clients/${id}/actions/publish`);
    expect(pub.status).toBe(201);
    expect((await call("GET", `/api/v1/oauth-clients/${id}`)).json.publishedAt).toBe(pub.json.publishedAt);
    expect((await call("POST", `/api/v1/oauth-clients/${id}/actions/publish`)).status).toBe(400);
  });

  it("private_key_jwt clients: public keys (JWKs) or a JWKS URI, no secret; a malformed key is a 400", async () => {
    const key = { kid: "k1", kty: "RSA", alg: "RS256", use: "sig", n: "0vx7agoebGcQSuuPiLJXZpt", e: "AQAB" };
    const made = await call("POST", "/api/v1/oauth-clients", { body: { clientName: "Signed", appType: "web", allowedAuthMethods: ["private_key_jwt"], publicKeys: [key], allowedGrantTypes: ["client_credentials"] } });
    expect(made.status).toBe(201);
    expect(made.json.clientSecret).toBeUndefined();
    expect((await call("GET", `/api/v1/oauth-clients/${made.json.clientId}`)).json.publicKeys).toEqual([key]);
    expect((await call("POST", "/api/v1/oauth-clients", { body: { clientName: "Bad key", appType: "web", publicKeys: [{ ...key, use: "enc" }] } })).status).toBe(400);
    expect((await call("PATCH", `/api/v1/oauth-clients/${made.json.clientId}`, { body: [{ op: "replace", path: "/jwksUri", value: "https://keys.example.com/jwks.json" }] })).status).toBe(204);
  });

  it("delete needs qlik-confirm-delete = the id; a deleted token client gets no more tokens", async () => {
    const tenant = emu.state.tenants[0]!;
    const x = await call("POST", "/api/v1/oauth-clients", { body: { clientName: "Doomed", appType: "web", allowedGrantTypes: ["client_credentials"] } });
    const id = x.json.clientId as string;
    // As if it were the one a fixture registered at the token endpoint.
    tenant.oauthClients[id] = { clientId: id, clientSecret: x.json.clientSecret as string, userId: Object.values(tenant.users)[0]!.id, scopes: ["user_default"] };
    const token = () => fetch(`${emu.host}/oauth/token`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ client_id: id, client_secret: x.json.clientSecret, grant_type: "client_credentials" }) });
    expect((await token()).status).toBe(200);
    expect((await call("DELETE", `/api/v1/oauth-clients/${id}`)).status).toBe(400);
    expect((await call("DELETE", `/api/v1/oauth-clients/${id}`, { headers: { "qlik-confirm-delete": "other" } })).status).toBe(400);
    expect((await call("DELETE", `/api/v1/oauth-clients/${id}`, { headers: { "qlik-confirm-delete": id } })).status).toBe(204);
    expect((await call("GET", `/api/v1/oauth-clients/${id}`)).status).toBe(404);
    expect((await token()).status).toBe(401);
  });

  it("lists page by next cursors, filter by SCIM, sort", async () => {
    const first = await call("GET", "/api/v1/oauth-clients?limit=1&totalResults=true");
    expect((first.json.data as Json[]).length).toBe(1);
    const total = first.json.totalResults as number;
    let seen = 1;
    let next = ((first.json.links as Json).next as { href: string } | undefined)?.href;
    while (next) {
      const page = await call("GET", next);
      seen += (page.json.data as Json[]).length;
      next = ((page.json.links as Json).next as { href: string } | undefined)?.href;
    }
    expect(seen).toBe(total);
    const spas = (await call("GET", `/api/v1/oauth-clients?filter=${encodeURIComponent('appType eq "spa"')}`)).json.data as Json[];
    expect(spas.length).toBeGreaterThan(0);
    expect(spas.every((x) => x.appType === "spa")).toBe(true);
    expect((await call("GET", `/api/v1/oauth-clients?filter=${encodeURIComponent('secret eq "x"')}`)).status).toBe(400);
    expect((await call("GET", "/api/v1/oauth-clients?sort=+secret")).status).toBe(400);
  });
});

describe("API-key configuration", () => {
  it("is one per tenant: the path's tenant id must be this tenant's; admin only; values checked", async () => {
    const tenant = emu.state.tenants[0]!;
    const got = await call("GET", `/api/v1/api-keys/configs/${tenant.id}`);
    expect(got.json).toEqual({ api_keys_enabled: true, max_keys_per_user: 10, max_api_key_expiry: "P30D", scim_externalClient_expiry: "P180D" });
    expect((await call("GET", "/api/v1/api-keys/configs/someone-else")).status).toBe(404);
    expect((await call("GET", `/api/v1/api-keys/configs/${tenant.id}`, { token: tokenOfUser("Ben Builder") })).status).toBe(403);
    const patch = (body: unknown) => call("PATCH", `/api/v1/api-keys/configs/${tenant.id}`, { body });
    expect((await patch([{ op: "replace", path: "/max_keys_per_user", value: 1001 }])).status).toBe(400);
    expect((await patch([{ op: "replace", path: "/max_api_key_expiry", value: "30 days" }])).status).toBe(400);
    expect((await patch([{ op: "add", path: "/max_keys_per_user", value: 3 }])).status).toBe(400);
    // One bad operation and nothing of the patch is applied.
    expect((await patch([{ op: "replace", path: "/max_keys_per_user", value: 3 }, { op: "replace", path: "/nope", value: 1 }])).status).toBe(400);
    expect(kindsOf(tenant).apiKeysConfig.max_keys_per_user).toBe(10);
    expect((await patch([{ op: "replace", path: "/max_keys_per_user", value: 3 }, { op: "replace", path: "/max_api_key_expiry", value: "P7D" }])).status).toBe(204);
    expect((await call("GET", `/api/v1/api-keys/configs/${tenant.id}`)).json).toMatchObject({ max_keys_per_user: 3, max_api_key_expiry: "P7D" });
  });

  it("api_keys_enabled: refused by default (@qlik/api 2.19 no longer patches it), accepted under apiKeysEnabledPatch=accept (the 2025 spec)", async () => {
    const tenant = emu.state.tenants[0]!;
    const op = [{ op: "replace", path: "/api_keys_enabled", value: false }];
    expect((await call("PATCH", `/api/v1/api-keys/configs/${tenant.id}`, { body: op })).status).toBe(400);
    const lenient = await startTestEmulator({ quirks: { apiKeysEnabledPatch: "accept" } });
    try {
      const id = lenient.state.tenants[0]!.id;
      expect((await call("PATCH", `/api/v1/api-keys/configs/${id}`, { body: op, on: lenient })).status).toBe(204);
      expect((await call("GET", `/api/v1/api-keys/configs/${id}`, { on: lenient })).json.api_keys_enabled).toBe(false);
    } finally {
      await lenient.close();
    }
  });
});
