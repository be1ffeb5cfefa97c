/**
 * Every route of the service's API, declared with its schemas (api.ts mounts them and
 * generates the OpenAPI document from them). Grouped as the console uses them: session and
 * setup, tenants and their settings, runs (with live progress as server-sent events),
 * snapshots (browse, object property tree, .qvf download, diff), restore (plan → confirm with
 * the password → run), users, API tokens, the audit log, metrics.
 */
import { readFile } from "node:fs/promises";
import { getConnInfo } from "@hono/node-server/conninfo";
import type { Context } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";
import { streamSSE } from "hono/streaming";
import { browseSnapshot, diffSnapshots, loadManifest, PATHS } from "@lifeboat/engine";
import { snapshotTenantKey } from "@lifeboat/kit";
import { LifeboatError } from "@lifeboat/model";
import type { Repository, Tree, TreeEntry } from "@lifeboat/repository";
import { z } from "zod";
import type { AlertDispatcher } from "../alerts/dispatcher.ts";
import type { HistoryStore, RunRecord } from "../history/store.ts";
import type { ServiceMetrics } from "../metrics.ts";
import type { RunManager, RunEvent } from "../runs/manager.ts";
import { parseTenantSchedules, runsBetween } from "../schedule/spec.ts";
import { type AccountStore, type LoginLimiter, type Role } from "../security/accounts.ts";
import { alertsInputSchema, retentionSchema, scheduleSchema, tenantInputSchema, tenantView, tenantViewSchema, type TenantSettings } from "../settings/tenants.ts";
import { CSRF_HEADER, SESSION_COOKIE, type Api, type Caller, type Env } from "./api.ts";

export interface RouteContext {
  accounts: AccountStore;
  history: HistoryStore;
  settings: TenantSettings;
  runs: RunManager;
  alerts: AlertDispatcher;
  metrics: ServiceMetrics;
  limiter: LoginLimiter;
  now: () => Date;
  version: string;
  /** `/metrics` without login (default true) */
  metricsPublic: boolean;
  /** the first-admin setup token while no user exists */
  setup: { token: string | undefined };
  /** schedules or tenants changed: re-arm the schedulers */
  reschedule(): void;
  /** the next scheduled backup and prune of a tenant */
  nextRuns(tenant: string): { backup: Date | null; prune: Date | null };
}

const iso = z.string().describe("ISO 8601 time");
const tenantParam = z.object({ tenant: z.string().describe("the tenant's name in this service") });
const roleSchema = z.enum(["viewer", "operator", "admin"]);
const runSchema = z.object({
  id: z.string(),
  tenant: z.string(),
  kind: z.enum(["backup", "restore", "verify", "prune"]),
  trigger: z.enum(["schedule", "manual"]),
  status: z.enum(["running", "succeeded", "partial", "failed", "cancelled", "missed"]),
  scheduledFor: iso.nullable(),
  startedAt: iso.nullable(),
  endedAt: iso.nullable(),
  durationMs: z.number().nullable(),
  counts: z.record(z.string(), z.number()),
  snapshotId: z.string().nullable(),
  manifestLink: z.string().nullable(),
  logLocation: z.string().nullable(),
  startedBy: z.string(),
  message: z.string().nullable(),
});
const runView = (r: RunRecord) => ({
  ...r,
  scheduledFor: r.scheduledFor?.toISOString() ?? null,
  startedAt: r.startedAt?.toISOString() ?? null,
  endedAt: r.endedAt?.toISOString() ?? null,
});
const sessionSchema = z.object({ username: z.string(), role: roleSchema, csrfToken: z.string().describe(`send it in the ${CSRF_HEADER} header with every change`), expiresAt: iso });
const userSchema = z.object({ username: z.string(), role: roleSchema, createdAt: iso });
const tokenSchema = z.object({ id: z.string(), name: z.string(), username: z.string(), role: roleSchema, createdAt: iso, lastUsedAt: iso.nullable(), revokedAt: iso.nullable() });
const snapshotSchema = z.object({ id: z.string(), tenant: z.string(), time: z.string(), tags: z.array(z.string()), partial: z.boolean(), toolVersion: z.string() });
const anyJson = z.record(z.string(), z.unknown());
const tenantStatusSchema = tenantViewSchema.extend({
  running: z.string().nullable().describe("the id of the run going now"),
  lastRun: runSchema.nullable(),
  lastSuccessfulBackup: runSchema.nullable(),
  nextBackup: iso.nullable(),
  nextPrune: iso.nullable(),
});

function clientAddress(c: Context<Env>): string {
  try {
    return getConnInfo(c).remote.address ?? "unknown";
  } catch {
    return "unknown";
  }
}

/** `path` inside a snapshot's tree: the entry and, for a folder, its tree. Names are entry names (ids). */
async function resolvePath(repo: Repository, root: string, parts: string[]): Promise<{ entry?: TreeEntry; tree?: Tree }> {
  let tree = await repo.loadTree(root);
  let entry: TreeEntry | undefined;
  for (let i = 0; i < parts.length; i++) {
    entry = tree.entries.find((e) => e.name === parts[i]);
    if (!entry) throw new LifeboatError("not-found", `'${parts.slice(0, i + 1).join("/")}' is not in the snapshot; browse its parent to see what is there`, { object: parts.slice(0, i + 1).join("/") });
    if (entry.type === "tree") tree = await repo.loadTree(entry.subtree);
    else if (i < parts.length - 1) throw new LifeboatError("not-found", `'${parts.slice(0, i + 1).join("/")}' is a file, not a folder`);
  }
  return entry?.type === "blob" ? { entry } : { ...(entry ? { entry } : {}), tree };
}

/**
 * A snapshot of the tenant's repository by id, prefix or "latest". The repository calls a
 * snapshot argument that names nothing a usage error (the CLI's exit code); in a URL it is a
 * resource that does not exist: 404, naming the tenant and the next step.
 */
async function snapshotOf(repo: Repository, idOrPrefix: string, tenant: string) {
  try {
    return await repo.loadSnapshot(idOrPrefix);
  } catch (e) {
    if ((e as { reason?: string }).reason === "NO_SNAPSHOT")
      throw new LifeboatError("not-found", `tenant '${tenant}' has no snapshot '${idOrPrefix}'; list its snapshots (GET /api/tenants/${tenant}/snapshots) to find the id`, { object: `snapshot '${idOrPrefix}'`, place: `tenant '${tenant}'`, next: "list the tenant's snapshots", cause: e });
    throw e;
  }
}

function streamOf(iter: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const it = iter[Symbol.asyncIterator]();
  return new ReadableStream({
    async pull(ctl) {
      const { value, done } = await it.next();
      if (done) ctl.close();
      else ctl.enqueue(value);
    },
    async cancel() {
      await it.return?.();
    },
  });
}

export function registerRoutes(api: Api, x: RouteContext): void {
  const audit = (caller: Caller | undefined, action: string, target: string | null, outcome: "ok" | "denied" | "failed", details: Record<string, unknown> = {}) =>
    x.history.appendAudit({ at: x.now(), actor: caller?.username ?? "anonymous", action, target, outcome, details: { ...(caller ? { via: caller.via } : {}), ...(caller?.tokenId ? { token: caller.tokenId } : {}), ...details } });

  // ---------------- health, metrics, OpenAPI ----------------
  api.add({
    method: "get", path: "/api/health", operationId: "health", summary: "Is the service up (and its database reachable)?", tag: "service", access: "public",
    response: z.object({ status: z.literal("ok"), version: z.string(), database: z.enum(["sqlite", "postgres"]) }),
    handler: async () => {
      await x.history.listRuns({ limit: 1 });
      return { status: "ok" as const, version: x.version, database: x.history.dialect };
    },
  });
  api.add({
    method: "get", path: "/metrics", operationId: "metrics", summary: "Prometheus metrics", tag: "service", access: x.metricsPublic ? "public" : "viewer",
    produces: { type: "text/plain", description: "the Prometheus text exposition format" },
    handler: async (c) => c.body(await x.metrics.text(), 200, { "content-type": x.metrics.contentType }),
  });
  api.add({
    method: "get", path: "/api/openapi.json", operationId: "openapi", summary: "This API's OpenAPI 3.1 document", tag: "service", access: "viewer",
    response: anyJson,
    handler: () => api.openapi({ title: "Lifeboat service API", version: x.version }),
  });

  // ---------------- setup and session ----------------
  api.add({
    method: "get", path: "/api/setup", operationId: "getSetup", summary: "Does the service still need its first admin?", tag: "session", access: "public",
    response: z.object({ needed: z.boolean() }),
    handler: async () => ({ needed: (await x.accounts.countUsers()) === 0 }),
  });
  api.add({
    method: "post", path: "/api/setup", operationId: "setup", summary: "Create the first admin with the one-time setup token printed at first start.", tag: "session", access: "public", status: 201,
    body: z.object({ token: z.string(), username: z.string(), password: z.string() }),
    response: userSchema, errors: [409],
    handler: async (c, { body }) => {
      if ((await x.accounts.countUsers()) > 0 || !x.setup.token) throw new LifeboatError("conflict", "the service has its admin already; log in, and ask an admin for an account", { next: "log in" });
      const a = Buffer.from(body.token);
      const b = Buffer.from(x.setup.token);
      const { timingSafeEqual } = await import("node:crypto");
      if (a.length !== b.length || !timingSafeEqual(a, b)) {
        await audit(undefined, "setup", body.username, "denied", { address: clientAddress(c) });
        throw new LifeboatError("auth", "the setup token is wrong; use the one the service printed at its first start", { next: "copy the setup token from the service's output" });
      }
      const u = await x.accounts.createUser(body.username, body.password, "admin");
      x.setup.token = undefined;
      await audit({ username: u.username, role: "admin", via: "session" }, "setup", u.username, "ok");
      return { username: u.username, role: u.role, createdAt: u.createdAt.toISOString() };
    },
  });
  api.add({
    method: "post", path: "/api/session", operationId: "login", summary: "Log in: sets the session cookie and returns the CSRF token.", tag: "session", access: "public",
    body: z.object({ username: z.string().min(1), password: z.string().min(1) }),
    response: sessionSchema, errors: [429],
    handler: async (c, { body }) => {
      const address = clientAddress(c);
      const wait = x.limiter.retryAfterMs(body.username, address);
      if (wait > 0) {
        x.metrics.loginsRateLimited.inc();
        await audit(undefined, "login", body.username, "denied", { reason: "rate-limited", address });
        const seconds = Math.ceil(wait / 1000);
        throw Object.assign(new LifeboatError("rate-limited", `too many failed logins for '${body.username}' or from ${address}; try again in ${seconds} s`, { object: `user '${body.username}'`, next: `wait ${seconds} s` }), { retryAfterSeconds: seconds });
      }
      const user = await x.accounts.checkPassword(body.username, body.password);
      if (!user) {
        x.limiter.failed(body.username, address);
        await audit(undefined, "login", body.username, "failed", { address });
        throw new LifeboatError("auth", "wrong user name or password", { next: "check both and try again" });
      }
      x.limiter.succeeded(body.username);
      const s = await x.accounts.createSession(user.username);
      setCookie(c, SESSION_COOKIE, s.id, { httpOnly: true, secure: true, sameSite: "Strict", path: "/", maxAge: Math.floor(x.accounts.sessionMaxMs / 1000) });
      await x.history.appendAudit({ at: x.now(), actor: user.username, action: "login", target: user.username, outcome: "ok", details: { address } });
      return { username: user.username, role: user.role, csrfToken: s.csrfToken, expiresAt: s.expiresAt.toISOString() };
    },
  });
  api.add({
    method: "get", path: "/api/session", operationId: "getSession", summary: "Who am I (and my CSRF token)?", tag: "session", access: "viewer",
    response: sessionSchema.extend({ csrfToken: z.string().nullable() }),
    handler: async (_c, { caller }) => {
      const s = caller!.sessionId ? await x.accounts.session(caller!.sessionId) : null;
      return { username: caller!.username, role: caller!.role, csrfToken: s?.csrfToken ?? null, expiresAt: (s?.expiresAt ?? x.now()).toISOString() };
    },
  });
  api.add({
    method: "delete", path: "/api/session", operationId: "logout", summary: "Log out (ends the session).", tag: "session", access: "viewer",
    handler: async (c, { caller }) => {
      if (caller!.sessionId) await x.accounts.endSession(caller!.sessionId);
      deleteCookie(c, SESSION_COOKIE, { path: "/", secure: true });
      await audit(caller, "logout", caller!.username, "ok");
    },
  });
  api.add({
    method: "put", path: "/api/session/password", operationId: "changeOwnPassword", summary: "Change my password (the current one is asked again).", tag: "session", access: "viewer",
    body: z.object({ current: z.string(), password: z.string() }),
    handler: async (_c, { body, caller }) => {
      if (!(await x.accounts.checkPassword(caller!.username, body.current))) {
        await audit(caller, "password.change", caller!.username, "denied");
        throw new LifeboatError("auth", "the current password is wrong; nothing was changed");
      }
      await x.accounts.setPassword(caller!.username, body.password);
      await audit(caller, "password.change", caller!.username, "ok");
    },
  });

  // ---------------- tenants and settings ----------------
  const status = async (name: string) => {
    const live = x.settings.must(name);
    const [last] = await x.history.listRuns({ tenant: name, limit: 1 });
    const success = await x.history.lastSuccessfulBackup(name);
    const next = x.nextRuns(name);
    return {
      ...tenantView(live.stored, live),
      running: x.runs.running(name) ?? null,
      lastRun: last ? runView(last) : null,
      lastSuccessfulBackup: success ? runView(success) : null,
      nextBackup: next.backup?.toISOString() ?? null,
      nextPrune: next.prune?.toISOString() ?? null,
    };
  };
  api.add({
    method: "get", path: "/api/tenants", operationId: "listTenants", summary: "Every tenant with its last run, last success and next runs (the dashboard).", tag: "tenants", access: "viewer",
    response: z.array(tenantStatusSchema),
    handler: async () => Promise.all(x.settings.names().sort().map(status)),
  });
  api.add({
    method: "get", path: "/api/tenants/{tenant}", operationId: "getTenant", summary: "One tenant's settings (secrets are never sent) and status.", tag: "tenants", access: "viewer", params: tenantParam,
    response: tenantStatusSchema, errors: [404],
    handler: ({}, { params }) => status(params.tenant),
  });
  const putTenant = async (caller: Caller | undefined, name: string, body: unknown, what: string) => {
    try {
      const { created } = await x.settings.put(name, body);
      x.reschedule();
      await audit(caller, "settings.change", `tenant:${name}`, "ok", { what, created });
      return status(name);
    } catch (e) {
      await audit(caller, "settings.change", `tenant:${name}`, "failed", { what, error: (e as Error).message.slice(0, 500) });
      throw e;
    }
  };
  /** The stored tenant as an update body: secrets left out (kept), alerts left out (kept). */
  const currentInput = (name: string) => {
    const t = x.settings.must(name).stored;
    return {
      host: t.host,
      auth: t.auth.type === "oauth2" ? { type: "oauth2", clientId: t.auth.clientId, ...(t.auth.scope ? { scope: t.auth.scope } : {}) } : { type: "apikey" },
      production: t.production,
      tags: t.tags,
      repository: { url: t.repository.url, ...(t.repository.insecureNoPassword ? { insecureNoPassword: true } : {}) },
      schedules: t.schedules,
      retention: t.retention,
      pruneSchedules: t.pruneSchedules,
    };
  };
  api.add({
    method: "put", path: "/api/tenants/{tenant}", operationId: "putTenant", summary: "Add or change a tenant (credentials and passwords are write-only).", tag: "tenants", access: "admin", params: tenantParam,
    body: tenantInputSchema, response: tenantStatusSchema,
    handler: async (_c, { params, body, caller }) => putTenant(caller, params.tenant, body, "tenant"),
  });
  api.add({
    method: "delete", path: "/api/tenants/{tenant}", operationId: "deleteTenant", summary: "Remove a tenant from the service (its repository and history stay).", tag: "tenants", access: "admin", params: tenantParam, errors: [404, 409],
    handler: async (_c, { params, caller }) => {
      const busy = x.runs.running(params.tenant);
      if (busy) throw new LifeboatError("conflict", `tenant '${params.tenant}' has a run going (${busy}); wait for it to end`);
      await x.settings.remove(params.tenant);
      x.reschedule();
      await audit(caller, "settings.change", `tenant:${params.tenant}`, "ok", { what: "tenant removed" });
    },
  });
  api.add({
    method: "put", path: "/api/tenants/{tenant}/schedules", operationId: "putSchedules", summary: "Set a tenant's backup and prune schedules (5 minutes apart at least).", tag: "tenants", access: "admin", params: tenantParam,
    body: z.object({ schedules: z.array(scheduleSchema), pruneSchedules: z.array(scheduleSchema).optional() }), response: tenantStatusSchema, errors: [404],
    handler: async (_c, { params, body, caller }) => putTenant(caller, params.tenant, { ...currentInput(params.tenant), schedules: body.schedules, ...(body.pruneSchedules ? { pruneSchedules: body.pruneSchedules } : {}) }, "schedules"),
  });
  api.add({
    method: "put", path: "/api/tenants/{tenant}/retention", operationId: "putRetention", summary: "Set a tenant's retention (null: keep everything).", tag: "tenants", access: "admin", params: tenantParam,
    body: z.object({ retention: retentionSchema.nullable() }), response: tenantStatusSchema, errors: [404],
    handler: async (_c, { params, body, caller }) => putTenant(caller, params.tenant, { ...currentInput(params.tenant), retention: body.retention }, "retention"),
  });
  api.add({
    method: "put", path: "/api/tenants/{tenant}/alerts", operationId: "putAlerts", summary: "Set a tenant's alert settings (write-only: channels carry secrets).", tag: "tenants", access: "admin", params: tenantParam,
    body: z.object({ alerts: alertsInputSchema.nullable() }), response: tenantStatusSchema, errors: [404],
    handler: async (_c, { params, body, caller }) => putTenant(caller, params.tenant, { ...currentInput(params.tenant), alerts: body.alerts }, "alerts"),
  });
  api.add({
    method: "post", path: "/api/tenants/{tenant}/alerts/test", operationId: "sendTestAlert", summary: "Send a test alert to every channel of the tenant.", tag: "tenants", access: "operator", params: tenantParam,
    response: z.array(z.object({ channel: z.string(), outcome: z.enum(["delivered", "failed"]), attempts: z.number(), error: z.string().nullable() })), errors: [404],
    handler: async (_c, { params, caller }) => {
      x.settings.must(params.tenant);
      if (!x.settings.alertSettings(params.tenant)) throw new LifeboatError("usage", `tenant '${params.tenant}' has no alert channels; add some (PUT /api/tenants/${params.tenant}/alerts) first`);
      const out = await x.alerts.sendTestAlert(params.tenant, caller!.username);
      await audit(caller, "alerts.test", `tenant:${params.tenant}`, out.every((d) => d.outcome === "delivered") ? "ok" : "failed", { channels: out.length });
      return out;
    },
  });
  api.add({
    method: "post", path: "/api/schedules/check", operationId: "checkSchedules", summary: "Validate schedules without saving them; shows their next runs.", tag: "tenants", access: "viewer",
    body: z.object({ schedules: z.array(scheduleSchema) }),
    response: z.object({ ok: z.boolean(), issues: z.array(z.object({ path: z.string(), message: z.string() })), warnings: z.array(z.object({ path: z.string(), message: z.string() })), descriptions: z.array(z.string()), nextRuns: z.array(iso) }),
    handler: ({}, { body }) => {
      const r = parseTenantSchedules(body.schedules, "schedules");
      if (!r.ok) return { ok: false, issues: r.issues, warnings: r.warnings, descriptions: [], nextRuns: [] };
      const now = x.now();
      return { ok: true, issues: [], warnings: r.warnings, descriptions: r.schedules.map((s) => s.description), nextRuns: runsBetween(r.schedules, now, new Date(now.getTime() + 400 * 86_400_000), 5).map((d) => d.toISOString()) };
    },
  });
  api.add({
    method: "get", path: "/api/alerts/deliveries", operationId: "listAlertDeliveries", summary: "Alerts sent or failed, newest first.", tag: "tenants", access: "viewer",
    query: z.object({ tenant: z.string().optional(), limit: z.coerce.number().int().min(1).max(1000).optional() }),
    response: z.array(z.object({ at: iso, tenant: z.string(), event: z.string(), channel: z.string(), outcome: z.string(), attempts: z.number(), error: z.string().nullable(), runId: z.string().nullable() })),
    handler: async ({}, { query }) => (await x.history.listAlertDeliveries({ ...(query.tenant ? { tenant: query.tenant } : {}), ...(query.limit ? { limit: query.limit } : {}) })).map((d) => ({ ...d, at: d.at.toISOString() })),
  });

  const mayRestoreInto = (caller: Caller, target: string) => {
    const t = x.settings.must(target).stored;
    if (caller.role === "admin") return;
    if (caller.role === "operator" && !t.production) return;
    throw new LifeboatError("forbidden", `${caller.username} is ${caller.role} and may not restore into '${target}'${t.production ? " (a production tenant: admins only)" : ""}; ask an admin`, { object: `tenant '${target}'`, next: "ask an admin" });
  };

  // ---------------- runs ----------------
  api.add({
    method: "get", path: "/api/runs", operationId: "listRuns", summary: "Runs, newest first, filtered.", tag: "runs", access: "viewer",
    query: z.object({
      tenant: z.string().optional(),
      status: z.enum(["running", "succeeded", "partial", "failed", "cancelled", "missed"]).optional(),
      kind: z.enum(["backup", "restore", "verify", "prune"]).optional(),
      from: z.iso.datetime({ offset: true }).optional(),
      to: z.iso.datetime({ offset: true }).optional(),
      limit: z.coerce.number().int().min(1).max(1000).optional(),
    }),
    response: z.array(runSchema),
    handler: async ({}, { query }) =>
      (
        await x.history.listRuns({
          ...(query.tenant ? { tenant: query.tenant } : {}),
          ...(query.status ? { status: query.status } : {}),
          ...(query.kind ? { kind: query.kind } : {}),
          ...(query.from ? { from: new Date(query.from) } : {}),
          ...(query.to ? { to: new Date(query.to) } : {}),
          ...(query.limit ? { limit: query.limit } : {}),
        })
      ).map(runView),
  });
  const mustRun = async (id: string) => {
    const r = await x.history.getRun(id);
    if (!r) throw new LifeboatError("not-found", `no run with id ${id}; list runs (GET /api/runs) to find its id`, { object: `run ${id}` });
    return r;
  };
  const runParam = z.object({ run: z.string() });
  api.add({
    method: "get", path: "/api/runs/{run}", operationId: "getRun", summary: "A run with its result: the restore's plan, verification report and re-entry checklist; retention; the mass-deletion check.", tag: "runs", access: "viewer", params: runParam,
    response: runSchema.extend({ result: anyJson.nullable() }), errors: [404],
    handler: async ({}, { params }) => ({ ...runView(await mustRun(params.run)), result: ((await x.runs.result(params.run)) as Record<string, unknown> | undefined) ?? null }),
  });
  api.add({
    method: "get", path: "/api/runs/{run}/log", operationId: "getRunLog", summary: "The run's log: its events as JSON lines.", tag: "runs", access: "viewer", params: runParam, errors: [404],
    produces: { type: "application/x-ndjson", description: "one event per line: {seq, at, source, event}" },
    handler: async (c, { params }) => {
      await mustRun(params.run);
      const text = await readFile(x.runs.logFile(params.run), "utf8").catch(() => "");
      return c.body(text, 200, { "content-type": "application/x-ndjson; charset=utf-8" });
    },
  });
  api.add({
    method: "get", path: "/api/runs/{run}/events", operationId: "followRun", summary: "Live progress of a run as server-sent events (`run` events, then one `end` with the finished run).", tag: "runs", access: "viewer", params: runParam, errors: [404],
    produces: { type: "text/event-stream", description: "event `run`: {seq, at, source, event}; event `end`: the finished run record" },
    handler: async (c, { params }) => {
      await mustRun(params.run);
      return streamSSE(c, async (stream) => {
        const queue: (RunEvent | null)[] = [];
        let wake: (() => void) | undefined;
        let closed = false;
        const unsubscribe = x.runs.subscribe(params.run, (e) => {
          queue.push(e);
          wake?.();
        });
        const end = async () => stream.writeSSE({ event: "end", data: JSON.stringify(runView(await mustRun(params.run))) });
        if (!unsubscribe) {
          const text = await readFile(x.runs.logFile(params.run), "utf8").catch(() => "");
          for (const line of text.split("\n")) if (line.trim()) await stream.writeSSE({ event: "run", data: line });
          await end();
          return;
        }
        // a comment line now and then keeps proxies from closing a quiet stream
        const ping = setInterval(() => void stream.write(": ping\n\n").catch(() => undefined), 20_000);
        ping.unref?.();
        stream.onAbort(() => {
          closed = true;
          clearInterval(ping);
          unsubscribe();
          wake?.();
        });
        for (;;) {
          while (queue.length > 0) {
            const e = queue.shift()!;
            if (e === null) {
              clearInterval(ping);
              unsubscribe();
              await end();
              return;
            }
            await stream.writeSSE({ event: "run", id: String(e.seq), data: JSON.stringify(e) });
          }
          if (closed) return;
          await new Promise<void>((r) => (wake = r));
          wake = undefined;
        }
      });
    },
  });
  api.add({
    method: "post", path: "/api/tenants/{tenant}/runs", operationId: "startRun", summary: "Start a backup, verify or prune of the tenant now (one run per tenant at a time).", tag: "runs", access: "operator", params: tenantParam, status: 202,
    body: z.object({ kind: z.enum(["backup", "verify", "prune"]) }),
    response: z.object({ runId: z.string(), events: z.string().describe("where to follow it (server-sent events)") }), errors: [404, 409],
    handler: async (_c, { params, body, caller }) => {
      const who = caller!.via === "token" ? `${caller!.username} (token ${caller!.tokenName})` : caller!.username;
      const { id } = await x.runs.start(params.tenant, body.kind, { trigger: "manual", by: who });
      await audit(caller, `run.${body.kind}`, `tenant:${params.tenant}`, "ok", { run: id });
      return { runId: id, events: `/api/runs/${id}/events` };
    },
  });

  api.add({
    method: "post", path: "/api/runs/{run}/cancel", operationId: "cancelRun", summary: "Cancel a running run (no item starts after it; it is recorded as cancelled).", tag: "runs", access: "operator", params: runParam, status: 202, errors: [404, 409],
    response: z.object({ runId: z.string(), cancelling: z.literal(true) }),
    handler: async (_c, { params, caller }) => {
      const r = await mustRun(params.run);
      if (r.kind === "restore" && caller!.role !== "admin") mayRestoreInto(caller!, r.tenant);
      if (!x.runs.cancel(params.run, `cancelled by ${caller!.username}`)) throw new LifeboatError("conflict", `run ${params.run} is not going (${r.status}); only a running run can be cancelled`, { object: `run ${params.run}` });
      await audit(caller, "run.cancel", `tenant:${r.tenant}`, "ok", { run: params.run, kind: r.kind });
      return { runId: params.run, cancelling: true as const };
    },
  });

  // ---------------- snapshots ----------------
  const snapParams = tenantParam.extend({ snapshot: z.string().describe("snapshot id, unique prefix, or latest") });
  api.add({
    method: "get", path: "/api/tenants/{tenant}/snapshots", operationId: "listSnapshots", summary: "The snapshots in the tenant's repository, newest first.", tag: "snapshots", access: "viewer", params: tenantParam,
    response: z.array(snapshotSchema), errors: [404],
    handler: async ({}, { params }) => {
      const repo = await x.runs.reader(params.tenant);
      // a repository may hold other tenants' snapshots too
      const key = snapshotTenantKey(x.settings.must(params.tenant).stored.host);
      return (await repo.listSnapshots()).filter((s) => s.tenant === key).sort((a, b) => b.time.localeCompare(a.time)).map((s) => ({ id: s.id, tenant: s.tenant, time: s.time, tags: s.tags, partial: s.partial, toolVersion: s.toolVersion }));
    },
  });
  api.add({
    method: "get", path: "/api/tenants/{tenant}/snapshots/{snapshot}/manifest", operationId: "getManifest", summary: "A snapshot's manifest: per layer and per item, failed items with reasons, coverage gaps.", tag: "snapshots", access: "viewer", params: snapParams,
    response: anyJson, errors: [404],
    handler: async ({}, { params }) => {
      const repo = await x.runs.reader(params.tenant);
      return (await loadManifest(repo, await snapshotOf(repo, params.snapshot, params.tenant))) as unknown as Record<string, unknown>;
    },
  });
  api.add({
    method: "get", path: "/api/tenants/{tenant}/snapshots/{snapshot}/browse", operationId: "browseSnapshot", summary: "What a snapshot holds at a path, as `lifeboat ls` shows it (tenant → space → app → object).", tag: "snapshots", access: "viewer", params: snapParams,
    query: z.object({ path: z.string().default("").describe("e.g. spaces, apps/<appId>/objects") }),
    response: anyJson, errors: [404],
    handler: async ({}, { params, query }) => {
      const repo = await x.runs.reader(params.tenant);
      return (await browseSnapshot(repo, await snapshotOf(repo, params.snapshot, params.tenant), query.path)) as unknown as Record<string, unknown>;
    },
  });
  const objParams = snapParams.extend({ app: z.string(), object: z.string() });
  api.add({
    method: "get", path: "/api/tenants/{tenant}/snapshots/{snapshot}/apps/{app}/objects/{object}", operationId: "getObject", summary: "One object of an app in a snapshot: its property tree, owner and state.", tag: "snapshots", access: "viewer", params: objParams,
    response: anyJson, errors: [404],
    handler: async ({}, { params }) => {
      const repo = await x.runs.reader(params.tenant);
      const snap = await snapshotOf(repo, params.snapshot, params.tenant);
      const { entry } = await resolvePath(repo, snap.tree, [PATHS.apps, params.app, PATHS.objects, `${params.object}.json`]);
      if (entry?.type !== "blob") throw new LifeboatError("not-found", `object ${params.object} of app ${params.app} is not in snapshot ${snap.id.slice(0, 12)}`);
      return repo.readJson<Record<string, unknown>>(entry.blob);
    },
  });
  api.add({
    method: "get", path: "/api/tenants/{tenant}/snapshots/{snapshot}/apps/{app}/qvf", operationId: "downloadQvf", summary: "Download an app's .qvf from a snapshot.", tag: "snapshots", access: "operator", params: snapParams.extend({ app: z.string() }), errors: [404],
    produces: { type: "application/octet-stream", description: "the app as Qlik exported it" },
    handler: async (c, { params, caller }) => {
      const repo = await x.runs.reader(params.tenant);
      const snap = await snapshotOf(repo, params.snapshot, params.tenant);
      const { tree } = await resolvePath(repo, snap.tree, [PATHS.apps, params.app]);
      const entry = tree?.entries.find((e) => e.name === PATHS.qvf);
      if (entry?.type !== "blob") throw new LifeboatError("not-found", `app ${params.app} has no exported .qvf in snapshot ${snap.id.slice(0, 12)} (its export failed or was skipped; the manifest says why)`);
      await audit(caller, "snapshot.download", `tenant:${params.tenant}`, "ok", { snapshot: snap.id, app: params.app });
      return new Response(streamOf(repo.readBlob(entry.blob)), {
        headers: { "content-type": "application/octet-stream", "content-length": String(entry.blob.size), "content-disposition": `attachment; filename="${params.app.replace(/[^A-Za-z0-9._-]/g, "_")}.qvf"` },
      });
    },
  });
  api.add({
    method: "get", path: "/api/tenants/{tenant}/diff", operationId: "diffSnapshots", summary: "What changed between two snapshots, down to objects.", tag: "snapshots", access: "viewer", params: tenantParam,
    query: z.object({ from: z.string(), to: z.string() }), response: anyJson, errors: [404],
    handler: async ({}, { params, query }) => {
      const repo = await x.runs.reader(params.tenant);
      return (await diffSnapshots(repo, await snapshotOf(repo, query.from, params.tenant), await snapshotOf(repo, query.to, params.tenant))) as unknown as Record<string, unknown>;
    },
  });

  // ---------------- restore ----------------
  const restoreOptions = z
    .object({
      apps: z.array(z.string()).optional(),
      spaces: z.array(z.string()).optional(),
      all: z.boolean().optional(),
      spaceMap: z.record(z.string(), z.string()).optional(),
      asNew: z.boolean().optional(),
      name: z.string().optional(),
      ownerFallback: z.string().optional(),
      createMissingUsers: z.boolean().optional(),
      skipExisting: z.boolean().optional(),
      safetyBackup: z.boolean().optional(),
      deleteExtraObjects: z.boolean().optional(),
      objects: z.array(z.string()).optional(),
    })
    .strict();
  const planSchema = z.object({ planId: z.string().nullable().describe("null when nothing can run (blocked, or nothing to do)"), status: z.enum(["planned", "blocked", "nothing-to-do"]), sourceTenant: z.string(), targetTenant: z.string(), production: z.boolean(), plan: anyJson, expiresAt: iso.nullable() });
  api.add({
    method: "post", path: "/api/restores/plan", operationId: "planRestore", summary: "Plan a restore (nothing is changed): the plan to review, as `lifeboat restore --plan` makes it.", tag: "restore", access: "operator",
    body: z.object({ sourceTenant: z.string(), snapshot: z.string().default("latest"), targetTenant: z.string().optional().describe("default: the source tenant"), options: restoreOptions.default({}) }),
    response: planSchema, errors: [404],
    handler: async (_c, { body, caller }) => {
      const target = body.targetTenant ?? body.sourceTenant;
      mayRestoreInto(caller!, target);
      const p = await x.runs.planRestore({ sourceTenant: body.sourceTenant, targetTenant: target, snapshot: body.snapshot, options: body.options, by: caller!.username });
      const status = p.planFile ? "planned" : p.plan.blockers.length ? "blocked" : "nothing-to-do";
      await audit(caller, "restore.plan", `tenant:${target}`, "ok", { source: body.sourceTenant, snapshot: p.plan.snapshot.id, status });
      return { planId: p.planFile ? p.id : null, status, sourceTenant: p.sourceTenant, targetTenant: p.targetTenant, production: x.settings.must(target).stored.production, plan: p.plan as unknown as Record<string, unknown>, expiresAt: p.planFile ? new Date(p.createdAt.getTime() + x.runs.planTtlMs).toISOString() : null };
    },
  });
  api.add({
    method: "get", path: "/api/restores/{plan}", operationId: "getRestorePlan", summary: "A restore plan waiting for its confirmation.", tag: "restore", access: "operator", params: z.object({ plan: z.string() }),
    response: planSchema, errors: [404],
    handler: ({}, { params }) => {
      const p = x.runs.getPlan(params.plan);
      if (!p) throw new LifeboatError("not-found", `no restore plan ${params.plan} is waiting; plans expire after ${Math.round(x.runs.planTtlMs / 60_000)} minutes and run once — make it again`, { object: `restore plan ${params.plan}`, next: "make the plan again" });
      return { planId: p.id, status: "planned" as const, sourceTenant: p.sourceTenant, targetTenant: p.targetTenant, production: x.settings.must(p.targetTenant).stored.production, plan: p.plan as unknown as Record<string, unknown>, expiresAt: new Date(p.createdAt.getTime() + x.runs.planTtlMs).toISOString() };
    },
  });
  api.add({
    method: "post", path: "/api/restores/{plan}/run", operationId: "runRestore", summary: "Confirm a restore plan with your password and run it.", tag: "restore", access: "operator", params: z.object({ plan: z.string() }), status: 202,
    description: "Identity verification: the caller's password is checked again (also for an API token: its owner's). Operators restore into non-production tenants only.",
    body: z.object({ password: z.string().describe("the caller's password, asked again") }),
    response: z.object({ runId: z.string(), events: z.string() }), errors: [404, 409, 429],
    handler: async (c, { params, body, caller }) => {
      const p = x.runs.getPlan(params.plan);
      if (!p) throw new LifeboatError("not-found", `no restore plan ${params.plan} is waiting; plans expire after ${Math.round(x.runs.planTtlMs / 60_000)} minutes and run once — make it again`, { object: `restore plan ${params.plan}`, next: "make the plan again" });
      try {
        mayRestoreInto(caller!, p.targetTenant);
      } catch (e) {
        await audit(caller, "restore.start", `tenant:${p.targetTenant}`, "denied", { plan: p.id, reason: "role" });
        throw e;
      }
      const address = clientAddress(c);
      const wait = x.limiter.retryAfterMs(caller!.username, address);
      if (wait > 0) throw Object.assign(new LifeboatError("rate-limited", `too many wrong passwords for '${caller!.username}'; try again in ${Math.ceil(wait / 1000)} s`), { retryAfterSeconds: Math.ceil(wait / 1000) });
      if (!(await x.accounts.checkPassword(caller!.username, body.password))) {
        x.limiter.failed(caller!.username, address);
        await audit(caller, "restore.start", `tenant:${p.targetTenant}`, "denied", { plan: p.id, reason: "wrong password" });
        throw new LifeboatError("auth", "the password is wrong; a restore needs your password again before it starts — nothing was changed", { next: "enter your password again" });
      }
      const { id, done } = await x.runs.start(p.targetTenant, "restore", { trigger: "manual", by: caller!.username, restorePlanId: p.id });
      await audit(caller, "restore.start", `tenant:${p.targetTenant}`, "ok", { plan: p.id, run: id, source: p.sourceTenant, snapshot: p.plan.snapshot.id });
      void done.then((r) => audit(caller, "restore.end", `tenant:${p.targetTenant}`, r.status === "succeeded" ? "ok" : "failed", { run: id, status: r.status, message: r.message }));
      return { runId: id, events: `/api/runs/${id}/events` };
    },
  });

  // ---------------- users, tokens, audit ----------------
  const userView = (u: { username: string; role: Role; createdAt: Date }) => ({ username: u.username, role: u.role, createdAt: u.createdAt.toISOString() });
  api.add({ method: "get", path: "/api/users", operationId: "listUsers", summary: "Every user.", tag: "users", access: "admin", response: z.array(userSchema), handler: async () => (await x.accounts.listUsers()).map(userView) });
  api.add({
    method: "post", path: "/api/users", operationId: "createUser", summary: "Create a user.", tag: "users", access: "admin", status: 201,
    body: z.object({ username: z.string(), password: z.string(), role: roleSchema }), response: userSchema, errors: [409],
    handler: async (_c, { body, caller }) => {
      const u = await x.accounts.createUser(body.username, body.password, body.role);
      await audit(caller, "user.create", u.username, "ok", { role: u.role });
      return userView(u);
    },
  });
  const userParam = z.object({ user: z.string() });
  api.add({
    method: "patch", path: "/api/users/{user}", operationId: "updateUser", summary: "Change a user's role or password.", tag: "users", access: "admin", params: userParam,
    body: z.object({ role: roleSchema.optional(), password: z.string().optional() }), response: userSchema, errors: [404, 409],
    handler: async (_c, { params, body, caller }) => {
      if (body.password !== undefined) await x.accounts.setPassword(params.user, body.password);
      if (body.role !== undefined) await x.accounts.setRole(params.user, body.role);
      await audit(caller, "user.change", params.user, "ok", { ...(body.role ? { role: body.role } : {}), ...(body.password !== undefined ? { password: "changed" } : {}) });
      const u = await x.accounts.getUser(params.user);
      return userView(u!);
    },
  });
  api.add({
    method: "delete", path: "/api/users/{user}", operationId: "deleteUser", summary: "Delete a user (their sessions end, their tokens are revoked).", tag: "users", access: "admin", params: userParam, errors: [404, 409],
    handler: async (_c, { params, caller }) => {
      await x.accounts.deleteUser(params.user);
      await audit(caller, "user.delete", params.user, "ok");
    },
  });
  const tokenView = (t: { id: string; name: string; username: string; role: Role; createdAt: Date; lastUsedAt: Date | null; revokedAt: Date | null }) => ({ ...t, createdAt: t.createdAt.toISOString(), lastUsedAt: t.lastUsedAt?.toISOString() ?? null, revokedAt: t.revokedAt?.toISOString() ?? null });
  api.add({
    method: "get", path: "/api/tokens", operationId: "listTokens", summary: "API tokens: mine (an admin sees all). The token text is never shown again.", tag: "users", access: "viewer",
    response: z.array(tokenSchema),
    handler: async (_c, { caller }) => (await x.accounts.listTokens(caller!.role === "admin" ? undefined : caller!.username)).map(tokenView),
  });
  api.add({
    method: "post", path: "/api/tokens", operationId: "createToken", summary: "Create an API token for automation; its text is shown once.", tag: "users", access: "viewer", status: 201,
    body: z.object({ name: z.string(), role: roleSchema.optional().describe("default: my role; at most my role") }),
    response: tokenSchema.extend({ token: z.string().describe("shown once: store it now") }),
    handler: async (_c, { body, caller }) => {
      if (caller!.via === "token") throw new LifeboatError("forbidden", "an API token cannot create tokens; log in to the console to make one");
      const { token, record } = await x.accounts.createToken(caller!.username, body.name, body.role ?? caller!.role);
      await audit(caller, "token.create", record.id, "ok", { name: record.name, role: record.role });
      return { ...tokenView(record), token };
    },
  });
  api.add({
    method: "delete", path: "/api/tokens/{id}", operationId: "revokeToken", summary: "Revoke an API token (mine; an admin: any).", tag: "users", access: "viewer", params: z.object({ id: z.string() }), errors: [404],
    handler: async (_c, { params, caller }) => {
      await x.accounts.revokeToken(params.id, caller!);
      await audit(caller, "token.revoke", params.id, "ok");
    },
  });
  api.add({
    method: "get", path: "/api/audit", operationId: "listAudit", summary: "The audit log (append-only), newest first.", tag: "users", access: "admin",
    query: z.object({ actor: z.string().optional(), action: z.string().optional(), from: z.iso.datetime({ offset: true }).optional(), to: z.iso.datetime({ offset: true }).optional(), limit: z.coerce.number().int().min(1).max(1000).optional() }),
    response: z.array(z.object({ id: z.number(), at: iso, actor: z.string(), action: z.string(), target: z.string().nullable(), outcome: z.enum(["ok", "denied", "failed"]), details: anyJson })),
    handler: async ({}, { query }) =>
      (
        await x.history.listAudit({
          ...(query.actor ? { actor: query.actor } : {}),
          ...(query.action ? { action: query.action } : {}),
          ...(query.from ? { from: new Date(query.from) } : {}),
          ...(query.to ? { to: new Date(query.to) } : {}),
          ...(query.limit ? { limit: query.limit } : {}),
        })
      ).map((a) => ({ ...a, at: a.at.toISOString() })),
  });
}
