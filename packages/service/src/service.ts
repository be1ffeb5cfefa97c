/**
 * `createService(options)`: the whole service in one object — its database (run history,
 * audit log, accounts, settings), the tenants, the run manager, the schedulers, alerts, metrics
 * and the HTTP API — with nothing global, so tests start several in one process.
 *
 * @example
 *   const service = await createService({ dataDir: "/var/lib/lifeboat", adminPassword: process.env.LIFEBOAT_ADMIN_PASSWORD });
 *   const { url } = await service.listen({ port: 8080, host: "127.0.0.1" });
 *   // … later
 *   await service.close();
 *
 * Environment variables are read by the caller (`lifeboat serve`), not here: the database
 * location, the admin password and the secret key come in as options.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { serve, type ServerType } from "@hono/node-server";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { JobDeps } from "@lifeboat/jobs";
import { AlertDispatcher, type AlertDispatcherOptions } from "./alerts/dispatcher.ts";
import { eventForMissed } from "./alerts/events.ts";
import { messageOf } from "./errors.ts";
import { migrate } from "./history/migrations.ts";
import { openPostgres, openSqlite, type Sql } from "./history/sql.ts";
import { historyOver, type HistoryLocation, type HistoryStore } from "./history/store.ts";
import { Api, type Env } from "./http/api.ts";
import { errorResponse } from "./http/errors.ts";
import { registerRoutes } from "./http/routes/index.ts";
import { ServiceMetrics } from "./metrics.ts";
import { RunManager } from "./runs/manager.ts";
import { systemClock, type Clock } from "./schedule/clock.ts";
import { Scheduler } from "./schedule/scheduler.ts";
import { nextRunOf } from "./schedule/spec.ts";
import { AccountStore, LoginLimiter } from "./security/accounts.ts";
import type { ScryptParams } from "./security/passwords.ts";
import { loadSecretKey, SecretBox } from "./security/secretbox.ts";
import { TenantSettings } from "./settings/tenants.ts";

export const SERVICE_VERSION = "0.1.0";

export interface ServiceOptions {
  /** where the SQLite history, the secret key, run logs and restore journals live */
  dataDir: string;
  /** default: SQLite at `<dataDir>/history.db` */
  database?: HistoryLocation;
  /** the first admin's password (LIFEBOAT_ADMIN_PASSWORD); without it a one-time setup token is printed */
  adminPassword?: string;
  /** default "admin" */
  adminUsername?: string;
  /** the key sealing secrets in settings; default: `loadSecretKey(env)` */
  secretKey?: Uint8Array;
  /** for LIFEBOAT_SECRET_KEY / LIFEBOAT_SECRET_KEY_FILE when no `secretKey` is given */
  env?: NodeJS.ProcessEnv;
  /** tenants from lifeboat.yaml: name → settings as PUT /api/tenants/{name} takes them; added when the store does not have them yet */
  tenants?: Record<string, unknown>;
  /** `/metrics` without login (default true) */
  metricsPublic?: boolean;
  /** the URL people reach the service at through a reverse proxy (its origin passes the CSRF Origin check) */
  publicUrl?: string;
  clock?: Clock;
  scrypt?: ScryptParams;
  sessionIdleMs?: number;
  sessionMaxMs?: number;
  loginLimit?: { windowMs?: number; maxPerUser?: number; maxPerAddress?: number };
  alerts?: Partial<Omit<AlertDispatcherOptions, "settingsFor" | "history">>;
  /** the run layer's tenant connection (default: @qlik/api through @lifeboat/qlik) */
  connect?: JobDeps["connect"];
  /** what the service has to say to its operator (setup token, missed runs, failures of background work) */
  onNotice?: (line: string) => void;
}

export interface Service {
  readonly app: Hono<Env>;
  readonly api: Api;
  readonly history: HistoryStore;
  readonly accounts: AccountStore;
  readonly settings: TenantSettings;
  readonly runs: RunManager;
  readonly metrics: ServiceMetrics;
  readonly alerts: AlertDispatcher;
  /** the one-time setup token while no user exists (printed at start) */
  readonly setupToken: string | undefined;
  /** missed runs reported at start */
  readonly missed: { tenant: string; dueTimes: Date[] }[];
  listen(opts: { port: number; host?: string }): Promise<{ url: string; port: number }>;
  /** Resolves when no run (scheduled or manual) is going and every alert is delivered (tests, shutdown). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export async function createService(o: ServiceOptions): Promise<Service> {
  mkdirSync(o.dataDir, { recursive: true });
  const clock = o.clock ?? systemClock();
  const now = () => clock.now();
  const notice = o.onNotice ?? (() => undefined);
  const location = o.database ?? { sqlite: join(o.dataDir, "history.db") };
  const db: Sql = "postgres" in location ? await openPostgres(location.postgres) : await openSqlite(location.sqlite);
  let closed = false;
  try {
    await migrate(db, { now });
  } catch (e) {
    await db.close();
    throw e;
  }
  const history = historyOver(db);
  // Runs a previous process left "running" (it was killed or crashed) are over: record them so.
  // One service owns a history database (the SQLite file is locked to one process; for PostgreSQL, docs/service.md).
  for (const r of await history.listRuns({ status: "running", limit: 1000 })) {
    await history.finishRun(r.id, { status: "failed", endedAt: now(), message: "the service stopped during this run (killed or crashed); start it again" });
    notice(`run ${r.id} (${r.kind} of tenant '${r.tenant}') was cut off when the service last stopped; recorded as failed`);
  }
  const accounts = new AccountStore(db, { now, ...(o.scrypt ? { scrypt: o.scrypt } : {}), ...(o.sessionIdleMs ? { sessionIdleMs: o.sessionIdleMs } : {}), ...(o.sessionMaxMs ? { sessionMaxMs: o.sessionMaxMs } : {}) });
  const key = o.secretKey ?? loadSecretKey(o.env ?? {}, join(o.dataDir, "secret.key")).key;
  const settings = new TenantSettings(db, new SecretBox(key), now);
  await settings.load();
  for (const [name, input] of Object.entries(o.tenants ?? {})) {
    if (settings.get(name)) continue;
    await settings.put(name, input);
    await history.appendAudit({ at: now(), actor: "system", action: "settings.change", target: `tenant:${name}`, outcome: "ok", details: { what: "tenant from the config file" } });
  }

  const state = { setupToken: undefined as string | undefined };
  if ((await accounts.countUsers()) === 0) {
    const username = o.adminUsername ?? "admin";
    if (o.adminPassword) {
      await accounts.createUser(username, o.adminPassword, "admin");
      await history.appendAudit({ at: now(), actor: "system", action: "user.create", target: username, outcome: "ok", details: { role: "admin", from: "LIFEBOAT_ADMIN_PASSWORD" } });
    } else {
      state.setupToken = randomBytes(24).toString("base64url");
      notice(`no user exists yet: create the first admin with the one-time setup token ${state.setupToken} (POST /api/setup {token, username, password}, or the console's setup page)`);
    }
  }

  const metrics = new ServiceMetrics();
  for (const [tenant, run] of await history.lastSuccessfulBackups()) if (run.endedAt) metrics.lastSuccess.set({ tenant }, run.endedAt.getTime() / 1000);
  const alerts = new AlertDispatcher({ settingsFor: (t) => settings.alertSettings(t), history, now, onRecordError: (e) => notice(`an alert delivery could not be recorded: ${messageOf(e)}`), ...o.alerts });
  const runs = new RunManager({ history, settings, alerts, metrics, dataDir: o.dataDir, now, ...(o.connect ? { connect: o.connect } : {}) });

  // ---- schedulers: backups (missed runs reported at start) and prunes ----
  let backupScheduler: Scheduler | undefined;
  let pruneScheduler: Scheduler | undefined;
  const missed: { tenant: string; dueTimes: Date[] }[] = [];
  const scheduled = (kind: "backup" | "prune") => async (tenant: string, reason: { trigger: string; lastDueAt?: Date }) => {
    await runs.idleTenant(tenant);
    const { done } = await runs.start(tenant, kind, { trigger: "schedule", by: "scheduler", ...(reason.lastDueAt ? { scheduledFor: reason.lastDueAt } : {}) });
    await done;
  };
  const arm = async (reportMissed: boolean) => {
    backupScheduler?.stop();
    pruneScheduler?.stop();
    const names = settings.names();
    backupScheduler = new Scheduler({
      clock,
      schedules: new Map(names.map((n) => [n, settings.get(n)!.schedules] as const).filter(([, s]) => s.length > 0)),
      startRun: scheduled("backup"),
      // after a settings change, due times of the new schedules before now were never due
      lastScheduledRun: reportMissed ? (t) => history.lastScheduledRun(t) : async () => null,
      onMissed: async (m) => {
        missed.push({ tenant: m.tenant, dueTimes: m.dueTimes });
        await history.recordMissed(m.tenant, m.dueTimes);
        alerts.notify(eventForMissed(m.tenant, m.dueTimes, now()));
        notice(`tenant '${m.tenant}': ${m.dueTimes.length} scheduled backup(s) were missed while the service was not running (first due ${m.dueTimes[0]!.toISOString()})`);
      },
      onRunError: (t, e) => notice(`the scheduled backup of tenant '${t}' did not start: ${messageOf(e)}`),
    });
    pruneScheduler = new Scheduler({
      clock,
      schedules: new Map(names.map((n) => [n, settings.get(n)!.pruneSchedules] as const).filter(([, s]) => s.length > 0)),
      startRun: scheduled("prune"),
      lastScheduledRun: async () => null,
      onRunError: (t, e) => notice(`the scheduled prune of tenant '${t}' did not start: ${messageOf(e)}`),
    });
    await backupScheduler.start();
    await pruneScheduler.start();
  };
  await arm(true);
  let rearming = Promise.resolve();
  const reschedule = () => {
    rearming = rearming.then(() => (closed ? undefined : arm(false))).catch((e) => notice(`the schedules could not be re-armed: ${messageOf(e)}`));
  };

  // ---- HTTP ----
  const limiter = new LoginLimiter({ now, ...o.loginLimit });
  const api = new Api({ accounts, history, now, ...(o.publicUrl ? { publicOrigin: new URL(o.publicUrl).origin } : {}) });
  const app = new Hono<Env>();
  app.use("*", async (c, next) => {
    await next();
    c.header("X-Content-Type-Options", "nosniff");
    c.header("Referrer-Policy", "no-referrer");
    c.header("X-Frame-Options", "DENY");
    c.header("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'");
    if (c.req.path.startsWith("/api/")) c.header("Cache-Control", "no-store");
  });
  app.use(
    "/api/*",
    bodyLimit({
      maxSize: 1024 * 1024,
      onError: (c) => {
        const { status, body } = errorResponse(Object.assign(new Error(), { code: "usage", message: "the request body is larger than 1 MiB; send settings and plans, not files" }));
        return c.json(body, status as 400);
      },
    }),
  );
  registerRoutes(api, {
    accounts,
    history,
    settings,
    runs,
    alerts,
    metrics,
    limiter,
    now,
    version: SERVICE_VERSION,
    metricsPublic: o.metricsPublic ?? true,
    setup: {
      get token() {
        return state.setupToken;
      },
      set token(v) {
        state.setupToken = v;
      },
    },
    reschedule,
    nextRuns: (tenant) => {
      const t = settings.get(tenant);
      return { backup: t ? nextRunOf(t.schedules, now()) : null, prune: t ? nextRunOf(t.pruneSchedules, now()) : null };
    },
  });
  api.mount(app);
  app.notFound((c) => {
    const { status, body } = errorResponse(Object.assign(new Error(), { code: "not-found", message: `no route ${c.req.method} ${c.req.path}; GET /api/openapi.json lists the API` }));
    return c.json(body, status as 404);
  });
  app.onError((err, c) => {
    const { status, body } = errorResponse(err);
    if (status >= 500 && body.errors[0]!.code === "LIFEBOAT-internal") notice(`internal error ${body.traceId} on ${c.req.method} ${c.req.path}: ${err.stack ?? err.message}`);
    const retry = (err as { retryAfterSeconds?: number }).retryAfterSeconds;
    if (typeof retry === "number") c.header("Retry-After", String(retry));
    return c.json(body, status as 500);
  });

  let server: ServerType | undefined;
  const service: Service = {
    app,
    api,
    history,
    accounts,
    settings,
    runs,
    metrics,
    alerts,
    get setupToken() {
      return state.setupToken;
    },
    missed,
    listen: ({ port, host }) =>
      new Promise((resolve, reject) => {
        const s = serve({ fetch: app.fetch, port, hostname: host ?? "127.0.0.1" }, (info: AddressInfo) => {
          const h = info.family === "IPv6" ? `[${info.address}]` : info.address;
          resolve({ url: `http://${h}:${info.port}`, port: info.port });
        });
        s.once("error", reject);
        server = s;
      }),
    idle: async () => {
      await rearming;
      await backupScheduler?.idle();
      await pruneScheduler?.idle();
      await runs.idle();
      await alerts.idle();
    },
    close: async () => {
      if (closed) return;
      closed = true;
      backupScheduler?.stop();
      pruneScheduler?.stop();
      await rearming;
      backupScheduler?.stop();
      pruneScheduler?.stop();
      if (server) {
        const s = server as unknown as { close(cb: () => void): void; closeAllConnections?: () => void };
        const done = new Promise<void>((r) => s.close(() => r()));
        s.closeAllConnections?.();
        await done;
      }
      await runs.close();
      await alerts.idle();
      await db.close();
    },
  };
  return service;
}
