import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { chunkBuffer, chunkStream, gearTable, type ChunkerParams } from "./chunker.ts";

const P: ChunkerParams = { min: 2048, avg: 8192, max: 32768 };
const gear = gearTable(Buffer.alloc(32, 1));

async function streamCuts(data: Buffer, piece: number): Promise<number[]> {
  async function* src() {
    for (let i = 0; i < data.length; i += piece) yield data.subarray(i, i + piece);
  }
  const out: number[] = [];
  for await (const c of chunkStream(src(), gear, P)) out.push(c.length);
  return out;
}

describe("chunker", () => {
  it("cuts a buffer and a stream of any piece size at the same places, within min..max", async () => {
    const data = randomBytes(1024 * 1024);
    const whole = [...chunkBuffer(data, gear, P)].map((c) => c.length);
    for (const piece of [1, 1000, 4096, 70_000, data.length]) {
      if (piece === 1) {
        expect(await streamCuts(data.subarray(0, 100_000), 1)).toEqual([...chunkBuffer(data.subarray(0, 100_000), gear, P)].map((c) => c.length));
      } else expect(await streamCuts(data, piece)).toEqual(whole);
    }
    expect(whole.reduce((a, b) => a + b, 0)).toBe(data.length);
    for (const n of whole.slice(0, -1)) {
      expect(n).toBeGreaterThanOrEqual(P.min);
      expect(n).toBeLessThanOrEqual(P.max);
    }
    const mean = data.length / whole.length;
    expect(mean).toBeGreaterThan(P.avg * 0.6);
    expect(mean).toBeLessThan(P.avg * 2);
  });

  it("cuts at max in data without any cut point, and handles empty and tiny input", async () => {
    expect([...chunkBuffer(Buffer.alloc(100_000), gear, P)].map((c) => c.length).slice(0, 3)).toEqual([32768, 32768, 32768]);
    expect([...chunkBuffer(Buffer.alloc(0), gear, P)]).toEqual([]);
    expect([...chunkBuffer(Buffer.of(1), gear, P)].map((c) => c.length)).toEqual([1]);
    expect(await streamCuts(Buffer.alloc(0), 10)).toEqual([]);
  });

  it("resynchronises after an insertion: chunks after the edit are unchanged", () => {
    const a = randomBytes(512 * 1024);
    const b = Buffer.concat([a.subarray(0, 200_000), randomBytes(77), a.subarray(200_000)]);
    const ca = new Set([...chunkBuffer(a, gear, P)].map((c) => Buffer.from(c).toString("hex")));
    const cb = [...chunkBuffer(b, gear, P)].map((c) => Buffer.from(c).toString("hex"));
    const fresh = cb.filter((c) => !ca.has(c));
    expect(fresh.length).toBeLessThanOrEqual(2);
  });
});
