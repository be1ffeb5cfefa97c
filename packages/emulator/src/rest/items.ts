/** The items catalogue (`/api/v1/items`), restricted to apps: item id ≠ app id. */
import type { App, Tenant } from "../model.ts";
import { kindsOf, type Note } from "../kinds.ts";
import { badRequest, notFound } from "../internal/errors.ts";
import { appOpener, appPrivileges, canOpenApp } from "../internal/access.ts";
import { baseUrl, paginate, parseLimit, who, type Ctx, type RestApp, type RouteDeps } from "./common.ts";

/**
 * The items service stamps its own dates to the second (`2024-01-25T17:56:02Z`) while the
 * app's `resourceAttributes` keep milliseconds — as in the items listing captured from a
 * real tenant (datahub-project/datahub, metadata-ingestion/tests/integration/qlik_sense).
 */
export const itemTime = (iso: string): string => (iso ? iso.replace(/\.\d+Z$/, "Z") : iso);

export function itemJson(c: Ctx, tenant: Tenant, app: App): Record<string, unknown> {
  const base = baseUrl(c);
  const privileges = appPrivileges(who(c), app);
  const actions = privileges.filter((p) => ["read", "update", "delete", "publish", "duplicate", "export", "reload"].includes(p));
  const space = app.spaceId ? tenant.spaces[app.spaceId] : undefined;
  const item: Record<string, unknown> = {
    id: app.itemId,
    name: app.name,
    thumbnailId: "",
    resourceType: "app",
    resourceId: app.id,
    resourceAttributes: {
      _resourcetype: "app",
      createdDate: app.createdDate,
      description: app.description,
      dynamicColor: "",
      hasSectionAccess: app.hasSectionAccess,
      id: app.id,
      isDirectQueryMode: false,
      lastReloadTime: app.lastReloadTime ?? "",
      modifiedDate: app.modifiedDate,
      name: app.name,
      originAppId: app.originAppId ?? "",
      owner: tenant.users[app.ownerId]?.subject ?? "",
      ownerId: app.ownerId,
      publishTime: app.publishTime ?? "",
      published: false,
      spaceId: app.spaceId ?? "",
      thumbnail: "",
      usage: app.usage,
    },
    resourceCustomAttributes: null,
    ownerId: app.ownerId,
    creatorId: app.ownerId,
    updaterId: app.ownerId,
    tenantId: tenant.id,
    createdAt: itemTime(app.createdDate),
    updatedAt: itemTime(app.modifiedDate),
    resourceCreatedAt: itemTime(app.createdDate),
    resourceUpdatedAt: itemTime(app.modifiedDate),
    resourceReloadStatus: "ok",
    resourceSize: { appFile: app.dataModelBytes, appMemory: app.dataModelBytes },
    itemViews: { total: 0, trend: 0, unique: 0 },
    isFavorited: false,
    actions,
    collectionIds: [],
    meta: { isFavorited: false, actions, tags: [], collections: [] },
    links: { self: { href: `${base}/api/v1/items/${app.itemId}` }, open: { href: `${base}/sense/app/${app.id}` } },
  };
  if (app.lastReloadTime) item.resourceReloadEndTime = itemTime(app.lastReloadTime);
  // Empty strings the items service leaves out (Go `omitempty`): an app item carries no
  // `resourceSubType` and no top-level `description` when it has none (the real capture above).
  if (app.description) item.description = app.description;
  if (space) item.spaceId = space.id;
  return item;
}

/** A note as the catalogue lists it (the only way Qlik shows notes; no resource attributes documented). */
export function noteItemJson(c: Ctx, tenant: Tenant, n: Note): Record<string, unknown> {
  const item: Record<string, unknown> = {
    id: n.id,
    name: n.name,
    resourceType: "note",
    resourceId: n.id,
    resourceAttributes: {},
    resourceCustomAttributes: null,
    ownerId: n.ownerId,
    creatorId: n.ownerId,
    updaterId: n.ownerId,
    tenantId: tenant.id,
    createdAt: itemTime(n.createdAt),
    updatedAt: itemTime(n.updatedAt),
    resourceCreatedAt: itemTime(n.createdAt),
    resourceUpdatedAt: itemTime(n.updatedAt),
    isFavorited: false,
    actions: ["read"],
    collectionIds: [],
    meta: { isFavorited: false, actions: ["read"], tags: [], collections: [] },
    links: { self: { href: `${baseUrl(c)}/api/v1/items/${n.id}` } },
  };
  if (n.description) item.description = n.description;
  if (n.spaceId) item.spaceId = n.spaceId;
  return item;
}

const SPACE_TYPES = ["shared", "managed", "personal", "data"];

export function registerItems(app: RestApp, { tenant, rt }: RouteDeps): void {
  app.get("/api/v1/items", (c) => {
    const limit = parseLimit(c, 10, 100);
    const q = (k: string): string | undefined => c.req.query(k) || undefined;
    const resourceType = q("resourceType");
    const caller = who(c);
    const canOpen = appOpener(caller);
    let apps = Object.values(tenant.apps).filter(canOpen);
    // Without a space filter, other users' personal apps are left out unless the
    // `itemsListIncludesOthersPersonal` switch says otherwise (undocumented; Qlik lists them
    // with `spaceType=personal`, qlik.dev private-content-bots).
    if (!q("spaceType") && !q("spaceId") && !rt.quirks.itemsListIncludesOthersPersonal)
      apps = apps.filter((a) => !!a.spaceId || a.ownerId === caller.user.id);
    if (resourceType) {
      const types = resourceType.split(",").map((t) => t.replace(/\[.*\]$/, "").trim());
      // Notes (their author's only) are listed when asked for alone: `resourceType=note`.
      if (types.length === 1 && types[0] === "note") {
        let notes = Object.values(kindsOf(tenant).notes).filter((n) => n.ownerId === caller.user.id);
        const sp = q("spaceId");
        if (sp) notes = notes.filter((n) => (sp === "personal" ? !n.spaceId : n.spaceId === sp));
        notes.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
        const { page, links } = paginate(c, notes, limit);
        return c.json({ data: page.map((n) => noteItemJson(c, tenant, n)), links });
      }
      if (!types.includes("app")) apps = [];
    }
    const spaceId = q("spaceId");
    if (spaceId === "personal") apps = apps.filter((a) => !a.spaceId);
    else if (spaceId) apps = apps.filter((a) => a.spaceId === spaceId);
    const spaceType = q("spaceType");
    if (spaceType) {
      const types = spaceType.split(",");
      if (types.some((t) => !SPACE_TYPES.includes(t))) throw badRequest("ITEMS-1", `unsupported spaceType "${spaceType}" (shared, managed, personal, data)`);
      apps = apps.filter((a) => types.includes(a.spaceId ? (tenant.spaces[a.spaceId]?.type ?? "") : "personal"));
    }
    const ownerId = q("ownerId");
    if (ownerId) apps = apps.filter((a) => a.ownerId === ownerId);
    const notOwnerId = q("notOwnerId");
    if (notOwnerId) apps = apps.filter((a) => a.ownerId !== notOwnerId);
    const creator = q("createdByUserId");
    if (creator) apps = apps.filter((a) => a.ownerId === creator);
    const resourceId = q("resourceId");
    if (resourceId) apps = apps.filter((a) => a.id === resourceId);
    const resourceIds = q("resourceIds");
    if (resourceIds) {
      const ids = resourceIds.split(",");
      if (ids.length > 100) throw badRequest("ITEMS-1", "resourceIds accepts at most 100 ids.");
      apps = apps.filter((a) => ids.includes(a.id));
    }
    const name = q("name");
    if (name) apps = apps.filter((a) => a.name.toLowerCase() === name.toLowerCase());
    const query = q("query");
    if (query) apps = apps.filter((a) => a.name.toLowerCase().includes(query.toLowerCase()) || a.description.toLowerCase().includes(query.toLowerCase()));
    const sort = q("sort") ?? "+createdAt";
    const key = sort.replace(/^[+-]/, "");
    const field: Record<string, (a: App) => string> = {
      createdAt: (a) => a.createdDate,
      updatedAt: (a) => a.modifiedDate,
      name: (a) => a.name.toLowerCase(),
      recentlyUsed: (a) => a.modifiedDate,
    };
    const get = field[key];
    if (!get) throw badRequest("ITEMS-1", `unsupported sort "${sort}"`);
    apps.sort((a, b) => get(a).localeCompare(get(b)) || a.itemId.localeCompare(b.itemId));
    if (sort.startsWith("-")) apps.reverse();
    const { page, links } = paginate(c, apps, limit);
    return c.json({ data: page.map((a) => itemJson(c, tenant, a)), links });
  });
  const byItem = (c: Ctx, itemId: string): App => {
    const found = Object.values(tenant.apps).find((a) => a.itemId === itemId);
    if (!found || !canOpenApp(who(c), found)) throw notFound("ITEMS-4", `Item "${itemId}" was not found.`);
    return found;
  };
  app.get("/api/v1/items/:itemId", (c) => {
    const note = kindsOf(tenant).notes[c.req.param("itemId")];
    if (note && note.ownerId === who(c).user.id) return c.json(noteItemJson(c, tenant, note));
    return c.json(itemJson(c, tenant, byItem(c, c.req.param("itemId"))));
  });
  app.get("/api/v1/items/:itemId/publisheditems", (c) => {
    const source = byItem(c, c.req.param("itemId"));
    const limit = parseLimit(c, 10, 100);
    const copies = Object.values(tenant.apps)
      .filter((a) => a.originAppId === source.id && canOpenApp(who(c), a))
      .sort((a, b) => a.createdDate.localeCompare(b.createdDate));
    const { page, links } = paginate(c, copies, limit);
    return c.json({ data: page.map((a) => itemJson(c, tenant, a)), links });
  });
}
