/** Routes: first-admin setup, login, logout, the session, one's own password. */
import { timingSafeEqual } from "node:crypto";
import { deleteCookie, setCookie } from "hono/cookie";
import { LifeboatError } from "@lifeboat/model";
import { z } from "zod";
import { SESSION_COOKIE, type Api } from "../api.ts";
import { auditor, clientAddress, sessionSchema, userSchema, type RouteContext } from "./common.ts";

export function registerSessionRoutes(api: Api, x: RouteContext): void {
  const audit = auditor(x);
  api.add({
    method: "get", path: "/api/setup", operationId: "getSetup", summary: "Does the service still need its first admin?", tag: "session", access: "public",
    response: z.object({ needed: z.boolean() }),
    handler: async () => ({ needed: (await x.accounts.countUsers()) === 0 }),
  });
  api.add({
    method: "post", path: "/api/setup", operationId: "setup", summary: "Create the first admin with the one-time setup token printed at first start.", tag: "session", access: "public", status: 201,
    body: z.object({ token: z.string(), username: z.string(), password: z.string() }),
    response: userSchema, errors: [409],
    handler: async (c, { body }) => {
      if ((await x.accounts.countUsers()) > 0 || !x.setup.token) throw new LifeboatError("conflict", "the service has its admin already; log in, and ask an admin for an account", { next: "log in" });
      const a = Buffer.from(body.token);
      const b = Buffer.from(x.setup.token);
      if (a.length !== b.length || !timingSafeEqual(a, b)) {
        await audit(undefined, "setup", body.username, "denied", { address: clientAddress(c) });
        throw new LifeboatError("auth", "the setup token is wrong; use the one the service printed at its first start", { next: "copy the setup token from the service's output" });
      }
      const u = await x.accounts.createUser(body.username, body.password, "admin");
      x.setup.token = undefined;
      await audit({ username: u.username, role: "admin", via: "session" }, "setup", u.username, "ok");
      return { username: u.username, role: u.role, createdAt: u.createdAt.toISOString() };
    },
  });
  api.add({
    method: "post", path: "/api/session", operationId: "login", summary: "Log in: sets the session cookie and returns the CSRF token.", tag: "session", access: "public",
    body: z.object({ username: z.string().min(1), password: z.string().min(1) }),
    response: sessionSchema, errors: [429],
    handler: async (c, { body }) => {
      const address = clientAddress(c);
      const wait = x.limiter.retryAfterMs(body.username, address);
      if (wait > 0) {
        x.metrics.loginsRateLimited.inc();
        await audit(undefined, "login", body.username, "denied", { reason: "rate-limited", address });
        const seconds = Math.ceil(wait / 1000);
        throw Object.assign(new LifeboatError("rate-limited", `too many failed logins for '${body.username}' or from ${address}; try again in ${seconds} s`, { object: `user '${body.username}'`, next: `wait ${seconds} s` }), { retryAfterSeconds: seconds });
      }
      const user = await x.accounts.checkPassword(body.username, body.password);
      if (!user) {
        x.limiter.failed(body.username, address);
        await audit(undefined, "login", body.username, "failed", { address });
        throw new LifeboatError("auth", "wrong user name or password", { next: "check both and try again" });
      }
      x.limiter.succeeded(body.username);
      const s = await x.accounts.createSession(user.username);
      setCookie(c, SESSION_COOKIE, s.id, { httpOnly: true, secure: true, sameSite: "Strict", path: "/", maxAge: Math.floor(x.accounts.sessionMaxMs / 1000) });
      await x.history.appendAudit({ at: x.now(), actor: user.username, action: "login", target: user.username, outcome: "ok", details: { address } });
      return { username: user.username, role: user.role, csrfToken: s.csrfToken, expiresAt: s.expiresAt.toISOString() };
    },
  });
  api.add({
    method: "get", path: "/api/session", operationId: "getSession", summary: "Who am I (and my CSRF token)?", tag: "session", access: "viewer",
    response: sessionSchema.extend({ csrfToken: z.string().nullable() }),
    handler: async (_c, { caller }) => {
      const s = caller!.sessionId ? await x.accounts.session(caller!.sessionId) : null;
      return { username: caller!.username, role: caller!.role, csrfToken: s?.csrfToken ?? null, expiresAt: (s?.expiresAt ?? x.now()).toISOString() };
    },
  });
  api.add({
    method: "delete", path: "/api/session", operationId: "logout", summary: "Log out (ends the session).", tag: "session", access: "viewer",
    handler: async (c, { caller }) => {
      if (caller!.sessionId) await x.accounts.endSession(caller!.sessionId);
      deleteCookie(c, SESSION_COOKIE, { path: "/", secure: true });
      await audit(caller, "logout", caller!.username, "ok");
    },
  });
  api.add({
    method: "put", path: "/api/session/password", operationId: "changeOwnPassword", summary: "Change my password (the current one is asked again).", tag: "session", access: "viewer",
    body: z.object({ current: z.string(), password: z.string() }),
    handler: async (_c, { body, caller }) => {
      if (!(await x.accounts.checkPassword(caller!.username, body.current))) {
        await audit(caller, "password.change", caller!.username, "denied");
        throw new LifeboatError("auth", "the current password is wrong; nothing was changed");
      }
      await x.accounts.setPassword(caller!.username, body.password);
      await audit(caller, "password.change", caller!.username, "ok");
    },
  });
}
