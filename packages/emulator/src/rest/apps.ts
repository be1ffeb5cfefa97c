/**
 * Apps (`/api/v1/apps…`), API-FACTS §6.1: info, update, delete, copy, export, import,
 * publish/republish, space moves, owners, object owners, scripts and media.
 */
import type { App, AppObject, ExportedApp, Identity, Space, Tenant } from "../model.ts";
import { canChangeObjectOwner, canSeeObject } from "../model.ts";
import { QlikError, badRequest, forbidden, notFound } from "../internal/errors.ts";
import { appPrivileges, elevateAppOwnerRole, spaceRoles } from "../internal/access.ts";
import { ContainerError, parseContainer } from "../internal/container.ts";
import { newGuid, newHexId, nowIso, type Quirks } from "../internal/runtime.ts";
import { appFor, readJson, requirePrivilege, str, who, type Ctx, type RestApp, type RouteDeps } from "./common.ts";
import { createExportTemp, tempSnapshot } from "./temp.ts";
import { deleteAppAsQlik } from "./softdelete.ts";

export function nxApp(tenant: Tenant, w: Identity, app: App, quirks: Quirks): Record<string, unknown> {
  const attributes: Record<string, unknown> = {
    id: app.id,
    name: app.name,
    description: app.description,
    thumbnail: "",
    createdDate: app.createdDate,
    modifiedDate: app.modifiedDate,
    owner: tenant.users[app.ownerId]?.subject ?? "",
    ownerId: app.ownerId,
    dynamicColor: "",
    published: false,
    custom: {},
    encrypted: true,
    hasSectionAccess: app.hasSectionAccess,
    isDirectQueryMode: app.usage === "DIRECT_QUERY_MODE",
    usage: app.usage,
  };
  if (app.lastReloadTime) attributes.lastReloadTime = app.lastReloadTime;
  if (app.publishTime) attributes.publishTime = app.publishTime;
  if (app.originAppId) attributes.originAppId = app.originAppId;
  if (quirks.appInfoIncludesSpaceId && app.spaceId) attributes.spaceId = app.spaceId;
  const privileges = appPrivileges(w, app);
  const canCreate = privileges.includes("create") || privileges.includes("read");
  return {
    attributes,
    privileges,
    create: ["sheet", "bookmark", "story", "snapshot", "measure", "dimension", "masterobject", "variable"].map((resource) => ({ resource, canCreate })),
  };
}

/** The objects an export by `w` carries (see Quirks.botExportIncludesAllPrivate). */
export function exportedObjects(w: Identity, app: App, quirks: Quirks): Record<string, AppObject> {
  const out: Record<string, AppObject> = {};
  for (const o of Object.values(app.objects)) {
    const own = o.ownerId === w.user.id;
    const visible = o.approved || own || (o.published && quirks.exportIncludesCommunity);
    if ((w.isPrivateContentBot && quirks.botExportIncludesAllPrivate) || (canSeeObject(w, o) && visible)) {
      out[o.id] = o;
    }
  }
  return out;
}

export function snapshotOf(w: Identity, app: App, quirks: Quirks, withData: boolean): ExportedApp {
  const { itemId: _itemId, tenantId: _tenantId, objects: _objects, ...rest } = app;
  return structuredClone({ app: { ...rest, objects: exportedObjects(w, app, quirks) }, withData });
}

function objectJson(o: AppObject): Record<string, unknown> {
  const meta = (o.properties.qMetaDef ?? {}) as { title?: unknown; description?: unknown };
  const attributes: Record<string, unknown> = {
    id: o.id,
    name: typeof meta.title === "string" ? meta.title : typeof o.properties.qName === "string" ? o.properties.qName : "",
    description: typeof meta.description === "string" ? meta.description : "",
    objectType: o.type,
    genericType: o.genericType,
    ownerId: o.ownerId,
    approved: o.approved,
    createdAt: o.createdDate,
    updatedAt: o.modifiedDate,
  };
  if (o.published && o.publishTime) attributes.publishedAt = o.publishTime;
  return { attributes, privileges: ["read", "update", "delete", "change_owner"] };
}

function setOwnerDeep(o: AppObject, ownerId: string): void {
  o.ownerId = ownerId;
  for (const child of o.children) setOwnerDeep(child, ownerId);
}

/** A new app from a snapshot (import, copy, publish): new app id and item id, object ids kept. */
function materialise(tenant: Tenant, snap: ExportedApp["app"], owner: string, spaceId: string | undefined, name: string | undefined): App {
  const t = nowIso();
  const app: App = {
    ...structuredClone(snap),
    id: newGuid(),
    itemId: newHexId(),
    tenantId: tenant.id,
    name: name ?? snap.name,
    ownerId: owner,
    spaceId,
    createdDate: t,
    modifiedDate: t,
  };
  delete app.publishTime;
  delete app.originAppId;
  if (app.spaceId === undefined) delete app.spaceId;
  tenant.apps[app.id] = app;
  return app;
}

export function registerApps(app: RestApp, { tenant, rt }: RouteDeps): void {
  const q = rt.quirks;
  const out = (c: Ctx, a: App, status: 200 | 201 = 200): Response => c.json(nxApp(tenant, who(c), a, q), status);
  const touch = (a: App): void => {
    a.modifiedDate = nowIso();
    rt.changed(tenant);
  };
  const spaceForWrite = (c: Ctx, spaceId: string | undefined, purpose: string): Space | undefined => {
    if (!spaceId || spaceId === "personal") return undefined;
    const space = tenant.spaces[spaceId];
    if (!space) throw notFound("HTTP-404", `Space "${spaceId}" was not found.`);
    const w = who(c);
    if (w.isPrivateContentBot || w.isTenantAdmin) return space;
    const roles = spaceRoles(tenant, w.user, space);
    if (!roles.some((r) => ["producer", "facilitator", "codeveloper", "publisher", "contributor"].includes(r))) {
      throw forbidden("HTTP-403", `The caller may not ${purpose} space "${space.name}" (roles: ${roles.join(", ") || "none"}).`);
    }
    return space;
  };

  app.post("/api/v1/apps", async (c) => {
    const body = await readJson(c, false);
    const attrs = (body.attributes ?? {}) as Record<string, unknown>;
    const space = spaceForWrite(c, str(attrs, "spaceId"), "create apps in");
    if (space?.type === "managed") throw badRequest("HTTP-400", "Apps cannot be created in a managed space; publish them instead.");
    const t = nowIso();
    const id = newGuid();
    const a: App = {
      id,
      tenantId: tenant.id,
      name: str(attrs, "name") ?? "Untitled",
      description: str(attrs, "description") ?? "",
      ownerId: who(c).user.id,
      spaceId: space?.id,
      createdDate: t,
      modifiedDate: t,
      usage: (str(attrs, "usage") as App["usage"] | undefined) ?? "ANALYTICS",
      hasSectionAccess: false,
      script: "",
      scriptHistory: [],
      media: {},
      objects: {},
      dataModelBytes: 0,
      dataSeed: `${tenant.id}:${id}`,
      itemId: newHexId(),
    };
    if (a.spaceId === undefined) delete a.spaceId;
    tenant.apps[id] = a;
    rt.changed(tenant);
    return out(c, a);
  });

  app.get("/api/v1/apps/:appId", (c) => out(c, appFor(c, tenant, c.req.param("appId"))));
  app.put("/api/v1/apps/:appId", async (c) => {
    const a = appFor(c, tenant, c.req.param("appId"));
    requirePrivilege(appPrivileges(who(c), a), "update", `update app "${a.name}"`);
    const attrs = ((await readJson(c)).attributes ?? {}) as Record<string, unknown>;
    const name = str(attrs, "name");
    const description = str(attrs, "description");
    if (name !== undefined) a.name = name;
    if (description !== undefined) a.description = description;
    touch(a);
    return out(c, a);
  });
  app.delete("/api/v1/apps/:appId", (c) => {
    const a = appFor(c, tenant, c.req.param("appId"));
    requirePrivilege(appPrivileges(who(c), a), "delete", `delete app "${a.name}"`);
    // Soft when the app is older than 45 minutes (restorable for 14 days), else hard (§6.1b).
    deleteAppAsQlik(tenant, a, who(c).user.id);
    rt.changed(tenant);
    return c.body(null, 200);
  });
  app.post("/api/v1/apps/:appId/copy", async (c) => {
    const src = appFor(c, tenant, c.req.param("appId"));
    requirePrivilege(appPrivileges(who(c), src), "duplicate", `copy app "${src.name}"`);
    const attrs = ((await readJson(c, false)).attributes ?? {}) as Record<string, unknown>;
    const space = spaceForWrite(c, str(attrs, "spaceId"), "create apps in");
    if (space?.type === "managed") throw badRequest("HTTP-400", "Copies cannot be created in a managed space; publish instead.");
    const snap = snapshotOf(who(c), src, q, true).app;
    const copy = materialise(tenant, snap, who(c).user.id, space?.id, str(attrs, "name") ?? src.name);
    const description = str(attrs, "description");
    if (description !== undefined) copy.description = description;
    rt.changed(tenant);
    return out(c, copy);
  });

  app.post("/api/v1/apps/:appId/export", async (c) => {
    const a = appFor(c, tenant, c.req.param("appId"));
    requirePrivilege(appPrivileges(who(c), a), "export", `export app "${a.name}"`);
    const noData = (c.req.query("NoData") ?? "").toLowerCase() === "true";
    const snap = snapshotOf(who(c), a, q, !noData);
    // help.qlik.com (export-apps-cloud-hub): a section-access app exported by someone other
    // than its owner has no accessible script after re-upload — the file carries none here.
    if (a.hasSectionAccess && who(c).user.id !== a.ownerId) {
      snap.app.script = "";
      snap.app.scriptHistory = [];
    }
    const temp = createExportTemp(tenant, rt, who(c), snap);
    await rt.clock.sleep(rt.latency.exportBaseMs + (temp.size / (1024 * 1024)) * rt.latency.exportMsPerMB);
    c.header("Location", `/api/v1/temp-contents/${temp.id}`);
    return c.body(null, 201);
  });

  app.post("/api/v1/apps/import", async (c) => {
    const w = who(c);
    const mode = c.req.query("mode");
    if (mode && mode.toUpperCase() !== "NEW") throw badRequest("HTTP-400", `import mode "${mode}" is not allowed; only NEW is supported.`);
    const spaceId = c.req.query("spaceId") || undefined;
    const space = spaceForWrite(c, spaceId, "import apps into");
    if (space?.type === "managed" && q.importIntoManagedSpace === "refuse") {
      throw forbidden("HTTP-403", `Importing into managed space "${space.name}" is not allowed; import into a shared space and publish.`);
    }
    if (space?.type === "data") throw badRequest("HTTP-400", `Space "${space.name}" is a data space; apps cannot be imported into it.`);
    const fileId = c.req.query("fileId");
    let snap: ExportedApp;
    try {
      if (fileId) snap = await tempSnapshot(tenant, fileId);
      else {
        const body = c.req.raw.body;
        if (!body) throw badRequest("HTTP-400", "The request has no body and no fileId; send the app file as application/octet-stream.");
        snap = await parseContainer(body as unknown as AsyncIterable<Uint8Array>);
      }
    } catch (e) {
      if (e instanceof ContainerError) throw badRequest("HTTP-400", `The uploaded file is not a valid app: ${e.message}.`);
      throw e;
    }
    const imported = materialise(tenant, snap.app, w.user.id, space?.id, c.req.query("name") || undefined);
    if (!snap.withData) imported.dataModelBytes = 0;
    for (const o of Object.values(imported.objects)) {
      if (!(q.importKeepsObjectOwners && tenant.users[o.ownerId])) setOwnerDeep(o, w.user.id);
    }
    if (space?.type === "managed") imported.publishTime = imported.createdDate;
    rt.changed(tenant);
    return out(c, imported);
  });

  const managedTarget = (c: Ctx, spaceId: string | undefined): Space => {
    if (!spaceId) throw badRequest("HTTP-400", "spaceId of a managed space is required.");
    const space = tenant.spaces[spaceId];
    if (!space) throw notFound("HTTP-404", `Space "${spaceId}" was not found.`);
    if (space.type !== "managed") throw badRequest("HTTP-400", `Space "${space.name}" is ${space.type}; apps are published to managed spaces only.`);
    const w = who(c);
    const roles = spaceRoles(tenant, w.user, space);
    if (!w.isPrivateContentBot && !w.isTenantAdmin && space.ownerId !== w.user.id && !roles.includes("publisher")) {
      throw forbidden("HTTP-403", `Publishing to managed space "${space.name}" needs the publisher role there.`);
    }
    return space;
  };
  app.post("/api/v1/apps/:appId/publish", async (c) => {
    const src = appFor(c, tenant, c.req.param("appId"));
    requirePrivilege(appPrivileges(who(c), src), "publish", `publish app "${src.name}"`);
    const body = await readJson(c);
    const space = managedTarget(c, str(body, "spaceId"));
    const attrs = (body.attributes ?? {}) as Record<string, unknown>;
    const t = nowIso();
    if (body.moveApp === true) {
      const originAppId = str(body, "originAppId");
      if (!originAppId) throw badRequest("HTTP-400", "originAppId is required with moveApp.");
      src.spaceId = space.id;
      src.originAppId = originAppId;
      src.publishTime = t;
      if (typeof attrs.name === "string") src.name = attrs.name;
      if (typeof attrs.description === "string") src.description = attrs.description;
      touch(src);
      return out(c, src);
    }
    const base: ExportedApp["app"] = snapshotOf(who(c), src, q, true).app;
    base.objects = Object.fromEntries(Object.entries(base.objects).filter(([, o]) => o.approved));
    const copy = materialise(tenant, base, who(c).user.id, space.id, str(attrs, "name") ?? src.name);
    if (typeof attrs.description === "string") copy.description = attrs.description;
    if (body.data === "target") copy.dataModelBytes = 0;
    copy.originAppId = src.id;
    copy.publishTime = t;
    for (const o of Object.values(copy.objects)) {
      o.published = true;
      o.publishTime = t;
      setOwnerDeep(o, copy.ownerId);
    }
    rt.changed(tenant);
    return out(c, copy);
  });
  app.put("/api/v1/apps/:appId/publish", async (c) => {
    const src = appFor(c, tenant, c.req.param("appId"));
    requirePrivilege(appPrivileges(who(c), src), "publish", `republish app "${src.name}"`);
    const body = await readJson(c);
    const targetId = str(body, "targetId");
    if (!targetId) throw badRequest("HTTP-400", "targetId (the published app) is required.");
    const target = tenant.apps[targetId];
    if (!target) throw notFound("HTTP-404", `Target app "${targetId}" was not found.`);
    managedTarget(c, target.spaceId);
    if (body.checkOriginAppId !== false && target.originAppId !== src.id) {
      throw badRequest("HTTP-400", `App "${target.name}" was not published from "${src.name}" (originAppId ${target.originAppId ?? "none"}).`);
    }
    const t = nowIso();
    for (const [id, o] of Object.entries(target.objects)) if (o.approved) delete target.objects[id];
    for (const o of Object.values(src.objects)) {
      if (!o.approved) continue;
      const copy = structuredClone(o);
      copy.published = true;
      copy.publishTime = t;
      setOwnerDeep(copy, target.ownerId);
      target.objects[copy.id] = copy;
    }
    target.script = src.script;
    target.scriptHistory = structuredClone(src.scriptHistory);
    target.media = { ...src.media };
    if (body.data !== "target") {
      target.dataModelBytes = src.dataModelBytes;
      target.dataSeed = src.dataSeed;
    }
    const attrs = (body.attributes ?? {}) as Record<string, unknown>;
    if (typeof attrs.name === "string") target.name = attrs.name;
    if (typeof attrs.description === "string") target.description = attrs.description;
    target.publishTime = t;
    touch(target);
    return out(c, target);
  });

  app.put("/api/v1/apps/:appId/space", async (c) => {
    const a = appFor(c, tenant, c.req.param("appId"));
    requirePrivilege(appPrivileges(who(c), a), "change_space", `move app "${a.name}"`);
    const space = spaceForWrite(c, str(await readJson(c), "spaceId"), "move apps into");
    if (!space) throw badRequest("HTTP-400", "spaceId is required; use DELETE /apps/{appId}/space to move an app to its owner's personal space.");
    a.spaceId = space.id;
    if (space.type === "managed" && !a.publishTime) a.publishTime = nowIso();
    if (space.type !== "managed") delete a.publishTime;
    touch(a);
    return out(c, a);
  });
  app.delete("/api/v1/apps/:appId/space", (c) => {
    const a = appFor(c, tenant, c.req.param("appId"));
    requirePrivilege(appPrivileges(who(c), a), "change_space", `remove app "${a.name}" from its space`);
    delete a.spaceId;
    delete a.publishTime;
    touch(a);
    return out(c, a);
  });
  app.put("/api/v1/apps/:appId/owner", async (c) => {
    const a = appFor(c, tenant, c.req.param("appId"));
    requirePrivilege(appPrivileges(who(c), a), "change_owner", `change the owner of app "${a.name}"`);
    const ownerId = str(await readJson(c), "ownerId");
    if (!ownerId || !tenant.users[ownerId]) throw badRequest("HTTP-400", `ownerId "${ownerId ?? ""}" is not a user of this tenant.`);
    a.ownerId = ownerId;
    // As in Qlik: the new owner gets Can edit (shared) / Can manage (managed) in the app's space.
    elevateAppOwnerRole(tenant, a, who(c).user);
    touch(a);
    return out(c, a);
  });
  app.post("/api/v1/apps/:appId/objects/:objectId/actions/change-owner", async (c) => {
    const a = appFor(c, tenant, c.req.param("appId"));
    const objectId = c.req.param("objectId");
    const o = a.objects[objectId];
    const w = who(c);
    if (!o) throw notFound("HTTP-404", `Object "${objectId}" was not found in app "${a.name}".`);
    if (!canChangeObjectOwner(w, o)) {
      throw forbidden("HTTP-403", `Only the owner of object "${objectId}" or a private-content bot (admin.apps) may change its owner.`);
    }
    const ownerId = str(await readJson(c), "ownerId");
    if (!ownerId || !tenant.users[ownerId]) throw badRequest("HTTP-400", `ownerId "${ownerId ?? ""}" is not a user of this tenant.`);
    setOwnerDeep(o, ownerId);
    o.modifiedDate = nowIso();
    rt.changed(tenant);
    return c.json(objectJson(o));
  });

  // Scripts and their history.
  app.get("/api/v1/apps/:appId/scripts", (c) => {
    const a = appFor(c, tenant, c.req.param("appId"));
    const limit = Number(c.req.query("limit") ?? 100);
    if (!Number.isInteger(limit) || limit < 1) throw badRequest("HTTP-400", "limit must be a positive integer.");
    const scripts = a.scriptHistory.slice(0, limit).map((v) => ({
      scriptId: v.scriptId,
      modifiedTime: v.modifiedTime,
      modifierId: v.modifierId,
      size: Buffer.byteLength(v.script),
      versionMessage: v.versionMessage,
    }));
    return c.json({ scripts, links: {} });
  });
  app.get("/api/v1/apps/:appId/scripts/:id", (c) => {
    const a = appFor(c, tenant, c.req.param("appId"));
    const id = c.req.param("id");
    if (id === "current") return c.json({ script: a.script, versionMessage: a.scriptHistory[0]?.versionMessage ?? "" });
    const v = a.scriptHistory.find((s) => s.scriptId === id);
    if (!v) throw notFound("HTTP-404", `Script version "${id}" was not found in app "${a.name}".`);
    return c.json({ script: v.script, versionMessage: v.versionMessage });
  });
  app.post("/api/v1/apps/:appId/scripts", async (c) => {
    const a = appFor(c, tenant, c.req.param("appId"));
    requirePrivilege(appPrivileges(who(c), a), "update", `change the script of app "${a.name}"`);
    const body = await readJson(c);
    const script = str(body, "script");
    if (script === undefined) throw badRequest("HTTP-400", "script is required.");
    a.script = script;
    a.scriptHistory.unshift({ scriptId: newHexId(), script, versionMessage: str(body, "versionMessage") ?? "", modifiedTime: nowIso(), modifierId: who(c).user.id });
    touch(a);
    return c.body(null, 200);
  });
  app.patch("/api/v1/apps/:appId/scripts/:id", async (c) => {
    const a = appFor(c, tenant, c.req.param("appId"));
    requirePrivilege(appPrivileges(who(c), a), "update", `change the script of app "${a.name}"`);
    const v = a.scriptHistory.find((s) => s.scriptId === c.req.param("id"));
    if (!v) throw notFound("HTTP-404", `Script version "${c.req.param("id")}" was not found.`);
    const text = await c.req.text();
    let ops: unknown;
    try {
      ops = JSON.parse(text);
    } catch {
      throw badRequest("HTTP-400", "The request body is not valid JSON.");
    }
    for (const op of Array.isArray(ops) ? ops : [ops]) {
      const p = op as { path?: unknown; value?: unknown };
      if (p.path !== "/versionMessage" || typeof p.value !== "string") throw badRequest("HTTP-400", "only /versionMessage can be patched.");
      v.versionMessage = p.value;
    }
    rt.changed(tenant);
    return c.body(null, 200);
  });
  app.delete("/api/v1/apps/:appId/scripts/:id", (c) => {
    const a = appFor(c, tenant, c.req.param("appId"));
    requirePrivilege(appPrivileges(who(c), a), "update", `delete a script version of app "${a.name}"`);
    const idx = a.scriptHistory.findIndex((s) => s.scriptId === c.req.param("id"));
    if (idx < 0) throw notFound("HTTP-404", `Script version "${c.req.param("id")}" was not found.`);
    if (idx === 0) throw badRequest("HTTP-400", "The current script version cannot be deleted.");
    a.scriptHistory.splice(idx, 1);
    rt.changed(tenant);
    return c.body(null, 200);
  });

  // Media library.
  const listMedia = (c: Ctx): Response => {
    const a = appFor(c, tenant, c.req.param("appId") ?? "");
    const sub = (c.req.param("path") ?? "").replace(/^\/+|\/+$/g, "");
    const prefix = sub ? `${sub}/` : "";
    const entries = new Map<string, "image" | "folder" | "file">();
    for (const path of Object.keys(a.media).sort()) {
      if (!path.startsWith(prefix)) continue;
      const rest = path.slice(prefix.length);
      const [head, ...more] = rest.split("/");
      if (!head) continue;
      entries.set(head, more.length > 0 ? "folder" : /\.(png|jpe?g|gif|svg|webp)$/i.test(head) ? "image" : "file");
    }
    const data = [...entries].map(([name, type]) => ({
      type,
      id: `${prefix}${name}`,
      name,
      link: `/api/v1/apps/${a.id}/media/files/${prefix}${name}`,
    }));
    return c.json({ library: "", subpath: sub, data });
  };
  app.get("/api/v1/apps/:appId/media/list", listMedia);
  app.get("/api/v1/apps/:appId/media/list/", listMedia);
  app.get("/api/v1/apps/:appId/media/list/:path{.+}", listMedia);
  const mediaType = (path: string): string => {
    const ext = path.split(".").pop()?.toLowerCase() ?? "";
    return { png: "image/png", jpg: "image/jpeg", jpeg: "image/jpeg", gif: "image/gif", svg: "image/svg+xml", webp: "image/webp" }[ext] ?? "application/octet-stream";
  };
  app.get("/api/v1/apps/:appId/media/files/:path{.+}", (c) => {
    const a = appFor(c, tenant, c.req.param("appId"));
    const path = c.req.param("path");
    const content = a.media[path];
    if (content === undefined) throw notFound("HTTP-404", `Media file "${path}" was not found in app "${a.name}".`);
    return c.body(Buffer.from(content, "base64"), 200, { "content-type": mediaType(path), "content-disposition": `attachment; filename="${path.split("/").pop()}"` });
  });
  app.put("/api/v1/apps/:appId/media/files/:path{.+}", async (c) => {
    const a = appFor(c, tenant, c.req.param("appId"));
    requirePrivilege(appPrivileges(who(c), a), "update", `upload media to app "${a.name}"`);
    const path = c.req.param("path");
    if (a.media[path] !== undefined) throw new QlikError(409, "HTTP-409", "Conflict", `Media file "${path}" already exists in app "${a.name}"; delete it first.`);
    const bytes = Buffer.from(await c.req.arrayBuffer());
    if (bytes.length > 50 * 1024 * 1024) throw new QlikError(413, "HTTP-413", "Payload Too Large", "Media files are limited to 50 MB.");
    a.media[path] = bytes.toString("base64");
    touch(a);
    return c.body(null, 200);
  });
  app.delete("/api/v1/apps/:appId/media/files/:path{.+}", (c) => {
    const a = appFor(c, tenant, c.req.param("appId"));
    requirePrivilege(appPrivileges(who(c), a), "update", `delete media of app "${a.name}"`);
    const path = c.req.param("path");
    if (a.media[path] === undefined) throw notFound("HTTP-404", `Media file "${path}" was not found in app "${a.name}".`);
    delete a.media[path];
    touch(a);
    return c.body(null, 200);
  });
  app.get("/api/v1/apps/:appId/media/thumbnail", (c) => {
    const a = appFor(c, tenant, c.req.param("appId"));
    const path = Object.keys(a.media).find((p) => /(^|\/)thumbnail\.(png|jpe?g)$/i.test(p));
    if (!path) throw notFound("HTTP-404", `App "${a.name}" has no thumbnail.`);
    return c.body(Buffer.from(a.media[path] ?? "", "base64"), 200, { "content-type": mediaType(path) });
  });

}
