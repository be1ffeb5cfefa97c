/**
 * Collections and their items (`/api/v1/collections…`), API-FACTS §6.16; shapes from the 2025
 * spec (`collectionResultResponseBody`, `CollectionsListCollectionsResponseBody`, items as
 * `itemResultResponseBody`) and `@qlik/api` 2.19 `collections.d.ts` (`description`).
 *
 * - Types `private` (seen and changed by its creator only), `public` and `publicgoverned` (seen
 *   by everyone; created and changed by a tenant admin — UNCONFIRMED: Qlik's "manage
 *   collections" permission, the stricter reading). `favorite` is each user's own, not creatable.
 * - Public collection names are unique (409). PATCH `replace` of `/name`, `/description`,
 *   `/type` (private ↔ publicgoverned only; a `publicgoverned` collection needs at least one item, 400).
 * - Items are apps' catalogue items, added by item id (404 when the caller cannot see it, 409
 *   when present); listings show only the items the caller can see. An item whose app is gone
 *   is dropped from every collection the next time the collection is read.
 * - Paging `limit` (default 10, max 100), `next`/`prev`; absolute links.
 */
import type { App } from "../model.ts";
import { kindsOf, type Collection } from "../kinds.ts";
import { badRequest, conflict, forbidden, notFound } from "../internal/errors.ts";
import { appOpener } from "../internal/access.ts";
import { newHexId, nowIso } from "../internal/runtime.ts";
import { readJson, readJsonArray, who, type Ctx, type RestApp, type RouteDeps } from "./common.ts";
import { itemJson } from "./items.ts";
import { cursorPage, limitOf, selfHref } from "./kinds-common.ts";

export function registerCollections(app: RestApp, { tenant, rt }: RouteDeps): void {
  const k = () => kindsOf(tenant);
  const appByItem = (itemId: string): App | undefined => Object.values(tenant.apps).find((a) => a.itemId === itemId);
  const prune = (col: Collection): void => {
    const kept = col.itemIds.filter((id) => appByItem(id));
    if (kept.length !== col.itemIds.length) {
      col.itemIds = kept;
      rt.changed(tenant);
    }
  };
  const canSee = (c: Ctx, col: Collection): boolean => col.type !== "private" && col.type !== "favorite" ? true : col.creatorId === who(c).user.id;
  const mayChange = (c: Ctx, col: Collection): void => {
    const w = who(c);
    if (col.type === "private" || col.type === "favorite" ? col.creatorId !== w.user.id : !w.isTenantAdmin) throw forbidden("HTTP-403", `The caller may not change collection "${col.name}".`);
  };
  const visibleItems = (c: Ctx, col: Collection): App[] => {
    const open = appOpener(who(c));
    return col.itemIds.map(appByItem).filter((a): a is App => !!a && open(a));
  };
  const colJson = (c: Ctx, col: Collection): Record<string, unknown> => ({
    id: col.id,
    name: col.name,
    description: col.description,
    type: col.type,
    tenantId: tenant.id,
    creatorId: col.creatorId,
    updaterId: col.updaterId,
    createdAt: col.createdAt,
    updatedAt: col.updatedAt,
    itemCount: visibleItems(c, col).length,
    links: { self: { href: selfHref(c, `/api/v1/collections/${col.id}`) }, items: { href: selfHref(c, `/api/v1/collections/${col.id}/items`) } },
  });
  const colFor = (c: Ctx): Collection => {
    const id = c.req.param("collectionId") ?? "";
    const col = k().collections[id];
    if (!col || !canSee(c, col)) throw notFound("HTTP-404", `Collection "${id}" was not found.`);
    prune(col);
    return col;
  };
  const checkName = (name: unknown, type: Collection["type"], exceptId?: string): string => {
    if (typeof name !== "string" || !name) throw badRequest("HTTP-400", "name is required.");
    if (type !== "private" && Object.values(k().collections).some((x) => x.id !== exceptId && x.type !== "private" && x.type !== "favorite" && x.name === name)) throw conflict("HTTP-409", `A public collection named "${name}" already exists.`);
    return name;
  };

  app.get("/api/v1/collections", (c) => {
    const limit = limitOf(c, 10, 100);
    // Never the favourites ("This endpoint does not return the user's favorites collection").
    let list = Object.values(k().collections).filter((x) => x.type !== "favorite" && canSee(c, x));
    const type = c.req.query("type");
    const types = c.req.query("types");
    if (type) list = list.filter((x) => x.type === type);
    if (types) list = list.filter((x) => types.split(",").includes(x.type));
    const name = c.req.query("name");
    if (name) list = list.filter((x) => x.name === name);
    const query = c.req.query("query");
    if (query) list = list.filter((x) => x.name.toLowerCase().includes(query.toLowerCase()));
    const creatorId = c.req.query("creatorId");
    if (creatorId) list = list.filter((x) => x.creatorId === creatorId);
    const sort = c.req.query("sort") ?? "+createdAt";
    const key = sort.replace(/^[+-]/, "");
    if (!["name", "createdAt", "updatedAt"].includes(key)) throw badRequest("HTTP-400", `unsupported sort "${sort}"`);
    list.sort((a, b) => String(a[key as "name"]).localeCompare(String(b[key as "name"])) || a.id.localeCompare(b.id));
    if (sort.startsWith("-")) list.reverse();
    for (const x of list) prune(x);
    const { page, links } = cursorPage(c, list, limit, "next");
    return c.json({ data: page.map((x) => colJson(c, x)), links });
  });
  // The caller's own favourites only (each user has at most one): a 302 to the collection
  // (the 2025 spec's only success answer), 404 when the caller has none. Other users'
  // favourites cannot be reached (API-FACTS §6.16).
  app.get("/api/v1/collections/favorites", (c) => {
    const me = who(c).user.id;
    const fav = Object.values(k().collections).find((x) => x.type === "favorite" && x.creatorId === me);
    if (!fav) throw notFound("HTTP-404", "The caller has no favorites collection.");
    return c.json({}, 302, { location: selfHref(c, `/api/v1/collections/${fav.id}`) });
  });
  app.get("/api/v1/collections/:collectionId", (c) => c.json(colJson(c, colFor(c))));
  app.post("/api/v1/collections", async (c) => {
    const w = who(c);
    const body = await readJson(c);
    const type = body.type;
    if (type !== "private" && type !== "public" && type !== "publicgoverned") throw badRequest("HTTP-400", 'type must be "private", "public" or "publicgoverned".');
    if (type === "publicgoverned") throw badRequest("HTTP-400", "A publicgoverned collection needs at least one item: create it private, add items, then PATCH /type.");
    if (type !== "private" && !w.isTenantAdmin) throw forbidden("HTTP-403", "Public collections need the TenantAdmin role.");
    const description = body.description ?? "";
    if (typeof description !== "string") throw badRequest("HTTP-400", "description must be a string.");
    const t = nowIso();
    const col: Collection = { id: newHexId(), name: checkName(body.name, type), description, type, creatorId: w.user.id, updaterId: w.user.id, itemIds: [], createdAt: t, updatedAt: t };
    k().collections[col.id] = col;
    rt.changed(tenant);
    return c.json(colJson(c, col), 201);
  });
  app.put("/api/v1/collections/:collectionId", async (c) => {
    const col = colFor(c);
    mayChange(c, col);
    const body = await readJson(c);
    col.name = checkName(body.name, col.type, col.id);
    if (typeof body.description === "string") col.description = body.description;
    col.updatedAt = nowIso();
    col.updaterId = who(c).user.id;
    rt.changed(tenant);
    return c.json(colJson(c, col));
  });
  app.patch("/api/v1/collections/:collectionId", async (c) => {
    const col = colFor(c);
    mayChange(c, col);
    const next = { ...col };
    for (const op of await readJsonArray(c)) {
      if (op.op !== "replace" || typeof op.value !== "string") throw badRequest("HTTP-400", `unsupported patch ${JSON.stringify(op)}`);
      if (op.path === "/name") next.name = op.value;
      else if (op.path === "/description") next.description = op.value;
      else if (op.path === "/type") {
        // qlik.dev/apis/rest/collections PATCH: a private collection is published as
        // `publicgoverned` (once it holds an item) and returned to `private`; never between
        // a tag (`public`) and a collection.
        const ok = (col.type === "private" && op.value === "publicgoverned") || (col.type === "publicgoverned" && op.value === "private") || col.type === op.value;
        if (!ok) throw badRequest("HTTP-400", `A ${col.type} collection cannot become ${op.value}: /type moves a collection between private and publicgoverned only (a tag stays a tag).`);
        if (op.value === "publicgoverned" && col.itemIds.length === 0) throw badRequest("HTTP-400", "A publicgoverned collection needs at least one item.");
        next.type = op.value as Collection["type"];
      } else throw badRequest("HTTP-400", `unsupported patch path ${JSON.stringify(op.path)}`);
    }
    checkName(next.name, next.type, col.id);
    Object.assign(col, next, { updatedAt: nowIso(), updaterId: who(c).user.id });
    rt.changed(tenant);
    return c.json(colJson(c, col));
  });
  app.delete("/api/v1/collections/:collectionId", (c) => {
    const col = colFor(c);
    mayChange(c, col);
    delete k().collections[col.id];
    rt.changed(tenant);
    return c.body(null, 204);
  });

  app.get("/api/v1/collections/:collectionId/items", (c) => {
    const col = colFor(c);
    const limit = limitOf(c, 10, 100);
    let list = visibleItems(c, col);
    const spaceId = c.req.query("spaceId");
    if (spaceId) list = list.filter((a) => (a.spaceId ?? "personal") === spaceId);
    const resourceType = c.req.query("resourceType");
    if (resourceType && resourceType !== "app") list = [];
    const resourceId = c.req.query("resourceId");
    if (resourceId) list = list.filter((a) => a.id === resourceId);
    const { page, links } = cursorPage(c, list, limit, "next");
    return c.json({ data: page.map((a) => itemJson(c, tenant, a)), links: { ...links, collection: { href: selfHref(c, `/api/v1/collections/${col.id}`) } } });
  });
  app.get("/api/v1/collections/:collectionId/items/:itemId", (c) => {
    const col = colFor(c);
    const id = c.req.param("itemId");
    const a = visibleItems(c, col).find((x) => x.itemId === id);
    if (!a) throw notFound("HTTP-404", `Item "${id}" is not in collection "${col.name}".`);
    return c.json(itemJson(c, tenant, a));
  });
  app.post("/api/v1/collections/:collectionId/items", async (c) => {
    const col = colFor(c);
    mayChange(c, col);
    const body = await readJson(c);
    const id = body.id;
    if (typeof id !== "string" || !id) throw badRequest("HTTP-400", "id (an item id) is required.");
    const a = appByItem(id);
    if (!a || !appOpener(who(c))(a)) throw notFound("HTTP-404", `Item "${id}" was not found.`);
    if (col.itemIds.includes(id)) throw conflict("HTTP-409", `Item "${id}" is already in collection "${col.name}".`);
    col.itemIds.push(id);
    col.updatedAt = nowIso();
    rt.changed(tenant);
    return c.json(itemJson(c, tenant, a), 201);
  });
  app.delete("/api/v1/collections/:collectionId/items/:itemId", (c) => {
    const col = colFor(c);
    mayChange(c, col);
    const id = c.req.param("itemId");
    if (!col.itemIds.includes(id)) throw notFound("HTTP-404", `Item "${id}" is not in collection "${col.name}".`);
    if (col.type === "publicgoverned" && col.itemIds.length === 1) throw badRequest("HTTP-400", "A publicgoverned collection keeps at least one item.");
    col.itemIds = col.itemIds.filter((x) => x !== id);
    col.updatedAt = nowIso();
    rt.changed(tenant);
    return c.body(null, 204);
  });
}
