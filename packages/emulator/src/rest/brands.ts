/**
 * Brands (`/api/v1/brands…`), API-FACTS §6.18; shapes from the 2025 spec (`Brand`,
 * `BrandsList`, `BrandFile`) and @qlik/api 2.19 `brands.d.ts`.
 *
 * - Managing brands needs TenantAdmin (UNCONFIRMED which role; the stricter reading), and so
 *   does reading them — except `GET /brands/active` and a brand's files, which every user's
 *   browser loads to draw the tenant.
 * - `POST` is multipart: `name` (required), `description`, and the files `logo` (PNG or JPG,
 *   ≤ 300 KB), `favIcon` (ICO, ≤ 100 KB), `styles` (JSON, ≤ 100 KB). Names need not be unique
 *   (nothing says they must: a client that creates twice gets two brands).
 * - Paging with `startingAfter` / `endingBefore` (an id), `limit`, `sort`.
 * - `PATCH` is JSON Patch on `/name` and `/description` only (204). Only one brand is active:
 *   `actions/activate` deactivates the others; deleting the active brand reverts the tenant to
 *   Qlik's default.
 * - `GET /brands/active`: `{}` when Qlik's default is in use, else a 301 to the active brand
 *   (the spec's two answers).
 * - Files: `GET|POST|PUT|DELETE /brands/{id}/files/{logo|favIcon|styles}`. `POST` on a file the
 *   brand has is a 400 (the spec lists no 409), `PUT` on one it lacks a 404. A download answers
 *   with the file's content type — with `content-disposition: attachment` only under the
 *   `brandFileAttachment` quirk (UNCONFIRMED).
 */
import { createHash } from "node:crypto";
import type { Hono } from "hono";
import { kindsOf, type Brand, type BrandFileItem } from "../kinds.ts";
import { badRequest, forbidden, notFound } from "../internal/errors.ts";
import { newHexId, nowIso } from "../internal/runtime.ts";
import { baseUrl, readJsonArray, who, type Ctx, type Env, type RouteDeps } from "./common.ts";
import { limitOf } from "./kinds-common.ts";

const FILE_IDS = ["logo", "favIcon", "styles"] as const;
type FileId = (typeof FILE_IDS)[number];
const MAX_BYTES: Record<FileId, number> = { logo: 300 * 1024, favIcon: 100 * 1024, styles: 100 * 1024 };

/** The content type of a file Qlik accepts as `id`, or a 400 naming what is wrong. */
function checkFile(id: FileId, bytes: Buffer): string {
  if (bytes.length === 0) throw badRequest("HTTP-400", `The ${id} file is empty.`);
  if (bytes.length > MAX_BYTES[id]) throw badRequest("HTTP-400", `The ${id} file is ${bytes.length} bytes; the maximum is ${MAX_BYTES[id]}.`);
  if (id === "logo") {
    if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return "image/png";
    if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return "image/jpeg";
    throw badRequest("HTTP-400", "The logo must be a PNG or JPG file.");
  }
  if (id === "favIcon") {
    if (bytes.readUInt32BE(0) === 0x00000100) return "image/x-icon";
    throw badRequest("HTTP-400", "The favIcon must be an ICO file.");
  }
  try {
    JSON.parse(bytes.toString("utf8"));
  } catch {
    throw badRequest("HTTP-400", "The styles file must be JSON.");
  }
  return "application/json";
}

export function registerBrands(app: Hono<Env>, { tenant, rt }: RouteDeps): void {
  const store = () => kindsOf(tenant).brands;
  const admin = (c: Ctx): void => {
    if (!who(c).isTenantAdmin) throw forbidden("HTTP-403", "Managing brands needs the TenantAdmin role.");
  };
  const find = (c: Ctx): Brand => {
    const id = c.req.param("id") ?? "";
    const b = store()[id];
    if (!b) throw notFound("HTTP-404", `Brand "${id}" was not found.`);
    return b;
  };
  const fileJson = (b: Brand, f: BrandFileItem): Record<string, unknown> => ({ id: f.id, contentType: f.contentType, eTag: f.eTag, path: `/api/v1/brands/${b.id}/files/${f.id}` });
  const json = (b: Brand): Record<string, unknown> => ({
    id: b.id,
    name: b.name,
    description: b.description,
    active: b.active,
    files: b.files.map((f) => fileJson(b, f)),
    createdAt: b.createdAt,
    createdBy: b.createdBy,
    updatedAt: b.updatedAt,
    updatedBy: b.updatedBy,
  });
  const fileItem = (id: FileId, bytes: Buffer): BrandFileItem => ({ id, contentType: checkFile(id, bytes), data: bytes.toString("base64"), eTag: createHash("md5").update(bytes).digest("hex") });
  const multipart = async (c: Ctx): Promise<Record<string, string | File>> => {
    if (!(c.req.header("content-type") ?? "").startsWith("multipart/form-data")) throw badRequest("HTTP-400", "Send multipart/form-data.");
    return (await c.req.parseBody()) as Record<string, string | File>;
  };
  const bytesOf = async (v: string | File): Promise<Buffer> => (typeof v === "string" ? Buffer.from(v, "utf8") : Buffer.from(await v.arrayBuffer()));
  const fileIdOf = (c: Ctx): FileId => {
    const id = c.req.param("fileId") ?? "";
    if (!(FILE_IDS as readonly string[]).includes(id)) throw badRequest("HTTP-400", `"${id}" is not a brand file; use one of ${FILE_IDS.join(", ")}.`);
    return id as FileId;
  };
  const touch = (c: Ctx, b: Brand): void => {
    b.updatedAt = nowIso();
    b.updatedBy = who(c).user.id;
  };

  app.get("/api/v1/brands", (c) => {
    admin(c);
    const limit = limitOf(c, 5, 100);
    const sort = c.req.query("sort") ?? "+createdAt";
    const m = /^([+-]?)(id|createdAt|updatedAt)$/.exec(sort);
    if (!m) throw badRequest("HTTP-400", `sort must be one of id, createdAt, updatedAt (with + or -), got "${sort}".`);
    const key = m[2] as "id" | "createdAt" | "updatedAt";
    const dir = m[1] === "-" ? -1 : 1;
    const all = Object.values(store()).sort((a, b) => dir * (a[key].localeCompare(b[key]) || a.id.localeCompare(b.id)));
    const after = c.req.query("startingAfter");
    const before = c.req.query("endingBefore");
    const at = (id: string): number => {
      const i = all.findIndex((b) => b.id === id);
      if (i < 0) throw badRequest("HTTP-400", `No brand "${id}" to page from.`);
      return i;
    };
    let start = 0;
    if (after) start = at(after) + 1;
    else if (before) start = Math.max(0, at(before) - limit);
    const page = all.slice(start, start + limit);
    const self = `${baseUrl(c)}${new URL(c.req.url).pathname}${new URL(c.req.url).search}`;
    const href = (p: string, id: string): string => {
      const u = new URL(`${baseUrl(c)}/api/v1/brands`);
      u.searchParams.set("limit", String(limit));
      if (c.req.query("sort")) u.searchParams.set("sort", sort);
      u.searchParams.set(p, id);
      return u.toString();
    };
    const links: Record<string, { href: string }> = { self: { href: self } };
    if (start + limit < all.length && page.length) links.next = { href: href("startingAfter", page[page.length - 1]!.id) };
    if (start > 0 && page.length) links.prev = { href: href("endingBefore", page[0]!.id) };
    return c.json({ data: page.map(json), links });
  });

  app.get("/api/v1/brands/active", (c) => {
    const active = Object.values(store()).find((b) => b.active);
    if (!active) return c.json({});
    return c.redirect(`/api/v1/brands/${active.id}`, 301);
  });

  app.post("/api/v1/brands", async (c) => {
    admin(c);
    const body = await multipart(c);
    const name = body.name;
    if (typeof name !== "string" || !name.trim()) throw badRequest("HTTP-400", "name is required.");
    const description = body.description;
    if (description !== undefined && typeof description !== "string") throw badRequest("HTTP-400", "description must be text.");
    const files: BrandFileItem[] = [];
    for (const id of FILE_IDS) if (body[id] !== undefined) files.push(fileItem(id, await bytesOf(body[id]!)));
    const t = nowIso();
    const b: Brand = { id: newHexId(), name, description: description ?? "", active: false, files, createdAt: t, createdBy: who(c).user.id, updatedAt: t, updatedBy: who(c).user.id };
    store()[b.id] = b;
    rt.changed(tenant);
    return c.json(json(b), 201);
  });

  app.get("/api/v1/brands/:id", (c) => {
    admin(c);
    return c.json(json(find(c)));
  });

  app.patch("/api/v1/brands/:id", async (c) => {
    admin(c);
    const b = find(c);
    const ops = await readJsonArray(c);
    const next = structuredClone(b);
    for (const op of ops) {
      if (op.op !== "add" && op.op !== "remove" && op.op !== "replace") throw badRequest("HTTP-400", `op must be add, remove or replace, got "${String(op.op)}".`);
      if (op.path !== "/name" && op.path !== "/description") throw badRequest("HTTP-400", `path must be /name or /description, got "${String(op.path)}".`);
      const field = op.path.slice(1) as "name" | "description";
      if (op.op === "remove") {
        if (field === "name") throw badRequest("HTTP-400", "A brand's name cannot be removed.");
        next.description = "";
        continue;
      }
      if (typeof op.value !== "string" || (field === "name" && !op.value.trim())) throw badRequest("HTTP-400", `${op.path} takes a non-empty string.`);
      next[field] = op.value;
    }
    Object.assign(b, next);
    touch(c, b);
    rt.changed(tenant);
    return c.body(null, 204);
  });

  app.delete("/api/v1/brands/:id", (c) => {
    admin(c);
    const b = find(c);
    delete store()[b.id];
    rt.changed(tenant);
    return c.body(null, 204);
  });

  for (const action of ["activate", "deactivate"] as const) {
    app.post(`/api/v1/brands/:id/actions/${action}`, (c) => {
      admin(c);
      const b = find(c);
      if (action === "activate" && !b.active) {
        for (const other of Object.values(store())) other.active = false;
        b.active = true;
        touch(c, b);
      } else if (action === "deactivate" && b.active) {
        b.active = false;
        touch(c, b);
      }
      rt.changed(tenant);
      return c.json(json(b));
    });
  }

  app.get("/api/v1/brands/:id/files/:fileId", (c) => {
    const b = find(c);
    const id = fileIdOf(c);
    const f = b.files.find((x) => x.id === id);
    if (!f) throw notFound("HTTP-404", `Brand "${b.name}" has no ${id} file.`);
    const headers: Record<string, string> = { "content-type": f.contentType, etag: f.eTag };
    if (rt.quirks.brandFileAttachment) headers["content-disposition"] = `attachment; filename="${id}"`;
    return c.body(new Uint8Array(Buffer.from(f.data, "base64")), 200, headers);
  });

  for (const method of ["post", "put"] as const) {
    app[method]("/api/v1/brands/:id/files/:fileId", async (c) => {
      admin(c);
      const b = find(c);
      const id = fileIdOf(c);
      const i = b.files.findIndex((x) => x.id === id);
      if (method === "post" && i >= 0) throw badRequest("HTTP-400", `Brand "${b.name}" already has a ${id} file; replace it with PUT.`);
      if (method === "put" && i < 0) throw notFound("HTTP-404", `Brand "${b.name}" has no ${id} file; create it with POST.`);
      const body = await multipart(c);
      if (body.file === undefined) throw badRequest("HTTP-400", "file is required.");
      const f = fileItem(id, await bytesOf(body.file));
      if (i >= 0) b.files[i] = f;
      else b.files.push(f);
      touch(c, b);
      rt.changed(tenant);
      return c.json(fileJson(b, f), method === "post" ? 201 : 200);
    });
  }

  app.delete("/api/v1/brands/:id/files/:fileId", (c) => {
    admin(c);
    const b = find(c);
    const id = fileIdOf(c);
    const i = b.files.findIndex((x) => x.id === id);
    if (i < 0) throw notFound("HTTP-404", `Brand "${b.name}" has no ${id} file.`);
    b.files.splice(i, 1);
    touch(c, b);
    rt.changed(tenant);
    return c.body(null, 204);
  });
}
