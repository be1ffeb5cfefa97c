/**
 * Content-defined chunking: a gear-hash rolling CDC with FastCDC's normalised chunking.
 * Written here rather than taken from npm because the maintained packages either bind
 * native/WASM code or do not let us key the gear table with a per-repository secret (see
 * docs/design.md, "Chunking"); the algorithm is ~40 lines.
 */
import { createHmac } from "node:crypto";

export interface ChunkerParams {
  min: number;
  avg: number;
  max: number;
}

export const DEFAULT_CHUNKER: ChunkerParams = { min: 512 * 1024, avg: 1024 * 1024, max: 8 * 1024 * 1024 };

const gearCache = new Map<string, Int32Array>();

/** The per-repository gear table (256 HMACs; cached, since every open needs it). */
export function gearTable(seed: Uint8Array): Int32Array {
  const key = Buffer.from(seed).toString("hex");
  const cached = gearCache.get(key);
  if (cached) return cached;
  const g = new Int32Array(256);
  for (let i = 0; i < 256; i++) {
    g[i] = createHmac("sha256", seed).update(`gear${i}`).digest().readInt32LE(0);
  }
  if (gearCache.size >= 16) gearCache.delete(gearCache.keys().next().value!);
  gearCache.set(key, g);
  return g;
}

/** Masks over the top bits of the 32-bit hash (the bits that depend on the most bytes). */
function topMask(bits: number): number {
  return (0xffffffff << (32 - bits)) | 0;
}

/**
 * Finds the end of the chunk starting at `start` in `buf[start, end)`: FastCDC's normalised
 * cut. Returns -1 when more data is needed (not `final` and no cut before `end`).
 * Resumable: `state.pos`/`state.h` carry the scan between calls for the same chunk.
 */
function findCut(
  buf: Uint8Array,
  start: number,
  end: number,
  final: boolean,
  gear: Int32Array,
  p: ChunkerParams,
  masks: { s: number; l: number },
  state: { pos: number; h: number },
): number {
  const len = end - start;
  if (state.pos < p.min) {
    if (len <= p.min) return final ? len : -1;
    state.pos = p.min; // FastCDC: never cut below min, so do not even hash those bytes
    state.h = 0;
  }
  let h = state.h;
  const normal = Math.min(p.avg, len, p.max);
  const limit = Math.min(len, p.max);
  let i = state.pos;
  for (; i < normal; i++) {
    h = ((h << 1) + (gear[buf[start + i]!] as number)) | 0;
    if ((h & masks.s) === 0) return i + 1;
  }
  for (; i < limit; i++) {
    h = ((h << 1) + (gear[buf[start + i]!] as number)) | 0;
    if ((h & masks.l) === 0) return i + 1;
  }
  state.pos = i;
  state.h = h;
  if (len >= p.max) return p.max;
  return final ? len : -1;
}

function masksFor(p: ChunkerParams): { s: number; l: number } {
  const bitsAvg = Math.round(Math.log2(p.avg));
  return { s: topMask(bitsAvg + 2), l: topMask(bitsAvg - 2) };
}

/** Splits a buffer into chunks without copying (the chunks are views of `data`). */
export function* chunkBuffer(data: Uint8Array, gear: Int32Array, p: ChunkerParams): Generator<Uint8Array> {
  const masks = masksFor(p);
  let start = 0;
  while (start < data.length) {
    const cut = findCut(data, start, data.length, true, gear, p, masks, { pos: 0, h: 0 });
    yield data.subarray(start, start + cut);
    start += cut;
  }
}

/**
 * Splits a stream into chunks. Memory: one buffer that grows to at most `max` bytes (small
 * streams stay small). Each yielded chunk is a fresh copy the caller may keep.
 */
export async function* chunkStream(source: AsyncIterable<Uint8Array>, gear: Int32Array, p: ChunkerParams): AsyncGenerator<Uint8Array> {
  const masks = masksFor(p);
  let buf = Buffer.allocUnsafe(Math.min(p.max, 64 * 1024));
  let len = 0;
  const state = { pos: 0, h: 0 };
  const take = (cut: number): Buffer => {
    const out = Buffer.from(buf.subarray(0, cut));
    buf.copyWithin(0, cut, len);
    len -= cut;
    state.pos = 0;
    state.h = 0;
    return out;
  };
  for await (const piece of source) {
    let off = 0;
    while (off < piece.length) {
      if (len === buf.length && buf.length < p.max) {
        const bigger = Buffer.allocUnsafe(Math.min(p.max, buf.length * 2));
        buf.copy(bigger, 0, 0, len);
        buf = bigger;
      }
      const n = Math.min(buf.length - len, piece.length - off);
      buf.set(piece.subarray(off, off + n), len);
      len += n;
      off += n;
      for (;;) {
        const cut = findCut(buf, 0, len, false, gear, p, masks, state);
        if (cut < 0) break;
        yield take(cut);
      }
    }
  }
  while (len > 0) yield take(findCut(buf, 0, len, true, gear, p, masks, state));
}
