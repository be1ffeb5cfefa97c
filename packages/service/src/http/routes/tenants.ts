/** Routes: tenants, their schedules, retention and alert settings; the dashboard's status. */
import { LifeboatError } from "@lifeboat/model";
import { z } from "zod";
import { parseTenantSchedules, runsBetween } from "../../schedule/spec.ts";
import { alertsInputSchema, retentionSchema, scheduleSchema, tenantInputSchema, tenantView } from "../../settings/tenants.ts";
import type { Api, Caller } from "../api.ts";
import { auditor, iso, runView, tenantParam, tenantStatusSchema, type RouteContext } from "./common.ts";

export function registerTenantsRoutes(api: Api, x: RouteContext): void {
  const audit = auditor(x);
  const status = async (name: string) => {
    const live = x.settings.must(name);
    const [last] = await x.history.listRuns({ tenant: name, limit: 1 });
    const success = await x.history.lastSuccessfulBackup(name);
    const [lastBackup] = await x.history.listRuns({ tenant: name, kind: "backup", status: ["succeeded", "partial"], limit: 1 });
    const coverageGaps = lastBackup ? ((await x.runs.result(lastBackup.id))?.coverageGaps ?? []) : [];
    const next = x.nextRuns(name);
    return {
      ...tenantView(live.stored, live),
      running: x.runs.running(name) ?? null,
      lastRun: last ? runView(last) : null,
      lastSuccessfulBackup: success ? runView(success) : null,
      nextBackup: next.backup?.toISOString() ?? null,
      nextPrune: next.prune?.toISOString() ?? null,
      coverageGaps,
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
}
