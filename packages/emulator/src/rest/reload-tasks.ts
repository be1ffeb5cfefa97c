/**
 * Legacy reload tasks (`/api/v1/reload-tasks…`), API-FACTS §6.14; shapes from the 2025 spec
 * (`Task`, `TaskBase`, `PostTaskBody`, `PutTaskBody`) — deprecated by Qlik with sunset 2026-09,
 * still the way an app's schedule is read and written through the v1 API.
 *
 * - A task belongs to one app and one owner (`userId`, the creator); its `spaceId` is the app's.
 * - Seen by whoever may open the app (an `admin.apps` bot: every app), and by its owner.
 *   Created, changed and deleted by the app's owner, a bot, a tenant admin, or a space owner /
 *   facilitator / producer of the app's space (UNCONFIRMED: space roles).
 * - A task is dropped when its app moves to another space or is deleted (applied on the next read).
 * - `timeZone` must be an IANA zone; `recurrence` lines are RRULEs without DTSTART.
 * - Paging: `limit` (default 10, max 100), `next`/`prev` cursors, absolute links.
 */
import type { App, Identity } from "../model.ts";
import { kindsOf, type ReloadTask } from "../kinds.ts";
import { badRequest, forbidden, notFound } from "../internal/errors.ts";
import { canOpenApp, spaceRoles } from "../internal/access.ts";
import { newHexId, nowIso } from "../internal/runtime.ts";
import { readJson, who, type Ctx, type RestApp, type RouteDeps } from "./common.ts";
import { cursorPage, limitOf, selfHref, validTimeZone } from "./kinds-common.ts";

export function registerReloadTasks(app: RestApp, { tenant, rt }: RouteDeps): void {
  const tasks = () => kindsOf(tenant).reloadTasks;

  /**
   * Qlik drops an app's reload schedule when the app moves to another space (issue 12; help.qlik.com
   * on moving apps), and a task whose app is deleted goes with it: applied when tasks are next read.
   */
  const dropStale = (): void => {
    let dropped = false;
    for (const t of Object.values(tasks())) {
      const a = tenant.apps[t.appId];
      if (!a || (a.spaceId ?? "") !== (t.spaceId ?? "")) {
        delete tasks()[t.id];
        dropped = true;
      }
    }
    if (dropped) rt.changed(tenant);
  };
  app.use("/api/v1/reload-tasks/*", async (_c, next) => {
    dropStale();
    await next();
  });
  app.use("/api/v1/reload-tasks", async (_c, next) => {
    dropStale();
    await next();
  });

  const canSee = (w: Identity, t: ReloadTask): boolean => {
    if (t.userId === w.user.id) return true;
    const a = tenant.apps[t.appId];
    return !!a && canOpenApp(w, a);
  };
  const canManageApp = (w: Identity, a: App): boolean => {
    if (w.isPrivateContentBot || w.isTenantAdmin || a.ownerId === w.user.id) return true;
    const space = a.spaceId ? tenant.spaces[a.spaceId] : undefined;
    return !!space && (space.ownerId === w.user.id || spaceRoles(tenant, w.user, space).some((r) => ["facilitator", "producer"].includes(r)));
  };

  const taskJson = (c: Ctx, t: ReloadTask): Record<string, unknown> => {
    const out: Record<string, unknown> = {
      id: t.id,
      appId: t.appId,
      userId: t.userId,
      tenantId: tenant.id,
      partial: t.partial,
      timeZone: t.timeZone,
      autoReload: t.autoReload,
      autoReloadPartial: t.autoReloadPartial,
      recurrence: t.recurrence,
      state: t.state,
      links: { self: { href: selfHref(c, `/api/v1/reload-tasks/${t.id}`) } },
    };
    if (t.spaceId) out.spaceId = t.spaceId;
    if (t.startDateTime) out.startDateTime = t.startDateTime;
    if (t.endDateTime) out.endDateTime = t.endDateTime;
    if (t.disabledCode) out.disabledCode = t.disabledCode;
    if (t.lastExecutionTime) out.lastExecutionTime = t.lastExecutionTime;
    if (t.nextExecutionTime) out.nextExecutionTime = t.nextExecutionTime;
    return out;
  };

  const taskFor = (c: Ctx): ReloadTask => {
    const id = c.req.param("taskId") ?? "";
    const t = tasks()[id];
    if (!t || !canSee(who(c), t)) throw notFound("HTTP-404", `Reload task "${id}" was not found.`);
    return t;
  };

  /** Reads TaskBase fields into `t` (create: `required` checks appId and timeZone). */
  const applyBase = (body: Record<string, unknown>, t: Partial<ReloadTask>, required: boolean): void => {
    const bool = (k: string): boolean | undefined => {
      const v = body[k];
      if (v === undefined || v === null) return undefined;
      if (typeof v !== "boolean") throw badRequest("HTTP-400", `"${k}" must be a boolean.`);
      return v;
    };
    const s = (k: string): string | undefined => {
      const v = body[k];
      if (v === undefined || v === null) return undefined;
      if (typeof v !== "string") throw badRequest("HTTP-400", `"${k}" must be a string.`);
      return v;
    };
    const tz = s("timeZone");
    if (required && !tz) throw badRequest("HTTP-400", '"timeZone" is required.');
    if (tz !== undefined) {
      if (!validTimeZone(tz)) throw badRequest("HTTP-400", `timeZone "${tz}" is not an IANA time zone.`);
      t.timeZone = tz;
    }
    const rec = body.recurrence;
    if (rec !== undefined && rec !== null) {
      if (!Array.isArray(rec) || rec.some((r) => typeof r !== "string" || !/^RRULE:/.test(r) || /DTSTART/.test(r))) {
        throw badRequest("HTTP-400", "recurrence must be a list of RRULE lines (RRULE:…), without DTSTART.");
      }
      t.recurrence = rec as string[];
    }
    for (const k of ["startDateTime", "endDateTime"] as const) {
      const v = s(k);
      if (v !== undefined) {
        if (Number.isNaN(Date.parse(v))) throw badRequest("HTTP-400", `${k} "${v}" is not a date-time.`);
        t[k] = v;
      }
    }
    for (const k of ["partial", "autoReload", "autoReloadPartial"] as const) {
      const v = bool(k);
      if (v !== undefined) t[k] = v;
    }
  };

  app.get("/api/v1/reload-tasks", (c) => {
    const w = who(c);
    const limit = limitOf(c, 10, 100);
    const appId = c.req.query("appId");
    const partial = c.req.query("partial");
    let list = Object.values(tasks()).filter((t) => canSee(w, t));
    if (appId) {
      const a = tenant.apps[appId];
      if (!a || !canOpenApp(w, a)) throw notFound("HTTP-404", `App "${appId}" was not found.`);
      list = list.filter((t) => t.appId === appId);
    }
    if (partial === "true" || partial === "false") list = list.filter((t) => t.partial === (partial === "true"));
    list.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
    const { page, links } = cursorPage(c, list, limit, "next");
    return c.json({ data: page.map((t) => taskJson(c, t)), links });
  });

  app.get("/api/v1/reload-tasks/:taskId", (c) => c.json(taskJson(c, taskFor(c))));

  app.post("/api/v1/reload-tasks", async (c) => {
    const w = who(c);
    const body = await readJson(c);
    const appId = typeof body.appId === "string" ? body.appId : "";
    if (!appId) throw badRequest("HTTP-400", '"appId" is required.');
    if (body.type !== undefined && body.type !== "scheduled_reload") throw badRequest("HTTP-400", 'type must be "scheduled_reload".');
    const a = tenant.apps[appId];
    if (!a || !canOpenApp(w, a)) throw notFound("HTTP-404", `App "${appId}" was not found.`);
    if (!canManageApp(w, a)) throw forbidden("HTTP-403", `The caller may not schedule reloads of app "${a.name}".`);
    const now = nowIso();
    const t: ReloadTask = { id: newHexId(), appId, userId: w.user.id, spaceId: a.spaceId, partial: false, timeZone: "", recurrence: [], autoReload: false, autoReloadPartial: false, state: "Enabled", createdAt: now, updatedAt: now };
    applyBase(body, t, true);
    tasks()[t.id] = t;
    rt.changed(tenant);
    return c.json(taskJson(c, t), 201);
  });

  app.put("/api/v1/reload-tasks/:taskId", async (c) => {
    const t = taskFor(c);
    const w = who(c);
    const a = tenant.apps[t.appId];
    if (!(t.userId === w.user.id || (a && canManageApp(w, a)))) throw forbidden("HTTP-403", `The caller may not change reload task "${t.id}".`);
    const body = await readJson(c);
    if (body.appId !== undefined && body.appId !== t.appId) throw badRequest("HTTP-400", "A reload task's appId cannot be changed.");
    const next = { ...t };
    applyBase(body, next, false);
    const state = body.state;
    if (state !== undefined) {
      if (state !== "Enabled" && state !== "Disabled" && state !== "Completed") throw badRequest("HTTP-400", 'state must be "Enabled", "Disabled" or "Completed".');
      next.state = state;
      next.disabledCode = state === "Disabled" ? "MANUALLY" : undefined;
    }
    Object.assign(t, next, { updatedAt: nowIso() });
    rt.changed(tenant);
    return c.json(taskJson(c, t));
  });

  app.delete("/api/v1/reload-tasks/:taskId", (c) => {
    const t = taskFor(c);
    const w = who(c);
    const a = tenant.apps[t.appId];
    if (!(t.userId === w.user.id || (a && canManageApp(w, a)))) throw forbidden("HTTP-403", `The caller may not delete reload task "${t.id}".`);
    delete tasks()[t.id];
    rt.changed(tenant);
    return c.body(null, 204);
  });
}
