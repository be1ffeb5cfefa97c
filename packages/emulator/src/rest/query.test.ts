/**
 * Query strings over real sockets, with raw URLs (fetch, not @qlik/api, which encodes
 * every value itself): standard percent-decoding, a 400 for malformed escapes, and the
 * `queryPlus` switch.
 */
import { afterAll, describe, expect, it } from "vitest";
import { startEmulator, type EmulatorHandle } from "../server.ts";
import { normaliseRequestQuery, sortParam, withPercentSpaces } from "./query.ts";

const started: EmulatorHandle[] = [];
afterAll(async () => {
  for (const e of started) await e.close();
});

async function emulator(queryPlus?: "space" | "literal"): Promise<EmulatorHandle> {
  const emu = await startEmulator({ fixture: "empty", ...(queryPlus ? { quirks: { queryPlus } } : {}) });
  started.push(emu);
  return emu;
}

async function call(emu: EmulatorHandle, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${emu.host}${path}`, {
    method,
    headers: { authorization: `Bearer ${emu.apiKey}`, ...(body ? { "content-type": "application/json" } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

const names = (r: { json: Record<string, unknown> }): string[] => ((r.json.data as { name: string }[] | undefined) ?? []).map((s) => s.name).sort();

describe("query strings", () => {
  it("decode percent-escapes as UTF-8 and refuse a stray '%' or invalid UTF-8 with a 400", async () => {
    const emu = await emulator();
    for (const name of ["Margin 100%", "Q1%20Report", "R&D #1", "🚀 \u202Ex"]) expect((await call(emu, "POST", "/api/v1/spaces", { name, type: "shared" })).status).toBe(201);
    expect(names(await call(emu, "GET", `/api/v1/spaces?name=${encodeURIComponent("Margin 100%")}`))).toEqual(["Margin 100%"]);
    expect(names(await call(emu, "GET", `/api/v1/spaces?name=${encodeURIComponent("Q1%20Report")}`))).toEqual(["Q1%20Report"]);
    expect(names(await call(emu, "GET", `/api/v1/spaces?name=${encodeURIComponent("R&D #1")}`))).toEqual(["R&D #1"]);
    expect(names(await call(emu, "GET", `/api/v1/spaces?name=${encodeURIComponent("🚀 \u202Ex")}`))).toEqual(["🚀 \u202Ex"]);
    const stray = await call(emu, "GET", "/api/v1/spaces?name=Margin%20100%");
    expect(stray.status).toBe(400);
    expect(JSON.stringify(stray.json)).toMatch(/not followed by two hex digits/);
    expect((await call(emu, "GET", "/api/v1/spaces?name=%FF%FE")).status).toBe(400);
  });

  it("queryPlus: a raw '+' is a space by default and a plus under 'literal'; %2B and %20 mean the same under both", async () => {
    for (const reading of ["space", "literal"] as const) {
      const emu = await emulator(reading === "space" ? undefined : reading);
      for (const name of ["C++ Sales", "C   Sales", "a b"]) await call(emu, "POST", "/api/v1/spaces", { name, type: "shared" });
      expect(names(await call(emu, "GET", "/api/v1/spaces?name=C++"))).toEqual(reading === "space" ? ["C   Sales"] : ["C++ Sales"]);
      expect(names(await call(emu, "GET", "/api/v1/spaces?name=C%2B%2B"))).toEqual(["C++ Sales"]);
      expect(names(await call(emu, "GET", "/api/v1/spaces?name=a%20b"))).toEqual(["a b"]);
      // The spec's own example, ?sort=+name, sorts by name under both readings.
      expect((await call(emu, "GET", "/api/v1/spaces?sort=+name")).status).toBe(200);
      // The emulator's next links carry spaces as %20, so they read back under both.
      const page = await call(emu, "GET", `/api/v1/spaces?limit=1&name=${encodeURIComponent(" ")}`);
      const next = (page.json.links as { next?: { href: string } }).next?.href;
      expect(next).toBeDefined();
      expect(next).not.toMatch(/\+/);
      expect((await fetch(next!, { headers: { authorization: `Bearer ${emu.apiKey}` } })).status).toBe(200);
    }
  });

  it("helpers", () => {
    expect(normaliseRequestQuery("/a?x=1+2", "literal")).toEqual({ url: "/a?x=1%2B2" });
    expect(normaliseRequestQuery("/a?x=1+2", "space")).toEqual({ url: "/a?x=1+2" });
    expect(normaliseRequestQuery("/a", "literal")).toEqual({ url: "/a" });
    expect("error" in normaliseRequestQuery("/a?x=%2", "space")).toBe(true);
    expect(sortParam(" name", "+createdAt")).toBe("+name");
    expect(sortParam(undefined, "+createdAt")).toBe("+createdAt");
    expect(withPercentSpaces("http://h/p?a=b+c&d=%2B")).toBe("http://h/p?a=b%20c&d=%2B");
  });
});
