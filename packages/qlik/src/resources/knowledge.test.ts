/**
 * Glossaries through the connector, against the emulator: read as Qlik's export completed
 * with what it lacks (term related information, status), with ids made tenant-independent;
 * a deleted glossary comes back through the import equal to the snapshot; a drifted one is
 * brought back in place — under both readings of what Qlik's import updates.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type EmulatorHandle, type Tenant } from "@lifeboat/emulator";
import type { ResourceRecord } from "@lifeboat/model";
import { createTenantClient, type TenantClient } from "../client.ts";
import { createRestoreTarget } from "../restore-target.ts";

type Json = Record<string, unknown>;

async function glossaries(client: TenantClient): Promise<ResourceRecord[]> {
  const out: ResourceRecord[] = [];
  for await (const r of client.listResources("glossaries")) out.push(r);
  return out;
}

/** A stored glossary without what Qlik sets itself (ids, dates, who changed it). */
function comparable(body: Json): Json {
  const { id: _i, createdAt: _ca, createdBy: _cb, updatedAt: _ua, updatedBy: _ub, ownerId: _o, ...rest } = body;
  return { ...rest, terms: (rest.terms as Json[]).map(({ id: _t, ...t }) => t) };
}

describe.each([false, true])("glossaries (import updates by name: %s)", (byName) => {
  let emu: EmulatorHandle;
  let client: TenantClient;
  let tenant: Tenant;
  beforeAll(async () => {
    emu = await startEmulator({ fixture: "demo", port: 0, rateLimits: "off", qix: false, quirks: { glossaryImportUpdatesByName: byName } });
    tenant = emu.state.tenants[0]!;
    client = createTenantClient({ host: emu.host, auth: { type: "apikey", apiKey: emu.apiKey } });
  });
  afterAll(async () => {
    await client?.close();
    await emu?.close();
  });

  it("lists the glossaries the caller sees, each read in full: categories by path, relations by name, status and related information kept", async () => {
    const listed = await glossaries(client);
    // Emma's personal glossary is hers alone (the emulator's reading): not listed for the admin.
    expect(listed.map((r) => r.name).sort()).toEqual(["Finance glossary", "Sales glossary"]);
    const sales = listed.find((r) => r.name === "Sales glossary")!;
    const g = Object.values(tenant.kinds!.glossaries).find((x) => x.name === "Sales glossary")!;
    expect(sales).toMatchObject({ id: g.id, ownerId: g.ownerId, spaceId: g.spaceId });
    expect(sales.stamp).toBeUndefined();
    const body = sales.body as { categories: Json[]; terms: Json[] };
    expect(body.categories.map((c) => [c.id, c.parentId ?? null])).toEqual([
      ["Pipeline", null],
      ["Revenue", null],
      ["Revenue › Recurring", "Revenue"],
    ]);
    expect(body.terms.map((t) => t.name)).toEqual(["Annual recurring revenue", "Monthly recurring revenue", "Win rate"]);
    const arr = body.terms[0]!;
    expect(arr).toMatchObject({ abbreviation: "ARR", categories: ["Revenue › Recurring"], status: "verified" });
    expect(JSON.parse(String(arr.relatedInformation))).toEqual([{ type: "paragraph", children: [{ text: "Finance owns the definition." }] }]);
    expect(body.terms[1]!.relatesTo).toEqual([{ termId: "Annual recurring revenue", type: "seeAlso" }]);
    expect((arr.stewards as Json[]).map((s) => s.userId).sort()).toEqual([...g.terms[Object.keys(g.terms)[0]!]!.stewards].sort());
  });

  it("brings a deleted glossary back through the import, equal to the snapshot; the owner it cannot set is noted", async () => {
    const before = (await glossaries(client)).find((r) => r.name === "Sales glossary")!;
    delete tenant.kinds!.glossaries[before.id];
    const made = await createRestoreTarget(client).createResource!("glossaries", { body: before.body, spaceId: before.spaceId, ownerId: before.ownerId });
    expect(made.id).not.toBe(before.id);
    expect(made.notes?.join("\n")).toMatch(/glossary 'Sales glossary'.*cannot set an owner/);
    const after = (await glossaries(client)).find((r) => r.id === made.id)!;
    expect(after.spaceId).toBe(before.spaceId);
    expect(comparable(after.body)).toEqual(comparable(before.body));
    expect(Object.values(tenant.kinds!.glossaries).filter((g) => g.name === "Sales glossary")).toHaveLength(1);
  });

  it("brings a drifted glossary back in place: categories and terms created, changed and removed", async () => {
    const snap = (await glossaries(client)).find((r) => r.name === "Finance glossary")!;
    const g = tenant.kinds!.glossaries[snap.id]!;
    const [gm, opex] = Object.values(g.terms).sort((a, b) => a.name.localeCompare(b.name));
    g.description = "drifted";
    delete g.terms[opex!.id];
    gm!.status.type = "draft";
    gm!.stewards = [];
    gm!.links = [];
    const extra = structuredClone(gm!);
    extra.id = "00000000-0000-4000-8000-0000000000aa";
    extra.name = "Stray term";
    g.terms[extra.id] = extra;
    g.categories["00000000-0000-4000-8000-0000000000bb"] = { id: "00000000-0000-4000-8000-0000000000bb", name: "Stray category", description: "", stewards: [], createdAt: g.createdAt, createdBy: g.ownerId, updatedAt: g.createdAt, updatedBy: g.ownerId };
    const done = await createRestoreTarget(client).updateResource!("glossaries", snap.id, { body: snap.body, spaceId: snap.spaceId, ownerId: snap.ownerId });
    expect(done).toEqual({ id: snap.id });
    const after = (await glossaries(client)).find((r) => r.id === snap.id)!;
    expect(comparable(after.body)).toEqual(comparable(snap.body));
  });

  it("keeps a term's links to data sets in place (a restore cannot map data sets) while it brings the app links back", async () => {
    const snap = (await glossaries(client)).find((r) => r.name === "Finance glossary")!;
    const g = tenant.kinds!.glossaries[snap.id]!;
    const term = Object.values(g.terms).find((t) => t.name === "Gross margin")!;
    term.links.push({ id: "00000000-0000-4000-8000-0000000000cc", resourceId: "ds-ledger", resourceType: "dataset", createdAt: g.createdAt, createdBy: g.ownerId });
    const appLink = term.links[0]!;
    term.links = term.links.filter((l) => l !== appLink);
    // As the engine hands it: the app link mapped (same tenant), the data set's id left out.
    const body = structuredClone(snap.body) as { terms: { name: string; linksTo: Record<string, unknown>[] }[] };
    body.terms.find((t) => t.name === "Gross margin")!.linksTo = [{ resourceId: appLink.resourceId, resourceType: "app", type: "definition" }, { resourceType: "dataset" }];
    const done = await createRestoreTarget(client).updateResource!("glossaries", snap.id, { body, spaceId: snap.spaceId, ownerId: snap.ownerId });
    expect(done.notes).toBeUndefined();
    // (The glossary's update replaced the emulator's term objects: read them again.)
    const after = Object.values(tenant.kinds!.glossaries[snap.id]!.terms).find((t) => t.name === "Gross margin")!;
    expect(after.links.map((l) => [l.resourceType, l.resourceId]).sort()).toEqual([
      ["app", appLink.resourceId],
      ["dataset", "ds-ledger"],
    ]);
  });

  it("leaves out stewards who are not users of the target, and says so", async () => {
    const snap = (await glossaries(client)).find((r) => r.name === "Finance glossary")!;
    const body = structuredClone(snap.body) as { name: string; terms: { stewards: Json[] }[] };
    body.name = "Finance glossary copy";
    // As the engine leaves a reference it cannot map: the userId is gone, the rest stays.
    body.terms[0]!.stewards = [{ name: "Somebody Else", email: "nobody@example.com" }];
    const made = await createRestoreTarget(client).createResource!("glossaries", { body, spaceId: snap.spaceId });
    expect(made.notes?.join("\n")).toMatch(/term 'Gross margin' of glossary 'Finance glossary copy'.*1 steward\(s\) are not users of the target/);
    expect(Object.values(tenant.kinds!.glossaries[made.id]!.terms).find((t) => t.name === "Gross margin")!.stewards).toEqual([]);
  });
});
