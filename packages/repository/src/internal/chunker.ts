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

export function gearTable(seed: Uint8Array): Int32Array {
  const g = new Int32Array(256);
  for (let i = 0; i < 256; i++) {
    g[i] = createHmac("sha256", seed).update(`gear${i}`).digest().readInt32LE(0);
  }
  return g;
}

/** Masks over the top bits of the 32-bit hash (the bits that depend on the most bytes). */
function topMask(bits: number): number {
  return (0xffffffff << (32 - bits)) | 0;
}

/**
 * Splits a stream into chunks. Memory: one buffer of `max` bytes. Each yielded chunk is a
 * fresh copy the caller may keep.
 */
export async function* chunkStream(source: AsyncIterable<Uint8Array>, gear: Int32Array, p: ChunkerParams): AsyncGenerator<Buffer> {
  const bitsAvg = Math.round(Math.log2(p.avg));
  const maskS = topMask(bitsAvg + 2);
  const maskL = topMask(bitsAvg - 2);
  const buf = Buffer.allocUnsafe(p.max);
  let len = 0; // bytes in buf
  let pos = 0; // next byte to hash
  let h = 0;

  const findCut = (final: boolean): number => {
    if (pos < p.min) {
      if (len <= p.min) return final ? len : -1;
      pos = p.min;
      h = 0;
    }
    const normal = Math.min(p.avg, len);
    let i = pos;
    for (; i < normal; i++) {
      h = ((h << 1) + (gear[buf[i]!] as number)) | 0;
      if ((h & maskS) === 0) return i + 1;
    }
    for (; i < len; i++) {
      h = ((h << 1) + (gear[buf[i]!] as number)) | 0;
      if ((h & maskL) === 0) return i + 1;
    }
    pos = i;
    if (len >= p.max || final) return len;
    return -1;
  };

  const take = (cut: number): Buffer => {
    const out = Buffer.from(buf.subarray(0, cut));
    buf.copyWithin(0, cut, len);
    len -= cut;
    pos = 0;
    h = 0;
    return out;
  };

  for await (const piece of source) {
    let off = 0;
    while (off < piece.length) {
      const n = Math.min(p.max - len, piece.length - off);
      buf.set(piece.subarray(off, off + n), len);
      len += n;
      off += n;
      for (;;) {
        const cut = findCut(false);
        if (cut < 0) break;
        yield take(cut);
      }
    }
  }
  while (len > 0) yield take(findCut(true));
}
