/**
 * The emulator answers the REST calls Lifeboat makes with the fields and value forms of a
 * real Qlik Cloud tenant. The expectations are stated from responses captured from a real
 * tenant in datahub-project/datahub (PR #9682,
 * `metadata-ingestion/tests/integration/qlik_sense/test_qlik_sense.py`: `GET /api/v1/items`,
 * `GET /api/v1/spaces`, `GET /api/v1/users/{id}`) — what each field holds and in which form
 * (empty strings, `null`, dates to the second or to the millisecond), not copied values.
 * Issue 10 item 12. Schema conformance is schema.test.ts's.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmulatorHandle } from "./server.ts";
import { startTestEmulator, userByName } from "./testing.ts";

type Json = Record<string, unknown>;
const SECONDS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
const MILLIS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

let emu: EmulatorHandle;
let bot: string;
beforeAll(async () => {
  emu = await startTestEmulator({});
  const r = await fetch(`${emu.host}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ client_id: emu.clientId, client_secret: emu.clientSecret, grant_type: "client_credentials", scope: "user_default admin.apps admin_classic" }),
  });
  bot = ((await r.json()) as { access_token: string }).access_token;
});
afterAll(async () => emu?.close());

const get = async (path: string, token = bot): Promise<Json> => {
  const r = await fetch(`${emu.host}${path}`, { headers: { authorization: `Bearer ${token}` } });
  expect(r.status, path).toBe(200);
  return (await r.json()) as Json;
};
const tenant = () => emu.state.tenants[0]!;

describe("real shapes: GET /api/v1/items (an app)", () => {
  it("carries the captured fields, with the item's own dates to the second and the app's to the millisecond", async () => {
    const app = Object.values(tenant().apps).find((a) => a.spaceId && tenant().spaces[a.spaceId]?.type === "shared" && !a.originAppId && a.lastReloadTime)!;
    const items = (await get(`/api/v1/items?resourceType=app&resourceId=${app.id}`)).data as Json[];
    expect(items).toHaveLength(1);
    const item = items[0]!;
    for (const k of [
      "name", "spaceId", "thumbnailId", "resourceAttributes", "resourceCustomAttributes", "resourceUpdatedAt", "resourceType", "resourceId",
      "resourceCreatedAt", "id", "createdAt", "updatedAt", "creatorId", "updaterId", "tenantId", "isFavorited", "collectionIds", "meta",
      "ownerId", "resourceReloadEndTime", "resourceReloadStatus", "resourceSize", "itemViews",
    ])
      expect(item, k).toHaveProperty(k);
    expect(item.thumbnailId).toBe("");
    expect(item.resourceCustomAttributes).toBeNull();
    expect(item.resourceType).toBe("app");
    expect(item.resourceId).toBe(app.id);
    expect(item.id).not.toBe(app.id);
    expect(item.spaceId).toBe(app.spaceId);
    for (const k of ["createdAt", "updatedAt", "resourceCreatedAt", "resourceUpdatedAt", "resourceReloadEndTime"]) expect(item[k], k).toMatch(SECONDS);
    expect(item.resourceReloadStatus).toBe("ok");
    expect(item.isFavorited).toBe(false);
    expect(item.collectionIds).toEqual([]);
    expect(item.meta).toMatchObject({ isFavorited: false, tags: [], collections: [] });
    expect(Object.keys(item.resourceSize as Json).sort()).toEqual(["appFile", "appMemory"]);
    expect(item.itemViews).toEqual(expect.objectContaining({ total: expect.any(Number), trend: expect.any(Number), unique: expect.any(Number) }));
    expect(item).not.toHaveProperty("resourceSubType"); // empty: left out

    const attrs = item.resourceAttributes as Json;
    expect(Object.keys(attrs).sort()).toEqual(
      ["_resourcetype", "createdDate", "description", "dynamicColor", "hasSectionAccess", "id", "isDirectQueryMode", "lastReloadTime", "modifiedDate", "name", "originAppId", "owner", "ownerId", "publishTime", "published", "spaceId", "thumbnail", "usage"].sort(),
    );
    expect(attrs).toMatchObject({ _resourcetype: "app", id: app.id, dynamicColor: "", thumbnail: "", isDirectQueryMode: false, published: false, originAppId: "", publishTime: "", spaceId: app.spaceId, usage: "ANALYTICS" });
    expect(attrs.owner).toBe(tenant().users[app.ownerId]!.subject);
    for (const k of ["createdDate", "modifiedDate", "lastReloadTime"]) expect(attrs[k], k).toMatch(MILLIS);
    expect(typeof attrs.hasSectionAccess).toBe("boolean");
  });

  it("leaves an empty description out of the item but keeps it, empty, in resourceAttributes", async () => {
    const r = await fetch(`${emu.host}/api/v1/apps`, { method: "POST", headers: { authorization: `Bearer ${bot}`, "content-type": "application/json" }, body: JSON.stringify({ attributes: { name: "No description" } }) });
    const id = ((await r.json()) as { attributes: { id: string } }).attributes.id;
    const item = ((await get(`/api/v1/items?resourceType=app&resourceId=${id}`)).data as Json[])[0]!;
    expect(item).not.toHaveProperty("description");
    expect((item.resourceAttributes as Json).description).toBe("");
  });
});

describe("real shapes: GET /api/v1/spaces", () => {
  it("a shared space as its owner sees it: no roles of their own, create/delete/read/update, links to itself and its assignments", async () => {
    const space = Object.values(tenant().spaces).find((s) => s.type === "shared")!;
    const owner = tenant().users[space.ownerId]!;
    const token = `shapes_${owner.id}`;
    tenant().apiKeys[token] = { id: `k_${owner.id}`, token, userId: owner.id };
    const listed = ((await get("/api/v1/spaces?limit=100", token)).data as Json[]).find((s) => s.id === space.id)!;
    expect(Object.keys(listed).sort()).toEqual(["createdAt", "createdBy", "description", "id", "links", "meta", "name", "ownerId", "tenantId", "type", "updatedAt"]);
    expect(listed.meta).toEqual({ actions: ["create", "delete", "read", "update"], roles: [], assignableRoles: ["codeveloper", "consumer", "dataconsumer", "facilitator", "producer"] });
    expect(listed.links).toEqual({ self: { href: `${emu.host}/api/v1/spaces/${space.id}` }, assignments: { href: `${emu.host}/api/v1/spaces/${space.id}/assignments` } });
    for (const k of ["createdAt", "updatedAt"]) expect(listed[k], k).toMatch(MILLIS);
    expect(typeof listed.description).toBe("string");
  });
  it("a member sees the roles assigned to them", async () => {
    const a = Object.values(tenant().assignments).find((x) => x.type === "user" && tenant().spaces[x.spaceId]?.type === "shared")!;
    const user = tenant().users[a.assigneeId]!;
    const token = `shapes_${user.id}`;
    tenant().apiKeys[token] = { id: `k_${user.id}`, token, userId: user.id };
    const listed = ((await get("/api/v1/spaces?limit=100", token)).data as Json[]).find((s) => s.id === a.spaceId)!;
    expect((listed.meta as Json).roles).toEqual(expect.arrayContaining(a.roles));
  });
});

describe("real shapes: GET /api/v1/users/{id}", () => {
  it("carries the deprecated roles (names), groups and created/lastUpdated timestamps beside the current fields", async () => {
    const ada = userByName(emu, "Ada Admin");
    const u = await get(`/api/v1/users/${ada.id}`);
    for (const k of ["id", "tenantId", "status", "subject", "name", "email", "roles", "groups", "createdAt", "lastUpdatedAt", "created", "lastUpdated", "links"]) expect(u, k).toHaveProperty(k);
    expect(u.roles).toEqual(ada.roles);
    expect(u.groups).toEqual(ada.groups);
    for (const k of ["createdAt", "lastUpdatedAt", "created", "lastUpdated"]) expect(u[k], k).toMatch(MILLIS);
    expect(u.created).toBe(u.createdAt);
    expect(u.links).toEqual({ self: { href: `${emu.host}/api/v1/users/${ada.id}` } });
    expect(u.status).toBe("active");
  });
});
