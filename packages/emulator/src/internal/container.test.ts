import { describe, expect, it } from "vitest";
import type { ExportedApp } from "../model.ts";
import { ContainerError, containerBytes, encodeContainer, parseContainer } from "./container.ts";

const app = (dataModelBytes: number): ExportedApp["app"] => ({
  id: "a1",
  name: "App",
  description: "",
  ownerId: "u1",
  createdDate: "2025-01-01T00:00:00.000Z",
  modifiedDate: "2025-01-01T00:00:00.000Z",
  usage: "ANALYTICS",
  hasSectionAccess: false,
  script: "LOAD 1;",
  scriptHistory: [],
  media: { "a.png": "AA==" },
  objects: {},
  dataModelBytes,
  dataSeed: "seed",
});

async function collect(gen: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of gen) parts.push(p);
  return Buffer.concat(parts);
}

describe("app container", () => {
  it("round-trips with data; data bytes are deterministic and ranges agree with the whole", async () => {
    const c = encodeContainer({ app: app(200_000), withData: true });
    const whole = await collect(containerBytes(c));
    expect(whole.length).toBe(c.size);
    expect((await collect(containerBytes(encodeContainer({ app: app(200_000), withData: true })))).equals(whole)).toBe(true);
    expect((await collect(containerBytes(c, 70_000, 140_123))).equals(whole.subarray(70_000, 140_123))).toBe(true);
    const parsed = await parseContainer([whole.subarray(0, 10), whole.subarray(10, 100_000), whole.subarray(100_000)]);
    expect(parsed.withData).toBe(true);
    expect(parsed.app.media).toEqual({ "a.png": "AA==" });
  });
  it("without data carries only the metadata", async () => {
    const c = encodeContainer({ app: app(10_000_000), withData: false });
    expect(c.size).toBeLessThan(1000);
    expect((await parseContainer([await collect(containerBytes(c))])).withData).toBe(false);
  });
  it("rejects garbage, truncation and padding", async () => {
    const whole = await collect(containerBytes(encodeContainer({ app: app(5000), withData: true })));
    await expect(parseContainer([Buffer.from("hello world, this is not an app file at all")])).rejects.toBeInstanceOf(ContainerError);
    await expect(parseContainer([whole.subarray(0, whole.length - 1)])).rejects.toThrow(/truncated/);
    await expect(parseContainer([whole, Buffer.from([0])])).rejects.toThrow(/truncated or padded/);
    await expect(parseContainer([whole.subarray(0, 20)])).rejects.toThrow(/truncated/);
    const badJson = Buffer.from(whole);
    badJson[30] = 0x7b; // corrupt the JSON
    badJson[31] = 0x7b;
    await expect(parseContainer([badJson])).rejects.toBeInstanceOf(ContainerError);
  });
});
