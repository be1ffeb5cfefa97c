/** Spaces and space assignments (`/api/v1/spaces…`), API-FACTS §6.4. */
import type { Space, SpaceAssignment, SpaceType, Tenant, User } from "../model.ts";
import { badRequest, conflict, forbidden, notFound, QlikError } from "../internal/errors.ts";
import { ASSIGNABLE_ROLES, canSeeSpace, spaceRoles } from "../internal/access.ts";
import { newHexId, nowIso } from "../internal/runtime.ts";
import { baseUrl, paginate, parseLimit, readJson, readJsonArray, str, who, type Ctx, type RestApp, type RouteDeps } from "./common.ts";
import { sortParam } from "./query.ts";

const NAME_RE = /^[^"*?<>/|\\:]+$/;

function spaceActions(c: Ctx, space: Space): string[] {
  const w = who(c);
  const roles = spaceRoles(w.tenant, w.user, space);
  // A shared space's owner (a tenant admin in the capture) is answered create/delete/read/update
  // (datahub-project/datahub qlik_sense test mocks, captured from a real tenant).
  if (space.ownerId === w.user.id || w.isTenantAdmin) return space.type === "shared" ? ["create", "delete", "read", "update"] : ["change_owner", "create", "delete", "read", "update", "publish"];
  const actions = ["read"];
  if (roles.some((r) => ["producer", "facilitator", "publisher", "contributor", "codeveloper"].includes(r))) actions.push("create");
  if (roles.includes("facilitator")) actions.push("update");
  if (roles.includes("publisher")) actions.push("publish");
  return actions;
}

function assignedRoles(tenant: Tenant, user: User, space: Space): string[] {
  const roles = new Set<string>();
  for (const a of Object.values(tenant.assignments))
    if (a.spaceId === space.id && ((a.type === "user" && a.assigneeId === user.id) || (a.type === "group" && user.groups.includes(a.assigneeId)))) for (const r of a.roles) roles.add(r);
  return [...roles].sort();
}

function spaceJson(c: Ctx, tenant: Tenant, space: Space): Record<string, unknown> {
  const base = baseUrl(c);
  return {
    id: space.id,
    type: space.type,
    ownerId: space.ownerId,
    tenantId: space.tenantId,
    name: space.name,
    description: space.description,
    createdAt: space.createdAt,
    createdBy: space.createdBy,
    updatedAt: space.updatedAt,
    meta: {
      // The caller's assigned roles: none for the owner, who holds no assignment (real capture).
      roles: assignedRoles(tenant, who(c).user, space),
      actions: spaceActions(c, space),
      assignableRoles: ASSIGNABLE_ROLES[space.type] ?? [],
    },
    links: { self: { href: `${base}/api/v1/spaces/${space.id}` }, assignments: { href: `${base}/api/v1/spaces/${space.id}/assignments` } },
  };
}

function assignmentJson(c: Ctx, a: SpaceAssignment): Record<string, unknown> {
  const base = baseUrl(c);
  return {
    id: a.id,
    type: a.type,
    assigneeId: a.assigneeId,
    roles: a.roles,
    spaceId: a.spaceId,
    tenantId: a.tenantId,
    createdAt: a.createdAt,
    createdBy: a.createdBy,
    updatedAt: a.updatedAt,
    updatedBy: a.updatedBy,
    links: { self: { href: `${base}/api/v1/spaces/${a.spaceId}/assignments/${a.id}` }, space: { href: `${base}/api/v1/spaces/${a.spaceId}` } },
  };
}

export function registerSpaces(app: RestApp, { tenant, rt }: RouteDeps): void {
  const spaceFor = (c: Ctx, id: string): Space => {
    const space = tenant.spaces[id];
    if (!space || !canSeeSpace(who(c), space)) throw notFound("SPACES-4", `Space "${id}" was not found or is not accessible.`);
    return space;
  };
  const canManage = (c: Ctx, space: Space): boolean => {
    const w = who(c);
    return w.isTenantAdmin || space.ownerId === w.user.id || spaceRoles(tenant, w.user, space).includes("facilitator");
  };
  const checkName = (name: string | undefined, exceptId?: string): string => {
    if (!name || name.length > 256 || !NAME_RE.test(name)) throw badRequest("SPACES-1", 'name is required, at most 256 characters, without "*?<>/|\\:');
    if (Object.values(tenant.spaces).some((s) => s.name === name && s.id !== exceptId)) throw conflict("SPACES-9", `A space named "${name}" already exists.`);
    return name;
  };

  app.get("/api/v1/spaces", (c) => {
    const limit = parseLimit(c, 10, 100);
    const type = c.req.query("type");
    const name = c.req.query("name");
    const ownerId = c.req.query("ownerId");
    const types = type ? type.split(",") : undefined;
    if (types?.some((t) => !["shared", "managed", "data"].includes(t))) throw badRequest("SPACES-1", `unsupported type "${type}"`);
    let spaces = Object.values(tenant.spaces).filter((s) => canSeeSpace(who(c), s));
    if (types) spaces = spaces.filter((s) => types.includes(s.type));
    if (name) spaces = spaces.filter((s) => s.name.toLowerCase().includes(name.toLowerCase()));
    if (ownerId) spaces = spaces.filter((s) => s.ownerId === ownerId);
    const sort = sortParam(c.req.query("sort"), "+createdAt");
    const key = sort.replace(/^[+-]/, "");
    if (!["name", "createdAt", "updatedAt"].includes(key)) throw badRequest("SPACES-1", `unsupported sort "${sort}"`);
    spaces.sort((a, b) => String(a[key as "name"]).localeCompare(String(b[key as "name"])) || a.id.localeCompare(b.id));
    if (sort.startsWith("-")) spaces.reverse();
    const { page, links } = paginate(c, spaces, limit);
    return c.json({
      data: page.map((s) => spaceJson(c, tenant, s)),
      meta: { count: spaces.length, personalSpace: { resourceType: "space", actions: ["create", "read"] } },
      links,
    });
  });
  app.get("/api/v1/spaces/types", (c) => c.json({ data: ["shared", "managed", "data"] }));
  app.get("/api/v1/spaces/:spaceId", (c) => c.json(spaceJson(c, tenant, spaceFor(c, c.req.param("spaceId")))));
  app.post("/api/v1/spaces", async (c) => {
    const body = await readJson(c);
    const type = (str(body, "type") ?? "shared") as SpaceType;
    if (!["shared", "managed", "data"].includes(type)) throw badRequest("SPACES-1", `unsupported space type "${type}"`);
    const w = who(c);
    const creatorRole = type === "managed" ? "ManagedSpaceCreator" : type === "shared" ? "SharedSpaceCreator" : "DataSpaceCreator";
    if (!w.isTenantAdmin && !w.user.roles.includes(creatorRole)) throw forbidden("SPACES-3", `Creating a ${type} space needs the ${creatorRole} or TenantAdmin role.`);
    const name = checkName(str(body, "name"));
    const t = nowIso();
    const space: Space = { id: newHexId(), tenantId: tenant.id, name, description: str(body, "description") ?? "", type, ownerId: w.user.id, createdAt: t, createdBy: w.user.id, updatedAt: t };
    tenant.spaces[space.id] = space;
    rt.changed(tenant);
    return c.json(spaceJson(c, tenant, space), 201);
  });
  const update = (space: Space, fields: { name?: string; description?: string; ownerId?: string }): void => {
    if (fields.name !== undefined) space.name = checkName(fields.name, space.id);
    if (fields.description !== undefined) space.description = fields.description;
    if (fields.ownerId !== undefined) {
      if (!tenant.users[fields.ownerId]) throw badRequest("SPACES-1", `unknown ownerId "${fields.ownerId}"`);
      space.ownerId = fields.ownerId;
    }
    space.updatedAt = nowIso();
    rt.changed(tenant);
  };
  app.put("/api/v1/spaces/:spaceId", async (c) => {
    const space = spaceFor(c, c.req.param("spaceId"));
    if (!canManage(c, space)) throw forbidden("SPACES-3", `Only the owner, a facilitator or a tenant admin may update space "${space.name}".`);
    const body = await readJson(c);
    update(space, { name: str(body, "name"), description: str(body, "description"), ownerId: str(body, "ownerId") });
    return c.json(spaceJson(c, tenant, space));
  });
  app.patch("/api/v1/spaces/:spaceId", async (c) => {
    const space = spaceFor(c, c.req.param("spaceId"));
    if (!canManage(c, space)) throw forbidden("SPACES-3", `Only the owner, a facilitator or a tenant admin may update space "${space.name}".`);
    const fields: { name?: string; description?: string; ownerId?: string } = {};
    for (const op of await readJsonArray(c)) {
      const path = String(op.path ?? "");
      if (op.op !== "replace" || !["/name", "/description", "/ownerId"].includes(path) || typeof op.value !== "string") throw badRequest("SPACES-1", `unsupported patch ${JSON.stringify(op)}`);
      fields[path.slice(1) as "name"] = op.value;
    }
    update(space, fields);
    return c.json(spaceJson(c, tenant, space));
  });
  app.delete("/api/v1/spaces/:spaceId", (c) => {
    const space = spaceFor(c, c.req.param("spaceId"));
    if (!canManage(c, space)) throw forbidden("SPACES-3", `Only the owner or a tenant admin may delete space "${space.name}".`);
    if (Object.values(tenant.apps).some((a) => a.spaceId === space.id)) throw new QlikError(412, "SPACES-12", "Precondition Failed", `Space "${space.name}" is not empty; move or delete its content first.`);
    delete tenant.spaces[space.id];
    for (const a of Object.values(tenant.assignments)) if (a.spaceId === space.id) delete tenant.assignments[a.id];
    rt.changed(tenant);
    return c.body(null, 204);
  });

  app.get("/api/v1/spaces/:spaceId/assignments", (c) => {
    const space = spaceFor(c, c.req.param("spaceId"));
    const limit = parseLimit(c, 10, 100);
    let list = Object.values(tenant.assignments).filter((a) => a.spaceId === space.id);
    const type = c.req.query("type");
    if (type) list = list.filter((a) => a.type === type);
    list.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
    const { page, links } = paginate(c, list, limit);
    return c.json({ data: page.map((a) => assignmentJson(c, a)), meta: { count: list.length }, links });
  });
  const assignmentFor = (c: Ctx, space: Space): SpaceAssignment => {
    const a = tenant.assignments[c.req.param("assignmentId") ?? ""];
    if (!a || a.spaceId !== space.id) throw notFound("SPACES-4", `Assignment "${c.req.param("assignmentId")}" was not found in space "${space.name}".`);
    return a;
  };
  const checkRoles = (space: Space, roles: unknown): string[] => {
    const allowed = ASSIGNABLE_ROLES[space.type] ?? [];
    if (!Array.isArray(roles) || roles.length === 0 || roles.some((r) => typeof r !== "string" || !allowed.includes(r))) {
      throw badRequest("SPACES-1", `roles must be a non-empty subset of ${allowed.join(", ")} for a ${space.type} space.`);
    }
    return roles as string[];
  };
  app.get("/api/v1/spaces/:spaceId/assignments/:assignmentId", (c) => {
    const space = spaceFor(c, c.req.param("spaceId"));
    return c.json(assignmentJson(c, assignmentFor(c, space)));
  });
  app.post("/api/v1/spaces/:spaceId/assignments", async (c) => {
    const space = spaceFor(c, c.req.param("spaceId"));
    if (!canManage(c, space)) throw forbidden("SPACES-3", `Only the owner, a facilitator or a tenant admin may assign members of space "${space.name}".`);
    const body = await readJson(c);
    const type = str(body, "type");
    const assigneeId = str(body, "assigneeId");
    if ((type !== "user" && type !== "group") || !assigneeId) throw badRequest("SPACES-1", 'type ("user" or "group") and assigneeId are required.');
    if (type === "user" ? !tenant.users[assigneeId] : !tenant.groups[assigneeId]) throw badRequest("SPACES-1", `unknown ${type} "${assigneeId}"`);
    const roles = checkRoles(space, body.roles);
    if (Object.values(tenant.assignments).some((a) => a.spaceId === space.id && a.assigneeId === assigneeId)) {
      throw conflict("SPACES-9", `"${assigneeId}" already has an assignment in space "${space.name}".`);
    }
    const t = nowIso();
    const w = who(c);
    const a: SpaceAssignment = { id: newHexId(), spaceId: space.id, tenantId: tenant.id, type, assigneeId, roles, createdAt: t, createdBy: w.user.id, updatedAt: t, updatedBy: w.user.id };
    tenant.assignments[a.id] = a;
    rt.changed(tenant);
    return c.json(assignmentJson(c, a), 201);
  });
  app.put("/api/v1/spaces/:spaceId/assignments/:assignmentId", async (c) => {
    const space = spaceFor(c, c.req.param("spaceId"));
    if (!canManage(c, space)) throw forbidden("SPACES-3", `Only the owner, a facilitator or a tenant admin may change members of space "${space.name}".`);
    const a = assignmentFor(c, space);
    const body = await readJson(c);
    a.roles = checkRoles(space, body.roles);
    a.updatedAt = nowIso();
    a.updatedBy = who(c).user.id;
    rt.changed(tenant);
    return c.json(assignmentJson(c, a));
  });
  app.delete("/api/v1/spaces/:spaceId/assignments/:assignmentId", (c) => {
    const space = spaceFor(c, c.req.param("spaceId"));
    if (!canManage(c, space)) throw forbidden("SPACES-3", `Only the owner, a facilitator or a tenant admin may remove members of space "${space.name}".`);
    const a = assignmentFor(c, space);
    delete tenant.assignments[a.id];
    rt.changed(tenant);
    return c.body(null, 204);
  });
}
