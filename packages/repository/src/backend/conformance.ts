/**
 * The storage conformance suite: every backend runs exactly these cases (memory, local, S3
 * against a real server). Call it from a test file with a factory that returns a fresh,
 * empty backend.
 */
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { NotFoundError } from "../errors.ts";
import type { Backend, FileType } from "./backend.ts";

const hex = (n = 32) => randomBytes(n).toString("hex");

export function backendConformance(name: string, make: () => Promise<Backend>): void {
  describe(`backend conformance: ${name}`, () => {
    it("starts empty and lists nothing", async () => {
      const b = await make();
      expect(await b.isEmpty()).toBe(true);
      for (const t of ["config", "key", "data", "index", "snapshot", "lock"] as FileType[]) expect(await b.list(t)).toEqual([]);
      await b.close();
    });

    it("saves, loads, stats and lists every file type at its own place", async () => {
      const b = await make();
      const files: [FileType, string, Uint8Array][] = [
        ["config", "", randomBytes(100)],
        ["key", hex(), randomBytes(300)],
        ["data", hex(), randomBytes(70_000)],
        ["data", hex(), randomBytes(10)],
        ["index", hex(), randomBytes(5)],
        ["snapshot", hex(), randomBytes(1)],
        ["lock", hex(), new Uint8Array(0)],
      ];
      for (const [type, n, data] of files) await b.save({ type, name: n }, data);
      expect(await b.isEmpty()).toBe(false);
      for (const [type, n, data] of files) {
        expect(Buffer.from(await b.load({ type, name: n }))).toEqual(Buffer.from(data));
        expect(await b.stat({ type, name: n })).toEqual({ name: n, size: data.length });
      }
      for (const t of ["config", "key", "data", "index", "snapshot", "lock"] as FileType[]) {
        const want = files.filter(([type]) => type === t).map(([, n, d]) => ({ name: n, size: d.length }));
        const got = await b.list(t);
        expect(got.sort((x, y) => x.name.localeCompare(y.name))).toEqual(want.sort((x, y) => x.name.localeCompare(y.name)));
      }
      await b.close();
    });

    it("saves a file given as parts (more than IOV_MAX of them) as their concatenation", async () => {
      const b = await make();
      const parts = Array.from({ length: 3000 }, (_, i) => randomBytes(i % 7 === 0 ? 0 : (i % 50) + 1));
      parts.push(randomBytes(70_000));
      const whole = Buffer.concat(parts);
      const h = { type: "data" as const, name: hex() };
      await b.save(h, parts);
      expect(Buffer.from(await b.load(h))).toEqual(whole);
      expect(await b.stat(h)).toEqual({ name: h.name, size: whole.length });
      expect(Buffer.from(await b.load(h, { offset: whole.length - 70_010, length: 20 }))).toEqual(whole.subarray(whole.length - 70_010, whole.length - 69_990));
      await b.close();
    });

    it("loads byte ranges, including empty ones and the last byte", async () => {
      const b = await make();
      const data = randomBytes(1000);
      const h = { type: "data" as const, name: hex() };
      await b.save(h, data);
      expect(Buffer.from(await b.load(h, { offset: 0, length: 10 }))).toEqual(data.subarray(0, 10));
      expect(Buffer.from(await b.load(h, { offset: 500, length: 500 }))).toEqual(data.subarray(500));
      expect(Buffer.from(await b.load(h, { offset: 999, length: 1 }))).toEqual(data.subarray(999));
      expect((await b.load(h, { offset: 10, length: 0 })).length).toBe(0);
      await expect(b.load(h, { offset: 990, length: 20 })).rejects.toThrow();
      await b.remove(h);
      await expect(b.load(h, { offset: 0, length: 10 })).rejects.toBeInstanceOf(NotFoundError);
      await b.close();
    });

    it("rejects with NotFoundError, and only that, for a missing file", async () => {
      const b = await make();
      const h = { type: "snapshot" as const, name: hex() };
      await expect(b.load(h)).rejects.toBeInstanceOf(NotFoundError);
      await expect(b.load(h, { offset: 0, length: 1 })).rejects.toBeInstanceOf(NotFoundError);
      await expect(b.stat(h)).rejects.toBeInstanceOf(NotFoundError);
      await expect(b.load({ type: "config", name: "" })).rejects.toBeInstanceOf(NotFoundError);
      await b.close();
    });

    it("replaces on save and removes idempotently", async () => {
      const b = await make();
      const h = { type: "index" as const, name: hex() };
      await b.save(h, Buffer.from("one"));
      await b.save(h, Buffer.from("two!"));
      expect(Buffer.from(await b.load(h)).toString()).toBe("two!");
      expect(await b.list("index")).toEqual([{ name: h.name, size: 4 }]);
      await b.remove(h);
      await b.remove(h);
      await expect(b.load(h)).rejects.toBeInstanceOf(NotFoundError);
      expect(await b.list("index")).toEqual([]);
      await b.close();
    });

    it("keeps concurrent saves of different files apart", async () => {
      const b = await make();
      const items = Array.from({ length: 20 }, () => ({ h: { type: "data" as const, name: hex() }, d: randomBytes(2000) }));
      await Promise.all(items.map(({ h, d }) => b.save(h, d)));
      for (const { h, d } of items) expect(Buffer.from(await b.load(h))).toEqual(d);
      expect((await b.list("data")).length).toBe(20);
      await b.close();
    });
  });
}
