/**
 * Tenant configuration: `lifeboat.yaml` plus flags and environment, resolved at the
 * CLI edge into the config `createTenantClient` takes.
 *
 * ```yaml
 * # lifeboat.yaml
 * tenants:
 *   prod:
 *     host: https://acme.eu.qlikcloud.com
 *     auth:
 *       type: oauth2
 *       clientId: 0123abcd
 *       clientSecretEnv: PROD_QLIK_CLIENT_SECRET   # the secret itself stays in the environment
 *   staging:
 *     host: https://acme-staging.eu.qlikcloud.com
 *     auth: { type: apikey, apiKeyEnv: STAGING_QLIK_API_KEY }
 * ```
 *
 * Reading, validating (pure, errors with field paths) and applying the environment
 * are separate steps; only `resolveTenant` looks at the environment, and it is given
 * the environment as a value.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, isAbsolute, resolve } from "node:path";
import { parseDocument } from "yaml";
import type { z } from "zod";
import { tenantOrigin } from "@lifeboat/kit";
import type { Timeouts } from "@lifeboat/qlik";
import { UserError } from "./errors.ts";
import { timeoutsFromSeconds } from "./timeouts.ts";

/**
 * The config file's schema, built on first use: zod is loaded (≈12 MB resident) only by a
 * command that reads a config file, not by one configured from the environment (bench/RESULTS.md, P5).
 */
function buildSchemas() {
  const { z } = requireCjs("zod") as typeof import("zod");
  const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name");

  const apiKeyAuth = z
    .strictObject({
      type: z.literal("apikey"),
      /** Discouraged: prefer apiKeyEnv, so the key is not in a file. */
      apiKey: z.string().min(1).optional(),
      apiKeyEnv: envName.optional(),
    })
    .refine((a) => (a.apiKey === undefined) !== (a.apiKeyEnv === undefined), {
      message: "give exactly one of apiKey or apiKeyEnv",
    });

  const oauthAuth = z
    .strictObject({
      type: z.literal("oauth2"),
      clientId: z.string().min(1).optional(),
      clientIdEnv: envName.optional(),
      clientSecret: z.string().min(1).optional(),
      clientSecretEnv: envName.optional(),
      scope: z.string().min(1).optional(),
    })
    .refine((a) => (a.clientId === undefined) !== (a.clientIdEnv === undefined), {
      message: "give exactly one of clientId or clientIdEnv",
    })
    .refine((a) => (a.clientSecret === undefined) !== (a.clientSecretEnv === undefined), {
      message: "give exactly one of clientSecret or clientSecretEnv",
    });

  const hostSchema = z
    .string()
    .min(1)
    .superRefine((h, ctx) => {
      const problem = hostProblem(h);
      if (problem) ctx.addIssue({ code: "custom", message: `'${h}' ${problem}` });
    });

  /** Seconds per kind of call (cli/src/timeouts.ts); the tenant's own win over the top-level ones. */
  const seconds = z.number().positive("must be more than 0 seconds").optional();
  const timeoutsSchema = z
    .strictObject({ request: seconds, appJob: seconds, idle: seconds, qixOpen: seconds, qixCall: seconds, notice: z.number().min(0).optional() })
    .optional();

  const tenantSchema = z.strictObject({
    host: hostSchema,
    auth: z.discriminatedUnion("type", [apiKeyAuth, oauthAuth]),
    tags: z.array(z.string().min(1)).optional(),
    timeouts: timeoutsSchema,
  });

  const configSchema = z.strictObject({
    /** Repository location (`--repo` / LIFEBOAT_REPOSITORY win over it). */
    repository: z.string().min(1).optional(),
    /** Tenant used when neither --tenant nor QLIK_HOST says otherwise. */
    defaultTenant: z.string().min(1).optional(),
    /** Deadlines for every tenant (seconds per kind; a tenant's own `timeouts:` win). */
    timeouts: timeoutsSchema,
    tenants: z.record(z.string().regex(/^[A-Za-z0-9._-]+$/, "tenant names use letters, digits, '.', '_' and '-'"), tenantSchema).default({}),
    /** `lifeboat serve`'s section (schedules, retention, alerts per tenant): validated by the serve command (commands/serve.ts). */
    service: z.unknown().optional(),
  });
  return { configSchema, tenantSchema };
}

const requireCjs = createRequire(import.meta.url);
let schemas: ReturnType<typeof buildSchemas> | undefined;
/** The validator of a whole config file. */
export function configSchema(): ReturnType<typeof buildSchemas>["configSchema"] {
  return (schemas ??= buildSchemas()).configSchema;
}

export type LifeboatConfig = z.infer<ReturnType<typeof buildSchemas>["configSchema"]>;
export type TenantEntry = z.infer<ReturnType<typeof buildSchemas>["tenantSchema"]>;

export interface ConfigIssue {
  /** Dotted field path, e.g. "tenants.prod.auth.clientId". */
  path: string;
  message: string;
}

/** What `createTenantClient` takes (without `onEvent`). */
export interface TenantConnection {
  /** The config's tenant name, when it came from the config. */
  name?: string;
  host: string;
  auth: { type: "apikey"; apiKey: string } | { type: "oauth2"; clientId: string; clientSecret: string; scope?: string };
  tags: string[];
  /** Call deadlines from the config file, in the connector's form (ms); flags and env are merged on top by the command. */
  timeouts?: Partial<Timeouts>;
}

const EXAMPLE_HOST = "e.g. https://acme.eu.qlikcloud.com or acme.eu.qlikcloud.com";
const LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?";
/** A bare host name with an optional port: acme.eu.qlikcloud.com, localhost:8080. */
const BARE_HOST = new RegExp(`^${LABEL}(?:\\.${LABEL})*\\.?(?::\\d{1,5})?/?$`);

/**
 * Why `host` is not a tenant's address, or undefined when it is one: an http(s) URL of a
 * host (with an optional port and nothing after it), or a bare host name (https is assumed).
 * A value is accepted as given or refused — never "repaired" into another host
 * (`http//acme` is not read as the host `http`).
 */
export function hostProblem(host: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:\//i.test(host)) {
    if (!/^https?:\/\/[^/]/i.test(host)) return `is not a tenant URL: it must start with https:// or http:// followed by the host (${EXAMPLE_HOST})`;
    let url: URL;
    try {
      url = new URL(host);
    } catch {
      return `is not a valid URL (${EXAMPLE_HOST})`;
    }
    if (!url.hostname) return `names no host (${EXAMPLE_HOST})`;
    if (url.username || url.password) return "carries a user name or password; give credentials in QLIK_API_KEY or QLIK_CLIENT_ID + QLIK_CLIENT_SECRET, not in the URL";
    if (url.pathname !== "/" || url.search || url.hash) return `has a path or query after the host; give only the scheme, host and port (${EXAMPLE_HOST})`;
    return undefined;
  }
  if (!BARE_HOST.test(host)) return `is not a host name or an http(s) URL (${EXAMPLE_HOST})`;
  return undefined;
}

/** The origin of a host that passed `hostProblem`; undefined otherwise. */
function parseHost(host: string): string | undefined {
  return hostProblem(host) ? undefined : tenantOrigin(host);
}

/** Pure: parses and validates config text; never throws for bad input. */
export function parseConfig(text: string): { config?: LifeboatConfig; issues: ConfigIssue[] } {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    return {
      issues: doc.errors.map((e) => ({
        path: `line ${e.linePos?.[0]?.line ?? "?"}`,
        // prettyErrors appends ":" and a source excerpt; keep the sentence.
        message: (e.message.split("\n")[0] ?? e.message).replace(/:\s*$/, ""),
      })),
    };
  }
  const value: unknown = doc.toJS() ?? {};
  const result = configSchema().safeParse(value);
  if (!result.success) {
    return {
      issues: result.error.issues.map((i) => ({
        path: i.path.length ? i.path.map(String).join(".") : "(top level)",
        message: i.message,
      })),
    };
  }
  return { config: result.data, issues: [] };
}

/** Reads and validates a config file; throws a UserError naming every bad field. */
export function loadConfigFile(file: string): LifeboatConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(
      `cannot read config file ${file}${code === "ENOENT" ? ": it does not exist" : `: ${(err as Error).message}`}; ` +
        "pass --config FILE or create lifeboat.yaml",
    );
  }
  const { config, issues } = parseConfig(text);
  if (!config) {
    throw new UserError(
      `invalid config file ${file}:\n${issues.map((i) => `  ${i.path}: ${i.message}`).join("\n")}\n` +
        "fix these fields and run again; the format (tenants.NAME.host, tenants.NAME.auth with type apikey or oauth2) is in docs/backup.md",
    );
  }
  return config;
}

export interface TenantFlags {
  tenant?: string;
  config?: string;
  host?: string;
  /** The flag `host` came from, for messages (default --host; restore says --target-host). */
  hostFlag?: string;
}

/** Which config file applies: --config, then LIFEBOAT_CONFIG, then ./lifeboat.yaml if it exists. */
export function configPath(flags: TenantFlags, env: NodeJS.ProcessEnv, cwd: string): { file: string; explicit: boolean } | undefined {
  if (flags.config) return { file: resolve(cwd, flags.config), explicit: true };
  if (env.LIFEBOAT_CONFIG) return { file: resolve(cwd, env.LIFEBOAT_CONFIG), explicit: true };
  const local = resolve(cwd, "lifeboat.yaml");
  return existsSync(local) ? { file: local, explicit: false } : undefined;
}

function fromEnv(env: NodeJS.ProcessEnv, name: string, field: string): string {
  const v = env[name];
  if (!v) throw new UserError(`${field} names the environment variable ${name}, which is not set; export it and retry`);
  return v;
}

/**
 * The config file's `repository:`, when a config file applies (--config, LIFEBOAT_CONFIG,
 * ./lifeboat.yaml) and has one. A relative local path is relative to the config file's
 * folder, so the file means the same from any working directory; `s3:…` is kept as written.
 * Callers ask only when neither --repo nor LIFEBOAT_REPOSITORY is given (precedence: flag,
 * environment, config file).
 */
export function repositoryFromConfig(flags: { config?: string }, env: NodeJS.ProcessEnv, cwd = process.cwd()): { url: string; file: string } | undefined {
  const where = configPath(flags, env, cwd);
  if (!where) return undefined;
  const repository = loadConfigFile(where.file).repository;
  if (!repository) return undefined;
  const scheme = /^[a-z][a-z0-9+.-]+:/i.test(repository);
  return { url: scheme || isAbsolute(repository) ? repository : resolve(dirname(where.file), repository), file: where.file };
}

/** Pure given its inputs: a config entry with its *Env fields read from `env`. */
export function connectionFromEntry(name: string, entry: TenantEntry, env: NodeJS.ProcessEnv, shared?: LifeboatConfig["timeouts"]): TenantConnection {
  const host = parseHost(entry.host)!;
  const at = `tenants.${name}.auth`;
  const a = entry.auth;
  const auth: TenantConnection["auth"] =
    a.type === "apikey"
      ? { type: "apikey", apiKey: a.apiKey ?? fromEnv(env, a.apiKeyEnv!, `${at}.apiKeyEnv`) }
      : {
          type: "oauth2",
          clientId: a.clientId ?? fromEnv(env, a.clientIdEnv!, `${at}.clientIdEnv`),
          clientSecret: a.clientSecret ?? fromEnv(env, a.clientSecretEnv!, `${at}.clientSecretEnv`),
          ...(a.scope ? { scope: a.scope } : {}),
        };
  const timeouts = timeoutsFromSeconds({ ...shared, ...entry.timeouts });
  return { name, host, auth, tags: entry.tags ?? [], ...(Object.keys(timeouts).length ? { timeouts } : {}) };
}

/**
 * The tenant to talk to: `--tenant NAME` from the config; else `--host`/QLIK_HOST with
 * QLIK_API_KEY or QLIK_CLIENT_ID + QLIK_CLIENT_SECRET (QLIK_SCOPE optional); else the
 * config's defaultTenant or only tenant.
 */
export function resolveTenant(flags: TenantFlags, env: NodeJS.ProcessEnv, cwd = process.cwd()): TenantConnection {
  const where = configPath(flags, env, cwd);
  const config = where && (where.explicit || existsSync(where.file)) ? loadConfigFile(where.file) : undefined;

  if (flags.tenant) {
    if (!config)
      throw new UserError(`--tenant ${flags.tenant} needs a config file; none found (pass --config FILE or create ./lifeboat.yaml)`);
    const entry = config.tenants?.[flags.tenant];
    if (!entry) {
      const names = Object.keys(config.tenants ?? {});
      throw new UserError(
        `tenant '${flags.tenant}' is not in ${where!.file}; ${names.length ? `known tenants: ${names.join(", ")}` : "it defines no tenants"} — ` +
          `pass one of them with --tenant, or add '${flags.tenant}' under tenants: in that file`,
      );
    }
    return connectionFromEntry(flags.tenant, entry, env, config.timeouts);
  }

  const rawHost = flags.host ?? env.QLIK_HOST;
  const sharedTimeouts = timeoutsFromSeconds(config?.timeouts);
  const withShared = (c: TenantConnection): TenantConnection => (Object.keys(sharedTimeouts).length ? { ...c, timeouts: sharedTimeouts } : c);
  if (rawHost) {
    const problem = hostProblem(rawHost);
    const host = parseHost(rawHost);
    if (problem || !host) throw new UserError(`${flags.host ? (flags.hostFlag ?? "--host") : "QLIK_HOST"} '${rawHost}' ${problem ?? "is not a host name or an http(s) URL"}`);
    if (env.QLIK_CLIENT_ID || env.QLIK_CLIENT_SECRET) {
      if (!env.QLIK_CLIENT_ID || !env.QLIK_CLIENT_SECRET)
        throw new UserError("OAuth needs both QLIK_CLIENT_ID and QLIK_CLIENT_SECRET; one of them is not set");
      return withShared({
        host,
        auth: { type: "oauth2", clientId: env.QLIK_CLIENT_ID, clientSecret: env.QLIK_CLIENT_SECRET, ...(env.QLIK_SCOPE ? { scope: env.QLIK_SCOPE } : {}) },
        tags: [],
      });
    }
    if (env.QLIK_API_KEY) return withShared({ host, auth: { type: "apikey", apiKey: env.QLIK_API_KEY }, tags: [] });
    throw new UserError(
      `no credentials for ${host}: set QLIK_API_KEY, or QLIK_CLIENT_ID and QLIK_CLIENT_SECRET (an OAuth client with admin.apps and admin_classic sees private content)`,
    );
  }

  if (config && Object.keys(config.tenants ?? {}).length > 0) {
    const tenants = config.tenants ?? {};
    const names = Object.keys(tenants);
    const name = config.defaultTenant ?? (names.length === 1 ? names[0] : undefined);
    if (name) {
      const entry = tenants[name];
      if (!entry) throw new UserError(`defaultTenant '${name}' in ${where!.file} is not among its tenants (${names.join(", ")})`);
      return connectionFromEntry(name, entry, env, config.timeouts);
    }
    throw new UserError(`${where!.file} defines ${names.length} tenants; choose one with --tenant (${names.join(", ")})`);
  }
  throw new UserError(
    `no tenant given${config ? ` (${where!.file} names no tenants)` : ""}: pass --tenant NAME with a lifeboat.yaml, or --host URL (or QLIK_HOST) with QLIK_API_KEY or QLIK_CLIENT_ID + QLIK_CLIENT_SECRET`,
  );
}
