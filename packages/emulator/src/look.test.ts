/**
 * Brands and glossaries as the emulator serves them (rest/brands.ts, rest/glossaries.ts): who
 * sees and changes what, the files Qlik accepts, one active brand, paging, the glossary
 * import (a new glossary each time unless the `glossaryImportUpdatesByName` quirk says
 * otherwise) and its steward lookup. Response shapes are checked in schema.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmulatorHandle } from "./server.ts";
import type { User } from "./model.ts";
import { startTestEmulator, userByName } from "./testing.ts";
import { buildTenant } from "./fixtures.ts";

type Json = Record<string, unknown>;
const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==", "base64");

function client(emu: EmulatorHandle) {
  const tokenOf = (user: User): string => {
    const token = `look_${user.id}`;
    emu.state.tenants[0]!.apiKeys[token] = { id: `k_${user.id}`, token, userId: user.id };
    return token;
  };
  const call = async (method: string, path: string, opts: { token?: string; body?: unknown; form?: FormData } = {}): Promise<{ status: number; json: Json; headers: Headers; bytes: Buffer }> => {
    const headers: Record<string, string> = { authorization: `Bearer ${opts.token ?? emu.apiKey}` };
    if (opts.body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(path.startsWith("http") ? path : `${emu.host}${path}`, { method, headers, body: opts.form ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)), redirect: "manual" });
    const bytes = Buffer.from(await res.arrayBuffer());
    const json = (res.headers.get("content-type") ?? "").includes("json") && bytes.length ? (JSON.parse(bytes.toString("utf8")) as Json) : {};
    return { status: res.status, json, headers: res.headers, bytes };
  };
  return { tokenOf, call };
}

describe("brands", () => {
  let emu: EmulatorHandle;
  let c: ReturnType<typeof client>;
  beforeAll(async () => {
    emu = await startTestEmulator();
    c = client(emu);
  });
  afterAll(async () => emu?.close());

  it("only a tenant admin lists and changes brands; everyone reads the active brand and its files", async () => {
    const ben = c.tokenOf(userByName(emu, "Ben Builder"));
    expect((await c.call("GET", "/api/v1/brands", { token: ben })).status).toBe(403);
    const form = new FormData();
    form.set("name", "Ben's brand");
    expect((await c.call("POST", "/api/v1/brands", { token: ben, form })).status).toBe(403);
    const active = await c.call("GET", "/api/v1/brands/active", { token: ben });
    expect(active.status).toBe(301);
    const acme = Object.values(emu.state.tenants[0]!.kinds!.brands).find((b) => b.active)!;
    expect(active.headers.get("location")).toBe(`/api/v1/brands/${acme.id}`);
    const logo = await c.call("GET", `/api/v1/brands/${acme.id}/files/logo`, { token: ben });
    expect(logo.headers.get("content-type")).toBe("image/png");
    expect(logo.headers.get("content-disposition")).toBeNull();
    expect(logo.bytes).toEqual(Buffer.from(acme.files.find((f) => f.id === "logo")!.data, "base64"));
  });

  it("checks each file's kind and size, and keeps one brand active", async () => {
    const bad = async (field: string, bytes: Uint8Array) => {
      const form = new FormData();
      form.set("name", "Checked");
      form.set(field, new Blob([bytes]));
      return c.call("POST", "/api/v1/brands", { form });
    };
    expect((await bad("logo", new TextEncoder().encode("GIF89a"))).json).toMatchObject({ errors: [{ status: 400, detail: "The logo must be a PNG or JPG file." }] });
    expect((await bad("logo", Buffer.concat([PNG, Buffer.alloc(300 * 1024)]))).status).toBe(400);
    expect((await bad("favIcon", PNG)).status).toBe(400);
    expect((await bad("styles", new TextEncoder().encode("{not json"))).status).toBe(400);
    expect((await c.call("POST", "/api/v1/brands", { form: new FormData() })).status).toBe(400);
    const made = await bad("logo", PNG);
    expect(made.status).toBe(201);
    const id = made.json.id as string;
    expect(made.json).toMatchObject({ name: "Checked", active: false, files: [{ id: "logo", contentType: "image/png" }] });
    await c.call("POST", `/api/v1/brands/${id}/actions/activate`);
    const all = Object.values(emu.state.tenants[0]!.kinds!.brands);
    expect(all.filter((b) => b.active).map((b) => b.id)).toEqual([id]);
    await c.call("DELETE", `/api/v1/brands/${id}`);
    expect((await c.call("GET", "/api/v1/brands/active")).json).toEqual({});
  });

  it("pages with startingAfter and absolute links", async () => {
    const first = await c.call("GET", "/api/v1/brands?limit=1");
    const next = (first.json.links as Json).next as { href: string };
    expect(next.href).toMatch(/^http:\/\/.*startingAfter=/);
    const second = await c.call("GET", next.href);
    expect((second.json.data as Json[]).map((b) => b.id)).not.toContain((first.json.data as Json[])[0]!.id);
    expect((await c.call("GET", "/api/v1/brands?startingAfter=nope")).status).toBe(400);
  });

  it("sends brand files as attachments under the brandFileAttachment quirk", async () => {
    const other = await startTestEmulator({ quirks: { brandFileAttachment: true } });
    try {
      const acme = Object.values(other.state.tenants[0]!.kinds!.brands).find((b) => b.active)!;
      const res = await fetch(`${other.host}/api/v1/brands/${acme.id}/files/styles`, { headers: { authorization: `Bearer ${other.apiKey}` } });
      expect(res.headers.get("content-disposition")).toBe('attachment; filename="styles"');
      expect(res.headers.get("content-type")).toBe("application/json");
    } finally {
      await other.close();
    }
  });
});

describe("glossaries", () => {
  let emu: EmulatorHandle;
  let c: ReturnType<typeof client>;
  beforeAll(async () => {
    emu = await startTestEmulator();
    c = client(emu);
  });
  afterAll(async () => emu?.close());

  it("a personal glossary is its owner's alone; a space's is its members'; only stewards change them", async () => {
    const emma = c.tokenOf(userByName(emu, "Emma Evans"));
    const ben = c.tokenOf(userByName(emu, "Ben Builder"));
    const names = async (token?: string) => ((await c.call("GET", "/api/v1/glossaries", token ? { token } : {})).json.data as Json[]).map((g) => g.name).sort();
    expect(await names(emma)).toContain("Emma's month-end words");
    expect(await names()).not.toContain("Emma's month-end words");
    expect(await names(ben)).toEqual(["Sales glossary"]);
    const sales = Object.values(emu.state.tenants[0]!.kinds!.glossaries).find((g) => g.name === "Sales glossary")!;
    expect((await c.call("PUT", `/api/v1/glossaries/${sales.id}`, { token: ben, body: { name: "Mine now" } })).json).toMatchObject({ errors: [{ code: "BG-3" }] });
    expect((await c.call("POST", "/api/v1/glossaries", { token: ben, body: { name: "Ben's" } })).status).toBe(403);
  });

  it("refuses two categories of one name under one parent, and rich text that is not JSON", async () => {
    const sales = Object.values(emu.state.tenants[0]!.kinds!.glossaries).find((g) => g.name === "Sales glossary")!;
    expect((await c.call("POST", `/api/v1/glossaries/${sales.id}/categories`, { body: { name: "Revenue" } })).json).toMatchObject({ errors: [{ code: "BG-7" }] });
    const revenue = Object.values(sales.categories).find((x) => x.name === "Revenue")!;
    expect((await c.call("POST", `/api/v1/glossaries/${sales.id}/categories`, { body: { name: "Revenue", parentId: revenue.id } })).status).toBe(201);
    expect((await c.call("POST", `/api/v1/glossaries/${sales.id}/terms`, { body: { name: "Plain", relatedInformation: "plain words" } })).json).toMatchObject({ errors: [{ code: "BG-21" }] });
  });

  it("an export imported again is a second glossary with new ids, relations and categories linked as in the document", async () => {
    const finance = Object.values(emu.state.tenants[0]!.kinds!.glossaries).find((g) => g.name === "Finance glossary")!;
    const exp = (await c.call("GET", `/api/v1/glossaries/${finance.id}/actions/export`)).json;
    const made = await c.call("POST", `/api/v1/glossaries/actions/import?spaceId=${finance.spaceId}`, { body: exp });
    expect(made.status).toBe(201);
    expect(made.json.id).not.toBe(finance.id);
    const copy = emu.state.tenants[0]!.kinds!.glossaries[made.json.id as string]!;
    expect(Object.values(copy.terms).map((t) => t.name).sort()).toEqual(Object.values(finance.terms).map((t) => t.name).sort());
    const cat = Object.values(copy.categories)[0]!;
    expect(Object.keys(finance.categories)).not.toContain(cat.id);
    for (const t of Object.values(copy.terms)) expect(t.categories).toEqual([cat.id]);
    // Imported terms start as drafts: the export carries no status.
    expect(Object.values(copy.terms).map((t) => t.status.type)).toEqual(["draft", "draft"]);
    expect(Object.values(emu.state.tenants[0]!.kinds!.glossaries).filter((g) => g.name === "Finance glossary")).toHaveLength(2);
  });

  it("stewards: kept by id, found by email with lookupUserOnEmail, else the importer with importerAsFallbackSteward, else dropped", async () => {
    const emma = userByName(emu, "Emma Evans");
    const doc = (email: string) => ({ name: `Stewards ${email}`, terms: [{ name: "T", stewards: [{ userId: "gone", email }] }] });
    const stewardsAfter = async (query: string, email: string) => {
      const made = await c.call("POST", `/api/v1/glossaries/actions/import?${query}`, { body: doc(email) });
      expect(made.status, JSON.stringify(made.json)).toBe(201);
      return Object.values(emu.state.tenants[0]!.kinds!.glossaries[made.json.id as string]!.terms)[0]!.stewards;
    };
    expect(await stewardsAfter("lookupUserOnEmail=true", emma.email)).toEqual([emma.id]);
    expect(await stewardsAfter("", emma.email)).toEqual([]);
    const caller = emu.state.tenants[0]!.apiKeys[emu.apiKey]!.userId;
    expect(await stewardsAfter("importerAsFallbackSteward=true", "nobody@example.com")).toEqual([caller]);
  });

  it("with glossaryImportUpdatesByName the import updates the glossary of that name in that space", async () => {
    const other = await startTestEmulator({ quirks: { glossaryImportUpdatesByName: true } });
    try {
      const o = client(other);
      const sales = Object.values(other.state.tenants[0]!.kinds!.glossaries).find((g) => g.name === "Sales glossary")!;
      const exp = (await o.call("GET", `/api/v1/glossaries/${sales.id}/actions/export`)).json;
      const made = await o.call("POST", `/api/v1/glossaries/actions/import?spaceId=${sales.spaceId}`, { body: { ...exp, description: "updated by import" } });
      expect(made.json.id).toBe(sales.id);
      expect(sales.description).toBe("updated by import");
      expect(Object.values(other.state.tenants[0]!.kinds!.glossaries).filter((g) => g.name === "Sales glossary")).toHaveLength(1);
    } finally {
      await other.close();
    }
  });
});

describe("generated fixture", () => {
  it("scales brands and glossaries (the first brand active; terms with stewards, relations and app links), deterministically", () => {
    const small = buildTenant({ fixture: "generated", seed: "s", tenantIndex: 0, apps: 250, brands: 3, glossaries: 4 }).tenant;
    const brands = Object.values(small.kinds!.brands);
    expect(brands.map((b) => [b.name, b.active])).toEqual([
      ["Brand 0001", true],
      ["Brand 0002", false],
      ["Brand 0003", false],
    ]);
    const glossaries = Object.values(small.kinds!.glossaries);
    expect(glossaries).toHaveLength(4);
    for (const g of glossaries) {
      expect(Object.keys(g.categories)).toHaveLength(3);
      const terms = Object.values(g.terms);
      expect(terms).toHaveLength(10);
      expect(terms.every((t) => t.stewards.every((u) => small.users[u]) && t.links.every((l) => small.apps[l.resourceId]))).toBe(true);
      expect(terms.filter((t) => t.relatesTo.length)).toHaveLength(9);
    }
    // Defaults: 2 brands, one glossary per 100 apps (at least 1).
    const dflt = buildTenant({ fixture: "generated", seed: "s", tenantIndex: 0, apps: 250 }).tenant;
    expect([Object.keys(dflt.kinds!.brands).length, Object.keys(dflt.kinds!.glossaries).length]).toEqual([2, 3]);
    const again = buildTenant({ fixture: "generated", seed: "s", tenantIndex: 0, apps: 250, brands: 3, glossaries: 4 }).tenant;
    expect(Object.keys(again.kinds!.glossaries)).toEqual(Object.keys(small.kinds!.glossaries));
  });
});
