/**
 * `lifeboat serve`: Lifeboat as a service — scheduled backups, retention and prune, run
 * history, alerts, metrics and the HTTP API (docs/service.md). The service itself is
 * `@lifeboat/service`; this command reads the configuration and the environment (here, at the
 * edge) and starts it.
 *
 *   lifeboat serve                           # tenants and their service settings from lifeboat.yaml
 *   lifeboat serve --port 8080 --host 0.0.0.0
 *   LIFEBOAT_DATABASE_URL=postgres://lifeboat@db/lifeboat lifeboat serve
 *   lifeboat serve --demo --port 0           # the sandbox tenant, a temporary repository, a generated admin password
 *
 * ```yaml
 * repository: /var/backups/lifeboat          # the tenants' repository unless service.tenants.NAME.repository says otherwise
 * tenants:
 *   prod: { host: https://acme.eu.qlikcloud.com, auth: { type: oauth2, clientId: …, clientSecretEnv: PROD_SECRET } }
 * service:
 *   dataDir: /var/lib/lifeboat              # history (SQLite), secret key, run logs, restore journals
 *   metricsPublic: true                     # /metrics without login (default)
 *   publicUrl: https://lifeboat.example.com # where people reach it through a reverse proxy (CSRF origin check)
 *   tenants:
 *     prod:
 *       production: true                    # default; operators restore only into tenants with production: false
 *       repository: /var/backups/prod
 *       passwordEnv: LIFEBOAT_PASSWORD      # default
 *       schedules: [{ every: day, at: "02:30", timeZone: Europe/Amsterdam }]
 *       retention: { daily: 14, weekly: 8, monthly: 12 }
 *       pruneSchedules: [{ every: week, on: [sun], at: "04:00" }]
 *       alerts: { channels: [{ type: slack, url: "https://hooks.slack.com/services/…" }] }
 * ```
 *
 * Tenants of the file are added to the service's settings when it does not have them yet; after
 * that the console (PUT /api/tenants/NAME) is where they change.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { defaultStateDir } from "@lifeboat/engine";
import { initRepository } from "@lifeboat/repository";
import { InvalidArgumentError, type Command } from "commander";
import { configPath, connectionFromEntry, loadConfigFile } from "../config.ts";
import { UserError } from "../errors.ts";

export interface ServeOptions {
  config?: string;
  port: number;
  host: string;
  dataDir?: string;
  demo?: boolean;
}

function port(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n > 65535) throw new InvalidArgumentError("expected a port number 0–65535 (0 picks a free one)");
  return n;
}

export function register(program: Command): void {
  program
    .command("serve")
    .description("run Lifeboat as a service: scheduled backups, retention, run history, alerts, metrics and the HTTP API")
    .option("--config <file>", "config file (default: LIFEBOAT_CONFIG, or ./lifeboat.yaml)")
    .option("--port <port>", "port to listen on (0 picks a free one)", port, 8080)
    .option("--host <address>", "address to listen on", "127.0.0.1")
    .option("--data-dir <dir>", "where the history, the secret key and run logs live (default: service.dataDir, else LIFEBOAT_STATE_DIR/service)")
    .option("--demo", "serve the built-in sandbox tenant with a temporary repository and a generated admin password; prints one JSON line when ready")
    .action(async (opts: ServeOptions) => {
      await runServe(opts);
    });
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The service's tenants from the config file, as `PUT /api/tenants/NAME` takes them (secrets read from the environment here). */
export function tenantsFromConfig(file: string, env: NodeJS.ProcessEnv): { tenants: Record<string, unknown>; dataDir?: string; metricsPublic?: boolean; publicUrl?: string } {
  const config = loadConfigFile(file);
  const service = config.service === undefined ? {} : config.service;
  if (!isRecord(service)) throw new UserError(`service: in ${file} must be a map (dataDir, metricsPublic, tenants); see docs/service.md`);
  for (const k of Object.keys(service)) if (!["dataDir", "metricsPublic", "publicUrl", "tenants"].includes(k)) throw new UserError(`service.${k} in ${file} is not a setting; expected dataDir, metricsPublic, publicUrl or tenants`);
  if (service.publicUrl !== undefined && (typeof service.publicUrl !== "string" || !/^https?:\/\/[^/]+\/?$/.test(service.publicUrl)))
    throw new UserError(`service.publicUrl in ${file} must be the URL people open, scheme and host only, e.g. https://lifeboat.example.com`);
  const perTenant = service.tenants === undefined ? {} : service.tenants;
  if (!isRecord(perTenant)) throw new UserError(`service.tenants in ${file} must be a map of tenant name to its service settings`);
  const here = (p: string) => (/^[a-z][a-z0-9+.-]+:/i.test(p) || isAbsolute(p) ? p : resolve(dirname(file), p));
  const tenants: Record<string, unknown> = {};
  for (const name of Object.keys(perTenant)) if (!config.tenants[name]) throw new UserError(`service.tenants.${name} in ${file} names no tenant of tenants:; add '${name}' under tenants: with its host and auth`);
  for (const [name, entry] of Object.entries(config.tenants)) {
    const s = perTenant[name] === undefined ? {} : perTenant[name];
    if (!isRecord(s)) throw new UserError(`service.tenants.${name} in ${file} must be a map`);
    const known = ["production", "repository", "passwordEnv", "insecureNoPassword", "schedules", "retention", "pruneSchedules", "alerts"];
    for (const k of Object.keys(s)) if (!known.includes(k)) throw new UserError(`service.tenants.${name}.${k} in ${file} is not a setting; expected ${known.join(", ")}`);
    const c = connectionFromEntry(name, entry, env, config.timeouts);
    const repository = typeof s.repository === "string" ? s.repository : config.repository;
    if (!repository) throw new UserError(`tenant '${name}' has no repository: write repository: at the top of ${file} or service.tenants.${name}.repository`);
    const passwordEnv = typeof s.passwordEnv === "string" ? s.passwordEnv : "LIFEBOAT_PASSWORD";
    const password = s.insecureNoPassword === true ? undefined : env[passwordEnv];
    if (s.insecureNoPassword !== true && !password) throw new UserError(`the repository of tenant '${name}' needs its password in ${passwordEnv}, which is not set; export it (or set service.tenants.${name}.passwordEnv)`);
    tenants[name] = {
      host: c.host,
      auth: c.auth.type === "apikey" ? { type: "apikey", apiKey: c.auth.apiKey } : { type: "oauth2", clientId: c.auth.clientId, clientSecret: c.auth.clientSecret, ...(c.auth.scope ? { scope: c.auth.scope } : {}) },
      tags: c.tags,
      production: s.production ?? true,
      repository: { url: here(repository), ...(password ? { password } : { insecureNoPassword: true }) },
      ...(s.schedules !== undefined ? { schedules: s.schedules } : {}),
      ...(s.retention !== undefined ? { retention: s.retention } : {}),
      ...(s.pruneSchedules !== undefined ? { pruneSchedules: s.pruneSchedules } : {}),
      ...(s.alerts !== undefined ? { alerts: s.alerts } : {}),
    };
  }
  return {
    tenants,
    ...(typeof service.dataDir === "string" ? { dataDir: here(service.dataDir) } : {}),
    ...(typeof service.metricsPublic === "boolean" ? { metricsPublic: service.metricsPublic } : {}),
    ...(typeof service.publicUrl === "string" ? { publicUrl: service.publicUrl } : {}),
  };
}

/** Resolves when the process is asked to stop (SIGINT, SIGTERM). */
function stopSignal(): Promise<string> {
  return new Promise((r) => {
    const on = (sig: string) => () => r(sig);
    process.once("SIGINT", on("SIGINT"));
    process.once("SIGTERM", on("SIGTERM"));
  });
}

export async function runServe(opts: ServeOptions, env: NodeJS.ProcessEnv = process.env, stopped: Promise<unknown> = stopSignal()): Promise<void> {
  // Loaded here, not at the top: the other commands run without the service in memory.
  const { createService, historyLocationFromEnv } = await import("@lifeboat/service");
  const say = (line: string) => process.stderr.write(`lifeboat serve: ${line}\n`);
  if (opts.demo) {
    const { startEmulator } = await import("@lifeboat/emulator");
    const emu = await startEmulator({ fixture: "demo", port: 0, admin: true, seed: "lifeboat-serve-demo" });
    const dir = await mkdtemp(join(tmpdir(), "lifeboat-serve-demo-"));
    try {
      const repoPassword = randomBytes(24).toString("base64url");
      await (await initRepository({ url: join(dir, "repo"), password: repoPassword })).close();
      const adminPassword = randomBytes(18).toString("base64url");
      const service = await createService({
        dataDir: join(dir, "service"),
        adminPassword,
        secretKey: randomBytes(32),
        tenants: {
          demo: {
            host: emu.host,
            // the sandbox's private-content bot: it sees every user's private sheets
            auth: { type: "oauth2", clientId: emu.clientId, clientSecret: emu.clientSecret },
            production: false,
            tags: ["demo"],
            repository: { url: join(dir, "repo"), password: repoPassword },
            schedules: [{ every: "day", at: "02:00" }],
            retention: { daily: 7, weekly: 4 },
          },
        },
        onNotice: say,
      });
      try {
        const { url } = await service.listen({ port: opts.port, host: opts.host });
        process.stdout.write(JSON.stringify({ url, username: "admin", password: adminPassword }) + "\n");
        say(`demo: the sandbox tenant 'demo' at ${emu.host}, a temporary repository; stop with Ctrl-C (everything is removed)`);
        await stopped;
      } finally {
        await service.close();
      }
    } finally {
      await emu.close();
      await rm(dir, { recursive: true, force: true });
    }
    return;
  }

  const where = configPath({ ...(opts.config ? { config: opts.config } : {}) }, env, process.cwd());
  const fromFile = where ? tenantsFromConfig(where.file, env) : { tenants: {} };
  const dataDir = resolve(opts.dataDir ?? fromFile.dataDir ?? join(defaultStateDir(env), "service"));
  const service = await createService({
    dataDir,
    database: historyLocationFromEnv(env, join(dataDir, "history.db")),
    ...(env.LIFEBOAT_ADMIN_PASSWORD ? { adminPassword: env.LIFEBOAT_ADMIN_PASSWORD } : {}),
    env,
    tenants: fromFile.tenants,
    ...(fromFile.metricsPublic !== undefined ? { metricsPublic: fromFile.metricsPublic } : {}),
    ...(fromFile.publicUrl !== undefined ? { publicUrl: fromFile.publicUrl } : {}),
    onNotice: say,
  });
  try {
    const { url } = await service.listen({ port: opts.port, host: opts.host });
    say(`listening on ${url} (data in ${dataDir}${env.LIFEBOAT_DATABASE_URL ? ", history in PostgreSQL" : ""}); ${service.settings.names().length} tenant(s)`);
    const sig = await stopped;
    say(`${sig}: stopping (runs going are cancelled and recorded)`);
  } finally {
    await service.close();
  }
}
