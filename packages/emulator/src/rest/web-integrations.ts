/**
 * Web integrations (`/api/v1/web-integrations…`, API-FACTS §6.11) and CSP origins
 * (`/api/v1/csp-origins…`, §6.12): tenant settings of the management console, so every route
 * needs the TenantAdmin role (403 otherwise; UNCONFIRMED for reads — the stricter reading).
 * Shapes from the 2025 spec (`WebIntegration`, `WebIntegrationPost`, `CSPEntry`,
 * `CSPEntryContent`, `CSPHeader`) and `@qlik/api` 2.19 (`description` of a CSP entry).
 *
 * - A web integration's id is server-generated: a restore gets a new one (embedding clients
 *   that hard-code it break). PATCH takes `replace` of `/name` or `/validOrigins`.
 *   Paging: `limit` (10, ≤100), `startingAfter` / `endingBefore` ids, sort by name.
 * - CSP origins: `origin` required (≤256), `name` ≤512, one boolean per directive; PUT replaces.
 *   `GET /csp-origins/actions/generate-header` builds the header (JSON, or text with
 *   `Accept: text/plain`). Paging: `limit` (20, ≤100), `next`/`prev`.
 */
import type { Identity } from "../model.ts";
import { kindsOf, type CspOrigin, type WebIntegration } from "../kinds.ts";
import { badRequest, forbidden, notFound } from "../internal/errors.ts";
import { newGuid, newHexId, nowIso } from "../internal/runtime.ts";
import { readJson, readJsonArray, who, type Ctx, type RestApp, type RouteDeps } from "./common.ts";
import { cursorPage, limitOf, selfHref } from "./kinds-common.ts";

const ORIGIN_RE = /^(https?:\/\/)?(\*\.)?[A-Za-z0-9.-]+(:\d+)?$/;

/** CSP directives: entry flag → header directive. */
export const CSP_DIRECTIVES: [keyof CspOrigin["directives"], string][] = [
  ["childSrc", "child-src"],
  ["connectSrc", "connect-src"],
  ["connectSrcWSS", "connect-src"],
  ["fontSrc", "font-src"],
  ["formAction", "form-action"],
  ["frameAncestors", "frame-ancestors"],
  ["frameSrc", "frame-src"],
  ["imgSrc", "img-src"],
  ["mediaSrc", "media-src"],
  ["objectSrc", "object-src"],
  ["scriptSrc", "script-src"],
  ["styleSrc", "style-src"],
  ["workerSrc", "worker-src"],
];

export function registerWebIntegrations(app: RestApp, { tenant, rt }: RouteDeps): void {
  const k = () => kindsOf(tenant);
  const admin = (c: Ctx): Identity => {
    const w = who(c);
    if (!w.isTenantAdmin) throw forbidden("HTTP-403", "This tenant setting needs the TenantAdmin role.");
    return w;
  };

  // ---- web integrations
  const wiJson = (w: WebIntegration): Record<string, unknown> => ({ id: w.id, name: w.name, validOrigins: w.validOrigins, tenantId: tenant.id, created: w.created, createdBy: w.createdBy, lastUpdated: w.lastUpdated });
  const origins = (v: unknown): string[] => {
    const list = typeof v === "string" ? [v] : v;
    if (!Array.isArray(list) || list.some((o) => typeof o !== "string" || !/^https?:\/\/[^\s/]+$/.test(o))) throw badRequest("HTTP-400", "validOrigins must be a list of origins (scheme://host[:port]).");
    return [...new Set(list as string[])];
  };
  const wiFor = (c: Ctx): WebIntegration => {
    const id = c.req.param("id") ?? "";
    const w = k().webIntegrations[id];
    if (!w) throw notFound("HTTP-404", `Web integration "${id}" was not found.`);
    return w;
  };
  app.get("/api/v1/web-integrations", (c) => {
    admin(c);
    const limit = limitOf(c, 10, 100);
    const sort = c.req.query("sort") ?? "+name";
    if (!["name", "+name", "-name"].includes(sort)) throw badRequest("HTTP-400", `unsupported sort "${sort}"`);
    const list = Object.values(k().webIntegrations).sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
    if (sort === "-name") list.reverse();
    const after = c.req.query("startingAfter");
    const before = c.req.query("endingBefore");
    let start = 0;
    if (after) start = list.findIndex((x) => x.id === after) + 1;
    else if (before) start = Math.max(0, list.findIndex((x) => x.id === before) - limit);
    if ((after && start === 0) || (before && !list.some((x) => x.id === before))) throw badRequest("HTTP-400", "unknown paging cursor.");
    const page = list.slice(start, start + limit);
    const url = new URL(c.req.url);
    const base = selfHref(c, url.pathname);
    const href = (param: string, id: string): string => {
      const u = new URL(`${base}${url.search}`);
      u.searchParams.delete("startingAfter");
      u.searchParams.delete("endingBefore");
      u.searchParams.set(param, id);
      return u.toString();
    };
    const links: Record<string, { href: string }> = { self: { href: `${base}${url.search}` } };
    if (start + limit < list.length && page.length) links.next = { href: href("startingAfter", page[page.length - 1]!.id) };
    if (start > 0 && page.length) links.prev = { href: href("endingBefore", page[0]!.id) };
    return c.json({ data: page.map(wiJson), links });
  });
  app.get("/api/v1/web-integrations/:id", (c) => {
    admin(c);
    return c.json(wiJson(wiFor(c)));
  });
  app.post("/api/v1/web-integrations", async (c) => {
    const w = admin(c);
    const body = await readJson(c);
    if (typeof body.name !== "string" || !body.name) throw badRequest("HTTP-400", "name is required.");
    const t = nowIso();
    const wi: WebIntegration = { id: newGuid().replace(/-/g, "").slice(0, 22), name: body.name, validOrigins: body.validOrigins === undefined ? [] : origins(body.validOrigins), created: t, createdBy: w.user.id, lastUpdated: t };
    k().webIntegrations[wi.id] = wi;
    rt.changed(tenant);
    return c.json({ ...wiJson(wi), links: { self: { href: selfHref(c, `/api/v1/web-integrations/${wi.id}`) } } }, 201);
  });
  app.patch("/api/v1/web-integrations/:id", async (c) => {
    admin(c);
    const wi = wiFor(c);
    const next = { ...wi };
    for (const op of await readJsonArray(c)) {
      if (op.op !== "replace" || (op.path !== "/name" && op.path !== "/validOrigins")) throw badRequest("HTTP-400", `unsupported patch ${JSON.stringify(op)}`);
      if (op.path === "/name") {
        if (typeof op.value !== "string" || !op.value) throw badRequest("HTTP-400", "name must be a non-empty string.");
        next.name = op.value;
      } else next.validOrigins = origins(op.value);
    }
    Object.assign(wi, next, { lastUpdated: nowIso() });
    rt.changed(tenant);
    return c.body(null, 204);
  });
  app.delete("/api/v1/web-integrations/:id", (c) => {
    admin(c);
    delete k().webIntegrations[wiFor(c).id];
    rt.changed(tenant);
    return c.body(null, 204);
  });

  // ---- CSP origins
  const cspJson = (e: CspOrigin): Record<string, unknown> => ({ id: e.id, name: e.name, origin: e.origin, description: e.description, ...e.directives, createdDate: e.createdDate, modifiedDate: e.modifiedDate });
  const cspFor = (c: Ctx): CspOrigin => {
    const id = c.req.param("id") ?? "";
    const e = k().cspOrigins[id];
    if (!e) throw notFound("HTTP-404", `CSP origin "${id}" was not found.`);
    return e;
  };
  const cspContent = (body: Record<string, unknown>): Pick<CspOrigin, "name" | "origin" | "description" | "directives"> => {
    const origin = body.origin;
    if (typeof origin !== "string" || origin.length > 256 || !ORIGIN_RE.test(origin)) throw badRequest("HTTP-400", "origin is required: a host (optionally with scheme, port or a leading *.), at most 256 characters.");
    const name = body.name ?? "";
    if (typeof name !== "string" || name.length > 512) throw badRequest("HTTP-400", "name must be a string of at most 512 characters.");
    const description = body.description ?? "";
    if (typeof description !== "string") throw badRequest("HTTP-400", "description must be a string.");
    const directives = {} as CspOrigin["directives"];
    for (const [flag] of CSP_DIRECTIVES) {
      const v = body[flag] ?? false;
      if (typeof v !== "boolean") throw badRequest("HTTP-400", `${flag} must be a boolean.`);
      directives[flag] = v;
    }
    return { name, origin, description, directives };
  };
  app.get("/api/v1/csp-origins/actions/generate-header", (c) => {
    admin(c);
    const byDirective = new Map<string, string[]>();
    for (const e of Object.values(k().cspOrigins)) {
      for (const [flag, directive] of CSP_DIRECTIVES) {
        if (!e.directives[flag]) continue;
        const host = e.origin.replace(/^https?:\/\//, "");
        const value = flag === "connectSrcWSS" ? `wss://${host}` : e.origin;
        const list = byDirective.get(directive) ?? [];
        if (!list.includes(value)) list.push(value);
        byDirective.set(directive, list);
      }
    }
    const header = [...byDirective.entries()].map(([d, list]) => `${d} 'self' ${list.join(" ")}`).join("; ");
    if ((c.req.header("accept") ?? "").includes("text/plain")) return c.text(header);
    return c.json({ "Content-Security-Policy": header });
  });
  app.get("/api/v1/csp-origins", (c) => {
    admin(c);
    const limit = limitOf(c, 20, 100);
    let list = Object.values(k().cspOrigins);
    for (const [flag] of CSP_DIRECTIVES) {
      const q = c.req.query(flag);
      if (q === "true" || q === "false") list = list.filter((e) => e.directives[flag] === (q === "true"));
    }
    const name = c.req.query("name");
    if (name) list = list.filter((e) => e.name === name);
    const origin = c.req.query("origin");
    if (origin) list = list.filter((e) => e.origin === origin);
    const sort = c.req.query("sort") ?? "+name";
    const key = sort.replace(/^[+-]/, "");
    if (!["name", "origin", "createdDate", "modifiedDate"].includes(key)) throw badRequest("HTTP-400", `unsupported sort "${sort}"`);
    list.sort((a, b) => String(a[key as "name"]).localeCompare(String(b[key as "name"])) || a.id.localeCompare(b.id));
    if (sort.startsWith("-")) list.reverse();
    const { page, links } = cursorPage(c, list, limit, "next");
    return c.json({ data: page.map(cspJson), links });
  });
  app.get("/api/v1/csp-origins/:id", (c) => {
    admin(c);
    return c.json(cspJson(cspFor(c)));
  });
  app.post("/api/v1/csp-origins", async (c) => {
    admin(c);
    const content = cspContent(await readJson(c));
    const t = nowIso();
    const e: CspOrigin = { id: newHexId(), ...content, createdDate: t, modifiedDate: t };
    k().cspOrigins[e.id] = e;
    rt.changed(tenant);
    return c.json(cspJson(e), 201);
  });
  app.put("/api/v1/csp-origins/:id", async (c) => {
    admin(c);
    const e = cspFor(c);
    Object.assign(e, cspContent(await readJson(c)), { modifiedDate: nowIso() });
    rt.changed(tenant);
    return c.json(cspJson(e));
  });
  app.delete("/api/v1/csp-origins/:id", (c) => {
    admin(c);
    delete k().cspOrigins[cspFor(c).id];
    rt.changed(tenant);
    return c.body(null, 204);
  });
}
