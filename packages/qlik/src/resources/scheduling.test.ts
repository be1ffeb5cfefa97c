/**
 * The scheduling and organisation kinds through the connector (scheduling.ts,
 * organisation.ts) against the emulator's demo tenant: listings, files byte for byte, no
 * secret in any answer, create/update round trips with the references a restore remaps
 * (app, users, groups), and errors that name the object.
 */
import { describe, expect, it } from "vitest";
import type { ResourceKindName, ResourceRecord } from "@lifeboat/model";
import { kindsOf, type App, type Tenant } from "@lifeboat/emulator";
import { botOf, keyOf, useEmulator } from "../testing-emulator.ts";
import { createTenantWriter } from "../writer.ts";
import { createTenantCore, type TenantClient } from "../client.ts";
import { QlikApiError } from "../errors.ts";

async function all(client: TenantClient, kind: ResourceKindName): Promise<ResourceRecord[]> {
  const out: ResourceRecord[] = [];
  for await (const r of client.listResources(kind)) out.push(r);
  return out;
}
async function bytes(it: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const p of it) parts.push(p);
  return Buffer.concat(parts);
}
const appNamed = (t: Tenant, name: string): App => Object.values(t.apps).find((a) => a.name === name && !a.originAppId)!;
const userNamed = (t: Tenant, name: string) => Object.values(t.users).find((u) => u.name === name)!;

describe("scheduling and organisation kinds (emulator, default quirks)", () => {
  const ctx = useEmulator({ qix: false });
  const writerOf = () => createTenantWriter(createTenantCore({ host: ctx.emu.host, auth: { type: "apikey", apiKey: ctx.emu.apiKey } }));

  it("lists every kind the caller can see, named as people know them, without a secret", async () => {
    const bot = botOf(ctx.emu);
    const key = keyOf(ctx.emu);
    const tasks = await all(bot, "reloadTasks");
    expect(tasks.map((t) => t.name).sort()).toEqual(["Budget vs Actual", "P&L", "Pipeline Analysis", "Sales Overview"]);
    const sales = tasks.find((t) => t.name === "Sales Overview")!;
    expect(sales.body).toMatchObject({ timeZone: "Europe/Stockholm", state: "Enabled", appId: appNamed(ctx.tenant, "Sales Overview").id });
    expect(sales.ownerId).toBe(userNamed(ctx.tenant, "Ben Builder").id);

    const shares = await all(bot, "sharingTasks");
    expect(shares.map((s) => s.name).sort()).toEqual(["P&L margin chart", "Weekly sales sheet"]);
    const weekly = shares.find((s) => s.name === "Weekly sales sheet")!;
    expect(weekly.secrets).toEqual(["emailContent.subject", "emailContent.body"]);
    expect(weekly.body.encryptedEmailContent).toBeUndefined();

    // Templates and alerts are their owners' (quirks off): the admin's key sees the admin's.
    expect((await all(bot, "reportTemplates")).map((t) => t.name)).toEqual([]);
    const templates = await all(key, "reportTemplates");
    expect(templates.map((t) => [t.name, t.files])).toEqual([["Sales by region", ["template"]]]);
    const alerts = await all(key, "dataAlerts");
    expect(alerts.map((a) => a.name)).toEqual(["Margin below target"]);
    const alert = alerts[0]!;
    expect(alert.body.condition).toMatchObject({ type: "data", dataCondition: { conditionBase: { appId: appNamed(ctx.tenant, "P&L").id } } });

    const tags = await all(bot, "tags");
    expect(tags.map((t) => t.name).sort()).toEqual(["Sales essentials", "certified"]);
    expect((tags.find((t) => t.name === "certified")!.body.items as { resourceType: string }[]).map((i) => i.resourceType)).toEqual(["app", "app"]);
    const cols = await all(key, "collections");
    expect(cols.map((c) => [c.name, c.body.type]).sort()).toEqual([["Favorites", "favorite"], ["Finance certified", "publicgoverned"]]);
    // Notes are their author's: the bot sees none, the admin's key the admin's.
    expect(await all(bot, "notes")).toEqual([]);
    const notes = await all(key, "notes");
    expect(notes.map((n) => [n.name, n.body.resourceType, n.spaceId])).toEqual([["Q3 close checklist", "note", Object.values(ctx.tenant.spaces).find((s) => s.name === "Finance")!.id]]);

    const everything = JSON.stringify([tasks, shares, templates, alerts, tags, cols, notes]);
    expect(everything).not.toMatch(/SECRET-/);
  });

  it("changed-only: templates and alerts whose stamp did not move are not read again (summaries only)", async () => {
    const key = keyOf(ctx.emu);
    for (const kind of ["reportTemplates", "dataAlerts"] as const) {
      const seen: ResourceRecord[] = [];
      for await (const r of key.listResources(kind, { unchanged: (x) => x.stamp !== undefined })) seen.push(r);
      expect(seen.length, kind).toBeGreaterThan(0);
      expect(seen.every((r) => r.summaryOnly), kind).toBe(true);
    }
    const full: ResourceRecord[] = [];
    for await (const r of key.listResources("dataAlerts", { unchanged: () => false })) full.push(r);
    expect(full.every((r) => !r.summaryOnly && r.body.condition !== undefined)).toBe(true);
  });

  it("reads a report template's file byte for byte", async () => {
    const key = keyOf(ctx.emu);
    const [tpl] = await all(key, "reportTemplates");
    const stored = Object.values(kindsOf(ctx.tenant).reportTemplates).find((t) => t.id === tpl!.id)!;
    expect((await bytes(key.readResourceFile("reportTemplates", tpl!.id, "template"))).equals(Buffer.from(stored.file, "base64"))).toBe(true);
  });

  it("creates and updates each kind on another app, with owners, recipients and the secret e-mail content", async () => {
    const w = writerOf();
    const key = keyOf(ctx.emu);
    const target = appNamed(ctx.tenant, "Admin Scratchpad");
    const ben = userNamed(ctx.tenant, "Ben Builder");
    const chloe = userNamed(ctx.tenant, "Chloe Chen");

    // reload task: a disabled schedule stays disabled; the owner cannot be set (the engine's checklist says so)
    const rt = await w.createResource("reloadTasks", { body: { appId: target.id, timeZone: "Asia/Tokyo", recurrence: ["RRULE:FREQ=DAILY;BYHOUR=1"], state: "Disabled", partial: false, autoReload: false, autoReloadPartial: false }, ownerId: ben.id });
    expect(rt.notes?.[0]).toMatch(new RegExp(`reloads as the restoring user, not as its owner \\(user ${ben.id}\\)`));
    expect(kindsOf(ctx.tenant).reloadTasks[rt.id]).toMatchObject({ appId: target.id, timeZone: "Asia/Tokyo", state: "Disabled" });
    await w.updateResource("reloadTasks", rt.id, { body: { timeZone: "UTC", recurrence: ["RRULE:FREQ=DAILY;BYHOUR=2"], state: "Enabled" } });
    expect(kindsOf(ctx.tenant).reloadTasks[rt.id]).toMatchObject({ timeZone: "UTC", state: "Enabled" });

    // sharing task: a snapshot's record, pointed at another app, handed to Ben, e-mail content from the operator
    const [weekly] = (await all(botOf(ctx.emu), "sharingTasks")).filter((s) => s.name === "Weekly sales sheet");
    const body = structuredClone(weekly!.body);
    body.name = "Weekly sales sheet (restored)";
    for (const t of body.templates as { sheetData: { appId: string } }[]) t.sheetData.appId = target.id;
    const st = await w.createResource("sharingTasks", { body, ownerId: ben.id, secrets: { "emailContent.subject": "Hello", "emailContent.body": "Body" } });
    const made = kindsOf(ctx.tenant).sharingTasks[st.id]!;
    expect(made).toMatchObject({ appId: target.id, ownerId: ben.id, emailContent: { subject: "Hello", body: "Body" } });
    expect(made.recipients.userIds.map((r) => r.value)).toEqual([chloe.id]);
    expect(made.recipients.emailAddresses).toEqual(["board@example.com"]);
    const upd = await w.updateResource("sharingTasks", st.id, { body: { ...body, tags: ["x"] }, secrets: { "emailContent.body": "B2" } });
    expect(kindsOf(ctx.tenant).sharingTasks[st.id]!.tags).toEqual(["x"]);
    expect(upd.notes?.[0]).toMatch(/e-mail/);

    // report template: the snapshot's file, re-bound to the other app ("replace")
    const [tpl] = await all(key, "reportTemplates");
    const file = await bytes(key.readResourceFile("reportTemplates", tpl!.id, "template"));
    const rtpl = await w.createResource("reportTemplates", { body: { ...tpl!.body, name: "Sales by region (restored)", sourceAppId: target.id }, files: { template: async function* () { yield file; } } });
    expect(kindsOf(ctx.tenant).reportTemplates[rtpl.id]).toMatchObject({ sourceAppId: target.id, file: file.toString("base64") });

    // data alert: a new condition on the other app, recipients kept, handed to Ben
    const [alert] = await all(key, "dataAlerts");
    const ab = structuredClone(alert!.body) as Record<string, unknown> & { condition: { dataCondition: { conditionBase: { appId: string } } } };
    ab.appId = target.id;
    ab.condition.dataCondition.conditionBase.appId = target.id;
    ab.name = "Margin (restored)";
    const da = await w.createResource("dataAlerts", { body: ab, ownerId: ben.id });
    const madeAlert = kindsOf(ctx.tenant).dataAlerts[da.id]!;
    expect(madeAlert).toMatchObject({ appId: target.id, ownerId: ben.id, triggerType: "SCHEDULED" });
    expect(kindsOf(ctx.tenant).conditions[madeAlert.conditionId]!.appId).toBe(target.id);
    expect(madeAlert.conditionId).not.toBe(alert!.body.conditionId);

    // tag and published collection with items by app id; an app the target lacks is noted
    const tag = await w.createResource("tags", { body: { name: "restored-tag", description: "", items: [{ id: "old", resourceType: "app", resourceId: target.id, name: target.name }, { id: "gone", resourceType: "app", resourceId: "no-such-app", name: "Gone" }] } });
    expect(kindsOf(ctx.tenant).collections[tag.id]).toMatchObject({ type: "public", itemIds: [target.itemId] });
    expect(tag.notes?.join()).toMatch(/Gone/);
    const col = await w.createResource("collections", { body: { name: "Restored governed", type: "publicgoverned", description: "d", items: [{ id: "old", resourceType: "app", resourceId: target.id, name: target.name }] } });
    expect(kindsOf(ctx.tenant).collections[col.id]).toMatchObject({ type: "publicgoverned", itemIds: [target.itemId] });
    const other = appNamed(ctx.tenant, "Sales Overview");
    await w.updateResource("collections", col.id, { body: { name: "Restored governed", type: "publicgoverned", description: "d", items: [{ id: "x", resourceType: "app", resourceId: other.id, name: other.name }] } });
    expect(kindsOf(ctx.tenant).collections[col.id]!.itemIds).toEqual([other.itemId]);
  });

  it("names the object and the reason when Qlik refuses a write; a favourite is never created", async () => {
    const w = writerOf();
    const err = await w.createResource("reloadTasks", { body: { appId: "no-such-app", timeZone: "UTC" } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QlikApiError);
    expect((err as QlikApiError).kind).toBe("not-found");
    expect((err as Error).message).toMatch(/reload task of app no-such-app/);
    const fav = await w.createResource("collections", { body: { name: "Favorites", type: "favorite", items: [] } }).catch((e: unknown) => e);
    expect((fav as Error).message).toMatch(/favourites belong to their user/);
    expect(() => w.createResource("notes", { body: {} })).toThrow(/cannot create notes/);
  });
});

describe("with the admin-view quirks on", () => {
  const ctx = useEmulator({ qix: false, quirks: { reportTemplatesAdminSeesAll: true, dataAlertsAdminSeesAll: true } });
  it("the admin's key lists every report template and data alert", async () => {
    const key = keyOf(ctx.emu);
    expect((await all(key, "reportTemplates")).map((t) => t.name).sort()).toEqual(["P&L pack", "Sales by region"]);
    expect((await all(key, "dataAlerts")).map((t) => t.name).sort()).toEqual(["Margin below target", "Pipeline drop"]);
  });
});
