/**
 * Soft delete and Qlik's own restore (API-FACTS §6.1b; qlik.dev changelog 225, June 2026,
 * qlik.dev/manage/analytics-applications/restore-deleted-app/):
 *
 * - an app deleted more than 45 minutes after its creation is soft-deleted and can be
 *   restored for 14 days; one deleted within its first 45 minutes is hard-deleted at once;
 * - `POST /api/analytics/apps/{appId}/actions/restore` (Tier 2) brings it back with the same
 *   id into the same space, as it was when deleted (script and data model intact); allowed to
 *   tenant admins, and to the owner only while the space exists and the owner may delete in
 *   it (else 403); 404 when the app is not soft-deleted (unknown, hard-deleted or purged);
 * - the lifecycle events `com.qlik.app.deleted` (`deleteType` SOFT|HARD),
 *   `com.qlik.app.softdeleted` (`purgeAt`) and `com.qlik.app.harddeleted` are readable by a
 *   tenant admin through `GET /api/v1/audits` (`eventType=` filter).
 *
 * Time is the real clock: the 45-minute and 14-day rules are tested by ageing an app or a
 * deletion through the admin surface (`POST /__emulator/apps/{appId}/age`).
 */
import type { App, AuditEvent, DeletedApp, Identity, Tenant } from "../model.ts";
import { badRequest, forbidden, notFound } from "../internal/errors.ts";
import { spaceRoles } from "../internal/access.ts";
import { newGuid } from "../internal/runtime.ts";
import { paginate, parseLimit, who, type RestApp, type RouteDeps } from "./common.ts";
import { nxApp } from "./apps.ts";

/** Apps deleted within this long after their creation are hard-deleted at once. */
export const HARD_DELETE_WITHIN_MS = 45 * 60_000;
/** How long a soft-deleted app can be restored. */
export const RECOVERY_WINDOW_MS = 14 * 24 * 3_600_000;

const deletedOf = (tenant: Tenant): Record<string, DeletedApp> => (tenant.deletedApps ??= {});
const auditsOf = (tenant: Tenant): AuditEvent[] => (tenant.audits ??= []);

export function recordAudit(tenant: Tenant, e: Omit<AuditEvent, "id">): void {
  auditsOf(tenant).push({ id: newGuid(), ...e });
}

function appEventData(app: App, extra: Record<string, unknown>): Record<string, unknown> {
  return { id: app.id, name: app.name, ...(app.spaceId ? { spaceId: app.spaceId } : {}), ownerId: app.ownerId, ...extra };
}

/** Purges soft-deleted apps whose window has passed (`com.qlik.app.harddeleted`). */
export function purgeExpired(tenant: Tenant, nowMs = Date.now()): void {
  const deleted = deletedOf(tenant);
  for (const [id, d] of Object.entries(deleted)) {
    if (Date.parse(d.purgeAt) > nowMs) continue;
    delete deleted[id];
    recordAudit(tenant, {
      eventType: "com.qlik.app.harddeleted",
      eventTime: new Date(Math.max(nowMs, Date.parse(d.purgeAt))).toISOString(),
      userId: d.deletedBy,
      data: appEventData(d.app, {}),
      extensions: { ownerId: d.app.ownerId, ...(d.app.spaceId ? { spaceId: d.app.spaceId } : {}), topLevelResourceId: d.app.id },
    });
  }
}

/** Deletes an app as Qlik does: soft when it is older than 45 minutes, else hard. */
export function deleteAppAsQlik(tenant: Tenant, app: App, userId: string, nowMs = Date.now()): "SOFT" | "HARD" {
  purgeExpired(tenant, nowMs);
  delete tenant.apps[app.id];
  const soft = nowMs - Date.parse(app.createdDate) > HARD_DELETE_WITHIN_MS;
  const at = new Date(nowMs).toISOString();
  const ext = { ownerId: app.ownerId, ...(app.spaceId ? { spaceId: app.spaceId } : {}), topLevelResourceId: app.id };
  recordAudit(tenant, { eventType: "com.qlik.app.deleted", eventTime: at, userId, data: appEventData(app, { deleteType: soft ? "SOFT" : "HARD" }), extensions: ext });
  if (soft) {
    const purgeAt = new Date(nowMs + RECOVERY_WINDOW_MS).toISOString();
    deletedOf(tenant)[app.id] = { app, deletedAt: at, purgeAt, deletedBy: userId };
    recordAudit(tenant, { eventType: "com.qlik.app.softdeleted", eventTime: at, userId, data: appEventData(app, { purgeAt }), extensions: ext });
  } else {
    recordAudit(tenant, { eventType: "com.qlik.app.harddeleted", eventTime: at, userId, data: appEventData(app, {}), extensions: ext });
  }
  return soft ? "SOFT" : "HARD";
}

/** Who may restore: a tenant admin; the owner while the space exists and it may delete there. */
function mayRestore(tenant: Tenant, w: Identity, d: DeletedApp): void {
  if (w.isTenantAdmin) return;
  if (w.user.id !== d.app.ownerId) throw forbidden("HTTP-403", `Only a tenant admin or the owner may restore app "${d.app.id}".`);
  if (d.app.spaceId) {
    const space = tenant.spaces[d.app.spaceId];
    if (!space) throw forbidden("HTTP-403", `The space of app "${d.app.id}" no longer exists; only a tenant admin may restore it.`);
    if (space.ownerId !== w.user.id && !spaceRoles(tenant, w.user, space).some((r) => ["producer", "facilitator", "codeveloper"].includes(r)))
      throw forbidden("HTTP-403", `The owner no longer has delete permission in the space of app "${d.app.id}".`);
  }
}

export function registerSoftDelete(app: RestApp, { tenant, rt }: RouteDeps): void {
  app.post("/api/analytics/apps/:appId/actions/restore", (c) => {
    const appId = c.req.param("appId");
    const w = who(c);
    purgeExpired(tenant);
    const d = deletedOf(tenant)[appId];
    if (!d) throw notFound("HTTP-404", `App "${appId}" is not soft-deleted (never existed, hard-deleted, or purged after its 14-day window).`);
    mayRestore(tenant, w, d);
    if (d.app.spaceId && !tenant.spaces[d.app.spaceId])
      // UNCONFIRMED what Qlik does for an admin when the space is gone: refuse rather than guess a space.
      throw badRequest("HTTP-400", `The space ${d.app.spaceId} of app "${appId}" no longer exists; it cannot be restored into it.`);
    if (tenant.apps[appId]) throw badRequest("HTTP-400", `An app with id "${appId}" exists already.`);
    delete deletedOf(tenant)[appId];
    tenant.apps[appId] = d.app;
    rt.changed(tenant);
    const body = nxApp(tenant, w, d.app, { ...rt.quirks, appInfoIncludesSpaceId: true });
    const a = body.attributes as Record<string, unknown>;
    // NxApp_V2 (@qlik/api 2.19 analytics/apps.d.ts): its own attribute names.
    const attributes: Record<string, unknown> = {
      id: a.id,
      name: a.name,
      description: a.description,
      ownerId: a.ownerId,
      createdAt: d.app.createdDate,
      updatedAt: d.app.modifiedDate,
      hasSectionAccess: d.app.hasSectionAccess,
      usage: d.app.usage,
      resourceType: "app",
      state: d.app.publishTime ? "PROMOTED" : "EMPTY",
      promotedAt: d.app.publishTime ?? "",
      reloadedAt: d.app.lastReloadTime ?? "",
      originAppId: d.app.originAppId ?? "",
      ...(d.app.spaceId ? { spaceId: d.app.spaceId } : {}),
    };
    return c.json({ attributes, privileges: body.privileges, create: body.create });
  });

  app.get("/api/v1/audits", (c) => {
    const w = who(c);
    // Deletion events: "Tenant Admin or Audit Admin role" (restore-deleted-app page).
    if (!w.isTenantAdmin && !w.user.roles.includes("AuditAdmin")) throw forbidden("HTTP-403", "Reading audit events needs the TenantAdmin or AuditAdmin role.");
    purgeExpired(tenant);
    const limit = parseLimit(c, 10, 100);
    const type = c.req.query("eventType");
    const sort = c.req.query("sort") ?? "-eventTime";
    if (!/^[+-]?(eventTime|eventType|source)$/.test(sort)) throw badRequest("HTTP-400", `sort "${sort}" is not supported (source, eventType, eventTime with + or -).`);
    const span = c.req.query("eventTime");
    let from = -Infinity;
    let to = Infinity;
    if (span) {
      const [a, b] = span.split("/");
      from = Date.parse(a ?? "");
      to = Date.parse(b ?? "");
      if (Number.isNaN(from) || Number.isNaN(to)) throw badRequest("HTTP-400", `eventTime "${span}" is not START/END in ISO 8601.`);
    }
    const events = auditsOf(tenant).filter((e) => (!type || e.eventType === type) && Date.parse(e.eventTime) >= from && Date.parse(e.eventTime) <= to);
    const key = sort.replace(/^[+-]/, "") as "eventTime" | "eventType" | "source";
    const dir = sort.startsWith("-") ? -1 : 1;
    const val = (e: AuditEvent) => (key === "source" ? "com.qlik/apps" : e[key]);
    const sorted = events.map((e, i) => ({ e, i })).sort((x, y) => (val(x.e) < val(y.e) ? -dir : val(x.e) > val(y.e) ? dir : (x.i - y.i) * dir)).map((x) => x.e);
    const { page, links } = paginate(c, sorted, limit);
    return c.json({
      data: page.map((e) => ({
        id: e.id,
        eventId: e.id,
        eventType: e.eventType,
        eventTypeVersion: "1.0.0",
        eventTime: e.eventTime,
        source: "com.qlik/apps",
        contentType: "application/json",
        tenantId: tenant.id,
        userId: e.userId,
        data: e.data,
        extensions: e.extensions,
        links: { self: { href: `${new URL(links.self!.href).origin}/api/v1/audits/${e.id}` } },
      })),
      links,
    });
  });
}
