/**
 * Themes and extensions (`/api/v1/themes…`, `/api/v1/extensions…`), API-FACTS §6.13; shapes
 * from the 2025 spec (`theme`, `themes`, `extension`, `extensions`).
 *
 * - Everyone reads (a sheet renders with them); uploading, patching and deleting need TenantAdmin
 *   (UNCONFIRMED: Qlik also has a "manage extensions" permission; the stricter reading).
 * - `POST` and `PATCH` are multipart: `file` (a ZIP) and/or `data` (the JSON model). The
 *   `qextFilename` is the archive's `.qext` file name (else `data.qextFilename`, else the name);
 *   names are unique (409); an archive that is not a readable ZIP is 422, a body that is not
 *   multipart 415.
 * - `GET /{id}` takes the id or the `qextFilename`. `GET /{id}/file` returns the uploaded archive
 *   byte for byte (`application/zip`); `GET /{id}/file/{filepath}` one file inside it.
 * - No paging. `DELETE` is a soft delete: later reads answer 410 Gone.
 * - Errors are this service's flat error object (`{code, title, status, detail, traceId}`, spec
 *   `error`; @qlik/api 2.19 `themes.d.ts` `Error`), not the `{errors:[…]}` list of other services.
 */
import { createHash } from "node:crypto";
import type { Hono } from "hono";
import { kindsOf, type ArchiveItem } from "../kinds.ts";
import { QlikError, badRequest, conflict, forbidden, notFound, traceId } from "../internal/errors.ts";
import { newHexId, nowIso } from "../internal/runtime.ts";
import { readZip } from "../internal/zip.ts";
import { who, type Ctx, type Env, type RouteDeps } from "./common.ts";

const MODEL_FIELDS = ["name", "type", "author", "version", "qextVersion", "description", "icon", "license", "homepage", "keywords", "supplier", "repository", "preview", "loadpath"] as const;

export function registerThemesAndExtensions(app: Hono<Env>, { tenant, rt }: RouteDeps): void {
  for (const kind of ["themes", "extensions"] as const) {
    for (const path of [`/api/v1/${kind}`, `/api/v1/${kind}/*`]) {
      app.use(path, async (c, next) => {
        await next();
        const e = c.error;
        if (e instanceof QlikError && e.status !== 401 && e.status !== 429) {
          const body: Record<string, unknown> = { code: e.code, title: e.title, status: e.status, traceId: traceId() };
          if (e.detail !== undefined) body.detail = e.detail;
          c.res = new Response(JSON.stringify(body), { status: e.status, headers: { "content-type": "application/json", ...e.headers } });
        } else if (!e && c.res.status === 404 && (c.res.headers.get("content-type") ?? "").includes("application/json")) {
          // No route for this method: the same flat shape.
          const listed = (await c.res.clone().json()) as { errors?: Record<string, unknown>[]; traceId?: string };
          const first = listed.errors?.[0];
          if (first) c.res = new Response(JSON.stringify({ ...first, traceId: listed.traceId ?? traceId() }), { status: 404, headers: { "content-type": "application/json" } });
        }
      });
    }
    const store = () => (kind === "themes" ? kindsOf(tenant).themes : kindsOf(tenant).extensions);
    const label = kind === "themes" ? "Theme" : "Extension";
    const json = (x: ArchiveItem): Record<string, unknown> => {
      const out: Record<string, unknown> = { id: x.id, name: x.name, qextFilename: x.qextFilename, tags: x.tags, userId: x.userId, tenantId: tenant.id, createdAt: x.createdAt, updateAt: x.updatedAt, dependencies: x.dependencies };
      for (const f of MODEL_FIELDS) if (x.model[f] !== undefined && f !== "name") out[f] = x.model[f];
      if (kind === "extensions") Object.assign(out, { supernova: x.supernova, bundled: false, checksum: x.checksum });
      else {
        delete out.preview;
        delete out.loadpath;
      }
      return out;
    };
    const find = (c: Ctx): ArchiveItem => {
      const key = c.req.param("id") ?? "";
      const x = Object.values(store()).find((i) => i.id === key) ?? Object.values(store()).find((i) => i.qextFilename === key);
      if (!x) throw notFound("HTTP-404", `${label} "${key}" was not found.`);
      if (x.deletedAt) throw new QlikError(410, "HTTP-410", "Gone", `${label} "${key}" was deleted.`);
      return x;
    };
    const admin = (c: Ctx): void => {
      if (!who(c).isTenantAdmin) throw forbidden("HTTP-403", `Managing ${kind} needs the TenantAdmin role.`);
    };
    /** Reads the multipart body: the archive (base64) and the model fields. */
    const parse = async (c: Ctx): Promise<{ archive?: Buffer; data: Record<string, unknown> }> => {
      if (!(c.req.header("content-type") ?? "").startsWith("multipart/form-data")) throw new QlikError(415, "HTTP-415", "Unsupported Media Type", "Send multipart/form-data with a file (ZIP) and/or data (JSON).");
      const body = await c.req.parseBody();
      let data: Record<string, unknown> = {};
      const rawData = body.data;
      if (rawData !== undefined) {
        const text = typeof rawData === "string" ? rawData : await rawData.text();
        try {
          const parsed = JSON.parse(text) as unknown;
          if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
          data = parsed as Record<string, unknown>;
        } catch {
          throw badRequest("HTTP-400", "data must be a JSON object.");
        }
      }
      const file = body.file;
      const archive = file === undefined ? undefined : typeof file === "string" ? Buffer.from(file, "utf8") : Buffer.from(await file.arrayBuffer());
      if (!archive && rawData === undefined) throw badRequest("HTTP-400", "Send a file (ZIP) and/or data (JSON).");
      return { archive, data };
    };
    const qextOf = (archive: Buffer): { qextFilename: string; qext: Record<string, unknown> } | undefined => {
      let entries;
      try {
        entries = readZip(archive);
      } catch (e) {
        throw new QlikError(422, "HTTP-422", "Unprocessable Entity", `The file is not a readable ZIP archive: ${(e as Error).message}`);
      }
      const q = entries.find((e) => e.name.toLowerCase().endsWith(".qext"));
      if (!q) return undefined;
      let qext: Record<string, unknown> = {};
      try {
        qext = JSON.parse(q.data.toString("utf8")) as Record<string, unknown>;
      } catch {
        throw new QlikError(422, "HTTP-422", "Unprocessable Entity", `${q.name} is not valid JSON.`);
      }
      return { qextFilename: q.name.split("/").pop()!.replace(/\.qext$/i, ""), qext };
    };
    const apply = (x: ArchiveItem, archive: Buffer | undefined, data: Record<string, unknown>): void => {
      const fromZip = archive ? qextOf(archive) : undefined;
      const model = { ...x.model, ...(fromZip?.qext ?? {}), ...data };
      const name = model.name ?? fromZip?.qextFilename ?? x.name;
      if (typeof name !== "string" || !name) throw badRequest("HTTP-400", "name is required (in data or the archive's .qext).");
      if (Object.values(store()).some((i) => i.id !== x.id && !i.deletedAt && i.name === name)) throw conflict("HTTP-409", `A ${label.toLowerCase()} named "${name}" already exists.`);
      const model2: Record<string, unknown> = {};
      for (const f of MODEL_FIELDS) if (typeof model[f] === "string") model2[f] = model[f];
      x.model = model2;
      x.name = name;
      x.qextFilename = fromZip?.qextFilename ?? (typeof data.qextFilename === "string" ? data.qextFilename : x.qextFilename || name);
      if (Array.isArray(model.tags)) x.tags = (model.tags as unknown[]).filter((t): t is string => typeof t === "string");
      if (model.dependencies && typeof model.dependencies === "object") x.dependencies = model.dependencies as Record<string, unknown>;
      if (typeof model.supernova === "boolean") x.supernova = model.supernova;
      if (archive) {
        x.archive = archive.toString("base64");
        x.checksum = createHash("sha256").update(archive).digest("hex");
      }
      x.updatedAt = nowIso();
    };

    app.get(`/api/v1/${kind}`, (c) => c.json({ data: Object.values(store()).filter((x) => !x.deletedAt).sort((a, b) => a.name.localeCompare(b.name)).map(json) }));
    app.get(`/api/v1/${kind}/:id`, (c) => c.json(json(find(c))));
    app.get(`/api/v1/${kind}/:id/file`, (c) => {
      const x = find(c);
      if (!x.archive) throw notFound("HTTP-404", `${label} "${x.name}" has no archive.`);
      const bytes = Buffer.from(x.archive, "base64");
      return c.body(new Uint8Array(bytes), 200, { "content-type": "application/zip", "content-disposition": `attachment; filename="${x.qextFilename}.zip"` });
    });
    app.get(`/api/v1/${kind}/:id/file/:filepath{.+}`, (c) => {
      const x = find(c);
      const path = c.req.param("filepath");
      const entry = x.archive ? readZip(Buffer.from(x.archive, "base64")).find((e) => e.name === path || e.name.endsWith(`/${path}`)) : undefined;
      if (!entry) throw notFound("HTTP-404", `${label} "${x.name}" has no file "${path}".`);
      const type = path.endsWith(".json") || path.endsWith(".qext") ? "application/json" : path.endsWith(".js") ? "application/javascript" : path.endsWith(".css") ? "text/css" : "application/octet-stream";
      return c.body(new Uint8Array(entry.data), 200, { "content-type": type });
    });
    app.post(`/api/v1/${kind}`, async (c) => {
      admin(c);
      const { archive, data } = await parse(c);
      const t = nowIso();
      const x: ArchiveItem = { id: newHexId(), name: "", qextFilename: "", model: { type: kind === "themes" ? "theme" : "visualization" }, tags: [], dependencies: {}, supernova: false, userId: who(c).user.id, createdAt: t, updatedAt: t };
      apply(x, archive, data);
      store()[x.id] = x;
      rt.changed(tenant);
      return c.json(json(x), 201);
    });
    app.patch(`/api/v1/${kind}/:id`, async (c) => {
      admin(c);
      const x = find(c);
      const { archive, data } = await parse(c);
      const next = structuredClone(x);
      apply(next, archive, data);
      Object.assign(x, next);
      rt.changed(tenant);
      return c.json(json(x));
    });
    app.delete(`/api/v1/${kind}/:id`, (c) => {
      admin(c);
      const x = find(c);
      x.deletedAt = nowIso();
      rt.changed(tenant);
      return c.body(null, 204);
    });
  }
}
