/** Routes: users, API tokens and the audit log. */
import { LifeboatError } from "@lifeboat/model";
import { z } from "zod";
import type { Role } from "../../security/accounts.ts";
import type { Api } from "../api.ts";
import { anyJson, auditor, iso, roleSchema, tokenSchema, userSchema, type RouteContext } from "./common.ts";

export function registerUsersRoutes(api: Api, x: RouteContext): void {
  const audit = auditor(x);
  const userView = (u: { username: string; role: Role; createdAt: Date }) => ({ username: u.username, role: u.role, createdAt: u.createdAt.toISOString() });
  api.add({ method: "get", path: "/api/users", operationId: "listUsers", summary: "Every user.", tag: "users", access: "admin", response: z.array(userSchema), handler: async () => (await x.accounts.listUsers()).map(userView) });
  api.add({
    method: "post", path: "/api/users", operationId: "createUser", summary: "Create a user.", tag: "users", access: "admin", status: 201,
    body: z.object({ username: z.string(), password: z.string(), role: roleSchema }), response: userSchema, errors: [409],
    handler: async (_c, { body, caller }) => {
      const u = await x.accounts.createUser(body.username, body.password, body.role);
      await audit(caller, "user.create", u.username, "ok", { role: u.role });
      return userView(u);
    },
  });
  const userParam = z.object({ user: z.string() });
  api.add({
    method: "patch", path: "/api/users/{user}", operationId: "updateUser", summary: "Change a user's role or password.", tag: "users", access: "admin", params: userParam,
    body: z.object({ role: roleSchema.optional(), password: z.string().optional() }), response: userSchema, errors: [404, 409],
    handler: async (_c, { params, body, caller }) => {
      if (body.password !== undefined) await x.accounts.setPassword(params.user, body.password);
      if (body.role !== undefined) await x.accounts.setRole(params.user, body.role);
      await audit(caller, "user.change", params.user, "ok", { ...(body.role ? { role: body.role } : {}), ...(body.password !== undefined ? { password: "changed" } : {}) });
      const u = await x.accounts.getUser(params.user);
      return userView(u!);
    },
  });
  api.add({
    method: "delete", path: "/api/users/{user}", operationId: "deleteUser", summary: "Delete a user (their sessions end, their tokens are revoked).", tag: "users", access: "admin", params: userParam, errors: [404, 409],
    handler: async (_c, { params, caller }) => {
      await x.accounts.deleteUser(params.user);
      await audit(caller, "user.delete", params.user, "ok");
    },
  });
  const tokenView = (t: { id: string; name: string; username: string; role: Role; createdAt: Date; lastUsedAt: Date | null; revokedAt: Date | null }) => ({ ...t, createdAt: t.createdAt.toISOString(), lastUsedAt: t.lastUsedAt?.toISOString() ?? null, revokedAt: t.revokedAt?.toISOString() ?? null });
  api.add({
    method: "get", path: "/api/tokens", operationId: "listTokens", summary: "API tokens: mine (an admin sees all). The token text is never shown again.", tag: "users", access: "viewer",
    response: z.array(tokenSchema),
    handler: async (_c, { caller }) => (await x.accounts.listTokens(caller!.role === "admin" ? undefined : caller!.username)).map(tokenView),
  });
  api.add({
    method: "post", path: "/api/tokens", operationId: "createToken", summary: "Create an API token for automation; its text is shown once.", tag: "users", access: "viewer", status: 201,
    body: z.object({ name: z.string(), role: roleSchema.optional().describe("default: my role; at most my role") }),
    response: tokenSchema.extend({ token: z.string().describe("shown once: store it now") }),
    handler: async (_c, { body, caller }) => {
      if (caller!.via === "token") throw new LifeboatError("forbidden", "an API token cannot create tokens; log in to the console to make one");
      const { token, record } = await x.accounts.createToken(caller!.username, body.name, body.role ?? caller!.role);
      await audit(caller, "token.create", record.id, "ok", { name: record.name, role: record.role });
      return { ...tokenView(record), token };
    },
  });
  api.add({
    method: "delete", path: "/api/tokens/{id}", operationId: "revokeToken", summary: "Revoke an API token (mine; an admin: any).", tag: "users", access: "viewer", params: z.object({ id: z.string() }), errors: [404],
    handler: async (_c, { params, caller }) => {
      await x.accounts.revokeToken(params.id, caller!);
      await audit(caller, "token.revoke", params.id, "ok");
    },
  });
  api.add({
    method: "get", path: "/api/audit", operationId: "listAudit", summary: "The audit log (append-only), newest first.", tag: "users", access: "admin",
    query: z.object({ actor: z.string().optional(), action: z.string().optional(), from: z.iso.datetime({ offset: true }).optional(), to: z.iso.datetime({ offset: true }).optional(), limit: z.coerce.number().int().min(1).max(1000).optional() }),
    response: z.array(z.object({ id: z.number(), at: iso, actor: z.string(), action: z.string(), target: z.string().nullable(), outcome: z.enum(["ok", "denied", "failed"]), details: anyJson })),
    handler: async ({}, { query }) =>
      (
        await x.history.listAudit({
          ...(query.actor ? { actor: query.actor } : {}),
          ...(query.action ? { action: query.action } : {}),
          ...(query.from ? { from: new Date(query.from) } : {}),
          ...(query.to ? { to: new Date(query.to) } : {}),
          ...(query.limit ? { limit: query.limit } : {}),
        })
      ).map((a) => ({ ...a, at: a.at.toISOString() })),
  });
}
