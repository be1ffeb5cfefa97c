/**
 * Themes, extensions and brands (API-FACTS §6.13, §6.18) through `@qlik/api` 2.19's
 * `themes`, `extensions` and `brands` modules (`/api/v1/…`). None holds a secret (§7).
 *
 * Themes and extensions:
 * - The listing (`GET /themes`, no paging) carries every model field: no detail read. Each
 *   has one file, its uploaded archive (`archive.zip`, `GET /{id}/file`), stored byte for byte.
 * - A record's `name` is Qlik's `name`, unique in a tenant (a second upload of one name is a
 *   409): what a restore matches on. `qextFilename` — what sheets name (a chart's
 *   `visualization` is the extension's qext name) — is kept in the body, sent back with the
 *   upload and compared; restoring over a same-named item with another qext name replaces its
 *   archive (so charts find the snapshot's).
 * - Restore uploads the archive with the snapshot's model fields (multipart `file` + `data`,
 *   `uploadTheme`/`uploadExtension`; `patchTheme`/`patchExtension` on an existing one).
 *   The uploader becomes `userId`: no owner is restored. A soft-deleted one (410 on read) is
 *   not listed by Qlik and is uploaded again.
 * - Downloads go through `downloadTheme`/`downloadExtension`, which hand back the whole archive
 *   as one Blob (`parseFetchResponse`: `application/zip` → `toDownloadableBlob(await res.blob())`):
 *   it is buffered. Acceptable here, unlike an app export (internal/download.ts): an archive
 *   is a bundle of scripts, styles and images that Qlik's UI uploads in one request, read one
 *   at a time by a backup, and `noCache` keeps @qlik/api from holding it afterwards.
 *
 * Brands:
 * - Listed with `startingAfter` paging (`getBrands`, followed through `links.next`); each
 *   record holds the brand's `name`, `description`, `active` and its `files` (`logo`, `favIcon`,
 *   `styles`, at most 300 / 100 / 100 KB), each stored byte for byte. Brand ids are new in
 *   every tenant: a restore matches by name.
 * - Restore: `createBrand` (multipart, with the files) and, for the active brand,
 *   `activateBrand` afterwards (only one brand is active; Qlik starts a new one inactive). An
 *   existing brand gets `patchBrand` (name, description), each file created, replaced or
 *   deleted (`createBrandFile`/`updateBrandFile`/`deleteBrandFile`), and activated or
 *   deactivated as the snapshot says.
 * - `getBrandFile` answers a Blob when Qlik sends an image type or an attachment; a `styles`
 *   file sent as `application/json` comes back parsed by @qlik/api (`parseFetchResponse`), its
 *   bytes lost. Then, and only then, the file is read again with `fetch` (same URL and
 *   credentials), byte for byte.
 */
import type { ResourceRecord, ResourceWrite, ResourceWriteResult } from "@lifeboat/model";
import { pages, type TenantCore } from "../client.ts";
import { QlikApiError } from "../errors.ts";
import type { OperationName } from "../operations.ts";
import type { ResourceApi } from "./api.ts";
import { throwAnswer } from "../internal/download.ts";

type Json = Record<string, unknown>;
const nc = { noCache: true } as const;

/** The one file of a theme or an extension. */
export const ARCHIVE = "archive.zip";
/** A brand's files, as Qlik names them (`BrandFile.id`). */
export const BRAND_FILES = ["logo", "favIcon", "styles"] as const;

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** All bytes of a file the snapshot hands a write (files are small: see the module comment). */
async function bytesOf(file: () => AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const p of file()) parts.push(p);
  return Buffer.concat(parts);
}

/** A Blob's bytes as one chunk. */
async function* blobChunks(blob: Blob): AsyncIterable<Uint8Array> {
  yield new Uint8Array(await blob.arrayBuffer());
}

// --- themes and extensions ---

/**
 * Model fields a theme or an extension takes back on upload (themes.d.ts `Theme`, extensions.d.ts
 * `Extension`; the rest is read-only). `qextFilename`/`qextVersion` come from the archive's
 * `.qext` where it has one; sent too, for an archive without.
 */
const MODEL_WRITABLE = ["name", "qextFilename", "qextVersion", "type", "author", "version", "description", "homepage", "icon", "keywords", "license", "repository", "supplier", "tags", "dependencies", "supernova", "loadpath", "preview"];

interface ArchiveOps {
  kind: "themes" | "extensions";
  noun: string;
  list: OperationName;
  download: OperationName;
  upload: OperationName;
  patch: OperationName;
}

function toArchiveRecord(kind: ArchiveOps["kind"], x: Json): ResourceRecord {
  const id = String(x.id);
  const stamp = str(x.updateAt) ?? str(x.updatedAt);
  return { kind, id, name: str(x.name) ?? str(x.qextFilename) ?? id, ...(stamp ? { stamp } : {}), body: { ...x }, files: [ARCHIVE] };
}

/** The multipart body of an upload or patch: the archive and the model fields. */
async function archiveBody(input: ResourceWrite): Promise<{ file?: Blob; data: Json }> {
  const data: Json = {};
  for (const k of MODEL_WRITABLE) if (input.body[k] !== undefined) data[k] = input.body[k];
  const archive = input.files?.[ARCHIVE];
  return { ...(archive ? { file: new Blob([await bytesOf(archive)], { type: "application/zip" }) } : {}), data };
}

function archiveApi(o: ArchiveOps): ResourceApi {
  const label = (name: string, id?: string): string => `${o.noun} '${name}'${id ? ` (${id})` : ""}`;
  return {
    kind: o.kind,

    async *list(core) {
      const resp = await core.call(o.list, `${o.noun}s`, async (api) => (o.kind === "themes" ? (await api.themes.getThemes(nc)).data.data : (await api.extensions.getExtensions(nc)).data.data));
      for (const x of resp as Json[]) yield toArchiveRecord(o.kind, x);
    },

    async *readFile(core, id, file) {
      if (file !== ARCHIVE) throw new QlikApiError({ kind: "permanent", operation: o.download, host: core.host, object: label(id), detail: `a ${o.noun} has one file, ${ARCHIVE}, not "${file}"` });
      const resp = await core.call(o.download, label(id, id), async (api) => (o.kind === "themes" ? await api.themes.downloadTheme(id, nc) : await api.extensions.downloadExtension(id, nc)));
      if (!(resp.data instanceof Blob)) throw new QlikApiError({ kind: "permanent", operation: o.download, host: core.host, object: label(id, id), detail: `the archive came back as ${typeof resp.data}, not a file (content type ${resp.headers.get("content-type") ?? "none"})` });
      yield* blobChunks(resp.data);
    },

    async create(core, input): Promise<ResourceWriteResult> {
      const name = String(input.body.name ?? "");
      const body = await archiveBody(input);
      if (!body.file) throw new QlikApiError({ kind: "permanent", operation: o.upload, host: core.host, object: label(name), detail: `the snapshot holds no archive for it: re-upload the ${o.noun} by hand` });
      const resp = await core.call(o.upload, label(name), async (api) => (o.kind === "themes" ? (await api.themes.uploadTheme(body as never)).data.id : (await api.extensions.uploadExtension(body as never)).data.id), { idempotent: false });
      return { id: String(resp) };
    },

    async update(core, id, input): Promise<ResourceWriteResult> {
      const name = String(input.body.name ?? id);
      const body = await archiveBody(input);
      await core.call(o.patch, label(name, id), async (api) => void (o.kind === "themes" ? await api.themes.patchTheme(id, body as never) : await api.extensions.patchExtension(id, body as never)), { idempotent: true });
      return { id };
    },
  };
}

export const themesApi: ResourceApi = archiveApi({ kind: "themes", noun: "theme", list: "getThemes", download: "downloadTheme", upload: "uploadTheme", patch: "patchTheme" });
export const extensionsApi: ResourceApi = archiveApi({ kind: "extensions", noun: "extension", list: "getExtensions", download: "downloadExtension", upload: "uploadExtension", patch: "patchExtension" });

// --- brands ---

const brandLabel = (name: string, id?: string): string => `brand '${name}'${id ? ` (${id})` : ""}`;

export function toBrandRecord(b: Json): ResourceRecord {
  const id = String(b.id);
  const stamp = str(b.updatedAt);
  const files = (Array.isArray(b.files) ? (b.files as Json[]) : []).map((f) => String(f.id)).filter((f) => (BRAND_FILES as readonly string[]).includes(f));
  return { kind: "brands", id, name: String(b.name ?? id), ...(stamp ? { stamp } : {}), body: { ...b }, files: [...BRAND_FILES].filter((f) => files.includes(f)) };
}

/** Byte-for-byte read of a brand file that @qlik/api parsed (see the module comment). */
async function* rawBrandFile(core: TenantCore, id: string, file: string): AsyncIterable<Uint8Array> {
  const url = `${core.host}/api/v1/brands/${encodeURIComponent(id)}/files/${encodeURIComponent(file)}`;
  const bytes = await core.call("getBrandFile", `the ${file} of ${brandLabel(id, id)}`, async (_api, ctx) => {
    const res = await fetch(url, { headers: { Authorization: await core.authorization() }, signal: ctx.signal });
    if (res.status >= 300) await throwAnswer(res, url);
    return new Uint8Array(await res.arrayBuffer());
  });
  yield bytes;
}

async function setActive(core: TenantCore, id: string, name: string, active: boolean): Promise<void> {
  if (active) await core.call("activateBrand", brandLabel(name, id), (api) => api.brands.activateBrand(id, {}), { idempotent: true });
  else await core.call("deactivateBrand", brandLabel(name, id), (api) => api.brands.deactivateBrand(id, {}), { idempotent: true });
}

export const brandsApi: ResourceApi = {
  kind: "brands",

  async *list(core) {
    for await (const b of pages(core, "getBrands", "brands", (api) => api.brands.getBrands({ limit: 100 }, nc))) yield toBrandRecord(b as Json);
  },

  async get(core, id) {
    const resp = await core.call("getBrand", brandLabel(id, id), (api) => api.brands.getBrand(id, nc));
    return toBrandRecord(resp.data as Json);
  },

  async *readFile(core, id, file) {
    if (!(BRAND_FILES as readonly string[]).includes(file)) throw new QlikApiError({ kind: "permanent", operation: "getBrandFile", host: core.host, object: brandLabel(id, id), detail: `a brand's files are ${BRAND_FILES.join(", ")}, not "${file}"` });
    const resp = await core.call("getBrandFile", `the ${file} of ${brandLabel(id, id)}`, (api) => api.brands.getBrandFile(id, file, nc));
    if (resp.data instanceof Blob) yield* blobChunks(resp.data);
    else yield* rawBrandFile(core, id, file);
  },

  async create(core, input): Promise<ResourceWriteResult> {
    const name = String(input.body.name ?? "");
    const body: Json = { name, description: typeof input.body.description === "string" ? input.body.description : "" };
    for (const f of BRAND_FILES) {
      const file = input.files?.[f];
      if (file) body[f] = new Blob([await bytesOf(file)]);
    }
    const resp = await core.call("createBrand", brandLabel(name), (api) => api.brands.createBrand(body as never), { idempotent: false });
    const id = String((resp.data as Json).id);
    // A new brand starts inactive; the one the tenant showed is activated again (API-FACTS §6.18).
    if (input.body.active === true) await setActive(core, id, name, true);
    return { id };
  },

  async update(core, id, input): Promise<ResourceWriteResult> {
    const name = String(input.body.name ?? id);
    const current = (await core.call("getBrand", brandLabel(name, id), (api) => api.brands.getBrand(id, nc))).data as Json;
    const patch = (["name", "description"] as const)
      .filter((k) => typeof input.body[k] === "string" && input.body[k] !== current[k])
      .map((k) => ({ op: "replace" as const, path: `/${k}` as "/name" | "/description", value: input.body[k] as string }));
    if (patch.length) await core.call("patchBrand", brandLabel(name, id), (api) => api.brands.patchBrand(id, patch), { idempotent: true });
    const had = new Set((Array.isArray(current.files) ? (current.files as Json[]) : []).map((f) => String(f.id)));
    for (const f of BRAND_FILES) {
      const file = input.files?.[f];
      const what = `the ${f} of ${brandLabel(name, id)}`;
      if (file) {
        const blob = new Blob([await bytesOf(file)]);
        if (had.has(f)) await core.call("updateBrandFile", what, (api) => api.brands.updateBrandFile(id, f, { file: blob }), { idempotent: true });
        else await core.call("createBrandFile", what, (api) => api.brands.createBrandFile(id, f, { file: blob }), { idempotent: false });
      } else if (had.has(f)) await core.call("deleteBrandFile", what, (api) => api.brands.deleteBrandFile(id, f), { idempotent: true });
    }
    const active = input.body.active === true;
    if ((current.active === true) !== active) await setActive(core, id, name, active);
    return { id };
  },
};

export const APPEARANCE_APIS: readonly ResourceApi[] = [themesApi, extensionsApi, brandsApi];
