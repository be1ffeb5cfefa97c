/**
 * The emulator's exported-app file: its own opaque container (not a real QVF).
 *
 *   offset  size  field
 *   0       8     magic "LBEMUAPP"
 *   8       4     format version, uint32 BE (1)
 *   12      4     flags, uint32 BE (bit 0: data included)
 *   16      4     JSON length J, uint32 BE
 *   20      8     data length D, uint64 BE
 *   28      J     UTF-8 JSON: { app } — the persisted app (script, media, objects, …)
 *   28+J    D     the data model bytes, generated from `app.dataSeed` (only with data)
 *
 * Nothing is ever buffered whole: the data bytes are produced chunk by chunk from the seed,
 * so a 2 GB export costs no memory, and import reads the body as a stream.
 */
import { createHash } from "node:crypto";
import type { ExportedApp } from "../model.ts";

const MAGIC = Buffer.from("LBEMUAPP", "latin1");
export const HEADER_SIZE = 28;
const CHUNK = 64 * 1024;

export class ContainerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ContainerError";
  }
}

export interface EncodedContainer {
  header: Buffer;
  json: Buffer;
  dataLength: number;
  dataSeed: string;
  size: number;
}

export function encodeContainer(snapshot: ExportedApp): EncodedContainer {
  const json = Buffer.from(JSON.stringify({ app: snapshot.app }), "utf8");
  const dataLength = snapshot.withData ? snapshot.app.dataModelBytes : 0;
  const header = Buffer.alloc(HEADER_SIZE);
  MAGIC.copy(header, 0);
  header.writeUInt32BE(1, 8);
  header.writeUInt32BE(snapshot.withData ? 1 : 0, 12);
  header.writeUInt32BE(json.length, 16);
  header.writeBigUInt64BE(BigInt(dataLength), 20);
  return { header, json, dataLength, dataSeed: snapshot.app.dataSeed, size: HEADER_SIZE + json.length + dataLength };
}

/** One 64 KiB chunk of the data model: deterministic from (seed, index). */
function dataChunk(seed: string, index: number): Buffer {
  const h = createHash("sha256").update(`${seed}:${index}`).digest();
  let x = h.readUInt32LE(0) | 1;
  let y = h.readUInt32LE(4) | 1;
  const words = new Uint32Array(CHUNK / 4);
  for (let i = 0; i < words.length; i++) {
    // xorshift64-ish on two 32-bit halves: fast and good enough to be incompressible
    let t = x ^ (x << 11);
    x = y;
    y = y ^ (y >>> 19) ^ (t ^ (t >>> 8));
    words[i] = y >>> 0;
  }
  return Buffer.from(words.buffer);
}

/** The bytes [start, end) of a container, chunk by chunk. */
export async function* containerBytes(c: EncodedContainer, start = 0, end = c.size): AsyncGenerator<Buffer> {
  const prefix = Buffer.concat([c.header, c.json]);
  let pos = start;
  if (pos < prefix.length) {
    const stop = Math.min(end, prefix.length);
    yield prefix.subarray(pos, stop);
    pos = stop;
  }
  while (pos < end) {
    const dataPos = pos - prefix.length;
    const index = Math.floor(dataPos / CHUNK);
    const chunk = dataChunk(c.dataSeed, index);
    const from = dataPos - index * CHUNK;
    const to = Math.min(CHUNK, from + (end - pos), c.dataLength - index * CHUNK);
    yield chunk.subarray(from, to);
    pos += to - from;
  }
}

/**
 * Reads a container from a byte stream: parses the header and the JSON, then counts (and
 * discards) the data bytes. Throws `ContainerError` for anything that is not a complete container.
 */
export async function parseContainer(body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<ExportedApp> {
  let buffered: Buffer[] = [];
  let bufferedLen = 0;
  let need = HEADER_SIZE;
  let stage = "header" as "header" | "json" | "data";
  let jsonLength = 0;
  let dataLength = 0;
  let withData = false;
  let dataSeen = 0;
  let app: ExportedApp["app"] | undefined;

  const take = (): Buffer => {
    const all = Buffer.concat(buffered, bufferedLen);
    buffered = [all.subarray(need)];
    bufferedLen = all.length - need;
    return all.subarray(0, need);
  };
  const advance = (): void => {
    while (stage !== "data" && bufferedLen >= need) {
      const bytes = take();
      if (stage === "header") {
        if (!bytes.subarray(0, 8).equals(MAGIC)) throw new ContainerError("not an app file exported by this emulator (bad magic)");
        const version = bytes.readUInt32BE(8);
        if (version !== 1) throw new ContainerError(`unsupported app file version ${version}`);
        withData = (bytes.readUInt32BE(12) & 1) === 1;
        jsonLength = bytes.readUInt32BE(16);
        const d = bytes.readBigUInt64BE(20);
        if (d > BigInt(Number.MAX_SAFE_INTEGER)) throw new ContainerError("data length out of range");
        dataLength = Number(d);
        need = jsonLength;
        stage = "json";
      } else {
        let parsed: unknown;
        try {
          parsed = JSON.parse(bytes.toString("utf8"));
        } catch {
          throw new ContainerError("app file metadata is not valid JSON");
        }
        app = validateApp(parsed);
        stage = "data";
        dataSeen = bufferedLen;
        buffered = [];
        bufferedLen = 0;
      }
    }
  };
  for await (const chunk of body) {
    if (stage === "data") {
      dataSeen += chunk.length;
      continue;
    }
    buffered.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    bufferedLen += chunk.length;
    advance();
  }
  if (stage !== "data" || !app) throw new ContainerError("app file is truncated (incomplete header or metadata)");
  if (dataSeen !== dataLength) throw new ContainerError(`app file is truncated or padded: expected ${dataLength} data bytes, got ${dataSeen}`);
  return { app, withData };
}

function validateApp(parsed: unknown): ExportedApp["app"] {
  const app = (parsed as { app?: unknown } | null)?.app as Record<string, unknown> | undefined;
  if (!app || typeof app !== "object") throw new ContainerError("app file metadata has no app");
  const str = (k: string): boolean => typeof app[k] === "string";
  if (!str("id") || !str("name") || !str("ownerId") || !str("script") || !str("dataSeed")) {
    throw new ContainerError("app file metadata lacks id, name, ownerId, script or dataSeed");
  }
  if (typeof app.objects !== "object" || app.objects === null || typeof app.media !== "object" || !Array.isArray(app.scriptHistory)) {
    throw new ContainerError("app file metadata lacks objects, media or scriptHistory");
  }
  if (typeof app.dataModelBytes !== "number") throw new ContainerError("app file metadata lacks dataModelBytes");
  return app as unknown as ExportedApp["app"];
}
