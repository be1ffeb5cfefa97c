/**
 * The test-only admin surface under `/__emulator/…` — off unless `admin: true`. Lifeboat
 * never calls it; tests and the demo use it to inspect state, inject faults and act "as a
 * user" (e.g. edit one user's private sheet between two backups). No authentication.
 *
 *   GET    /__emulator/state                         summary of the tenant
 *   GET    /__emulator/apps/{appId}                  the app as stored (objects incl. private)
 *   POST   /__emulator/faults        {spec}          reconfigure fault injection ("" = off)
 *   GET    /__emulator/faults                        current spec and counts
 *   POST   /__emulator/rate-limits/reset             forget rate-limit windows
 *   PATCH  /__emulator/apps/{appId}/objects/{objectId}  {properties?, title?, asUserId?, keepModifiedDate?} (children too)
 *          merges `properties` (or sets qMetaDef.title) as `asUserId` (default: the owner);
 *          403 if that user cannot see the object
 *   PATCH  /__emulator/apps/{appId}  {name?, description?, dataModelBytes?, script?}
 *          changes the stored app (e.g. give it a 2 GB data model); bumps modifiedDate
 *   DELETE /__emulator/apps/{appId}                  delete an app
 *   DELETE /__emulator/apps/{appId}/objects/{objectId}
 *   DELETE /__emulator/users/{userId}
 *   POST   /__emulator/temp-contents/{id}/expire     make a temp file expire now
 *   POST   /__emulator/apps/{appId}/age  {minutes}   moves an app's creation — and, for a
 *          soft-deleted app, its deletion and purge date — that many minutes into the past
 *          (the 45-minute and 14-day rules of soft delete, without waiting)
 *   GET    /__emulator/deleted-apps                  soft-deleted apps: {appId, name, deletedAt, purgeAt}
 */
import { Hono } from "hono";
import type { AppObject, Identity, Tenant } from "./model.ts";
import { canSeeObject } from "./model.ts";
import { badRequest, forbidden, notFound } from "./internal/errors.ts";
import { parseFaultSpec } from "./internal/faults.ts";
import { newHexId, nowIso, type Runtime } from "./internal/runtime.ts";
import { readJson, type Env } from "./rest/common.ts";
import { purgeExpired } from "./rest/softdelete.ts";

export function adminRoutes(tenant: Tenant, rt: Runtime): Hono<Env> {
  const app = new Hono<Env>();
  app.get("/state", (c) => {
    const apps = Object.values(tenant.apps);
    return c.json({
      tenantId: tenant.id,
      hostname: tenant.hostname,
      users: Object.keys(tenant.users).length,
      groups: Object.keys(tenant.groups).length,
      spaces: Object.keys(tenant.spaces).length,
      assignments: Object.keys(tenant.assignments).length,
      apps: apps.length,
      objects: apps.reduce((n, a) => n + Object.keys(a.objects).length, 0),
      tempContents: Object.keys(tenant.tempContents).length,
      faults: rt.faults.current(),
      faultStats: rt.faults.stats,
    });
  });
  app.get("/apps/:appId", (c) => {
    const a = tenant.apps[c.req.param("appId")];
    if (!a) throw notFound("HTTP-404", `App "${c.req.param("appId")}" not found.`);
    return c.json(a);
  });
  app.get("/faults", (c) => c.json({ spec: rt.faults.current(), stats: rt.faults.stats }));
  app.post("/faults", async (c) => {
    const body = await readJson(c);
    const spec = typeof body.spec === "string" ? body.spec : "";
    try {
      rt.faults.configure(spec ? parseFaultSpec(spec) : undefined);
    } catch (e) {
      throw badRequest("EMU-1", (e as Error).message);
    }
    return c.json({ spec: rt.faults.current() });
  });
  app.post("/rate-limits/reset", (c) => {
    rt.limiter?.reset();
    return c.body(null, 204);
  });
  app.patch("/apps/:appId/objects/:objectId", async (c) => {
    const a = tenant.apps[c.req.param("appId")];
    // A top-level object, or a child (a chart on a sheet): `root` is its top-level object.
    const found = a ? findObject(a.objects, c.req.param("objectId")) : undefined;
    const o = found?.obj;
    const root = found?.root;
    if (!a || !o || !root) throw notFound("HTTP-404", `Object "${c.req.param("objectId")}" not found in app "${c.req.param("appId")}".`);
    const body = await readJson(c);
    const asUserId = typeof body.asUserId === "string" ? body.asUserId : o.ownerId;
    const user = tenant.users[asUserId];
    if (!user) throw badRequest("EMU-1", `unknown user "${asUserId}"`);
    const as: Identity = { tenant, user, scopes: ["user_default"], isPrivateContentBot: false, isTenantAdmin: user.roles.includes("TenantAdmin") };
    if (!canSeeObject(as, root) || (!root.approved && !root.published && root.ownerId !== user.id)) throw forbidden("EMU-3", `User "${user.name}" cannot edit object "${o.id}".`);
    if (body.properties !== undefined) {
      if (typeof body.properties !== "object" || body.properties === null) throw badRequest("EMU-1", "properties must be an object");
      o.properties = { ...o.properties, ...(body.properties as Record<string, unknown>), qInfo: o.properties.qInfo };
    }
    if (typeof body.title === "string") o.properties.qMetaDef = { ...((o.properties.qMetaDef as Record<string, unknown> | undefined) ?? {}), title: body.title };
    const t = nowIso();
    // `keepModifiedDate: true` edits without moving the date (a fault: tests that Lifeboat's deep check catches it).
    if (body.keepModifiedDate !== true) {
      o.modifiedDate = t;
      // Quirk childEditMovesParentDate: editing a chart also moves its sheet's date.
      if (root !== o && rt.quirks.childEditMovesParentDate) root.modifiedDate = t;
    }
    if (root.approved || root.published || rt.quirks.privateEditBumpsAppModified) a.modifiedDate = t;
    rt.changed(tenant);
    return c.json(o);
  });
  app.patch("/apps/:appId", async (c) => {
    const a = tenant.apps[c.req.param("appId")];
    if (!a) throw notFound("HTTP-404", `App "${c.req.param("appId")}" not found.`);
    const body = await readJson(c);
    if (body.dataModelBytes !== undefined) {
      if (typeof body.dataModelBytes !== "number" || !Number.isSafeInteger(body.dataModelBytes) || body.dataModelBytes < 0) throw badRequest("EMU-1", "dataModelBytes must be a non-negative integer");
      a.dataModelBytes = body.dataModelBytes;
    }
    for (const k of ["name", "description", "script"] as const) {
      if (body[k] === undefined) continue;
      if (typeof body[k] !== "string") throw badRequest("EMU-1", `${k} must be a string`);
      a[k] = body[k] as string;
    }
    if (typeof body.script === "string") {
      a.scriptHistory.unshift({ scriptId: newHexId(), script: body.script, versionMessage: "changed through the admin surface", modifiedTime: nowIso(), modifierId: a.ownerId });
    }
    a.modifiedDate = nowIso();
    rt.changed(tenant);
    const { objects: _objects, ...rest } = a;
    return c.json(rest);
  });
  app.delete("/apps/:appId", (c) => {
    if (!tenant.apps[c.req.param("appId")]) throw notFound("HTTP-404", "app not found");
    delete tenant.apps[c.req.param("appId")];
    rt.changed(tenant);
    return c.body(null, 204);
  });
  app.delete("/apps/:appId/objects/:objectId", (c) => {
    const a = tenant.apps[c.req.param("appId")];
    if (!a?.objects[c.req.param("objectId")]) throw notFound("HTTP-404", "object not found");
    delete a.objects[c.req.param("objectId")];
    a.modifiedDate = nowIso();
    rt.changed(tenant);
    return c.body(null, 204);
  });
  app.delete("/users/:userId", (c) => {
    if (!tenant.users[c.req.param("userId")]) throw notFound("HTTP-404", "user not found");
    delete tenant.users[c.req.param("userId")];
    rt.changed(tenant);
    return c.body(null, 204);
  });
  app.post("/apps/:appId/age", async (c) => {
    const id = c.req.param("appId");
    const body = await readJson(c);
    const minutes = body.minutes;
    if (typeof minutes !== "number" || !Number.isFinite(minutes) || minutes < 0) throw badRequest("EMU-1", "minutes must be a non-negative number");
    const back = (iso: string): string => new Date(Date.parse(iso) - minutes * 60_000).toISOString();
    const live = tenant.apps[id];
    const deleted = tenant.deletedApps?.[id];
    if (!live && !deleted) throw notFound("HTTP-404", `App "${id}" is neither in the tenant nor soft-deleted.`);
    if (live) live.createdDate = back(live.createdDate);
    if (deleted) {
      // The deletion's own events move with it; the soft-delete event carries the new purgeAt.
      for (const e of tenant.audits ?? []) {
        if (e.extensions.topLevelResourceId !== id || e.eventTime !== deleted.deletedAt) continue;
        e.eventTime = back(e.eventTime);
        if (e.eventType === "com.qlik.app.softdeleted") e.data.purgeAt = back(deleted.purgeAt);
      }
      deleted.app.createdDate = back(deleted.app.createdDate);
      deleted.deletedAt = back(deleted.deletedAt);
      deleted.purgeAt = back(deleted.purgeAt);
    }
    purgeExpired(tenant);
    rt.changed(tenant);
    return c.json({ appId: id, state: tenant.apps[id] ? "live" : tenant.deletedApps?.[id] ? "soft-deleted" : "purged" });
  });
  app.get("/deleted-apps", (c) => {
    purgeExpired(tenant);
    return c.json(Object.values(tenant.deletedApps ?? {}).map((d) => ({ appId: d.app.id, name: d.app.name, deletedAt: d.deletedAt, purgeAt: d.purgeAt })));
  });
  app.post("/temp-contents/:id/expire", (c) => {
    const t = tenant.tempContents[c.req.param("id")];
    if (!t) throw notFound("HTTP-404", "temp content not found");
    t.expiresAt = Date.now();
    return c.body(null, 204);
  });
  return app;
}

/** An object anywhere in an app's trees, with its top-level object. */
function findObject(objects: Record<string, AppObject>, id: string): { obj: AppObject; root: AppObject } | undefined {
  const walk = (obj: AppObject, root: AppObject): { obj: AppObject; root: AppObject } | undefined => {
    if (obj.id === id) return { obj, root };
    for (const child of obj.children) {
      const hit = walk(child, root);
      if (hit) return hit;
    }
    return undefined;
  };
  for (const top of Object.values(objects)) {
    const hit = walk(top, top);
    if (hit) return hit;
  }
  return undefined;
}
