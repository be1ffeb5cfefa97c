/**
 * The QRS endpoints of a site and its `/tempcontent` downloads, as one Hono app the
 * authenticating front (`server.ts`: a header virtual proxy, or the certificate port) mounts.
 * The caller is in `c.get("user")`.
 *
 *   GET    /qrs/app | /qrs/app/full | /qrs/app/{id}                 ?filter ?orderby
 *   GET    /qrs/app/object | /qrs/app/object/full | /qrs/app/object/{id}
 *   GET    /qrs/stream | /qrs/stream/full | /qrs/stream/{id}
 *   GET    /qrs/user | /qrs/user/full | /qrs/user/{id}
 *   GET    /qrs/tag/full, /qrs/custompropertydefinition/full
 *   POST   /qrs/app/{id}/export/{token}?skipData=&exportScope=approved|published|all → 201 AppExportResponse
 *   DELETE /qrs/app/{id}/export/{token}                                 → 200 AppExportResponse (cancelled)
 *   GET    /tempcontent/{id}/{file}?serverNodeId=…                      the file, once, to its exporter
 *
 * Every call carries the Xrfkey: `?xrfkey=K` and header `X-Qlik-Xrfkey: K`, K 16 characters of
 * 0-9a-zA-Z; otherwise 403 "XSRF prevention check failed. Possible XSRF discovered."
 * (help.qlik.com …/RepositoryServiceAPI-Connect-API-Using-Xrfkey-Headers.htm). Errors are
 * plain text, as QRS's are.
 */
import { Hono, type Context } from "hono";
import type { HttpBindings } from "@hono/node-server";
import type { AppObject } from "../model.ts";
import { containerBytes, encodeContainer } from "../internal/container.ts";
import type { FaultInjector } from "../internal/faults.ts";
import { newGuid } from "../internal/runtime.ts";
import { FilterError, matches, orderBy, parseFilter, pinnedValue } from "./filter.ts";
import {
  FIELDS,
  appCondensed,
  appFull,
  customPropertyDefinitionFull,
  objectCondensed,
  objectFull,
  streamCondensed,
  streamFull,
  tagFull,
  userCondensed,
  userFull,
} from "./entities.ts";
import { isContentAdmin, qualifiedName, type QrsUser, type Site, type SiteApp, type SiteExport } from "./model.ts";

export interface SiteEnv {
  Bindings: HttpBindings;
  Variables: { user: QrsUser };
}
type Ctx = Context<SiteEnv>;

/** A QRS failure: status and a plain-text body. */
export class QrsError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "QrsError";
  }
}

export const XSRF_FAILED = "XSRF prevention check failed. Possible XSRF discovered.";
const XRFKEY = /^[0-9a-zA-Z]{16}$/;
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** A query parameter by name, case-insensitively (QRS accepts `skipData` and `skipdata`). */
function query(c: Ctx, name: string): string | undefined {
  const url = new URL(c.req.url);
  for (const [k, v] of url.searchParams) if (k.toLowerCase() === name.toLowerCase()) return v;
  return undefined;
}

export function checkXrfkey(c: Ctx): void {
  const q = query(c, "xrfkey");
  const h = c.req.header("x-qlik-xrfkey");
  if (q === undefined || h === undefined || q !== h || !XRFKEY.test(q)) throw new QrsError(403, XSRF_FAILED);
}

function boolParam(c: Ctx, name: string, fallback: boolean): boolean {
  const v = query(c, name);
  if (v === undefined || v === "") return fallback;
  if (/^true$/i.test(v)) return true;
  if (/^false$/i.test(v)) return false;
  throw new QrsError(400, `The value '${v}' is not valid for ${name}; use true or false.`);
}

function list<T>(c: Ctx, items: T[], fields: readonly string[]): T[] {
  const filter = query(c, "filter");
  let out = items;
  try {
    if (filter) {
      const node = parseFilter(filter, fields);
      out = out.filter((x) => matches(node, x));
    }
    return orderBy(out, query(c, "orderby"), fields);
  } catch (e) {
    if (e instanceof FilterError) throw new QrsError(400, `Cannot parse the expression: ${filter ?? ""} — ${e.message}`);
    throw e;
  }
}

function id(c: Ctx, name = "id"): string {
  const v = c.req.param(name) ?? "";
  if (!GUID.test(v)) throw new QrsError(400, `'${v}' is not a valid GUID for {${name}}.`);
  return v.toLowerCase();
}

/** Who may see an app: content admins every app; others their own apps and apps in streams. */
function canSeeApp(u: QrsUser, a: SiteApp): boolean {
  return isContentAdmin(u) || a.app.ownerId === u.id || a.streamId !== undefined;
}

/** Who may see an object: content admins all; others their own and published ones in apps they see. */
function canSeeObject(u: QrsUser, a: SiteApp, o: AppObject): boolean {
  return canSeeApp(u, a) && (isContentAdmin(u) || o.ownerId === u.id || o.published || o.approved);
}

interface ListedObject {
  app: SiteApp;
  object: AppObject;
  repoId: string;
}

/** The objects `u` may see — of one app when the request's filter pins `app.id` (same answer, less work). */
function objectsOf(site: Site, u: QrsUser, c?: Ctx): ListedObject[] {
  const out: ListedObject[] = [];
  let apps = Object.values(site.apps);
  const filter = c ? query(c, "filter") : undefined;
  if (filter) {
    let pinned: unknown;
    try {
      pinned = pinnedValue(parseFilter(filter, FIELDS.object), ["app", "id"]);
    } catch {
      pinned = undefined; // list() answers the parse error
    }
    if (typeof pinned === "string") apps = apps.filter((a) => a.app.id.toLowerCase() === pinned.toLowerCase());
  }
  for (const a of apps) {
    for (const [engineId, repoId] of Object.entries(a.objectRepoIds)) {
      const o = a.app.objects[engineId];
      if (o && canSeeObject(u, a, o)) out.push({ app: a, object: o, repoId });
    }
  }
  return out;
}

export type ExportScope = "approved" | "published" | "all";

/** The objects an export by `u` with `scope` carries: children travel with their parent. */
export function scopedObjects(u: QrsUser, a: SiteApp, scope: ExportScope): Record<string, AppObject> {
  const out: Record<string, AppObject> = {};
  for (const o of Object.values(a.app.objects)) {
    const inScope = scope === "all" ? true : scope === "published" ? o.approved || o.published : o.approved;
    // `all` carries others' private objects only for a user with access to them (RootAdmin, ContentAdmin).
    if (inScope && (o.approved || o.published || o.ownerId === u.id || isContentAdmin(u))) out[o.id] = o;
  }
  return out;
}

function exportResponse(e: SiteExport, downloadPath: string | undefined, cancelled: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = { exportToken: e.exportToken, appId: e.appId, cancelled, schemaPath: "AppExportResponse" };
  if (downloadPath !== undefined) body.downloadPath = downloadPath;
  return body;
}

/**
 * `faults` (the emulator's `--faults` injector) applies to `/tempcontent` downloads only: `truncate`
 * cuts the body half-way and closes the connection, `reset` closes it before any answer, `500`,
 * `503` and `429` answer so, `expire` answers 404 — each after the one download is spent.
 */
export function siteRoutes(site: Site, faults?: FaultInjector): Hono<SiteEnv> {
  const app = new Hono<SiteEnv>();
  app.use("*", async (c, next) => {
    checkXrfkey(c);
    await next();
  });
  const me = (c: Ctx): QrsUser => c.get("user");

  const appById = (c: Ctx, appId: string): SiteApp => {
    const a = site.apps[appId];
    if (!a || !canSeeApp(me(c), a)) throw new QrsError(404, `App ${appId} was not found (or the caller may not read it).`);
    return a;
  };
  const visibleApps = (c: Ctx): SiteApp[] => Object.values(site.apps).filter((a) => canSeeApp(me(c), a));

  // Apps.
  app.get("/qrs/app", (c) => c.json(list(c, visibleApps(c).map((a) => appCondensed(site, a)), FIELDS.app)));
  app.get("/qrs/app/full", (c) => c.json(list(c, visibleApps(c).map((a) => appFull(site, a)), FIELDS.app)));

  // App objects (declared before /qrs/app/:id so "object" is not taken for an id).
  app.get("/qrs/app/object", (c) => c.json(list(c, objectsOf(site, me(c), c).map((x) => ({ ...objectCondensed(x.object, x.repoId), app: { id: x.app.app.id } })), FIELDS.object).map(({ app: _a, ...rest }) => rest)));
  app.get("/qrs/app/object/full", (c) => c.json(list(c, objectsOf(site, me(c), c).map((x) => objectFull(site, x.app, x.object, x.repoId)), FIELDS.object)));
  app.get("/qrs/app/object/:id", (c) => {
    const wanted = id(c);
    const found = objectsOf(site, me(c)).find((x) => x.repoId === wanted);
    if (!found) throw new QrsError(404, `App object ${wanted} was not found.`);
    return c.json(objectFull(site, found.app, found.object, found.repoId));
  });
  app.get("/qrs/app/:id", (c) => c.json(appFull(site, appById(c, id(c)))));

  // Export: POST creates the file; its downloadPath serves it once, to the exporting user.
  app.post("/qrs/app/:id/export/:token", (c) => {
    const a = appById(c, id(c));
    const token = id(c, "token");
    const u = me(c);
    if (!isContentAdmin(u) && a.app.ownerId !== u.id) throw new QrsError(403, `User ${qualifiedName(u)} may not export app ${a.app.id}.`);
    const scopeRaw = (query(c, "exportScope") ?? "approved") || "approved";
    const scope = scopeRaw.toLowerCase();
    if (scope !== "approved" && scope !== "published" && scope !== "all") throw new QrsError(400, `exportScope '${scopeRaw}' is not valid; use approved, published or all.`);
    const skipData = boolParam(c, "skipData", false);
    const { itemId: _i, tenantId: _t, objects: _o, ...rest } = a.app;
    const snapshot = structuredClone({ app: { ...rest, objects: scopedObjects(u, a, scope) }, withData: !skipData });
    const fileId = newGuid();
    const filename = `${a.app.name.replace(/[^\w.-]+/g, "_")}.qvf`;
    const e: SiteExport = { id: fileId, exportToken: token, appId: a.app.id, filename, ownerId: u.id, snapshot, createdAt: Date.now(), consumed: false };
    site.exports[fileId] = e;
    return c.json(exportResponse(e, `/tempcontent/${fileId}/${encodeURIComponent(filename)}?serverNodeId=${site.serverNodeId}`, false), 201);
  });
  app.delete("/qrs/app/:id/export/:token", (c) => {
    const appId = id(c);
    const token = id(c, "token");
    const e = Object.values(site.exports).find((x) => x.appId === appId && x.exportToken === token && x.ownerId === me(c).id);
    if (!e) throw new QrsError(404, `No export ${token} of app ${appId} by the caller.`);
    e.consumed = true;
    delete site.exports[e.id];
    return c.json(exportResponse(e, undefined, true));
  });

  // Streams, users, tags, custom property definitions: readable by every user.
  app.get("/qrs/stream", (c) => c.json(list(c, Object.values(site.streams).map(streamCondensed), FIELDS.stream)));
  app.get("/qrs/stream/full", (c) => c.json(list(c, Object.values(site.streams).map((s) => streamFull(site, s)), FIELDS.stream)));
  app.get("/qrs/stream/:id", (c) => {
    const s = site.streams[id(c)];
    if (!s) throw new QrsError(404, `Stream ${c.req.param("id")} was not found.`);
    return c.json(streamFull(site, s));
  });
  app.get("/qrs/user", (c) => c.json(list(c, Object.values(site.users).map(userCondensed), FIELDS.user)));
  app.get("/qrs/user/full", (c) => c.json(list(c, Object.values(site.users).map((u) => userFull(site, u)), FIELDS.user)));
  app.get("/qrs/user/:id", (c) => {
    const u = site.users[id(c)];
    if (!u) throw new QrsError(404, `User ${c.req.param("id")} was not found.`);
    return c.json(userFull(site, u));
  });
  app.get("/qrs/tag/full", (c) => c.json(list(c, Object.values(site.tags).map(tagFull), FIELDS.tag)));
  app.get("/qrs/custompropertydefinition/full", (c) => c.json(list(c, Object.values(site.customPropertyDefinitions).map(customPropertyDefinitionFull), FIELDS.customPropertyDefinition)));

  // The one-time download (served by the proxy, not under /qrs).
  app.get("/tempcontent/:id/:file", (c) => {
    const e = site.exports[(c.req.param("id") ?? "").toLowerCase()];
    // Gone after one download or a cancel: the harshest reading of "can be downloaded once"
    // (help.qlik.com …/RepositoryServiceAPI-App-Export-App-Two-Calls.htm) — the file is not there.
    if (!e || e.consumed) throw new QrsError(404, "Not Found");
    if (e.ownerId !== me(c).id) throw new QrsError(403, `Only the user who exported the app may download ${e.filename}.`);
    // Spent: dropped at once (a 1,000-app run keeps no exported copies); a second download finds nothing.
    e.consumed = true;
    delete site.exports[e.id];
    const fault = faults?.draw(true);
    const socket = c.env.incoming.socket;
    if (fault === "reset") {
      socket.destroy();
      return new Response(null, { status: 500 });
    }
    if (fault === "500" || fault === "503" || fault === "429") throw new QrsError(Number(fault), `Injected fault ${fault}.`);
    if (fault === "expire") throw new QrsError(404, "Not Found");
    const container = encodeContainer(e.snapshot);
    const iterator = containerBytes(container);
    const cut = fault === "truncate" ? Math.floor(container.size / 2) : Number.POSITIVE_INFINITY;
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const r = await iterator.next();
        if (r.done) {
          controller.close();
          return;
        }
        if (sent + r.value.length > cut) {
          const part = r.value.subarray(0, Math.max(0, cut - sent));
          if (part.length > 0) controller.enqueue(part);
          // Let the partial body reach the socket, then cut the connection mid-body.
          await new Promise<void>((resolve) => {
            socket.once("close", () => resolve());
            setTimeout(() => socket.destroy(), 20);
          });
          controller.close();
          return;
        }
        sent += r.value.length;
        controller.enqueue(r.value);
      },
      async cancel() {
        await iterator.return(undefined);
      },
    });
    return c.body(stream, 200, {
      "content-type": "application/octet-stream",
      "content-disposition": `attachment; filename="${e.filename}"`,
      "content-length": String(container.size),
    });
  });
  return app;
}
