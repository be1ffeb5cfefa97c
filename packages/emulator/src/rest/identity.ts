/** Users, groups and roles (`/api/v1/users`, `/groups`, `/roles`), API-FACTS §6.5. */
import type { Group, Role, Tenant, User, UserStatus } from "../model.ts";
import { QlikError, badRequest, conflict, forbidden, notFound } from "../internal/errors.ts";
import { newHexId, nowIso } from "../internal/runtime.ts";
import { baseUrl, paginate, parseLimit, readJson, readJsonArray, str, who, type Ctx, type RestApp, type RouteDeps } from "./common.ts";
import { sortParam } from "./query.ts";
import { matchScim, parseScim } from "./scim.ts";
import { kindsOf } from "../kinds.ts";

function roleByName(tenant: Tenant, name: string): Role | undefined {
  return Object.values(tenant.roles).find((r) => r.name === name);
}

export function userJson(c: Ctx, tenant: Tenant, u: User): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: u.id,
    tenantId: u.tenantId,
    subject: u.subject,
    name: u.name,
    status: u.status,
    createdAt: u.createdAt,
    lastUpdatedAt: u.lastUpdatedAt,
    assignedRoles: u.roles.map((name) => {
      const r = roleByName(tenant, name);
      return { id: r?.id ?? "", name, type: r?.type ?? "default", level: r?.level ?? "user" };
    }),
    assignedGroups: u.groups.flatMap((gid) => {
      const g = tenant.groups[gid];
      return g ? [{ id: g.id, name: g.name, providerType: g.providerType }] : [];
    }),
    assignedScopes: [],
    // The deprecated fields a real tenant still sends (GET /users/{id} captured in
    // datahub-project/datahub, metadata-ingestion/tests/integration/qlik_sense): `roles` as
    // names, `groups`, and `created`/`lastUpdated` as full timestamps.
    // (Default roles only: the deprecated field's values are the spec's enum of default role names.)
    roles: u.roles.filter((name) => roleByName(tenant, name)?.type !== "custom"),
    groups: [...u.groups],
    created: u.createdAt,
    lastUpdated: u.lastUpdatedAt,
    links: { self: { href: `${baseUrl(c)}/api/v1/users/${u.id}` } },
  };
  if (u.email) out.email = u.email;
  return out;
}

function userAttr(tenant: Tenant) {
  return (item: unknown, attr: string): string[] | undefined => {
    const u = item as User;
    switch (attr) {
      case "id":
        return [u.id];
      case "subject":
        return [u.subject];
      case "name":
        return [u.name];
      case "email":
        return [u.email];
      case "status":
        return [u.status];
      case "clientId":
        return [u.subject.startsWith("qlikbot\\") ? u.subject.slice(8) : ""];
      case "assignedRoles.name":
        return u.roles;
      case "assignedRoles.id":
        return u.roles.map((n) => roleByName(tenant, n)?.id ?? "");
      case "assignedGroups.id":
        return u.groups;
      case "assignedScopes":
        return [];
      default:
        return undefined;
    }
  };
}

function filterUsers(tenant: Tenant, filter: string | undefined): User[] {
  let users = Object.values(tenant.users).filter((u) => u.status !== "deleted");
  if (filter) {
    const node = parseScim(filter);
    const get = userAttr(tenant);
    users = users.filter((u) => matchScim(node, u, get));
  }
  return users;
}

function sortUsers(users: User[], sort: string | undefined): User[] {
  const s = sortParam(sort, "+createdAt");
  const desc = s.startsWith("-");
  const key = s.replace(/^[+-]/, "") as "name" | "createdAt" | "email" | "status" | "subject" | "lastUpdatedAt";
  if (!["name", "createdAt", "email", "status", "subject", "lastUpdatedAt"].includes(key)) throw badRequest("USERS-1", `unsupported sort "${s}"`);
  const sorted = [...users].sort((a, b) => String(a[key]).localeCompare(String(b[key])) || a.id.localeCompare(b.id));
  return desc ? sorted.reverse() : sorted;
}

function requireAdmin(c: Ctx): void {
  const w = who(c);
  if (!w.isTenantAdmin) throw forbidden("USERS-3", "Only a tenant admin may change users, groups and roles.");
}

function userOr404(tenant: Tenant, id: string): User {
  const u = tenant.users[id];
  if (!u || u.status === "deleted") throw notFound("USERS-4", `User "${id}" was not found.`);
  return u;
}

function rolesFromBody(tenant: Tenant, value: unknown): string[] {
  if (!Array.isArray(value)) throw badRequest("USERS-1", "assignedRoles must be an array of {id} or {name}.");
  return value.map((r: unknown) => {
    const ref = r as { id?: unknown; name?: unknown };
    const role = typeof ref.id === "string" ? tenant.roles[ref.id] : typeof ref.name === "string" ? roleByName(tenant, ref.name) : undefined;
    if (!role) throw badRequest("USERS-1", `unknown role ${JSON.stringify(r)}`);
    return role.name;
  });
}

export function registerIdentity(app: RestApp, { tenant, rt }: RouteDeps): void {
  // The tenant itself: `/tenants/me` redirects (302) like Qlik's.
  app.get("/api/v1/tenants/me", (c) => c.redirect(`${baseUrl(c)}/api/v1/tenants/${tenant.id}`, 302));
  app.get("/api/v1/tenants/:tenantId", (c) => {
    if (c.req.param("tenantId") !== tenant.id) throw notFound("TENANTS-4", `Tenant "${c.req.param("tenantId")}" was not found.`);
    const admin = Object.values(tenant.users).find((u) => u.roles.includes("TenantAdmin"));
    return c.json({
      id: tenant.id,
      name: tenant.name,
      hostnames: [tenant.hostname],
      datacenter: "emulator",
      status: "active",
      created: "2025-01-06T09:00:00.000Z",
      lastUpdated: "2025-01-06T09:00:00.000Z",
      ...(admin ? { createdByUser: admin.id } : {}),
      // The flags `PATCH /tenants/{id}` changes (rest/identity-settings.ts).
      ...kindsOf(tenant).settings.flags,
      links: { self: { href: `${baseUrl(c)}/api/v1/tenants/${tenant.id}` } },
    });
  });

  app.get("/api/v1/users", (c) => {
    const limit = parseLimit(c, 20, 100);
    const users = sortUsers(filterUsers(tenant, c.req.query("filter")), c.req.query("sort"));
    const { page, links } = paginate(c, users, limit);
    const body: Record<string, unknown> = { data: page.map((u) => userJson(c, tenant, u)), links };
    if (c.req.query("totalResults") === "true") body.totalResults = users.length;
    return c.json(body);
  });
  app.get("/api/v1/users/me", (c) => c.redirect(`${baseUrl(c)}/api/v1/users/${who(c).user.id}`, 301));
  app.get("/api/v1/users/actions/count", (c) => c.json({ total: filterUsers(tenant, undefined).length }));
  app.post("/api/v1/users/actions/filter", async (c) => {
    const body = await readJson(c, false);
    const limit = parseLimit(c, 20, 100);
    const users = sortUsers(filterUsers(tenant, str(body, "filter")), c.req.query("sort"));
    const { page, links } = paginate(c, users, limit);
    return c.json({ data: page.map((u) => userJson(c, tenant, u)), links });
  });
  app.get("/api/v1/users/:userId", (c) => c.json(userJson(c, tenant, userOr404(tenant, c.req.param("userId")))));
  app.post("/api/v1/users", async (c) => {
    requireAdmin(c);
    const body = await readJson(c);
    const subject = str(body, "subject");
    if (!subject) throw badRequest("USERS-1", "subject is required.");
    const status = str(body, "status") ?? "invited";
    if (status !== "invited") throw badRequest("USERS-1", 'status must be "invited"; users become active by logging in.');
    if (Object.values(tenant.users).some((u) => u.subject === subject && u.status !== "deleted")) throw conflict("USERS-9", `A user with subject "${subject}" already exists.`);
    const t = nowIso();
    const user: User = {
      id: newHexId(),
      tenantId: tenant.id,
      subject,
      name: str(body, "name") ?? "",
      email: str(body, "email") ?? "",
      status: "invited",
      createdAt: t,
      lastUpdatedAt: t,
      roles: body.assignedRoles === undefined ? [] : rolesFromBody(tenant, body.assignedRoles),
      groups: [],
    };
    tenant.users[user.id] = user;
    rt.changed(tenant);
    return c.json(userJson(c, tenant, user), 201);
  });
  app.patch("/api/v1/users/:userId", async (c) => {
    requireAdmin(c);
    const user = userOr404(tenant, c.req.param("userId"));
    const ops = await readJsonArray(c);
    for (const op of ops) {
      const path = String(op.path ?? "").replace(/^\//, "");
      const kind = String(op.op ?? "");
      if (!["replace", "add", "remove-value", "set", "unset", "renew"].includes(kind)) throw badRequest("USERS-1", `unsupported op "${kind}"`);
      if (path === "name" && typeof op.value === "string") user.name = op.value;
      else if ((path === "assignedRoles" || path === "roles") && kind === "replace") user.roles = rolesFromBody(tenant, op.value);
      else if (path === "assignedRoles" && kind === "add") user.roles = [...new Set([...user.roles, ...rolesFromBody(tenant, op.value)])];
      else if (path === "assignedRoles" && kind === "remove-value") {
        const remove = new Set(rolesFromBody(tenant, op.value));
        user.roles = user.roles.filter((r) => !remove.has(r));
      } else if (path === "assignedGroups" && kind === "replace" && Array.isArray(op.value)) {
        user.groups = op.value.map((g: unknown) => String((g as { id?: unknown }).id ?? ""));
        for (const gid of user.groups) if (!tenant.groups[gid]) throw badRequest("USERS-1", `unknown group "${gid}"`);
      } else if (path === "status" && typeof op.value === "string") {
        if (!["active", "disabled"].includes(op.value)) throw badRequest("USERS-1", `status can be set to active or disabled, not "${op.value}"`);
        user.status = op.value as UserStatus;
      } else if (["preferredLocale", "preferredZoneinfo", "inviteExpiry"].includes(path)) {
        // accepted, not modelled
      } else throw badRequest("USERS-1", `unsupported patch path "/${path}"`);
    }
    user.lastUpdatedAt = nowIso();
    rt.changed(tenant);
    return c.body(null, 204);
  });
  app.delete("/api/v1/users/:userId", (c) => {
    requireAdmin(c);
    const user = userOr404(tenant, c.req.param("userId"));
    delete tenant.users[user.id];
    rt.changed(tenant);
    return c.body(null, 204);
  });

  const groupJson = (c: Ctx, g: Group): Record<string, unknown> => ({
    id: g.id,
    tenantId: g.tenantId,
    name: g.name,
    ...(g.description !== undefined ? { description: g.description } : {}),
    providerType: g.providerType,
    status: g.status,
    createdAt: g.createdAt,
    lastUpdatedAt: g.lastUpdatedAt,
    assignedRoles: g.roles.map((name) => {
      const r = roleByName(tenant, name);
      return { id: r?.id ?? "", name, type: r?.type ?? "default", level: r?.level ?? "user" };
    }),
    links: { self: { href: `${baseUrl(c)}/api/v1/groups/${g.id}` } },
  });
  const groupOr404 = (id: string): Group => {
    const g = tenant.groups[id];
    if (!g) throw notFound("GROUPS-4", `Group "${id}" was not found.`);
    return g;
  };
  app.get("/api/v1/groups", (c) => {
    const limit = parseLimit(c, 20, 100);
    let groups = Object.values(tenant.groups).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
    const filter = c.req.query("filter");
    if (filter) {
      const node = parseScim(filter);
      groups = groups.filter((g) =>
        matchScim(node, g, (_item, attr) => (attr === "name" ? [g.name] : attr === "id" ? [g.id] : attr === "status" ? [g.status] : attr === "providerType" ? [g.providerType] : undefined)),
      );
    }
    const { page, links } = paginate(c, groups, limit);
    const body: Record<string, unknown> = { data: page.map((g) => groupJson(c, g)), links };
    if (c.req.query("totalResults") === "true") body.totalResults = groups.length;
    return c.json(body);
  });
  app.get("/api/v1/groups/:groupId", (c) => c.json(groupJson(c, groupOr404(c.req.param("groupId")))));
  app.post("/api/v1/groups", async (c) => {
    requireAdmin(c);
    const body = await readJson(c);
    const name = str(body, "name");
    if (!name || name.length > 256) throw badRequest("GROUPS-1", "name is required (at most 256 characters).");
    if (Object.values(tenant.groups).some((g) => g.name === name)) throw conflict("GROUPS-9", `A group named "${name}" already exists.`);
    const t = nowIso();
    const providerType = str(body, "providerType") ?? "idp";
    if (providerType !== "idp" && providerType !== "custom") throw badRequest("GROUPS-1", "providerType must be idp or custom.");
    const group: Group = {
      id: newHexId(),
      tenantId: tenant.id,
      name,
      description: str(body, "description"),
      providerType,
      status: "active",
      roles: body.assignedRoles === undefined ? [] : rolesFromBody(tenant, body.assignedRoles),
      createdAt: t,
      lastUpdatedAt: t,
    };
    if (group.description === undefined) delete group.description;
    tenant.groups[group.id] = group;
    rt.changed(tenant);
    return c.json(groupJson(c, group), 201);
  });
  app.patch("/api/v1/groups/:groupId", async (c) => {
    requireAdmin(c);
    const group = groupOr404(c.req.param("groupId"));
    for (const op of await readJsonArray(c)) {
      if (op.op !== "replace") throw badRequest("GROUPS-1", `unsupported op "${String(op.op)}"`);
      const path = String(op.path ?? "");
      if (path === "assignedRoles") group.roles = rolesFromBody(tenant, op.value);
      else if ((path === "name" || path === "description") && typeof op.value === "string") {
        if (group.providerType !== "custom") throw badRequest("GROUPS-1", "name and description can only be changed on custom groups.");
        if (path === "name") group.name = op.value;
        else group.description = op.value;
      } else throw badRequest("GROUPS-1", `unsupported patch path "${path}" (no leading slash: assignedRoles, name, description)`);
    }
    group.lastUpdatedAt = nowIso();
    rt.changed(tenant);
    return c.body(null, 204);
  });
  app.delete("/api/v1/groups/:groupId", (c) => {
    requireAdmin(c);
    const group = groupOr404(c.req.param("groupId"));
    delete tenant.groups[group.id];
    for (const u of Object.values(tenant.users)) u.groups = u.groups.filter((g) => g !== group.id);
    rt.changed(tenant);
    return c.body(null, 204);
  });

  const roleJson = (c: Ctx, r: Role): Record<string, unknown> => ({
    id: r.id,
    tenantId: r.tenantId,
    name: r.name,
    description: r.description,
    type: r.type,
    level: r.level,
    assignedScopes: r.assignedScopes,
    canEdit: r.type === "custom",
    canDelete: r.type === "custom",
    createdAt: r.createdAt,
    lastUpdatedAt: r.lastUpdatedAt,
    links: { self: { href: `${baseUrl(c)}/api/v1/roles/${r.id}` } },
  });
  const roleOr404 = (id: string): Role => {
    const r = tenant.roles[id];
    if (!r) throw notFound("ROLES-4", `Role "${id}" was not found.`);
    return r;
  };
  app.get("/api/v1/roles", (c) => {
    const limit = parseLimit(c, 20, 100);
    const roles = Object.values(tenant.roles).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.name.localeCompare(b.name));
    const { page, links } = paginate(c, roles, limit);
    const body: Record<string, unknown> = { data: page.map((r) => roleJson(c, r)), links };
    if (c.req.query("totalResults") === "true") body.totalResults = roles.length;
    return c.json(body);
  });
  app.get("/api/v1/roles/:id", (c) => c.json(roleJson(c, roleOr404(c.req.param("id")))));
  app.post("/api/v1/roles", async (c) => {
    requireAdmin(c);
    const body = await readJson(c);
    const name = str(body, "name");
    if (!name) throw badRequest("ROLES-1", "name is required.");
    if (roleByName(tenant, name)) throw conflict("ROLES-9", `A role named "${name}" already exists.`);
    const scopes = body.assignedScopes ?? [];
    if (!Array.isArray(scopes) || scopes.some((s) => typeof s !== "string")) throw badRequest("ROLES-1", "assignedScopes must be an array of strings.");
    if (Object.values(tenant.roles).filter((r) => r.type === "custom").length >= 500) throw badRequest("ROLES-1", "A tenant can have at most 500 custom roles.");
    const t = nowIso();
    const role: Role = { id: newHexId(), tenantId: tenant.id, name, description: str(body, "description") ?? "", type: "custom", level: "user", assignedScopes: scopes as string[], createdAt: t, lastUpdatedAt: t };
    tenant.roles[role.id] = role;
    rt.changed(tenant);
    return c.json(roleJson(c, role), 201);
  });
  app.patch("/api/v1/roles/:id", async (c) => {
    requireAdmin(c);
    const role = roleOr404(c.req.param("id"));
    if (role.type !== "custom") throw new QlikError(403, "ROLES-3", "Forbidden", "Default roles cannot be changed.");
    // @qlik/api 2.19 roles.d.ts `PatchRole`: replace of /name, /description, /assignedScopes;
    // add to /assignedScopes/- (one scope); remove-value of /assignedScopes (one scope).
    const next = { ...role, assignedScopes: [...role.assignedScopes] };
    for (const op of await readJsonArray(c)) {
      const path = String(op.path ?? "");
      const kind = String(op.op ?? "");
      if (kind === "replace" && (path === "/name" || path === "/description") && typeof op.value === "string") {
        if (path === "/name" && Object.values(tenant.roles).some((r) => r.name === op.value && r.id !== role.id)) throw conflict("ROLES-9", `A role named "${op.value}" already exists.`);
        next[path === "/name" ? "name" : "description"] = op.value;
      } else if (kind === "replace" && path === "/assignedScopes" && Array.isArray(op.value) && op.value.every((x) => typeof x === "string")) next.assignedScopes = [...new Set(op.value as string[])];
      else if (kind === "add" && path === "/assignedScopes/-" && typeof op.value === "string") next.assignedScopes = [...new Set([...next.assignedScopes, op.value])];
      else if (kind === "remove-value" && path === "/assignedScopes" && typeof op.value === "string") next.assignedScopes = next.assignedScopes.filter((x) => x !== op.value);
      else throw badRequest("ROLES-1", `unsupported patch ${JSON.stringify(op)}`);
    }
    if (next.name !== role.name) {
      // Users and groups hold roles by name here: follow the rename.
      for (const u of Object.values(tenant.users)) u.roles = u.roles.map((r) => (r === role.name ? next.name : r));
      for (const g of Object.values(tenant.groups)) g.roles = g.roles.map((r) => (r === role.name ? next.name : r));
    }
    Object.assign(role, next);
    role.lastUpdatedAt = nowIso();
    rt.changed(tenant);
    return c.body(null, 204);
  });
  app.delete("/api/v1/roles/:id", (c) => {
    requireAdmin(c);
    const role = roleOr404(c.req.param("id"));
    if (role.type !== "custom") throw new QlikError(403, "ROLES-3", "Forbidden", "Default roles cannot be deleted.");
    const inUse = Object.values(tenant.users).some((u) => u.roles.includes(role.name)) || Object.values(tenant.groups).some((g) => g.roles.includes(role.name));
    if (inUse) throw badRequest("ROLES-1", `Role "${role.name}" is still assigned to users or groups.`);
    delete tenant.roles[role.id];
    rt.changed(tenant);
    return c.body(null, 204);
  });
}
