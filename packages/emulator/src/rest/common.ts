/** Helpers shared by the REST route modules. */
import type { Context, Hono } from "hono";
import type { HttpBindings } from "@hono/node-server";
import type { App, Identity, Tenant } from "../model.ts";
import type { FaultKind } from "../internal/faults.ts";
import type { Runtime } from "../internal/runtime.ts";
import { QlikError, badRequest, forbidden, notFound } from "../internal/errors.ts";
import { canOpenApp } from "../internal/access.ts";
import { withPercentSpaces } from "./query.ts";

export interface Env {
  Bindings: HttpBindings;
  Variables: { who: Identity; fault: FaultKind | undefined };
}

export type Ctx = Context<Env>;
export type RestApp = Hono<Env>;

export interface RouteDeps {
  tenant: Tenant;
  rt: Runtime;
}

/** Absolute base URL of this tenant as the client addressed it (for `links.*.href`). */
export function baseUrl(c: Ctx): string {
  const host = c.req.header("host") ?? "127.0.0.1";
  return `http://${host}`;
}

export function who(c: Ctx): Identity {
  return c.get("who");
}

/** Parses a JSON request body; malformed JSON is a Qlik-shaped 400. */
/** Largest JSON request body accepted (Qlik answers 413 above its own, smaller, limits). */
const MAX_JSON_BYTES = 10 * 1024 * 1024;

async function bodyText(c: Ctx): Promise<string> {
  const declared = Number(c.req.header("content-length") ?? 0);
  if (declared > MAX_JSON_BYTES) throw new QlikError(413, "HTTP-413", "Payload Too Large", `JSON bodies are limited to ${MAX_JSON_BYTES} bytes.`);
  const text = await c.req.text();
  if (text.length > MAX_JSON_BYTES) throw new QlikError(413, "HTTP-413", "Payload Too Large", `JSON bodies are limited to ${MAX_JSON_BYTES} bytes.`);
  return text;
}

export async function readJson(c: Ctx, required = true): Promise<Record<string, unknown>> {
  const text = await bodyText(c);
  if (text.trim() === "") {
    if (required) throw badRequest("HTTP-400", "The request body is empty; a JSON object is required.");
    return {};
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw badRequest("HTTP-400", "The request body is not valid JSON.");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw badRequest("HTTP-400", "The request body must be a JSON object.");
  return parsed as Record<string, unknown>;
}

/** Parses a JSON array request body (JSON-Patch). */
export async function readJsonArray(c: Ctx): Promise<Record<string, unknown>[]> {
  const text = await bodyText(c);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw badRequest("HTTP-400", "The request body is not valid JSON.");
  }
  if (!Array.isArray(parsed) || parsed.some((p) => typeof p !== "object" || p === null)) {
    throw badRequest("HTTP-400", "The request body must be a JSON array of patch operations.");
  }
  return parsed as Record<string, unknown>[];
}

export function str(body: Record<string, unknown>, key: string): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw badRequest("HTTP-400", `"${key}" must be a string.`);
  return v;
}

export function parseLimit(c: Ctx, def: number, max: number): number {
  const raw = c.req.query("limit");
  if (raw === undefined || raw === "") return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) throw badRequest("HTTP-400", `limit must be an integer between 1 and ${max}, got "${raw}".`);
  return n;
}

const encodeCursor = (offset: number): string => Buffer.from(`o:${offset}`).toString("base64url");
function decodeCursor(cursor: string): number {
  const m = /^o:(\d+)$/.exec(Buffer.from(cursor, "base64url").toString("utf8"));
  if (!m?.[1]) throw badRequest("HTTP-400", `invalid page cursor "${cursor}".`);
  return Number(m[1]);
}

/**
 * Cursor pagination with `next`/`prev` query parameters and absolute `links.*.href`
 * (API-FACTS §4). Returns the page and the links object.
 */
export function paginate<T>(c: Ctx, items: T[], limit: number): { page: T[]; links: Record<string, { href: string }> } {
  const next = c.req.query("next");
  const prev = c.req.query("prev");
  let offset = 0;
  if (next) offset = decodeCursor(next);
  else if (prev) offset = Math.max(0, decodeCursor(prev));
  const page = items.slice(offset, offset + limit);
  const url = new URL(c.req.url);
  const self = new URL(`${baseUrl(c)}${url.pathname}${url.search}`);
  const href = (param: "next" | "prev", off: number): string => {
    const u = new URL(self);
    u.searchParams.delete("next");
    u.searchParams.delete("prev");
    u.searchParams.set(param, encodeCursor(off));
    return withPercentSpaces(u.toString());
  };
  const links: Record<string, { href: string }> = { self: { href: withPercentSpaces(self.toString()) } };
  if (offset + limit < items.length) links.next = { href: href("next", offset + limit) };
  if (offset > 0) links.prev = { href: href("prev", Math.max(0, offset - limit)) };
  return { page, links };
}

/** Looks an app up and checks the caller may open it: 404 unknown, 403 not allowed. */
export function appFor(c: Ctx, tenant: Tenant, appId: string): App {
  const app = tenant.apps[appId];
  if (!app) throw notFound("HTTP-404", `App "${appId}" was not found in this tenant.`);
  if (!canOpenApp(who(c), app)) throw forbidden("HTTP-403", `Access to app "${appId}" is denied for this user.`);
  return app;
}

export function requirePrivilege(privileges: string[], needed: string, what: string): void {
  if (!privileges.includes(needed)) throw forbidden("HTTP-403", `The caller lacks the "${needed}" privilege needed to ${what}.`);
}

export function userRef(tenant: Tenant, userId: string): string {
  return tenant.users[userId]?.subject ?? "";
}

export function isQlikError(e: unknown): e is QlikError {
  return e instanceof QlikError;
}
