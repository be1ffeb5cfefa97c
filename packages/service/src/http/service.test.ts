/**
 * The service over a real listening socket: login and sessions, CSRF, expiry, the login rate
 * limit, roles (a viewer's token gets 403 on restore; an operator restores only into a
 * non-production tenant), write-only secrets, the audit log, the OpenAPI document covering
 * every route, a real backup against the emulator followed over server-sent events, a real
 * restore confirmed with the password, and /metrics in Prometheus' text format.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmulator } from "@lifeboat/emulator";
import { initRepository } from "@lifeboat/repository";
import { TEST_KDF } from "@lifeboat/repository/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../schedule/clock.ts";
import { createService, type Service } from "../service.ts";
import { login, postgresUnavailable, TEST_SCRYPT, throwawayPostgres, type TestClient } from "../testing.ts";

const pgMissing = await postgresUnavailable();
if (pgMissing && process.env.CI) throw new Error(`${pgMissing}; CI needs it for the service's PostgreSQL test`);

const ADMIN_PASSWORD = "correct horse battery staple";
const REPO_PASSWORD = "repository password 42";

type Emu = Awaited<ReturnType<typeof startEmulator>>;
let emu: Emu;
let dir: string;
let service: Service;
let url: string;
let clock: ManualClock;
let admin: TestClient;

/** Reads server-sent events until `end`; returns the `run` events and the end record. */
async function follow(client: TestClient, runId: string): Promise<{ events: { source: string; event: { type: string } }[]; end: { status: string; message: string | null } }> {
  const r = await client.call(`/api/runs/${runId}/events`);
  expect(r.status).toBe(200);
  expect(r.headers.get("content-type")).toMatch(/text\/event-stream/);
  const reader = r.body!.getReader();
  const decoder = new TextDecoder();
  let buf = "";
  const events: { source: string; event: { type: string } }[] = [];
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error("the event stream ended without an end event");
    buf += decoder.decode(value, { stream: true });
    let i: number;
    while ((i = buf.indexOf("\n\n")) >= 0) {
      const frame = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const type = /^event: (.*)$/m.exec(frame)?.[1];
      const data = frame.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
      if (type === "run") events.push(JSON.parse(data));
      if (type === "end") {
        await reader.cancel();
        return { events, end: JSON.parse(data) };
      }
    }
  }
}

beforeAll(async () => {
  emu = await startEmulator({ fixture: "demo", port: 0, admin: true, seed: "service-test" });
  dir = mkdtempSync(join(tmpdir(), "lifeboat-service-test-"));
  for (const name of ["demo", "sandbox"]) await (await initRepository({ url: join(dir, `repo-${name}`), password: REPO_PASSWORD, kdf: TEST_KDF })).close();
  clock = new ManualClock(new Date());
  const tenant = (name: string, production: boolean) => ({
    host: emu.host,
    auth: { type: "oauth2", clientId: emu.clientId, clientSecret: emu.clientSecret },
    production,
    repository: { url: join(dir, `repo-${name}`), password: REPO_PASSWORD },
  });
  service = await createService({
    dataDir: join(dir, "data"),
    adminPassword: ADMIN_PASSWORD,
    secretKey: new Uint8Array(32).fill(7),
    tenants: { demo: tenant("demo", true), sandbox: tenant("sandbox", false) },
    clock,
    scrypt: TEST_SCRYPT,
    sessionIdleMs: 10 * 60_000,
    loginLimit: { maxPerUser: 3, windowMs: 60_000 },
  });
  ({ url } = await service.listen({ port: 0 }));
  admin = await login(url, "admin", ADMIN_PASSWORD);
  for (const [username, role] of [["olivia", "operator"], ["victor", "viewer"]] as const) {
    const r = await admin.call("/api/users", { method: "POST", json: { username, password: `${username} has a long password`, role } });
    expect(r.status).toBe(201);
  }
}, 60_000);

afterAll(async () => {
  await service?.close();
  await emu?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("the service's HTTP API", () => {
  it("answers health without login and nothing else: 401 in Qlik's error shape naming the next step", async () => {
    const h = await fetch(`${url}/api/health`);
    expect(h.status).toBe(200);
    expect(await h.json()).toMatchObject({ status: "ok", database: "sqlite" });
    const r = await fetch(`${url}/api/tenants`);
    expect(r.status).toBe(401);
    const body = (await r.json()) as { errors: { code: string; status: string; detail: string; meta?: { next?: string } }[]; traceId: string };
    expect(body.errors[0]).toMatchObject({ code: "LIFEBOAT-auth", status: "401" });
    expect(body.errors[0]!.detail).toMatch(/log in first/);
    expect(body.traceId).toBeTruthy();
    expect((await fetch(`${url}/api/nope`)).status).toBe(404);
  });

  it("sets an HttpOnly, Secure, SameSite=Strict session cookie at login", async () => {
    const r = await fetch(`${url}/api/session`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "admin", password: ADMIN_PASSWORD }) });
    expect(r.status).toBe(200);
    const cookie = r.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^lifeboat_session=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/Secure/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    const me = await admin.call("/api/session");
    expect(await me.json()).toMatchObject({ username: "admin", role: "admin", csrfToken: admin.csrf });
  });

  it("refuses a change sent with the session cookie but without the CSRF token, or from another origin", async () => {
    const noToken = await admin.call("/api/tenants/demo/runs", { method: "POST", json: { kind: "verify" }, noCsrf: true });
    expect(noToken.status).toBe(403);
    expect(((await noToken.json()) as { errors: { detail: string }[] }).errors[0]!.detail).toMatch(/CSRF token/);
    const wrong = await admin.call("/api/tenants/demo/runs", { method: "POST", json: { kind: "verify" }, noCsrf: true, headers: { "x-csrf-token": "x".repeat(43) } });
    expect(wrong.status).toBe(403);
    const foreign = await admin.call("/api/tenants/demo/runs", { method: "POST", json: { kind: "verify" }, headers: { origin: "https://evil.example.com" } });
    expect(foreign.status).toBe(403);
    expect(((await foreign.json()) as { errors: { detail: string }[] }).errors[0]!.detail).toMatch(/origin https:\/\/evil\.example\.com/);
  });

  it("rate-limits wrong passwords: after 3 failures even the right password is refused with 429 and Retry-After", async () => {
    for (let i = 0; i < 3; i++) {
      const r = await fetch(`${url}/api/session`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "victor", password: `wrong ${i}` }) });
      expect(r.status).toBe(401);
    }
    const limited = await fetch(`${url}/api/session`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "victor", password: "victor has a long password" }) });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    await clock.advanceBy(61_000);
    const victor = await login(url, "victor", "victor has a long password");
    expect((await victor.call("/api/tenants")).status).toBe(200);
    expect(await (await fetch(`${url}/metrics`)).text()).toMatch(/^lifeboat_http_rate_limited_total 1$/m);
  });

  it("ends a session after its idle time: 401 asking to log in again", async () => {
    const c = await login(url, "olivia", "olivia has a long password");
    expect((await c.call("/api/tenants")).status).toBe(200);
    await clock.advanceBy(11 * 60_000);
    const r = await c.call("/api/tenants");
    expect(r.status).toBe(401);
    expect(((await r.json()) as { errors: { detail: string }[] }).errors[0]!.detail).toMatch(/session has ended/);
    admin = await login(url, "admin", ADMIN_PASSWORD);
  });

  it("never sends a secret back and stores none in plain text", async () => {
    const t = await admin.call("/api/tenants/demo");
    const text = await t.text();
    expect(t.status).toBe(200);
    expect(JSON.parse(text)).toMatchObject({ name: "demo", auth: { type: "oauth2", clientId: emu.clientId, secretSet: true }, repository: { passwordSet: true }, production: true });
    expect(text).not.toContain(emu.clientSecret);
    expect(text).not.toContain(REPO_PASSWORD);
    const db = readFileSync(join(dir, "data", "history.db"));
    expect(db.includes(Buffer.from(emu.clientSecret))).toBe(false);
    expect(db.includes(Buffer.from(REPO_PASSWORD))).toBe(false);
  });

  it("refuses a schedule tighter than 5 minutes with the reason and the field", async () => {
    const r = await admin.call("/api/tenants/demo/schedules", { method: "PUT", json: { schedules: [{ cron: "*/2 * * * *" }] } });
    expect(r.status).toBe(400);
    const e = ((await r.json()) as { errors: { meta: { issues: { path: string; message: string }[] } }[] }).errors[0]!;
    expect(e.meta.issues[0]!.path).toBe("schedules[0]");
    expect(e.meta.issues[0]!.message).toMatch(/at least 5 minutes apart/);
    const ok = await admin.call("/api/tenants/demo/schedules", { method: "PUT", json: { schedules: [{ every: "day", at: "02:30", timeZone: "Europe/Amsterdam" }] } });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { scheduleDescriptions: string[]; nextBackup: string }).scheduleDescriptions).toEqual(["daily at 02:30 (Europe/Amsterdam)"]);
  });

  it("runs a real backup of the emulator and streams its progress as server-sent events", async () => {
    const start = await admin.call("/api/tenants/demo/runs", { method: "POST", json: { kind: "backup" } });
    expect(start.status).toBe(202);
    const { runId } = (await start.json()) as { runId: string };
    const again = await admin.call("/api/tenants/demo/runs", { method: "POST", json: { kind: "backup" } });
    // one run per tenant at a time (unless the first already ended)
    if (again.status !== 202) expect(again.status).toBe(409);
    const { events, end } = await follow(admin, runId);
    expect(end.status).toBe("succeeded");
    expect(events.some((e) => e.source === "backup" && e.event.type === "item")).toBe(true);
    expect(events.some((e) => e.source === "backup" && e.event.type === "done")).toBe(true);
    const run = (await (await admin.call(`/api/runs/${runId}`)).json()) as { status: string; snapshotId: string; counts: { apps: number }; startedBy: string };
    const dash = (await (await admin.call("/api/tenants")).json()) as { name: string; lastSuccessfulBackup: { id: string } | null; coverageGaps: unknown[] }[];
    const demo = dash.find((t) => t.name === "demo")!;
    expect(demo.lastSuccessfulBackup?.id).toBeDefined();
    expect(Array.isArray(demo.coverageGaps)).toBe(true);
    expect(run).toMatchObject({ status: "succeeded", startedBy: "admin" });
    expect(run.counts.apps).toBeGreaterThan(0);
    // a finished run cannot be cancelled; a viewer cannot cancel at all
    expect((await admin.call(`/api/runs/${runId}/cancel`, { method: "POST" })).status).toBe(409);
    const viewer = await login(url, "victor", "victor has a long password");
    expect((await viewer.call(`/api/runs/${runId}/cancel`, { method: "POST" })).status).toBe(403);
    // a finished run's stream replays its log
    const replay = await follow(admin, runId);
    expect(replay.events.length).toBe(events.length);
    if (again.status === 202) await follow(admin, ((await again.json()) as { runId: string }).runId);
  });

  it("verifies and prunes the tenant's repository on demand, as runs in the history", async () => {
    for (const kind of ["verify", "prune"] as const) {
      const r = await admin.call("/api/tenants/demo/runs", { method: "POST", json: { kind } });
      expect(r.status).toBe(202);
      const { runId } = (await r.json()) as { runId: string };
      const { end } = await follow(admin, runId);
      expect(end).toMatchObject({ status: "succeeded" });
      const detail = (await (await admin.call(`/api/runs/${runId}`)).json()) as { kind: string; result: Record<string, unknown> };
      expect(detail.kind).toBe(kind);
      expect(detail.result).toHaveProperty(kind);
    }
    const listed = (await (await admin.call("/api/runs?tenant=demo&kind=verify")).json()) as { kind: string }[];
    expect(listed.map((r) => r.kind)).toEqual(["verify"]);
    expect((await admin.call("/api/runs?status=bogus")).status).toBe(400);
  });

  it("browses the snapshot, reads an object's property tree, downloads a .qvf and diffs two snapshots", async () => {
    const snaps = (await (await admin.call("/api/tenants/demo/snapshots")).json()) as { id: string }[];
    expect(snaps.length).toBeGreaterThan(0);
    const apps = (await (await admin.call(`/api/tenants/demo/snapshots/${snaps[0]!.id}/browse?path=apps`)).json()) as { entries: { name: string }[] };
    expect(apps.entries.length).toBeGreaterThan(0);
    const appId = apps.entries[0]!.name;
    const objs = (await (await admin.call(`/api/tenants/demo/snapshots/${snaps[0]!.id}/browse?path=${encodeURIComponent(`apps/${appId}/objects`)}`)).json()) as { entries: { name: string }[] };
    const objectId = objs.entries[0]!.name.replace(/\.json$/, "");
    const obj = (await (await admin.call(`/api/tenants/demo/snapshots/${snaps[0]!.id}/apps/${appId}/objects/${objectId}`)).json()) as Record<string, unknown>;
    expect(obj).toHaveProperty("propertyTree");
    expect(obj).toHaveProperty("ownerSubject");
    expect(obj).toHaveProperty("approved");
    const qvf = await admin.call(`/api/tenants/demo/snapshots/${snaps[0]!.id}/apps/${appId}/qvf`);
    expect(qvf.status).toBe(200);
    expect(qvf.headers.get("content-disposition")).toMatch(/attachment/);
    expect((await qvf.arrayBuffer()).byteLength).toBeGreaterThan(0);
    const missing = await admin.call(`/api/tenants/demo/snapshots/${snaps[0]!.id}/browse?path=nothing-here`);
    expect(missing.status).toBe(404);
    if (snaps.length > 1) {
      const diff = await admin.call(`/api/tenants/demo/diff?from=${snaps[1]!.id}&to=${snaps[0]!.id}`);
      expect(diff.status).toBe(200);
    }
  });

  it("gives a viewer's API token 403 on restore; the operator may restore only into a non-production tenant, after the password again", async () => {
    const victor = await login(url, "victor", "victor has a long password");
    const made = await victor.call("/api/tokens", { method: "POST", json: { name: "viewer automation" } });
    expect(made.status).toBe(201);
    const { token } = (await made.json()) as { token: string };
    expect(token).toMatch(/^lbt_/);
    const asToken = (path: string, body: unknown) => fetch(`${url}${path}`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(body) });
    const denied = await asToken("/api/restores/plan", { sourceTenant: "demo", targetTenant: "sandbox", options: { all: true } });
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as { errors: { detail: string }[] }).errors[0]!.detail).toMatch(/needs the operator role; victor is viewer \(token 'viewer automation'\)/);
    // a token needs no CSRF token, and a viewer may read
    expect((await fetch(`${url}/api/runs`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);

    const olivia = await login(url, "olivia", "olivia has a long password");
    const intoProd = await olivia.call("/api/restores/plan", { method: "POST", json: { sourceTenant: "demo", targetTenant: "demo", options: { all: true } } });
    expect(intoProd.status).toBe(403);
    expect(((await intoProd.json()) as { errors: { detail: string }[] }).errors[0]!.detail).toMatch(/production tenant: admins only/);

    // delete an app in the emulator (test setup, as a user would in Qlik), then restore it into the non-production tenant
    const snaps = (await (await olivia.call("/api/tenants/demo/snapshots")).json()) as { id: string }[];
    const apps = (await (await olivia.call(`/api/tenants/demo/snapshots/${snaps[0]!.id}/browse?path=apps`)).json()) as { entries: { name: string }[] };
    const appId = apps.entries[0]!.name;
    expect((await fetch(`${emu.host}/__emulator/apps/${encodeURIComponent(appId)}`, { method: "DELETE" })).status).toBeLessThan(300);
    const planned = await olivia.call("/api/restores/plan", { method: "POST", json: { sourceTenant: "demo", snapshot: snaps[0]!.id, targetTenant: "sandbox", options: { apps: [appId] } } });
    expect(planned.status).toBe(200);
    const plan = (await planned.json()) as { planId: string; status: string };
    expect(plan.status).toBe("planned");
    const wrongPassword = await olivia.call(`/api/restores/${plan.planId}/run`, { method: "POST", json: { password: "not my password at all" } });
    expect(wrongPassword.status).toBe(401);
    const started = await olivia.call(`/api/restores/${plan.planId}/run`, { method: "POST", json: { password: "olivia has a long password" } });
    expect(started.status).toBe(202);
    const { runId } = (await started.json()) as { runId: string };
    const { end } = await follow(olivia, runId);
    expect(["succeeded", "partial"]).toContain(end.status);
    const detail = (await (await olivia.call(`/api/runs/${runId}`)).json()) as { kind: string; result: { restore: { report?: { status: string }; checklist: unknown[] } } };
    expect(detail.kind).toBe("restore");
    expect(detail.result.restore.report).toBeDefined();
    expect(Array.isArray(detail.result.restore.checklist)).toBe(true);
    // a plan runs once
    expect((await olivia.call(`/api/restores/${plan.planId}/run`, { method: "POST", json: { password: "olivia has a long password" } })).status).toBe(404);
  });

  it("diffs two snapshots of the tenant (the restore's safety backup is one)", async () => {
    const snaps = (await (await admin.call("/api/tenants/demo/snapshots")).json()) as { id: string; tags: string[] }[];
    expect(snaps.length).toBeGreaterThanOrEqual(2);
    const diff = await admin.call(`/api/tenants/demo/diff?from=${snaps[1]!.id}&to=${snaps[0]!.id}`);
    expect(diff.status).toBe(200);
    expect(await diff.json()).toHaveProperty("changes");
    expect((await admin.call(`/api/tenants/demo/diff?from=${snaps[0]!.id}&to=nope`)).status).toBe(400); // not a snapshot id
    const missing = await admin.call(`/api/tenants/demo/diff?from=${snaps[0]!.id}&to=00000000`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { errors: { detail: string }[] }).errors[0]!.detail).toMatch(/tenant 'demo' has no snapshot '00000000'; list its snapshots/);
  });

  it("sends a test alert to the tenant's channels and shows channels without their secrets", async () => {
    const got: unknown[] = [];
    const receiver = createServer((req, res) => {
      let body = "";
      req.on("data", (d) => (body += d));
      req.on("end", () => {
        got.push(JSON.parse(body));
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
    try {
      const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/very-secret-token`;
      const put = await admin.call("/api/tenants/sandbox/alerts", { method: "PUT", json: { alerts: { channels: [{ type: "webhook", url: hook }] } } });
      expect(put.status).toBe(200);
      const text = await put.text();
      expect(text).not.toContain("very-secret-token");
      expect(JSON.parse(text).alerts.channels).toEqual([{ type: "webhook", target: expect.stringMatching(/^webhook http:\/\/127\.0\.0\.1:\d+\/…$/) }]);
      const olivia = await login(url, "olivia", "olivia has a long password");
      const sent = await olivia.call("/api/tenants/sandbox/alerts/test", { method: "POST" });
      expect(sent.status).toBe(200);
      expect(await sent.json()).toEqual([{ channel: expect.stringMatching(/^webhook /), outcome: "delivered", attempts: 1, error: null }]);
      expect(got).toEqual([expect.objectContaining({ source: "lifeboat", type: "test", tenant: "sandbox" })]);
      expect((await olivia.call("/api/tenants/demo/alerts/test", { method: "POST" })).status).toBe(400);
    } finally {
      await new Promise((r) => receiver.close(r));
    }
  });

  it("lets an admin change a user's role, revoke tokens and delete users; a run's log is its events as JSON lines", async () => {
    const made = await admin.call("/api/users", { method: "POST", json: { username: "temp", password: "temp has a long password", role: "viewer" } });
    expect(made.status).toBe(201);
    expect((await admin.call("/api/users", { method: "POST", json: { username: "temp", password: "temp has a long password", role: "viewer" } })).status).toBe(409);
    const temp = await login(url, "temp", "temp has a long password");
    const tok = (await (await temp.call("/api/tokens", { method: "POST", json: { name: "t" } })).json()) as { id: string; token: string };
    expect((await temp.call("/api/tokens", { method: "POST", json: { name: "too much", role: "admin" } })).status).toBe(403);
    const patched = await admin.call("/api/users/temp", { method: "PATCH", json: { role: "operator" } });
    expect(await patched.json()).toMatchObject({ username: "temp", role: "operator" });
    expect((await fetch(`${url}/api/runs`, { headers: { authorization: `Bearer ${tok.token}` } })).status).toBe(200);
    expect((await admin.call(`/api/tokens/${tok.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await fetch(`${url}/api/runs`, { headers: { authorization: `Bearer ${tok.token}` } })).status).toBe(401);
    expect((await admin.call("/api/users/temp", { method: "DELETE" })).status).toBe(204);
    expect((await temp.call("/api/runs")).status).toBe(401);
    expect((await admin.call("/api/users/admin", { method: "PATCH", json: { role: "viewer" } })).status).toBe(409);

    const [run] = (await (await admin.call("/api/runs?tenant=demo&kind=backup&limit=1")).json()) as { id: string }[];
    const log = await admin.call(`/api/runs/${run!.id}/log`);
    expect(log.headers.get("content-type")).toMatch(/application\/x-ndjson/);
    const lines = (await log.text()).trim().split("\n").map((l) => JSON.parse(l) as { seq: number; source: string });
    expect(lines[0]).toMatchObject({ seq: 1, source: "service" });
    expect(lines.some((l) => l.source === "backup")).toBe(true);
  });

  it("keeps an audit log of logins, settings changes, token use and restores, for admins only", async () => {
    const victor = await login(url, "victor", "victor has a long password");
    expect((await victor.call("/api/audit")).status).toBe(403);
    const entries = (await (await admin.call("/api/audit?limit=1000")).json()) as { action: string; actor: string; outcome: string }[];
    const has = (action: string, actor: string, outcome: string) => entries.some((e) => e.action === action && e.actor === actor && e.outcome === outcome);
    expect(has("login", "admin", "ok")).toBe(true);
    expect(has("login", "anonymous", "failed")).toBe(true);
    expect(has("settings.change", "admin", "ok")).toBe(true);
    expect(has("settings.change", "admin", "failed")).toBe(true);
    expect(has("token.use", "victor", "ok")).toBe(true);
    expect(has("restore.start", "olivia", "denied")).toBe(true);
    expect(has("restore.start", "olivia", "ok")).toBe(true);
  });

  it("describes every route in its OpenAPI 3.1 document, and nothing else", async () => {
    const doc = (await (await admin.call("/api/openapi.json")).json()) as { openapi: string; paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown> }>> };
    expect(doc.openapi).toBe("3.1.0");
    const documented = new Set(Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`)));
    const mounted = new Set(service.app.routes.filter((r) => r.method !== "ALL").map((r) => `${r.method} ${r.path.replace(/:([^/]+)/g, "{$1}")}`));
    expect([...mounted].filter((r) => !documented.has(r))).toEqual([]);
    expect([...documented].filter((r) => !mounted.has(r))).toEqual([]);
    expect(mounted.size).toBeGreaterThan(30);
    const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((o) => o.operationId));
    expect(new Set(ids).size).toBe(ids.length);
    expect(doc.paths["/api/restores/{plan}/run"]!.post!.responses).toHaveProperty("403");
    // every {placeholder} of a path is a declared path parameter, and every $ref resolves
    for (const [p, ops] of Object.entries(doc.paths)) {
      const names = [...p.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
      for (const [m, op] of Object.entries(ops)) {
        const declared = ((op as { parameters?: { name: string; in: string }[] }).parameters ?? []).filter((x) => x.in === "path").map((x) => x.name).sort();
        expect(declared, `${m.toUpperCase()} ${p}`).toEqual(names);
      }
    }
    const text = JSON.stringify(doc);
    for (const ref of new Set([...text.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]!))) expect((doc as unknown as { components: { schemas: Record<string, unknown> } }).components.schemas).toHaveProperty(ref);
  });

  it("serves /metrics in Prometheus' text format with the last successful backup per tenant", async () => {
    const r = await fetch(`${url}/metrics`);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/text\/plain; version=0\.0\.4/);
    const text = await r.text();
    const samples = new Map<string, number>();
    for (const line of text.split("\n")) {
      if (!line || line.startsWith("#")) continue;
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (-?[0-9.eE+-]+|NaN|\+Inf|-Inf)$/.exec(line);
      expect(m, `not a Prometheus sample line: ${line}`).not.toBeNull();
      samples.set(m![1]!, Number(m![2]));
    }
    expect(samples.get('lifeboat_last_successful_backup_timestamp_seconds{tenant="demo"}')).toBeGreaterThan(0);
    expect(samples.get('lifeboat_runs_total{tenant="demo",kind="backup",status="succeeded"}')).toBeGreaterThanOrEqual(1);
    expect(samples.get('lifeboat_repository_size_bytes{tenant="demo"}')).toBeGreaterThan(0);
    expect([...samples.keys()].some((k) => k.startsWith('lifeboat_backup_items{tenant="demo",layer="apps"'))).toBe(true);
  });
});

describe("first start without LIFEBOAT_ADMIN_PASSWORD", () => {
  it("prints a one-time setup token; the first admin is made with it, once", async () => {
    const notices: string[] = [];
    const d = mkdtempSync(join(tmpdir(), "lifeboat-setup-test-"));
    const s = await createService({ dataDir: d, secretKey: new Uint8Array(32).fill(3), scrypt: TEST_SCRYPT, publicUrl: "https://lifeboat.example.com", onNotice: (l) => notices.push(l) });
    try {
      const { url: u } = await s.listen({ port: 0 });
      const token = s.setupToken!;
      expect(token.length).toBeGreaterThanOrEqual(32);
      expect(notices.join("\n")).toContain(token);
      expect(await (await fetch(`${u}/api/setup`)).json()).toEqual({ needed: true });
      const post = (body: unknown, headers: Record<string, string> = {}) => fetch(`${u}/api/setup`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
      expect((await post({ token: "wrong", username: "root", password: "a long enough password" })).status).toBe(401);
      expect((await post({ token, username: "root", password: "a long enough password" }, { origin: "https://evil.example.com" })).status).toBe(403);
      // behind a reverse proxy: the public origin passes the origin check (and the wrong token is what is refused)
      expect((await post({ token: "wrong", username: "root", password: "a long enough password" }, { origin: "https://lifeboat.example.com" })).status).toBe(401);
      expect((await post({ token, username: "root", password: "short" })).status).toBe(400);
      expect((await post({ token, username: "root", password: "a long enough password" })).status).toBe(201);
      expect(await (await fetch(`${u}/api/setup`)).json()).toEqual({ needed: false });
      expect((await post({ token, username: "again", password: "a long enough password" })).status).toBe(409);
      const root = await login(u, "root", "a long enough password");
      expect(((await (await root.call("/api/session")).json()) as { role: string }).role).toBe("admin");
      const big = await root.call("/api/users", { method: "POST", json: { username: "x", password: "y".repeat(2 * 1024 * 1024), role: "viewer" } });
      expect(big.status).toBe(400);
    } finally {
      await s.close();
      rmSync(d, { recursive: true, force: true });
    }
  });
});

describe.skipIf(pgMissing !== undefined)(`the service on PostgreSQL${pgMissing ? ` (skipped: ${pgMissing})` : ""}`, () => {
  it("keeps accounts, sessions, sealed settings and the audit log in PostgreSQL", async () => {
    const pg = await throwawayPostgres();
    const d = mkdtempSync(join(tmpdir(), "lifeboat-service-pg-"));
    const s = await createService({ dataDir: d, database: pg.location, adminPassword: ADMIN_PASSWORD, secretKey: new Uint8Array(32).fill(5), scrypt: TEST_SCRYPT });
    try {
      const { url: u } = await s.listen({ port: 0 });
      expect(await (await fetch(`${u}/api/health`)).json()).toMatchObject({ status: "ok", database: "postgres" });
      const a = await login(u, "admin", ADMIN_PASSWORD);
      const put = await a.call("/api/tenants/acme", {
        method: "PUT",
        json: { host: "https://acme.eu.qlikcloud.com", auth: { type: "apikey", apiKey: "the-api-key-value" }, repository: { url: join(d, "repo"), password: "repo password" }, schedules: [{ every: "week", on: ["sun"], at: "03:00" }] },
      });
      expect(put.status).toBe(200);
      expect(await put.text()).not.toContain("the-api-key-value");
      const audit = (await (await a.call("/api/audit")).json()) as { action: string; target: string | null }[];
      expect(audit.map((e) => e.action)).toEqual(expect.arrayContaining(["login", "settings.change"]));
      expect(s.history.dialect).toBe("postgres");
    } finally {
      await s.close();
      await pg.drop();
      rmSync(d, { recursive: true, force: true });
    }
  });
});
