/**
 * Organisation (API-FACTS §6.16): tags, collections and notes.
 *
 * - Tags are collections of type `public` ("tags with public", qlik.dev/apis/rest/collections;
 *   Qlik Cloud has no `/api/v1/tags`: neither the 2025 spec nor `@qlik/api` 2.19 has one). An
 *   item's tags are the tags it belongs to, so a tag is stored with its items.
 * - Collections: `private`, `publicgoverned` (a published collection) and the caller's own
 *   `favorite` (`GET /collections/favorites`: other users' private collections and favourites
 *   are not reachable with any token Lifeboat holds — they are not in a backup).
 * - Items are stored as `{id, resourceType, resourceId, name}`: `resourceId` (the app id) is
 *   the reference a restore remaps; the item id (which differs per tenant) is looked up in the
 *   target from it (app-items.ts).
 * - Notes: listed as catalogue items (`resourceType=note`); no public API creates one
 *   (`@qlik/api` 2.19 notes.d.ts has settings only), so they are read, never written.
 */
import type { ResourceRecord, ResourceWrite, ResourceWriteResult } from "@lifeboat/model";
import type { TenantCore } from "../client.ts";
import { pages } from "../internal/pages.ts";
import { QlikApiError } from "../errors.ts";
import { rec, s } from "../internal/records.ts";
import type { ResourceApi } from "./api.ts";
import { appItems } from "./app-items.ts";

type Json = Record<string, unknown>;
const nc = { noCache: true } as const;
const omit = (o: Json, keys: readonly string[]): Json => Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));

interface StoredItem {
  id: string;
  resourceType: string;
  resourceId: string;
  name: string;
}

async function itemsOf(core: TenantCore, collectionId: string, label: string): Promise<StoredItem[]> {
  const out: StoredItem[] = [];
  for await (const it of pages(core, "getCollectionItems", label, (api) => api.collections.getCollectionItems(collectionId, { limit: 100, noActions: true }, nc))) {
    const o = rec(it);
    out.push({ id: s(o.id) ?? "", resourceType: s(o.resourceType) ?? "", resourceId: s(o.resourceId) ?? "", name: s(o.name) ?? "" });
  }
  // By name: the listing's order (items' creation, or when they were added) differs from tenant
  // to tenant, an app's name does not — a restored collection compares equal item for item.
  return out.sort((a, b) => a.name.localeCompare(b.name) || a.resourceType.localeCompare(b.resourceType) || a.resourceId.localeCompare(b.resourceId));
}

function toCollection(kind: "tags" | "collections", c: unknown, items: StoredItem[]): ResourceRecord {
  const o = rec(c);
  // No stamp: adding or removing an item need not move `updatedAt`, and an app's deletion
  // takes its item out silently — a collection is read with its items on every backup.
  const r: ResourceRecord = { kind, id: s(o.id) ?? "", name: s(o.name) ?? "", body: { ...omit(o, ["links", "itemCount"]), items } };
  if (s(o.creatorId)) r.ownerId = s(o.creatorId);
  return r;
}

async function readCollection(core: TenantCore, kind: "tags" | "collections", c: unknown): Promise<ResourceRecord> {
  const o = rec(c);
  const id = s(o.id) ?? "";
  return toCollection(kind, c, await itemsOf(core, id, `${kind === "tags" ? "tag" : "collection"} '${s(o.name) ?? id}'`));
}

/**
 * Brings a collection's items to `wanted` (by app id): adds the target's items of those apps,
 * removes others. An app the target does not have (yet) is reported, not fatal.
 */
async function syncItems(core: TenantCore, collectionId: string, label: string, wanted: StoredItem[], current: StoredItem[]): Promise<string[]> {
  const notes: string[] = [];
  const apps = wanted.filter((i) => i.resourceType === "app" || !i.resourceType);
  const other = wanted.filter((i) => i.resourceType && i.resourceType !== "app");
  if (other.length) notes.push(`${other.length} item(s) other than apps (${[...new Set(other.map((i) => i.resourceType))].join(", ")}) are not re-added: only apps are remapped`);
  const found = await appItems(core, apps.map((i) => i.resourceId));
  const have = new Set(current.map((i) => i.id));
  const keep = new Set<string>();
  for (const i of apps) {
    const target = found.get(i.resourceId);
    if (!target?.itemId) {
      // The step's body has no item names (volatile): the app id says which.
      const named = i.name ? `app '${i.name}'` : "an app";
      notes.push(i.resourceId ? `${named} (${i.resourceId}) is not in the target: not added` : `${named} is not restored in the target: not added`);
      continue;
    }
    keep.add(target.itemId);
    if (!have.has(target.itemId)) await core.call("addCollectionItem", label, (api) => api.collections.addCollectionItem(collectionId, { id: target.itemId }));
  }
  for (const i of current)
    if (!keep.has(i.id) && (i.resourceType === "app" || !i.resourceType)) await core.call("deleteCollectionItem", label, (api) => api.collections.deleteCollectionItem(collectionId, i.id));
  return notes;
}

const storedItems = (v: unknown): StoredItem[] =>
  (Array.isArray(v) ? v : []).map((x) => {
    const o = rec(x);
    return { id: s(o.id) ?? "", resourceType: s(o.resourceType) ?? "app", resourceId: s(o.resourceId) ?? "", name: s(o.name) ?? "" };
  });

async function createCollection(core: TenantCore, kind: "tags" | "collections", input: ResourceWrite): Promise<ResourceWriteResult> {
  const b = input.body;
  const type = kind === "tags" ? "public" : s(b.type) ?? "private";
  const noun = kind === "tags" ? "tag" : "collection";
  const label = `${noun} '${s(b.name) ?? ""}'`;
  if (type === "favorite")
    throw new QlikApiError({ kind: "permanent", operation: "createCollection", host: core.host, object: label, detail: "favourites belong to their user and no API creates them: add the items as favourites in the hub as that user" });
  // A published collection starts private: `publicgoverned` needs an item first (qlik.dev collections PATCH).
  const resp = await core.call("createCollection", label, (api) => api.collections.createCollection({ name: s(b.name) ?? "", type: type === "publicgoverned" ? "private" : type, description: s(b.description) ?? "" } as never), { idempotent: false });
  const id = s(rec(resp.data).id) ?? "";
  const notes = await syncItems(core, id, label, storedItems(b.items), []);
  if (type === "publicgoverned") await core.call("patchCollection", label, (api) => api.collections.patchCollection(id, [{ op: "replace", path: "/type", value: "publicgoverned" }] as never));
  // The creator is the caller (the declaration's `ownerByCreator`: the checklist says to hand it over).
  return { id, notes };
}

async function updateCollection(core: TenantCore, kind: "tags" | "collections", id: string, input: ResourceWrite): Promise<ResourceWriteResult> {
  const b = input.body;
  const label = `${kind === "tags" ? "tag" : "collection"} '${s(b.name) ?? id}'`;
  const current = rec((await core.call("getCollection", label, (api) => api.collections.getCollection(id, nc))).data);
  await core.call("updateCollection", label, (api) => api.collections.updateCollection(id, { name: s(b.name) ?? "", description: s(b.description) ?? "" } as never));
  const notes = await syncItems(core, id, label, storedItems(b.items), await itemsOf(core, id, label));
  const want = s(b.type);
  if (kind === "collections" && want && want !== s(current.type) && (want === "private" || want === "publicgoverned"))
    await core.call("patchCollection", label, (api) => api.collections.patchCollection(id, [{ op: "replace", path: "/type", value: want }] as never));
  return { id, notes };
}

export const tags: ResourceApi = {
  kind: "tags",
  async *list(core) {
    const found: unknown[] = [];
    for await (const c of pages(core, "getCollections", "tags", (api) => api.collections.getCollections({ type: "public", limit: 100 }, nc))) found.push(c);
    for (const c of found) yield await readCollection(core, "tags", c);
  },
  async get(core, id) {
    return readCollection(core, "tags", (await core.call("getCollection", `tag ${id}`, (api) => api.collections.getCollection(id, nc))).data);
  },
  create: (core, input) => createCollection(core, "tags", input),
  update: (core, id, input) => updateCollection(core, "tags", id, input),
};

export const collections: ResourceApi = {
  kind: "collections",
  async *list(core) {
    const found: unknown[] = [];
    for (const type of ["private", "publicgoverned"] as const)
      for await (const c of pages(core, "getCollections", "collections", (api) => api.collections.getCollections({ type, limit: 100 }, nc))) found.push(c);
    // The caller's favourites: the spec answers 302 to the collection (fetch follows it); none is a 404.
    try {
      const fav = await core.call("getFavoritesCollection", "favourites", (api) => api.collections.getFavoritesCollection(nc));
      if (s(rec(fav.data).id)) found.push(fav.data);
    } catch (e) {
      if (!(e instanceof QlikApiError && e.kind === "not-found")) throw e;
    }
    for (const c of found) yield await readCollection(core, "collections", c);
  },
  async get(core, id) {
    return readCollection(core, "collections", (await core.call("getCollection", `collection ${id}`, (api) => api.collections.getCollection(id, nc))).data);
  },
  create: (core, input) => createCollection(core, "collections", input),
  update: (core, id, input) => updateCollection(core, "collections", id, input),
};

/** A note as the catalogue lists it (no app reference is documented for notes). */
function toNote(item: unknown): ResourceRecord {
  const o = rec(item);
  const r: ResourceRecord = { kind: "notes", id: s(o.id) ?? "", name: s(o.name) ?? "", body: omit(o, ["links", "actions", "itemViews", "isFavorited", "meta"]) };
  if (s(o.ownerId)) r.ownerId = s(o.ownerId);
  if (s(o.spaceId)) r.spaceId = s(o.spaceId);
  if (s(o.updatedAt)) r.stamp = s(o.updatedAt);
  return r;
}

export const notes: ResourceApi = {
  kind: "notes",
  async *list(core) {
    for await (const it of pages(core, "getItems", "notes", (api) => api.items.getItems({ resourceType: "note" as never, limit: 100, noActions: true }, nc))) yield toNote(it);
  },
};
