/**
 * The integration kinds' connector (integration.ts) against the emulator: listing (complete,
 * no secret in any record, secrets named), create and update round trips into an empty tenant
 * (webhooks without and with their secrets, web integrations' new ids, OAuth clients' secrets
 * never kept, the API-key configuration under both `apiKeysEnabledPatch` readings), and errors
 * that name the object and the tenant.
 */
import { describe, expect, it } from "vitest";
import { DEMO_SECRETS, kindsOf, type EmulatorHandle } from "@lifeboat/emulator";
import type { ResourceKindName, ResourceRecord, ResourceWrite } from "@lifeboat/model";
import { createTenantClient } from "../client.ts";
import { createRestoreTarget } from "../restore-target.ts";
import { keyOf, useEmulator } from "../testing-emulator.ts";

async function all(emu: EmulatorHandle, kind: ResourceKindName): Promise<ResourceRecord[]> {
  const out: ResourceRecord[] = [];
  for await (const r of keyOf(emu).listResources(kind)) out.push(r);
  return out;
}
const byName = (rs: ResourceRecord[], name: string): ResourceRecord => {
  const r = rs.find((x) => x.name === name);
  if (!r) throw new Error(`no ${name} in ${rs.map((x) => x.name).join(", ")}`);
  return r;
};
/** What a restore hands the connector: the snapshot's body (ids and dates left in: the connector must ignore them). */
const writeOf = (r: ResourceRecord, extra: Partial<ResourceWrite> = {}): ResourceWrite => ({ body: structuredClone(r.body), ...(r.ownerId ? { ownerId: r.ownerId } : {}), ...extra });
const KINDS: ResourceKindName[] = ["webhooks", "webIntegrations", "cspOrigins", "oauthClients", "apiKeyConfig"];

describe("integration kinds: backup", () => {
  const ctx = useEmulator({ qix: false });

  it("lists every kind completely; no planted secret in any record; the secrets Qlik holds are named", async () => {
    const records = Object.fromEntries(await Promise.all(KINDS.map(async (k) => [k, await all(ctx.emu, k)] as const))) as Record<ResourceKindName, ResourceRecord[]>;
    const text = JSON.stringify(records);
    for (const s of DEMO_SECRETS) expect(text).not.toContain(s);
    const hooks = records.webhooks;
    expect(hooks.map((h) => h.name).sort()).toEqual(["Ben's app events", "Reload alerts", "Sales Dev app events"]);
    const reload = byName(hooks, "Reload alerts");
    expect(reload.secrets).toEqual(["secret", "encryptedHeaderValues"]);
    expect(reload.body.encryptedHeaders).toEqual(["X-Api-Token"]);
    const ada = Object.values(ctx.tenant.users).find((u) => u.name === "Ada Admin")!.id;
    expect([reload.ownerId, reload.body.ownerId]).toEqual([ada, ada]);
    expect(byName(hooks, "Ben's app events")).toMatchObject({ secrets: ["secret"], body: { level: "user", enabled: false } });
    expect(byName(hooks, "Sales Dev app events").secrets).toEqual([]);
    expect(records.webIntegrations.map((w) => w.name)).toEqual(["Customer portal", "Intranet mashup"]);
    expect(records.cspOrigins.map((c) => c.name).sort()).toEqual(["Fonts", "Map tiles", "Portal embedding"]);
    const oauth = records.oauthClients;
    expect(oauth.map((x) => x.name).sort()).toEqual(["Analyst notebooks", "Customer portal (SPA)", "Reporting service"]);
    expect(byName(oauth, "Reporting service")).toMatchObject({ secrets: ["clientSecret"], body: { appType: "web", clientSecrets: [{ hint: "d1f4" }] } });
    expect(byName(oauth, "Customer portal (SPA)").secrets).toBeUndefined();
    expect(records.apiKeyConfig).toEqual([{ kind: "apiKeyConfig", id: "config", name: "API-key configuration", body: { api_keys_enabled: true, max_keys_per_user: 10, max_api_key_expiry: "P30D", scim_externalClient_expiry: "P180D" } }]);
    // Every record carries a change stamp where Qlik has one (changed-only capture).
    for (const k of ["webhooks", "webIntegrations", "cspOrigins", "oauthClients"] as const) for (const r of records[k]) expect(r.stamp, `${k} ${r.name}`).toBeTruthy();
  });

  it("a caller without TenantAdmin: the error names what, where and the next step", async () => {
    const ben = Object.values(ctx.tenant.users).find((u) => u.name === "Ben Builder")!;
    ctx.tenant.apiKeys.integ_ben = { id: "integ_ben", token: "integ_ben", userId: ben.id };
    const client = createTenantClient({ host: ctx.emu.host, auth: { type: "apikey", apiKey: "integ_ben" } });
    const err = await (async () => {
      for await (const _ of client.listResources("oauthClients")) void _;
    })().catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(new RegExp(`could not list OAuth clients on ${ctx.emu.host.replace(/[.]/g, "\\.")} \\(403.*the caller lacks permission`));
  });
});

describe("integration kinds: restore into an empty tenant", () => {
  const src = useEmulator({ qix: false });
  const dst = useEmulator({ qix: false, fixture: "empty" });

  it("webhooks: without secrets created disabled and noted; with them enabled, the values stored by Qlik and never returned", async () => {
    const target = createRestoreTarget(keyOf(dst.emu));
    const hooks = await all(src.emu, "webhooks");
    const reload = byName(hooks, "Reload alerts");
    // The owner as a restore maps it: the target's admin (who is also the caller here).
    const ownerId = Object.values(dst.tenant.users).find((u) => u.roles.includes("TenantAdmin"))!.id;
    const bare = await target.createResource!("webhooks", writeOf(reload, { ownerId }));
    expect(bare.notes?.join(" ")).toMatch(/created disabled without its signing secret and encrypted header value\(s\) X-Api-Token/);
    const stored = kindsOf(dst.tenant).webhooks[bare.id]!;
    expect(stored).toMatchObject({ enabled: false, url: reload.body.url, filter: reload.body.filter, headers: { "X-Team": "operations" }, encryptedHeaders: {} });
    expect(stored.secret).toBeUndefined();

    const secrets = { secret: "S".repeat(40), encryptedHeaderValues: JSON.stringify({ "X-Api-Token": "tok-123" }) };
    const full = await target.createResource!("webhooks", writeOf(reload, { ownerId, secrets }));
    expect(full.notes).toBeUndefined();
    expect(kindsOf(dst.tenant).webhooks[full.id]).toMatchObject({ enabled: true, secret: "S".repeat(40), encryptedHeaders: { "X-Api-Token": "tok-123" } });
    const back = (await all(dst.emu, "webhooks")).find((r) => r.id === full.id)!;
    expect(JSON.stringify(back)).not.toContain("tok-123");
    expect(back).toMatchObject({ secrets: ["secret", "encryptedHeaderValues"], body: { enabled: true, encryptedHeaders: ["X-Api-Token"], secretKeyAdded: true } });

    // The bare one, updated with its secrets later: PATCH, enabled, values stored.
    await target.updateResource!("webhooks", bare.id, writeOf(reload, { ownerId, secrets }));
    expect(kindsOf(dst.tenant).webhooks[bare.id]).toMatchObject({ enabled: true, secret: "S".repeat(40), encryptedHeaders: { "X-Api-Token": "tok-123" } });
  });

  it("webhooks: a malformed encrypted-header secret is a usage error naming the webhook, never the value", async () => {
    const target = createRestoreTarget(keyOf(dst.emu));
    const reload = byName(await all(src.emu, "webhooks"), "Reload alerts");
    const err = (await target.createResource!("webhooks", writeOf(reload, { secrets: { encryptedHeaderValues: "X-Api-Token: hunter2" } })).then(
      () => new Error("created"),
      (e: unknown) => e,
    )) as Error & { code?: string };
    expect(err).toMatchObject({ code: "usage" });
    expect(err.message).toContain("webhook 'Reload alerts'");
    expect(err.message).not.toContain("hunter2");
  });

  it("webhooks: a user-level one keeps its owner; a filter change that needs a PUT is not made while it would clear the secret", async () => {
    const target = createRestoreTarget(keyOf(dst.emu));
    const ben = byName(await all(src.emu, "webhooks"), "Ben's app events");
    const admin = Object.values(dst.tenant.users).find((u) => u.roles.includes("TenantAdmin"))!;
    const made = await target.createResource!("webhooks", writeOf(ben, { ownerId: admin.id, secrets: { secret: "B".repeat(40) } }));
    expect(kindsOf(dst.tenant).webhooks[made.id]).toMatchObject({ level: "user", ownerId: admin.id, enabled: false });
    const changed = writeOf(ben, { ownerId: admin.id });
    changed.body.filter = 'id eq "abc"';
    changed.body.description = "now described";
    const res = await target.updateResource!("webhooks", made.id, changed);
    expect(res.notes?.join(" ")).toMatch(/filter not changed: .*would clear its signing secret/);
    expect(kindsOf(dst.tenant).webhooks[made.id]).toMatchObject({ description: "now described", secret: "B".repeat(40) });
    expect(kindsOf(dst.tenant).webhooks[made.id]!.filter).toBeUndefined();
    await target.updateResource!("webhooks", made.id, { ...changed, secrets: { secret: "C".repeat(40) } });
    expect(kindsOf(dst.tenant).webhooks[made.id]).toMatchObject({ filter: 'id eq "abc"', description: "now described", secret: "C".repeat(40) });
  });

  it("webhooks: CloudEvent delivery stays on (noted); a URL change re-enters the encrypted headers it drops, or says to", async () => {
    const target = createRestoreTarget(keyOf(dst.emu));
    const reload = byName(await all(src.emu, "webhooks"), "Reload alerts");
    const ownerId = Object.values(dst.tenant.users).find((u) => u.roles.includes("TenantAdmin"))!.id;
    const secrets = { secret: "D".repeat(40), encryptedHeaderValues: JSON.stringify({ "X-Api-Token": "tok-9" }) };
    const made = await target.createResource!("webhooks", writeOf(reload, { ownerId, secrets }));
    kindsOf(dst.tenant).webhooks[made.id]!.enableCloudEventDelivery = true;
    const moved = writeOf(reload, { ownerId });
    moved.body.url = "https://hooks.example.com/elsewhere";
    const res = await target.updateResource!("webhooks", made.id, moved);
    expect(res.notes).toEqual([expect.stringMatching(/CloudEvent delivery stays on/), expect.stringMatching(/encrypted headers were dropped by Qlik with the URL change/)]);
    expect(kindsOf(dst.tenant).webhooks[made.id]).toMatchObject({ url: "https://hooks.example.com/elsewhere", enableCloudEventDelivery: true, encryptedHeaders: {}, secret: "D".repeat(40) });
    const back = writeOf(reload, { ownerId, secrets });
    const again = await target.updateResource!("webhooks", made.id, back);
    expect(again.notes).toEqual([expect.stringMatching(/CloudEvent delivery stays on/)]);
    expect(kindsOf(dst.tenant).webhooks[made.id]).toMatchObject({ url: reload.body.url, encryptedHeaders: { "X-Api-Token": "tok-9" } });
  });

  it("web integrations and CSP origins: created (a web integration with a new id, noted) and updated to the snapshot", async () => {
    const target = createRestoreTarget(keyOf(dst.emu));
    const portal = byName(await all(src.emu, "webIntegrations"), "Customer portal");
    const made = await target.createResource!("webIntegrations", writeOf(portal));
    expect(made.id).not.toBe(portal.id);
    expect(made.notes).toEqual([expect.stringContaining(`Qlik gave it the id ${made.id}: embedding clients`)]);
    expect(kindsOf(dst.tenant).webIntegrations[made.id]).toMatchObject({ name: "Customer portal", validOrigins: portal.body.validOrigins });
    kindsOf(dst.tenant).webIntegrations[made.id]!.validOrigins = ["https://elsewhere.example.com"];
    await target.updateResource!("webIntegrations", made.id, writeOf(portal));
    expect(kindsOf(dst.tenant).webIntegrations[made.id]!.validOrigins).toEqual(portal.body.validOrigins);

    for (const csp of await all(src.emu, "cspOrigins")) {
      const x = await target.createResource!("cspOrigins", writeOf(csp));
      const back = (await all(dst.emu, "cspOrigins")).find((r) => r.id === x.id)!;
      const { id: _a, createdDate: _b, modifiedDate: _c, ...want } = csp.body;
      expect(back.body).toMatchObject(want);
    }
    const tiles = byName(await all(dst.emu, "cspOrigins"), "Map tiles");
    await target.updateResource!("cspOrigins", tiles.id, writeOf(tiles, { body: { ...tiles.body, fontSrc: true } }));
    expect(kindsOf(dst.tenant).cspOrigins[tiles.id]!.directives).toMatchObject({ fontSrc: true, imgSrc: true });
  });

  it("OAuth clients: new client ids, the generated secret never in the result; published again; appType differences noted", async () => {
    const target = createRestoreTarget(keyOf(dst.emu));
    const clients = await all(src.emu, "oauthClients");
    for (const c of clients) {
      const made = await target.createResource!("oauthClients", writeOf(c));
      expect(made.id).not.toBe(c.id);
      const stored = kindsOf(dst.tenant).oauthClients[made.id]!;
      for (const s of stored.secrets) expect(JSON.stringify(made)).not.toContain(s.secret);
      expect(made.notes?.[0]).toContain(`client id ${made.id}`);
      expect(stored).toMatchObject({ clientName: c.name, appType: c.body.appType, allowedScopes: c.body.allowedScopes, redirectUris: c.body.redirectUris });
      expect(Boolean(stored.publishedAt)).toBe(Boolean(c.body.publishedAt));
      if (c.name === "Reporting service") expect(made.notes?.[0]).toMatch(/client secret Lifeboat does not keep/);
      if (c.name === "Customer portal (SPA)") expect(stored.consentMethod).toBe("trusted");
    }
    const spa = byName(clients, "Customer portal (SPA)");
    const made = byName(await all(dst.emu, "oauthClients"), "Customer portal (SPA)");
    const res = await target.updateResource!("oauthClients", made.id, writeOf(spa, { body: { ...spa.body, appType: "web", description: "changed" } }));
    expect(res.notes).toEqual([expect.stringMatching(/application type stays spa .*delete and recreate/)]);
    expect(kindsOf(dst.tenant).oauthClients[made.id]).toMatchObject({ appType: "spa", description: "changed" });
  });

  it("the API-key configuration: brought to the snapshot's values; api_keys_enabled refused by default is noted", async () => {
    const target = createRestoreTarget(keyOf(dst.emu));
    const [config] = await all(src.emu, "apiKeyConfig");
    const res = await target.updateResource!("apiKeyConfig", "config", writeOf(config!));
    expect(kindsOf(dst.tenant).apiKeysConfig).toEqual({ api_keys_enabled: false, max_keys_per_user: 10, max_api_key_expiry: "P30D", scim_externalClient_expiry: "P180D" });
    expect(res.notes).toEqual([expect.stringMatching(/API keys stay disabled .*switch it in the management console/)]);
  });
});

describe("integration kinds: the API-key configuration where Qlik accepts api_keys_enabled", () => {
  const src = useEmulator({ qix: false });
  const dst = useEmulator({ qix: false, fixture: "empty", quirks: { apiKeysEnabledPatch: "accept" } });
  it("is written in full, without a note", async () => {
    const [config] = await all(src.emu, "apiKeyConfig");
    const res = await createRestoreTarget(keyOf(dst.emu)).createResource!("apiKeyConfig", writeOf(config!));
    expect(res).toEqual({ id: "config" });
    expect(kindsOf(dst.tenant).apiKeysConfig).toEqual(config!.body);
  });
});
