/**
 * Deterministic pseudo-random numbers (sfc32 seeded from SHA-256 of a string), so
 * fixtures, fault injection and generated data bytes are reproducible from a seed.
 */
import { createHash } from "node:crypto";

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [0, n). */
  int(n: number): number;
  pick<T>(items: readonly T[]): T;
  hex(chars: number): string;
  /** A lower-case GUID (8-4-4-4-12), the shape of Qlik app ids. */
  guid(): string;
}

export function seedWords(seed: string): [number, number, number, number] {
  const h = createHash("sha256").update(seed).digest();
  return [h.readUInt32LE(0), h.readUInt32LE(4), h.readUInt32LE(8), h.readUInt32LE(12)];
}

export function createRng(seed: string): Rng {
  let [a, b, c, d] = seedWords(seed);
  const next32 = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i++) next32();
  const rng: Rng = {
    next: () => next32() / 4294967296,
    int: (n) => Math.floor((next32() / 4294967296) * n),
    pick: (items) => {
      const item = items[Math.floor((next32() / 4294967296) * items.length)];
      if (item === undefined) throw new Error("pick from an empty list");
      return item;
    },
    hex: (chars) => {
      let s = "";
      while (s.length < chars) s += next32().toString(16).padStart(8, "0");
      return s.slice(0, chars);
    },
    guid: () => {
      const h = rng.hex(32);
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${"89ab"[next32() % 4]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
    },
  };
  return rng;
}
