/**
 * The emulator's HTTP side: one Node http server per tenant (each tenant is reachable at its
 * own `http://127.0.0.1:PORT`), Hono for routing, websocket upgrades on `/app/…` handed to
 * the QIX engine. Auth → rate limit → fault → latency → route, errors mapped in one place.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { getRequestListener } from "@hono/node-server";
import type { Tenant } from "./model.ts";
import type { QixContext, QixServer } from "./qix/contract.ts";
import { buildTenant, tenantCredentials, type FixtureName } from "./fixtures.ts";
import { QlikError, errorBody, notFound, unauthorized } from "./internal/errors.ts";
import { createClock } from "./internal/clock.ts";
import { FaultInjector, parseFaultSpec } from "./internal/faults.ts";
import { noLatency, realisticLatency, type LatencyModel } from "./internal/latency.ts";
import { RateLimiter, defaultRateLimitOptions } from "./internal/ratelimit.ts";
import { defaultQuirks, type Quirks, type Runtime } from "./internal/runtime.ts";
import { normaliseRequestQuery, queryErrorBody } from "./rest/query.ts";
import { tierOf } from "./internal/tiers.ts";
import { canOpenApp } from "./internal/access.ts";
import type { Env } from "./rest/common.ts";
import { registerOAuth, resolveBearer } from "./rest/auth.ts";
import { registerIdentity } from "./rest/identity.ts";
import { registerIdentitySettings } from "./rest/identity-settings.ts";
import { registerSpaces } from "./rest/spaces.ts";
import { registerItems } from "./rest/items.ts";
import { registerApps } from "./rest/apps.ts";
import { registerSoftDelete } from "./rest/softdelete.ts";
import { registerTemp } from "./rest/temp.ts";
import { registerDataConnections } from "./rest/data-connections.ts";
import { registerReloadTasks } from "./rest/reload-tasks.ts";
import { registerWebhooks } from "./rest/webhooks.ts";
import { registerWebIntegrations } from "./rest/web-integrations.ts";
import { registerOAuthClients } from "./rest/oauth-clients.ts";
import { registerAutomations } from "./rest/automations.ts";
import { registerThemesAndExtensions } from "./rest/themes-extensions.ts";
import { registerBrands } from "./rest/brands.ts";
import { registerGlossaries } from "./rest/glossaries.ts";
import { registerCollections } from "./rest/collections.ts";
import { registerDistribution } from "./rest/distribution.ts";
import { adminRoutes } from "./admin.ts";
import type { Site } from "./qrs/model.ts";
import { buildSite, isSiteFixture, type SiteFixtureName } from "./qrs/fixtures.ts";
import { serveSite, type RunningSite, type SiteCertificates, type SiteHandle } from "./qrs/server.ts";

export type QixServerFactory = (ctx: QixContext) => QixServer;

export interface EmulatorOptions {
  /** Port of the first tenant; 0 (default) picks a free port. Further tenants use port+i (or free ports). */
  port?: number;
  fixture?: FixtureName | SiteFixtureName;
  /**
   * Per-tenant fixtures for multi-tenant runs (e.g. ["demo", "empty"]); defaults to `fixture` for every tenant.
   * A `qseow-…` fixture is a client-managed site (`qrs/`) instead of a Cloud tenant (see `sites`).
   */
  tenantFixtures?: (FixtureName | SiteFixtureName)[];
  /** Client-managed sites also serve QRS with client certificates (TLS) on a port of their own. */
  siteCertificates?: SiteCertificates;
  /** `generated` fixture: apps, objects per app, users. */
  apps?: number;
  objectsPerApp?: number;
  users?: number;
  /** `generated` fixture: data connections, reload tasks, webhooks, automations, automation connections (defaults scale with apps; fixtures-kinds.ts). */
  connections?: number;
  automations?: number;
  automationConnections?: number;
  reloadTasks?: number;
  webhooks?: number;
  /** `generated` fixture: web integrations, CSP origins, OAuth clients (fixtures-kinds.ts). */
  webIntegrations?: number;
  cspOrigins?: number;
  oauthClients?: number;
  /** `generated` fixture: sharing tasks, report templates, data alerts, tags (fixtures-kinds.ts). */
  sharingTasks?: number;
  reportTemplates?: number;
  dataAlerts?: number;
  tags?: number;
  /** `generated` fixture: custom roles (identity and settings; default 3). */
  customRoles?: number;
  /** `generated` fixture: brands and glossaries (fixtures-look.ts). */
  brands?: number;
  glossaries?: number;
  seed?: string | number;
  /** JSON file the tenants persist to; loaded instead of the fixture when it exists. */
  stateFile?: string;
  rateLimits?: "qlik" | "off";
  /** K: one real second is K emulated seconds (windows, Retry-After, latency shrink by K). */
  timeScale?: number;
  /** Real milliseconds now, as the rate-limit windows see it (tests move it instead of waiting; default the system's). */
  nowMs?: () => number;
  latency?: "none" | "realistic";
  latencyModel?: Partial<LatencyModel>;
  /** Fault SPEC, e.g. "rate=0.05,kinds=429+500+503+reset+truncate+expire,seed=7". */
  faults?: string;
  /** Number of tenants (default 1), each with its own port. */
  tenants?: number;
  /** Enables the test-only `/__emulator/…` surface. */
  admin?: boolean;
  /** Switches for UNCONFIRMED behaviours (see README). */
  quirks?: Partial<Quirks>;
  /** Real seconds an export's temp file lives (default 3600). */
  exportTtlSeconds?: number;
  /** QIX engine factory; defaults to `./qix/index.ts`'s `createQixServer` when present. */
  qix?: QixServerFactory | false;
}

export interface TenantHandle {
  host: string;
  apiKey: string;
  clientId: string;
  clientSecret: string;
  tenantId: string;
}

export interface EmulatorHandle extends Omit<TenantHandle, "tenantId"> {
  /** Cloud tenants (host, apiKey, … above are the first one's; empty strings when there is none). */
  tenants: TenantHandle[];
  /** Client-managed (QSEoW) sites of `qseow-…` fixtures, in fixture order. */
  sites: SiteHandle[];
  /** The live in-memory tenants and sites — for tests only. */
  state: { tenants: Tenant[]; sites: Site[] };
  /** Reconfigures fault injection at run time ("" = off). */
  setFaults(spec: string): void;
  /** Changes the time scale between runs (benchmarks); forgets every rate-limit window. */
  setTimeScale(k: number): void;
  close(): Promise<void>;
}

interface StateFile {
  format: "lifeboat-emulator-state";
  version: 1;
  tenants: Tenant[];
}

async function loadQixFactory(): Promise<QixServerFactory | undefined> {
  const url = new URL("./qix/index.ts", import.meta.url);
  if (!existsSync(fileURLToPath(url))) return undefined;
  const mod = (await import(url.href)) as { createQixServer?: QixServerFactory };
  return mod.createQixServer;
}

function createPersister(file: string | undefined, tenants: Tenant[]) {
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();
  const save = (): Promise<void> => {
    if (!file) return Promise.resolve();
    const doc: StateFile = {
      format: "lifeboat-emulator-state",
      version: 1,
      tenants: tenants.map((t) => ({ ...t, tempContents: {} })),
    };
    const json = JSON.stringify(doc);
    writing = writing.then(async () => {
      await mkdir(dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      await writeFile(tmp, json);
      await rename(tmp, file);
    });
    return writing;
  };
  return {
    changed(): void {
      if (!file || timer) return;
      timer = setTimeout(() => {
        timer = undefined;
        void save().catch(() => undefined);
      }, 200);
    },
    async flush(): Promise<void> {
      if (timer) {
        clearTimeout(timer);
        timer = undefined;
      }
      await save();
    },
  };
}

async function loadState(file: string): Promise<Tenant[] | undefined> {
  if (!existsSync(file)) return undefined;
  const doc = JSON.parse(await readFile(file, "utf8")) as Partial<StateFile>;
  if (doc.format !== "lifeboat-emulator-state" || doc.version !== 1 || !Array.isArray(doc.tenants)) {
    throw new Error(`${file} is not an emulator state file (format lifeboat-emulator-state v1); remove it or pass another --state file.`);
  }
  for (const t of doc.tenants) t.tempContents = {};
  return doc.tenants;
}

function isDownload(method: string, path: string): boolean {
  return method === "GET" && /^\/api\/v1\/temp-contents\/[^/]+$/.test(path);
}

/** The Hono app of one tenant. */
export function createTenantApp(tenant: Tenant, rt: Runtime, opts: { admin: boolean }): Hono<Env> {
  const app = new Hono<Env>();
  app.onError((err, c) => {
    const qe =
      err instanceof QlikError
        ? err
        : err instanceof HTTPException
          ? new QlikError(err.status, `HTTP-${err.status}`, err.message || "Bad Request")
          : new QlikError(500, "HTTP-500", "Internal Server Error", err instanceof Error ? err.message : String(err));
    return c.json(errorBody(qe), qe.status as 400, qe.headers);
  });
  app.notFound((c) => {
    const e = notFound("HTTP-404", `No route for ${c.req.method} ${c.req.path}.`);
    return c.json(errorBody(e), 404);
  });
  app.get("/resources/autogenerated/product-info.json", (c) => c.json(errorBody(notFound("HTTP-404", "Not a Qlik Sense Enterprise deployment.")), 404));
  if (opts.admin) app.route("/__emulator", adminRoutes(tenant, rt));

  app.use("/api/*", async (c, next) => {
    const who = resolveBearer(tenant, c.req.header("authorization"));
    if (!who) throw unauthorized();
    c.set("who", who);
    const tier = tierOf(c.req.method, c.req.path);
    rt.limiter?.hit(tenant.id, who.user.id, tier);
    const fault = rt.faults.draw(isDownload(c.req.method, c.req.path));
    c.set("fault", fault);
    if (fault === "reset") {
      c.env.incoming.socket.destroy();
      return new Response(null, { status: 500 });
    }
    if (fault === "429") throw new QlikError(429, "HTTP-429", "API rate limit reached.", "Injected fault: you need to wait 1 seconds until limit is lifted.", { "retry-after": "1" });
    if (fault === "500") throw new QlikError(500, "HTTP-500", "Internal Server Error", "Injected fault.");
    if (fault === "503") throw new QlikError(503, "HTTP-503", "Service Unavailable", "Injected fault.", { "retry-after": "1" });
    await rt.clock.sleep(tier.bucket === "1" ? rt.latency.tier1Ms : rt.latency.tier2Ms);
    await next();
  });
  const deps = { tenant, rt };
  registerOAuth(app, deps);
  // Before identity: `/groups/settings` must win over `/groups/:groupId`.
  registerIdentitySettings(app, deps);
  registerIdentity(app, deps);
  registerSpaces(app, deps);
  registerItems(app, deps);
  registerApps(app, deps);
  registerSoftDelete(app, deps);
  registerTemp(app, deps);
  registerDataConnections(app, deps);
  registerReloadTasks(app, deps);
  registerWebhooks(app, deps);
  registerWebIntegrations(app, deps);
  registerOAuthClients(app, deps);
  registerAutomations(app, deps);
  registerThemesAndExtensions(app, deps);
  registerCollections(app, deps);
  registerDistribution(app, deps);
  registerBrands(app, deps);
  registerGlossaries(app, deps);
  return app;
}

function rejectUpgrade(socket: Duplex, status: number, text: string): void {
  const body = JSON.stringify(errorBody(new QlikError(status, `HTTP-${status}`, text)));
  socket.end(`HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Starts the emulator and resolves once every tenant listens.
 *
 * @example
 *   const emu = await startEmulator({ fixture: "demo" });
 *   const api = createQlikApi({ authType: "apikey", host: emu.host, apiKey: emu.apiKey });
 *   …
 *   await emu.close();
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<EmulatorHandle> {
  const seed = String(options.seed ?? "0");
  const tenantCount = options.tenants ?? options.tenantFixtures?.length ?? 1;
  if (!Number.isInteger(tenantCount) || tenantCount < 1) throw new Error(`tenants must be a positive integer, got ${tenantCount}`);
  const fixture = options.fixture ?? "demo";
  const fixtures = options.tenantFixtures ?? Array.from({ length: tenantCount }, () => fixture);
  if (fixtures.length !== tenantCount) throw new Error(`tenantFixtures names ${fixtures.length} fixtures for ${tenantCount} tenants`);
  for (const f of fixtures) if (!["demo", "generated", "empty"].includes(f) && !isSiteFixture(f)) throw new Error(`unknown fixture "${f}" (demo, generated, empty, qseow-demo, qseow-generated)`);
  const sites = fixtures.flatMap((f, i) => (isSiteFixture(f) ? [buildSite({ fixture: f, seed, apps: options.apps, objectsPerApp: options.objectsPerApp, users: options.users, index: i })] : []));
  const cloudFixtures = fixtures.flatMap((f, i) => (isSiteFixture(f) ? [] : [{ f, i }]));

  let tenants = options.stateFile ? await loadState(options.stateFile) : undefined;
  const fromState = tenants !== undefined;
  tenants ??= cloudFixtures.map(({ f, i }) => buildTenant({ fixture: f, seed, apps: options.apps, objectsPerApp: options.objectsPerApp, users: options.users, connections: options.connections, automations: options.automations, automationConnections: options.automationConnections, reloadTasks: options.reloadTasks, webhooks: options.webhooks, sharingTasks: options.sharingTasks, reportTemplates: options.reportTemplates, dataAlerts: options.dataAlerts, tags: options.tags, customRoles: options.customRoles, webIntegrations: options.webIntegrations, cspOrigins: options.cspOrigins, oauthClients: options.oauthClients, brands: options.brands, glossaries: options.glossaries, tenantIndex: i }).tenant);

  const clock = createClock(options.timeScale ?? 1, options.nowMs);
  const quirks: Quirks = { ...defaultQuirks, ...options.quirks };
  const latency: LatencyModel = { ...(options.latency === "realistic" ? realisticLatency : noLatency), ...options.latencyModel };
  const faults = new FaultInjector(options.faults ? parseFaultSpec(options.faults) : undefined);
  const persister = createPersister(options.stateFile, tenants);
  const qixFactory = options.qix === false ? undefined : (options.qix ?? (await loadQixFactory()));

  const servers: { server: Server; qix: QixServer | undefined; sockets: Set<Duplex> }[] = [];
  const handles: TenantHandle[] = [];
  const limiters: (RateLimiter | undefined)[] = [];
  const runningSites: RunningSite[] = [];
  try {
    for (const site of sites) runningSites.push(await serveSite(site, { certificates: options.siteCertificates, faults }));
    for (const [i, tenant] of tenants.entries()) {
      const limiter =
        options.rateLimits === "qlik"
          ? new RateLimiter(clock, { ...defaultRateLimitOptions, blockWholeTier: quirks.rateLimitBlocksWholeTier, tenantCeiling: quirks.rateLimitTenantCeiling }, () => Object.keys(tenant.users).length)
          : undefined;
      limiters.push(limiter);
      const rt: Runtime = { clock, latency, limiter, faults, quirks, exportTtlSeconds: options.exportTtlSeconds ?? 3600, changed: () => persister.changed() };
      const app = createTenantApp(tenant, rt, { admin: options.admin === true });
      const qix = qixFactory?.({
        authenticate: (req: IncomingMessage) => resolveBearer(tenant, req.headers.authorization),
        canOpenApp,
        delay: (kind) => clock.sleep(kind === "call" ? latency.qixCallMs : latency.openAppMs),
        now: () => new Date(),
        objectMetaDates: quirks.objectMetaDates,
        noDataSaveDropsData: quirks.noDataSaveDropsData,
        childEditMovesParentDate: quirks.childEditMovesParentDate,
        onPersist: () => persister.changed(),
      });
      // Errors after the response started (e.g. a download cut by fault injection) end the socket quietly.
      const listener = getRequestListener(app.fetch, { errorHandler: () => undefined });
      const server = createServer((req, res) => {
        // Query strings read as a Qlik service reads them (rest/query.ts), before the router.
        const q = normaliseRequestQuery(req.url ?? "/", quirks.queryPlus);
        if ("error" in q) {
          res.writeHead(400, { "content-type": "application/json" });
          res.end(queryErrorBody(q.error));
          return;
        }
        req.url = q.url;
        void listener(req, res);
      });
      const sockets = new Set<Duplex>();
      server.on("connection", (s) => {
        sockets.add(s);
        s.on("close", () => sockets.delete(s));
      });
      server.on("clientError", (_err, socket) => socket.destroy());
      server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        socket.on("error", () => undefined);
        const path = (req.url ?? "").split("?")[0] ?? "";
        if (!path.startsWith("/app/")) return rejectUpgrade(socket, 404, "Not Found");
        if (!resolveBearer(tenant, req.headers.authorization)) return rejectUpgrade(socket, 401, "Unauthorized");
        if (!qix) return rejectUpgrade(socket, 501, "Not Implemented");
        try {
          qix.handleUpgrade(req, socket, head);
        } catch {
          rejectUpgrade(socket, 500, "Internal Server Error");
        }
      });
      const wanted = options.port ? options.port + i : 0;
      const port = await listen(server, wanted);
      servers.push({ server, qix, sockets });
      const creds = tenantCredentials(tenant);
      handles.push({ host: `http://127.0.0.1:${port}`, tenantId: tenant.id, ...creds });
    }
  } catch (e) {
    for (const s of servers) s.server.close();
    await Promise.all(runningSites.map((s) => s.close()));
    throw e;
  }
  if (options.stateFile && !fromState) await persister.flush();

  const first = handles[0] ?? { host: runningSites[0]?.handle.host ?? "", apiKey: "", clientId: "", clientSecret: "" };
  let closed = false;
  return {
    host: first.host,
    apiKey: first.apiKey,
    clientId: first.clientId,
    clientSecret: first.clientSecret,
    tenants: handles,
    sites: runningSites.map((s) => s.handle),
    state: { tenants, sites },
    setFaults: (spec) => faults.configure(spec ? parseFaultSpec(spec) : undefined),
    setTimeScale: (k) => {
      clock.setTimeScale(k);
      for (const l of limiters) l?.reset();
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all(runningSites.map((s) => s.close()));
      await Promise.all(
        servers.map(async ({ server, qix, sockets }) => {
          await qix?.close().catch(() => undefined);
          await new Promise<void>((resolve) => {
            server.close(() => resolve());
            for (const s of sockets) s.destroy();
          });
        }),
      );
      await persister.flush();
    },
  };
}
