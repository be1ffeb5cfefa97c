/** Helpers of the issue-12 kinds' routes (cursor names differ per Qlik service). */
import { badRequest } from "../internal/errors.ts";
import { baseUrl, type Ctx } from "./common.ts";

/** An IANA time zone the runtime knows (schedules of tasks, automations, sharing tasks). */
export function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Absolute URL of a path on this tenant. */
export function selfHref(c: Ctx, path: string): string {
  return `${baseUrl(c)}${path}`;
}

/** `limit` query parameter: default, 1..max, else a Qlik-shaped 400. */
export function limitOf(c: Ctx, def: number, max: number): number {
  const raw = c.req.query("limit");
  if (raw === undefined || raw === "") return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) throw badRequest("HTTP-400", `limit must be an integer between 1 and ${max}, got "${raw}".`);
  return n;
}

const encode = (offset: number): string => Buffer.from(`o:${offset}`).toString("base64url");
function decode(cursor: string): number {
  const m = /^o:(\d+)$/.exec(Buffer.from(cursor, "base64url").toString("utf8"));
  if (!m?.[1]) throw badRequest("HTTP-400", `invalid page cursor "${cursor}".`);
  return Number(m[1]);
}

/**
 * Cursor pagination where the service names its forward cursor `param` (data-connections:
 * `page`; automations: `cursor`; reload-tasks and webhooks: `next`, with `prev` back). Links are absolute.
 */
export function cursorPage<T>(c: Ctx, items: T[], limit: number, param: "page" | "next" | "cursor"): { page: T[]; links: Record<string, { href: string }> } {
  const fwd = c.req.query(param);
  const back = param === "next" ? c.req.query("prev") : undefined;
  const offset = fwd ? decode(fwd) : back ? decode(back) : 0;
  const page = items.slice(offset, offset + limit);
  const url = new URL(c.req.url);
  const self = new URL(`${baseUrl(c)}${url.pathname}${url.search}`);
  const href = (p: string, off: number): string => {
    const u = new URL(self);
    u.searchParams.delete(param);
    u.searchParams.delete("prev");
    u.searchParams.set(p, encode(off));
    return u.toString();
  };
  const links: Record<string, { href: string }> = { self: { href: self.toString() } };
  if (offset + limit < items.length) links.next = { href: href(param, offset + limit) };
  if (offset > 0) links.prev = { href: href(param === "next" ? "prev" : param, Math.max(0, offset - limit)) };
  return { page, links };
}
