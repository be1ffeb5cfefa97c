/**
 * The token endpoint's answer is seen on its way to `@qlik/api` (internal/token-response.ts):
 * only inside `observeTokenResponse`, only for `POST …/oauth/token`, never changed.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { auth } from "@qlik/api";
import type { HostConfig } from "@qlik/api/auth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { grantedScopes, observeTokenResponse } from "./token-response.ts";

let server: Server;
let base = "";
let body: Record<string, unknown> = {};
beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.method === "POST" && req.url === "/oauth/token") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
      return;
    }
    res.writeHead(404, { "content-type": "application/json" });
    res.end("{}");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const hostConfig = (scope: string) => ({ authType: "oauth2", host: base, clientId: "c", clientSecret: "s", scope, noCache: true, onAuthFailed: () => undefined }) as unknown as HostConfig;

describe("observeTokenResponse", () => {
  it("sees the granted scope of the token @qlik/api fetches, which still gets its token", async () => {
    body = { access_token: "tok-1", token_type: "bearer", expires_in: 21600, scope: "user_default" };
    const got = await observeTokenResponse(() => auth.getAccessToken({ hostConfig: hostConfig("user_default admin.apps admin_classic") }));
    expect(got.result).toBe("tok-1");
    expect(got.response).toMatchObject({ status: 200, body: { scope: "user_default" } });
    expect(grantedScopes(got.response, "user_default admin.apps admin_classic")).toEqual(["user_default"]);
  });
  it("without `scope` in the answer, what was asked was granted (RFC 6749 §5.1)", async () => {
    body = { access_token: "tok-2", token_type: "bearer" };
    const got = await observeTokenResponse(() => auth.getAccessToken({ hostConfig: hostConfig("user_default admin.apps admin_classic") }));
    expect(got.result).toBe("tok-2");
    expect(grantedScopes(got.response, "user_default admin.apps admin_classic")).toEqual(["user_default", "admin.apps", "admin_classic"]);
  });
  it("outside it, and for other calls, nothing is observed and responses pass unchanged", async () => {
    body = { access_token: "tok-3", token_type: "bearer", scope: "x" };
    const plain = await fetch(`${base}/oauth/token`, { method: "POST" });
    expect(await plain.json()).toEqual(body);
    const got = await observeTokenResponse(async () => (await fetch(`${base}/api/v1/users/me`)).status);
    expect(got.result).toBe(404);
    expect(got.response).toBeUndefined();
  });
});
