/**
 * The service's tenants: where each one is, its credentials, whether it is production, its
 * repository, schedules, retention, prune schedule and alert settings. Validated as a pure step
 * (`validateTenantInput`: every problem with its field path), stored in the `settings` table
 * with every secret sealed (secretbox.ts), and shown to the API without secrets
 * (`tenantView`: write-only fields come back as `…Set: true`).
 *
 * A secret left out of an update keeps the stored one (the console never has it to send back).
 */
import { tenantOrigin } from "@lifeboat/kit";
import { isEmptyPolicy, parseDuration, type RetentionPolicy } from "@lifeboat/repository";
import type { TenantConnection } from "@lifeboat/jobs";
import { LifeboatError } from "@lifeboat/model";
import { z } from "zod";
import { describeChannel, parseAlertSettings, type AlertSettings } from "../alerts/settings.ts";
import { InvalidInputError, type Issue } from "../errors.ts";
import type { Sql } from "../history/sql.ts";
import { parseTenantSchedules, type Schedule, type ScheduleInput } from "../schedule/spec.ts";
import { SecretBox } from "../security/secretbox.ts";

export const TENANT_NAME = /^[A-Za-z0-9._-]{1,64}$/;

// ---- API shapes (zod: validation and the OpenAPI document come from the same schemas) ----

export const scheduleSchema = z
  .object({
    every: z.enum(["day", "week", "month"]).optional(),
    at: z.string().optional().describe('"HH:MM", 24-hour'),
    on: z.array(z.enum(["sun", "mon", "tue", "wed", "thu", "fri", "sat"])).optional().describe("weekdays, with every: week"),
    day: z.union([z.number().int(), z.literal("last")]).optional().describe("day of month 1–31 or last, with every: month"),
    cron: z.string().optional().describe("five fields: minute hour day-of-month month day-of-week"),
    timeZone: z.string().optional().describe('IANA zone, default "UTC"'),
  })
  .describe("daily/weekly/monthly at a time in a zone, or a cron expression; runs of one tenant at least 5 minutes apart");

export const retentionSchema = z
  .object({
    last: z.number().int().min(0).optional(),
    hourly: z.number().int().min(0).optional(),
    daily: z.number().int().min(0).optional(),
    weekly: z.number().int().min(0).optional(),
    monthly: z.number().int().min(0).optional(),
    yearly: z.number().int().min(0).optional(),
    within: z.string().optional().describe("e.g. 7d, 2w, 1y6m"),
    tags: z.array(z.string()).optional(),
  })
  .strict()
  .describe("keep-last/hourly/daily/weekly/monthly/yearly/within/tags; the newest complete snapshot is always kept");

const alertChannelInput = z.record(z.string(), z.unknown()).describe("a channel: { type: webhook|slack|teams|email, … } (write-only)");
export const alertsInputSchema = z
  .object({
    events: z.array(z.string()).optional(),
    massDeletion: z.object({ apps: z.number().optional(), objects: z.number().optional() }).optional(),
    channels: z.array(alertChannelInput),
  })
  .describe("alert settings; the whole object is write-only (channels carry secrets) and replaced on update");

export const tenantInputSchema = z
  .object({
    host: z.string().describe("tenant URL, e.g. https://acme.eu.qlikcloud.com"),
    auth: z.discriminatedUnion("type", [
      z.object({ type: z.literal("oauth2"), clientId: z.string().min(1), clientSecret: z.string().min(1).optional().describe("write-only; left out: keep the stored one"), scope: z.string().optional() }),
      z.object({ type: z.literal("apikey"), apiKey: z.string().min(1).optional().describe("write-only; left out: keep the stored one") }),
    ]),
    production: z.boolean().default(true).describe("operators may restore only into tenants that are not production"),
    tags: z.array(z.string().min(1)).default([]),
    repository: z.object({
      url: z.string().min(1).describe("a path or s3:ENDPOINT/BUCKET/PREFIX"),
      password: z.string().min(1).optional().describe("write-only; left out: keep the stored one"),
      insecureNoPassword: z.boolean().optional(),
    }),
    schedules: z.array(scheduleSchema).default([]),
    retention: retentionSchema.nullable().default(null),
    pruneSchedules: z.array(scheduleSchema).default([]).describe("when forget + prune run by themselves (besides retention after each backup)"),
    alerts: alertsInputSchema.nullable().optional().describe("left out: keep the stored alert settings; null: none"),
  })
  .strict();
export type TenantInput = z.input<typeof tenantInputSchema>;

export const tenantViewSchema = z.object({
  name: z.string(),
  host: z.string(),
  auth: z.object({ type: z.enum(["oauth2", "apikey"]), clientId: z.string().optional(), scope: z.string().optional(), secretSet: z.boolean() }),
  production: z.boolean(),
  tags: z.array(z.string()),
  repository: z.object({ url: z.string(), passwordSet: z.boolean(), insecureNoPassword: z.boolean() }),
  schedules: z.array(scheduleSchema),
  scheduleDescriptions: z.array(z.string()),
  retention: retentionSchema.nullable(),
  pruneSchedules: z.array(scheduleSchema),
  alerts: z
    .object({ events: z.array(z.string()), massDeletion: z.object({ apps: z.number(), objects: z.number() }), channels: z.array(z.object({ type: z.string(), target: z.string() })) })
    .nullable(),
  updatedAt: z.string(),
});
export type TenantView = z.infer<typeof tenantViewSchema>;

// ---- stored form ----

export interface StoredTenant {
  name: string;
  host: string;
  auth: { type: "oauth2"; clientId: string; scope?: string; secret: string } | { type: "apikey"; secret: string };
  production: boolean;
  tags: string[];
  repository: { url: string; password?: string; insecureNoPassword?: boolean };
  schedules: ScheduleInput[];
  retention: RetentionPolicy | null;
  pruneSchedules: ScheduleInput[];
  /** sealed JSON of the raw alert settings */
  alerts: string | null;
  updatedAt: string;
}

/** A tenant's settings with its secrets open, for running jobs (never sent to a client). */
export interface LiveTenant {
  stored: StoredTenant;
  schedules: Schedule[];
  pruneSchedules: Schedule[];
  alerts: AlertSettings | undefined;
}

function hostIssue(host: string): string | undefined {
  if (!/^https?:\/\/[^/]+\/?$/i.test(host.trim()) && !/^[A-Za-z0-9.-]+(:\d+)?$/.test(host.trim())) return `'${host}' is not a tenant URL; give the scheme, host and port only, e.g. https://acme.eu.qlikcloud.com`;
  return tenantOrigin(host.trim()) ? undefined : `'${host}' is not a tenant URL, e.g. https://acme.eu.qlikcloud.com`;
}

/**
 * Validate a tenant's settings (pure) against what is stored: every problem with its field
 * path; secrets left out keep the stored ones (and are required for a new tenant).
 */
export function validateTenantInput(
  name: string,
  raw: unknown,
  previous: StoredTenant | undefined,
): { ok: true; input: z.output<typeof tenantInputSchema>; schedules: Schedule[]; pruneSchedules: Schedule[]; alerts: AlertSettings | null | undefined } | { ok: false; issues: Issue[] } {
  const issues: Issue[] = [];
  if (!TENANT_NAME.test(name)) issues.push({ path: "name", message: `'${name}' is not a tenant name: use 1–64 letters, digits, '.', '_' and '-'` });
  const parsed = tenantInputSchema.safeParse(raw);
  if (!parsed.success) {
    for (const i of parsed.error.issues) issues.push({ path: i.path.length ? i.path.map(String).join(".") : "(body)", message: i.message });
    return { ok: false, issues };
  }
  const input = parsed.data;
  const h = hostIssue(input.host);
  if (h) issues.push({ path: "host", message: h });
  const sameAuth = previous?.auth.type === input.auth.type;
  if (input.auth.type === "oauth2" && !input.auth.clientSecret && !sameAuth) issues.push({ path: "auth.clientSecret", message: "missing: a new OAuth client needs its secret" });
  if (input.auth.type === "apikey" && !input.auth.apiKey && !sameAuth) issues.push({ path: "auth.apiKey", message: "missing: a new tenant needs its API key" });
  if (!input.repository.password && !input.repository.insecureNoPassword && !previous?.repository.password) issues.push({ path: "repository.password", message: "missing: give the repository's password (or insecureNoPassword: true for a repository made without one)" });
  const sch = parseTenantSchedules(input.schedules, "schedules");
  if (!sch.ok) issues.push(...sch.issues);
  const pr = parseTenantSchedules(input.pruneSchedules, "pruneSchedules");
  if (!pr.ok) issues.push(...pr.issues);
  if (input.retention) {
    if (isEmptyPolicy(input.retention)) issues.push({ path: "retention", message: "keeps nothing: give at least one keep rule, e.g. { daily: 30 }, or null for no retention" });
    if (input.retention.within !== undefined) {
      try {
        parseDuration(input.retention.within);
      } catch (e) {
        issues.push({ path: "retention.within", message: (e as Error).message });
      }
    }
  }
  let alerts: AlertSettings | null | undefined = undefined;
  if (input.alerts === null) alerts = null;
  else if (input.alerts !== undefined) {
    const a = parseAlertSettings(input.alerts, "alerts");
    if (!a.ok) issues.push(...a.issues);
    else alerts = a.settings;
  }
  if (issues.length || !sch.ok || !pr.ok) return { ok: false, issues };
  return { ok: true, input, schedules: sch.schedules, pruneSchedules: pr.schedules, alerts };
}

export function tenantView(t: StoredTenant, live: LiveTenant | undefined): TenantView {
  const a = live?.alerts;
  return {
    name: t.name,
    host: t.host,
    auth: t.auth.type === "oauth2" ? { type: "oauth2", clientId: t.auth.clientId, ...(t.auth.scope ? { scope: t.auth.scope } : {}), secretSet: true } : { type: "apikey", secretSet: true },
    production: t.production,
    tags: t.tags,
    repository: { url: t.repository.url, passwordSet: t.repository.password !== undefined, insecureNoPassword: t.repository.insecureNoPassword === true },
    schedules: t.schedules,
    scheduleDescriptions: live?.schedules.map((s) => s.description) ?? [],
    retention: t.retention,
    pruneSchedules: t.pruneSchedules,
    alerts: a ? { events: a.events, massDeletion: a.massDeletion, channels: a.channels.map((c) => ({ type: c.type, target: describeChannel(c) })) } : null,
    updatedAt: t.updatedAt,
  };
}

/**
 * The tenants, kept in the `settings` table (`tenant:<name>` → JSON with sealed secrets) and
 * held in memory once loaded (the scheduler and the alert dispatcher read them synchronously).
 */
export class TenantSettings {
  private readonly live = new Map<string, LiveTenant>();

  constructor(
    private readonly db: Sql,
    private readonly box: SecretBox,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async load(): Promise<void> {
    this.live.clear();
    const rows = await this.db.query(`SELECT setting_key, value FROM settings WHERE setting_key LIKE 'tenant:%' ORDER BY setting_key`);
    for (const r of rows) {
      const stored = JSON.parse(String(r.value)) as StoredTenant;
      this.live.set(stored.name, this.open(stored));
    }
  }

  private open(stored: StoredTenant): LiveTenant {
    const sch = parseTenantSchedules(stored.schedules, `tenants.${stored.name}.schedules`);
    const pr = parseTenantSchedules(stored.pruneSchedules, `tenants.${stored.name}.pruneSchedules`);
    let alerts: AlertSettings | undefined;
    if (stored.alerts) {
      const a = parseAlertSettings(JSON.parse(this.box.open(stored.alerts, `tenant:${stored.name}:alerts`)), `tenants.${stored.name}.alerts`);
      if (a.ok) alerts = a.settings;
    }
    return { stored, schedules: sch.ok ? sch.schedules : [], pruneSchedules: pr.ok ? pr.schedules : [], alerts };
  }

  names(): string[] {
    return [...this.live.keys()];
  }

  get(name: string): LiveTenant | undefined {
    return this.live.get(name);
  }

  must(name: string): LiveTenant {
    const t = this.live.get(name);
    if (!t) throw new LifeboatError("not-found", `no tenant '${name}' in this service; list the tenants to find its name, or add it (admin)`, { object: `tenant '${name}'`, next: "list the tenants to find its name" });
    return t;
  }

  /** Create or replace a tenant; throws InvalidInputError with every problem. */
  async put(name: string, raw: unknown): Promise<{ tenant: LiveTenant; created: boolean }> {
    const previous = this.live.get(name)?.stored;
    const v = validateTenantInput(name, raw, previous);
    if (!v.ok) throw new InvalidInputError(`settings of tenant '${name}'`, v.issues);
    const i = v.input;
    const ctx = (field: string) => `tenant:${name}:${field}`;
    const authSecret =
      i.auth.type === "oauth2" ? (i.auth.clientSecret ? this.box.seal(i.auth.clientSecret, ctx("auth")) : previous!.auth.secret) : i.auth.apiKey ? this.box.seal(i.auth.apiKey, ctx("auth")) : previous!.auth.secret;
    const repoPassword = i.repository.password ? this.box.seal(i.repository.password, ctx("repository")) : i.repository.insecureNoPassword ? undefined : previous?.repository.password;
    const alerts = v.alerts === undefined ? (previous?.alerts ?? null) : v.alerts === null ? null : this.box.seal(JSON.stringify(i.alerts), ctx("alerts"));
    const stored: StoredTenant = {
      name,
      host: tenantOrigin(i.host.trim())!,
      auth: i.auth.type === "oauth2" ? { type: "oauth2", clientId: i.auth.clientId, ...(i.auth.scope ? { scope: i.auth.scope } : {}), secret: authSecret } : { type: "apikey", secret: authSecret },
      production: i.production,
      tags: i.tags,
      repository: { url: i.repository.url, ...(repoPassword ? { password: repoPassword } : {}), ...(i.repository.insecureNoPassword ? { insecureNoPassword: true } : {}) },
      schedules: v.schedules.map((s) => s.input),
      retention: i.retention,
      pruneSchedules: v.pruneSchedules.map((s) => s.input),
      alerts,
      updatedAt: this.now().toISOString(),
    };
    const value = JSON.stringify(stored);
    const at = this.now().getTime();
    await this.db.transaction(async (tx) => {
      const changed = await tx.run(`UPDATE settings SET value = ?, updated_at = ? WHERE setting_key = ?`, [value, at, `tenant:${name}`]);
      if (changed === 0) await tx.run(`INSERT INTO settings (setting_key, value, updated_at) VALUES (?, ?, ?)`, [`tenant:${name}`, value, at]);
    });
    const tenant = this.open(stored);
    this.live.set(name, tenant);
    return { tenant, created: previous === undefined };
  }

  async remove(name: string): Promise<void> {
    this.must(name);
    await this.db.run(`DELETE FROM settings WHERE setting_key = ?`, [`tenant:${name}`]);
    this.live.delete(name);
  }

  /** The tenant as a run connects to it (secrets opened). */
  connection(name: string): TenantConnection {
    const t = this.must(name).stored;
    const secret = this.box.open(t.auth.secret, `tenant:${name}:auth`);
    return {
      name,
      host: t.host,
      auth: t.auth.type === "oauth2" ? { type: "oauth2", clientId: t.auth.clientId, clientSecret: secret, ...(t.auth.scope ? { scope: t.auth.scope } : {}) } : { type: "apikey", apiKey: secret },
      tags: t.tags,
    };
  }

  repositoryPassword(name: string): string | undefined {
    const t = this.must(name).stored;
    return t.repository.password ? this.box.open(t.repository.password, `tenant:${name}:repository`) : undefined;
  }

  alertSettings(name: string): AlertSettings | undefined {
    return this.live.get(name)?.alerts;
  }
}
