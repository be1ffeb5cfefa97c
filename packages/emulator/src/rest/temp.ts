/**
 * Temporary contents (`/api/v1/temp-contents`): uploads, and the files app exports produce.
 * Downloads stream (an export's data bytes are generated on the fly), honour a single
 * `Range`, are paced by the latency model, answer 410 after expiry and 404 when unknown.
 * Faults `truncate` (the body stops half-way and the connection is cut) and `expire`
 * (410 although the file is still there) apply here.
 */
import type { ExportedApp, Identity, TempContent, Tenant } from "../model.ts";
import { QlikError, badRequest, notFound } from "../internal/errors.ts";
import { ContainerError, containerBytes, encodeContainer, HEADER_SIZE, parseContainer } from "../internal/container.ts";
import { newHexId, type Runtime } from "../internal/runtime.ts";
import { who, type Ctx, type RestApp, type RouteDeps } from "./common.ts";

const MAX_UPLOAD_BYTES = 512 * 1024 * 1024;
const MAX_TTL = 259_200;

/** Temp contents whose bytes were dropped at expiry; kept so a late download gets 410, not 404. */
function isExpired(t: TempContent): boolean {
  return Date.now() >= t.expiresAt;
}

export function createExportTemp(tenant: Tenant, rt: Runtime, w: Identity, snapshot: ExportedApp): TempContent {
  const id = newHexId();
  const now = Date.now();
  const size = encodeContainer(snapshot).size;
  const temp: TempContent = {
    id,
    filename: `${snapshot.app.name.replace(/[^\w.-]+/g, "_")}.qvf`,
    source: { kind: "export", appId: snapshot.app.id, snapshot },
    size,
    createdAt: now,
    expiresAt: now + rt.exportTtlSeconds * 1000,
    ownerId: w.user.id,
  };
  tenant.tempContents[id] = temp;
  return temp;
}

function gone(id: string): QlikError {
  return new QlikError(410, "HTTP-410", "Gone", `Temporary content "${id}" has expired; export or upload it again.`);
}

function lookup(tenant: Tenant, id: string): TempContent {
  const t = tenant.tempContents[id];
  if (!t) throw notFound("HTTP-404", `Temporary content "${id}" was not found.`);
  if (isExpired(t)) {
    // drop the payload, keep the tombstone for 410
    t.source = { kind: "bytes", data: new Uint8Array(0) };
    throw gone(id);
  }
  return t;
}

/** The app inside a temp content (import by `fileId`). */
export async function tempSnapshot(tenant: Tenant, id: string): Promise<ExportedApp> {
  const t = lookup(tenant, id);
  if (t.source.kind === "export") return t.source.snapshot;
  return parseContainer([t.source.data]);
}

async function* bytesOf(t: TempContent, start: number, end: number): AsyncGenerator<Uint8Array> {
  if (t.source.kind === "bytes") {
    const CH = 256 * 1024;
    for (let p = start; p < end; p += CH) yield t.source.data.subarray(p, Math.min(end, p + CH));
    return;
  }
  yield* containerBytes(encodeContainer(t.source.snapshot), start, end);
}

export function registerTemp(app: RestApp, { tenant, rt }: RouteDeps): void {
  app.post("/api/v1/temp-contents", async (c) => {
    const filename = c.req.query("filename") || "upload";
    const ttlRaw = c.req.query("ttl");
    const ttl = ttlRaw === undefined ? 3600 : Number(ttlRaw);
    if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TTL) throw badRequest("HTTP-400", `ttl must be an integer between 1 and ${MAX_TTL} seconds.`);
    const body = c.req.raw.body;
    const now = Date.now();
    const temp: TempContent = { id: newHexId(), filename, source: { kind: "bytes", data: new Uint8Array(0) }, size: 0, createdAt: now, expiresAt: now + ttl * 1000, ownerId: who(c).user.id };
    if (body) {
      // An emulator app file is kept as its parsed app (no data bytes in memory); anything else as bytes.
      const reader = (body as ReadableStream<Uint8Array>).getReader();
      const first: Uint8Array[] = [];
      let firstLen = 0;
      let done = false;
      while (firstLen < HEADER_SIZE && !done) {
        const r = await reader.read();
        if (r.done) done = true;
        else {
          first.push(r.value);
          firstLen += r.value.length;
        }
      }
      const head = Buffer.concat(first);
      async function* rest(): AsyncGenerator<Uint8Array> {
        yield head;
        while (true) {
          const r = await reader.read();
          if (r.done) return;
          yield r.value;
        }
      }
      if (head.subarray(0, 8).toString("latin1") === "LBEMUAPP") {
        try {
          const snapshot = await parseContainer(rest());
          temp.source = { kind: "export", appId: snapshot.app.id, snapshot };
          temp.size = encodeContainer(snapshot).size;
        } catch (e) {
          if (e instanceof ContainerError) throw badRequest("HTTP-400", `The uploaded app file is damaged: ${e.message}.`);
          throw e;
        }
      } else {
        const chunks: Uint8Array[] = [];
        let size = 0;
        for await (const chunk of rest()) {
          size += chunk.length;
          if (size > MAX_UPLOAD_BYTES) throw new QlikError(413, "HTTP-413", "Payload Too Large", `Uploads are limited to ${MAX_UPLOAD_BYTES} bytes in the emulator.`);
          chunks.push(chunk);
        }
        const data = Buffer.concat(chunks);
        temp.source = { kind: "bytes", data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
        temp.size = data.length;
      }
    }
    tenant.tempContents[temp.id] = temp;
    c.header("Location", `/api/v1/temp-contents/${temp.id}`);
    return c.body(null, 201);
  });

  app.get("/api/v1/temp-contents/:id/details", (c) => {
    const t = lookup(tenant, c.req.param("id"));
    return c.json({
      ID: t.id,
      Name: t.filename,
      Size: String(t.size),
      CreatedAt: new Date(t.createdAt).toISOString(),
      UpdatedAt: new Date(t.createdAt).toISOString(),
      Expires: new Date(t.expiresAt).toISOString(),
      CreatorID: t.ownerId,
      TTLSeconds: Math.round((t.expiresAt - t.createdAt) / 1000),
    });
  });

  app.get("/api/v1/temp-contents/:id", (c) => {
    const id = c.req.param("id");
    const t = lookup(tenant, id);
    const fault = c.get("fault");
    if (fault === "expire") throw gone(id);
    let start = 0;
    let end = t.size;
    let status: 200 | 206 = 200;
    const range = c.req.header("range");
    if (range) {
      const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
      if (!m || (m[1] === "" && m[2] === "")) throw new QlikError(416, "HTTP-416", "Range Not Satisfiable", `unsupported range "${range}"`, { "content-range": `bytes */${t.size}` });
      if (m[1] === "") start = Math.max(0, t.size - Number(m[2]));
      else {
        start = Number(m[1]);
        if (m[2] !== "") end = Math.min(t.size, Number(m[2]) + 1);
      }
      if (start >= t.size || start >= end) throw new QlikError(416, "HTTP-416", "Range Not Satisfiable", `range "${range}" is outside 0-${t.size - 1}`, { "content-range": `bytes */${t.size}` });
      status = 206;
    }
    const length = end - start;
    const cut = fault === "truncate" ? Math.floor(length / 2) : Number.POSITIVE_INFINITY;
    const rate = rt.latency.downloadBytesPerSecond * rt.clock.timeScale;
    const socket = c.env.incoming.socket;
    const iterator = bytesOf(t, start, end);
    let sent = 0;
    const began = Date.now();
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const r = await iterator.next();
        if (r.done) {
          controller.close();
          return;
        }
        let chunk = r.value;
        if (sent + chunk.length > cut) {
          chunk = chunk.subarray(0, Math.max(0, cut - sent));
          if (chunk.length > 0) controller.enqueue(chunk);
          // Let the partial body reach the socket, then cut the connection mid-body.
          await new Promise<void>((resolve) => {
            socket.once("close", () => resolve());
            setTimeout(() => socket.destroy(), 20);
          });
          controller.close();
          return;
        }
        controller.enqueue(chunk);
        sent += chunk.length;
        if (Number.isFinite(rate)) {
          const due = began + (sent / rate) * 1000;
          const wait = due - Date.now();
          if (wait > 1) await new Promise((res) => setTimeout(res, wait));
        }
      },
      async cancel() {
        await iterator.return(undefined);
      },
    });
    const headers: Record<string, string> = {
      "content-type": "application/octet-stream",
      "content-disposition": `attachment; filename="${t.filename}"`,
      "content-length": String(length),
      "accept-ranges": "bytes",
    };
    if (status === 206) headers["content-range"] = `bytes ${start}-${end - 1}/${t.size}`;
    return c.body(stream, status, headers);
  });
}
