/**
 * `lifeboat sandbox`: runs the Qlik Cloud emulator (`@lifeboat/emulator`) on loopback until
 * SIGINT/SIGTERM. When ready it prints exactly one JSON line on stdout —
 * `{"host","apiKey","clientId","clientSecret"}` (+ `tenants` when there are several, + `sites`
 * for client-managed `qseow-…` fixtures) — so scripts can `read` it; nothing else is written to stdout.
 */
// The emulator (Hono, ws, fixtures) is loaded by the action only: every other command runs
// without it in memory (bench/RESULTS.md, P5).
import type { EmulatorOptions, FixtureName, Quirks, SiteFixtureName } from "@lifeboat/emulator";
import type { Command } from "commander";
import { LifeboatError } from "@lifeboat/model";
import { UserError } from "../errors.ts";

interface SandboxFlags {
  port?: string;
  fixture?: string;
  apps?: string;
  objectsPerApp?: string;
  users?: string;
  connections?: string;
  automations?: string;
  automationConnections?: string;
  reloadTasks?: string;
  webhooks?: string;
  webIntegrations?: string;
  cspOrigins?: string;
  oauthClients?: string;
  sharingTasks?: string;
  reportTemplates?: string;
  dataAlerts?: string;
  tags?: string;
  customRoles?: string;
  brands?: string;
  glossaries?: string;
  seed?: string;
  state?: string;
  rateLimits?: string;
  timeScale?: string;
  latency?: string;
  faults?: string;
  tenants?: string;
  admin?: boolean;
  quirk?: string[];
  siteCerts?: string;
}

function int(name: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UserError(`--${name} must be an integer ≥ ${min}, got "${value}"`);
  return n;
}

function oneOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!allowed.includes(value as T)) throw new UserError(`--${name} must be one of ${allowed.join(", ")}, got "${value}"`);
  return value as T;
}

/** The values of the switches that are not booleans. */
const CHOICES: Record<string, string[]> = { importIntoManagedSpace: ["refuse", "allow"], unassignedScopes: ["drop", "refuse"], queryPlus: ["space", "literal"], connectionSecretOnGet: ["plaintext", "absent"], apiKeysEnabledPatch: ["refuse", "accept"] };

/** `--quirk name=value` (repeatable) → a partial Quirks, typed by the defaults. */
function quirks(list: string[] | undefined, defaultQuirks: Quirks): Partial<Quirks> | undefined {
  if (!list || list.length === 0) return undefined;
  const out: Record<string, unknown> = {};
  for (const item of list) {
    const [name, value] = item.split("=", 2);
    if (!name || value === undefined || !(name in defaultQuirks)) {
      throw new UserError(`--quirk "${item}": expected name=value with name one of ${Object.keys(defaultQuirks).join(", ")}`);
    }
    const def = defaultQuirks[name as keyof Quirks];
    if (typeof def === "boolean") {
      if (value !== "true" && value !== "false") throw new UserError(`--quirk ${name} takes true or false, got "${value}"`);
      out[name] = value === "true";
    } else {
      const allowed = CHOICES[name];
      if (allowed && !allowed.includes(value)) throw new UserError(`--quirk ${name} takes ${allowed.join(" or ")}, got "${value}"`);
      out[name] = value;
    }
  }
  return out as Partial<Quirks>;
}

/** `--fixture demo` or, with several tenants, `--fixture demo,empty` (one per tenant). */
function fixtureOptions(value: string | undefined): Pick<EmulatorOptions, "fixture" | "tenantFixtures"> {
  if (value === undefined) return {};
  const names = value.split(",").map((f) => oneOf<FixtureName | SiteFixtureName>("fixture", f.trim(), ["demo", "generated", "empty", "qseow-demo", "qseow-generated"]) as FixtureName | SiteFixtureName);
  return names.length === 1 ? { fixture: names[0] } : { tenantFixtures: names };
}

/** Pure: flags → emulator options (usage errors as UserError); `defaultQuirks` is the emulator's. */
export function sandboxOptions(flags: SandboxFlags, defaultQuirks: Quirks): EmulatorOptions {
  const timeScale = flags.timeScale === undefined ? undefined : Number(flags.timeScale);
  if (timeScale !== undefined && !(timeScale > 0 && Number.isFinite(timeScale))) throw new UserError(`--time-scale must be a positive number, got "${flags.timeScale}"`);
  const port = int("port", flags.port, 0);
  if (port !== undefined && port > 65535) throw new UserError(`--port must be at most 65535, got ${port}`);
  return {
    port,
    ...fixtureOptions(flags.fixture),
    apps: int("apps", flags.apps, 0),
    objectsPerApp: int("objects-per-app", flags.objectsPerApp, 0),
    users: int("users", flags.users, 0),
    connections: int("connections", flags.connections, 0),
    automations: int("automations", flags.automations, 0),
    automationConnections: int("automation-connections", flags.automationConnections, 0),
    reloadTasks: int("reload-tasks", flags.reloadTasks, 0),
    webhooks: int("webhooks", flags.webhooks, 0),
    webIntegrations: int("web-integrations", flags.webIntegrations, 0),
    cspOrigins: int("csp-origins", flags.cspOrigins, 0),
    oauthClients: int("oauth-clients", flags.oauthClients, 0),
    sharingTasks: int("sharing-tasks", flags.sharingTasks, 0),
    reportTemplates: int("report-templates", flags.reportTemplates, 0),
    dataAlerts: int("data-alerts", flags.dataAlerts, 0),
    tags: int("tags", flags.tags, 0),
    customRoles: int("custom-roles", flags.customRoles, 0),
    brands: int("brands", flags.brands, 0),
    glossaries: int("glossaries", flags.glossaries, 0),
    seed: flags.seed,
    stateFile: flags.state,
    rateLimits: oneOf("rate-limits", flags.rateLimits, ["qlik", "off"] as const),
    timeScale,
    latency: oneOf("latency", flags.latency, ["none", "realistic"] as const),
    faults: flags.faults,
    tenants: flags.fixture?.includes(",") && flags.tenants === "1" ? undefined : int("tenants", flags.tenants, 1),
    admin: flags.admin === true,
    quirks: quirks(flags.quirk, defaultQuirks),
  };
}

export function register(program: Command): void {
  program
    .command("sandbox")
    .description("run the Qlik Cloud emulator on loopback; prints one JSON line with its host and credentials")
    .option("--port <n>", "port of the first tenant (0 = a free port)", "0")
    .option("--fixture <name>", "demo | generated | empty | qseow-demo | qseow-generated (comma-separated: one per tenant; qseow-… is a client-managed site)", "demo")
    .option("--apps <n>", "generated fixture: number of apps")
    .option("--objects-per-app <n>", "generated fixture: objects per app")
    .option("--users <n>", "generated fixture: number of users")
    .option("--connections <n>", "generated fixture: number of data connections (default: apps/20, at least 2)")
    .option("--automations <n>", "generated fixture: number of automations (default: apps/10)")
    .option("--automation-connections <n>", "generated fixture: number of automation connections (default: apps/6)")
    .option("--reload-tasks <n>", "generated fixture: number of reload tasks (default: apps/4)")
    .option("--webhooks <n>", "generated fixture: number of webhooks (default 2)")
    .option("--web-integrations <n>", "generated fixture: number of web integrations (default 2)")
    .option("--csp-origins <n>", "generated fixture: number of CSP origins (default 3)")
    .option("--oauth-clients <n>", "generated fixture: number of OAuth clients (default 2)")
    .option("--sharing-tasks <n>", "generated fixture: number of sharing tasks (subscriptions) (default: apps/25)")
    .option("--report-templates <n>", "generated fixture: number of report templates (default: apps/50)")
    .option("--data-alerts <n>", "generated fixture: number of data alerts, each with its condition (default: apps/25)")
    .option("--tags <n>", "generated fixture: number of tags (public collections) on apps (default: apps/40, at least 2)")
    .option("--custom-roles <n>", "generated fixture: number of custom roles (default 3; every user gets a licence)")
    .option("--brands <n>", "generated fixture: number of brands (default 2, the first active)")
    .option("--glossaries <n>", "generated fixture: number of glossaries, 10 terms each (default: apps/100, at least 1)")
    .option("--seed <s>", "seed of the fixture (deterministic)")
    .option("--state <file>", "persist the tenants to this JSON file across restarts")
    .option("--rate-limits <mode>", "qlik | off", "off")
    .option("--time-scale <k>", "one real second = K emulated seconds (shrinks windows and latency)")
    .option("--latency <mode>", "none | realistic", "none")
    .option("--faults <spec>", 'fault injection, e.g. "rate=0.05,kinds=429+500+503+reset+truncate+expire,seed=7"')
    .option("--tenants <n>", "number of tenants, one port each", "1")
    .option("--admin", "enable the test-only /__emulator admin surface")
    .option("--site-certs <dir>", "client-managed sites also serve QRS with client certificates; test certificates (openssl) are written to DIR")
    .option("--quirk <name=value>", "switch an UNCONFIRMED behaviour (repeatable; see README)", (v: string, prev: string[] = []) => [...prev, v])
    .action(async (flags: SandboxFlags) => {
      const { defaultQuirks, startEmulator } = await import("@lifeboat/emulator");
      let options: EmulatorOptions;
      try {
        options = sandboxOptions(flags, defaultQuirks);
      } catch (e) {
        throw e instanceof UserError ? e : new UserError(String((e as Error).message));
      }
      let certFiles: import("@lifeboat/emulator").TestCertificateFiles | undefined;
      if (flags.siteCerts) {
        const { generateTestCertificates, hasOpenssl, siteCertificatesFrom } = await import("@lifeboat/emulator");
        if (!hasOpenssl()) throw new UserError("--site-certs needs the openssl command to make test certificates; install openssl or leave --site-certs out");
        const { mkdir } = await import("node:fs/promises");
        await mkdir(flags.siteCerts, { recursive: true });
        certFiles = generateTestCertificates(flags.siteCerts);
        options.siteCertificates = siteCertificatesFrom(certFiles);
      }
      let emu;
      try {
        emu = await startEmulator(options);
      } catch (e) {
        const msg = (e as Error).message;
        const hint = /EADDRINUSE/.test(msg) ? " — choose another --port, or --port 0 for a free one" : options.stateFile ? ` — check the state file ${options.stateFile}` : "";
        throw new LifeboatError(/EADDRINUSE/.test(msg) ? "conflict" : "internal", `could not start the sandbox: ${msg}${hint}`, { cause: e });
      }
      const line: Record<string, unknown> = emu.tenants.length > 0 ? { host: emu.host, apiKey: emu.apiKey, clientId: emu.clientId, clientSecret: emu.clientSecret } : {};
      if (emu.tenants.length > 1 || (emu.sites.length > 0 && emu.tenants.length > 0)) line.tenants = emu.tenants;
      if (emu.sites.length > 0) {
        line.sites = emu.sites.map((s) => (certFiles && s.certHost ? { ...s, ca: certFiles.ca, clientCert: certFiles.clientCert, clientKey: certFiles.clientKey } : s));
      }
      process.stdout.write(`${JSON.stringify(line)}\n`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          resolve();
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      });
      await emu.close();
    });
}
