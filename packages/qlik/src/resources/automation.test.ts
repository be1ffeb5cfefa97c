/**
 * Automation connections and automations (automation.ts) against the emulator's demo tenant
 * and an empty second tenant: what an admin key and an `admin.automations` bot can read (the
 * definition is the owner's or the bot's only), no secret or execution token in any record,
 * create with and without a connection's secret, the owner handed over before the definition
 * is put back (an owner change detaches connections), state, update.
 */
import { describe, expect, it } from "vitest";
import type { ResourceRecord } from "@lifeboat/model";
import { kindsOf, type Tenant } from "@lifeboat/emulator";
import { createTenantClient, type TenantClient } from "../client.ts";
import { createRestoreTarget } from "../restore-target.ts";
import { keyOf, useEmulator } from "../testing-emulator.ts";

const ctx = useEmulator({ tenants: 2, tenantFixtures: ["demo", "empty"] });

const collect = async <T>(it: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
};

const byName = (rs: ResourceRecord[], name: string): ResourceRecord => {
  const r = rs.find((x) => x.name === name);
  if (!r) throw new Error(`no record named ${name}: ${rs.map((x) => x.name).join(", ")}`);
  return r;
};

/** An OAuth bot of tenant `i` holding `admin.automations` (granted to the tenant's client first). */
function automationsBot(i = 0): TenantClient {
  const t = ctx.emu.state.tenants[i]!;
  const client = Object.values(t.oauthClients)[0]!;
  if (!client.scopes.includes("admin.automations")) client.scopes.push("admin.automations");
  const h = ctx.emu.tenants[i]!;
  return createTenantClient({ host: h.host, auth: { type: "oauth2", clientId: h.clientId, clientSecret: h.clientSecret, scope: "user_default admin.automations" } });
}

/** Every secret these kinds hold in the tenant: password-typed parameter values and execution tokens. */
function heldSecrets(t: Tenant): string[] {
  const k = kindsOf(t);
  return [...Object.values(k.automationConnections).flatMap((x) => x.params.filter((p) => p.fieldType === "password").map((p) => p.value)), ...Object.values(k.automations).map((a) => a.executionToken)].filter(Boolean);
}

const userId = (name: string, i = 0): string => Object.values(ctx.emu.state.tenants[i]!.users).find((u) => u.name === name)!.id;

describe("automation connections", () => {
  it("lists every connection for a tenant admin, read in full: password-typed values dropped and named, OAuth ones with their account", async () => {
    const rs = await collect(keyOf(ctx.emu).listResources("automationConnections"));
    expect(rs.map((r) => r.name).sort()).toEqual(["SMTP (Emma)", "Slack (Chloe)", "Snowflake (Ben)"]);
    const sf = byName(rs, "Snowflake (Ben)");
    expect(sf).toMatchObject({ kind: "automationConnections", ownerId: userId("Ben Builder"), secrets: ["params.password"] });
    expect(sf.body.params).toEqual([
      expect.objectContaining({ name: "account", value: "acme.eu-west-1" }),
      expect.objectContaining({ name: "username", value: "svc_automation" }),
      { id: expect.any(String), name: "password", fieldType: "password", isOptional: false },
    ]);
    expect(byName(rs, "SMTP (Emma)").secrets).toEqual(["params.apiKey"]);
    const slack = byName(rs, "Slack (Chloe)");
    expect(slack).toMatchObject({ secrets: [], body: { oauthAccountName: "chloe.chen@example.com" } });
    expect(slack.body).not.toHaveProperty("redirect");
    const text = JSON.stringify(rs);
    for (const s of heldSecrets(ctx.tenant)) expect(text).not.toContain(s);
  });

  it("a user without listAll gets their own", async () => {
    const t = ctx.tenant;
    const ben = userId("Ben Builder");
    t.apiKeys.auto_ben = { id: "auto_ben", token: "auto_ben", userId: ben };
    const rs = await collect(createTenantClient({ host: ctx.emu.host, auth: { type: "apikey", apiKey: "auto_ben" } }).listResources("automationConnections"));
    expect(rs.map((r) => r.name)).toEqual(["Snowflake (Ben)"]);
  });

  it("creates in another tenant: readable parameters and the secret given (connected); without the secret it is created not connected, noted", async () => {
    const source = byName(await collect(keyOf(ctx.emu).listResources("automationConnections")), "Snowflake (Ben)");
    const target = createRestoreTarget(createTenantClient({ host: ctx.emu.tenants[1]!.host, auth: { type: "apikey", apiKey: ctx.emu.tenants[1]!.apiKey } }));
    const withSecret = await target.createResource!("automationConnections", { body: source.body, secrets: { "params.password": "given-pw" } });
    const made = kindsOf(ctx.emu.state.tenants[1]!).automationConnections[withSecret.id]!;
    expect(made).toMatchObject({ name: "Snowflake (Ben)", connectorId: source.body.connectorId, isConnected: true });
    expect(made.params.map((p) => [p.name, p.value])).toEqual([["account", "acme.eu-west-1"], ["username", "svc_automation"], ["password", "given-pw"]]);
    expect(withSecret.notes).toBeUndefined();
    const without = await target.createResource!("automationConnections", { body: { ...source.body, name: "Snowflake (no secret)" } });
    expect(without.notes).toEqual(["created without 'password': not connected until they are entered"]);
    expect(kindsOf(ctx.emu.state.tenants[1]!).automationConnections[without.id]!.isConnected).toBe(false);
    const slack = byName(await collect(keyOf(ctx.emu).listResources("automationConnections")), "Slack (Chloe)");
    const oauth = await target.createResource!("automationConnections", { body: slack.body });
    expect(oauth.notes).toEqual(["an OAuth connection (account chloe.chen@example.com): not connected until its owner signs in again in the automation editor"]);
  });

  it("updates a connection: a changed parameter and the secret given, owner handed back (TenantAdmin)", async () => {
    const k = kindsOf(ctx.tenant);
    const x = Object.values(k.automationConnections).find((c) => c.name === "SMTP (Emma)")!;
    const source = byName(await collect(keyOf(ctx.emu).listResources("automationConnections")), "SMTP (Emma)");
    x.params.find((p) => p.name === "host")!.value = "smtp.drifted.example.com";
    x.ownerId = userId("Ben Builder");
    const res = await createRestoreTarget(keyOf(ctx.emu)).updateResource!("automationConnections", x.id, { body: source.body, ownerId: source.ownerId, secrets: { "params.apiKey": "new-key" } });
    expect(res).toEqual({ id: x.id });
    expect(x.params.map((p) => [p.name, p.value])).toEqual([["host", "smtp.example.com"], ["apiKey", "new-key"]]);
    expect(x.ownerId).toBe(userId("Emma Evans"));
  });
});

describe("automations", () => {
  it("a tenant admin's key lists every automation but reads only its own definitions (the others: the listing's record, no workspace)", async () => {
    const rs = await collect(keyOf(ctx.emu).listResources("automations"));
    expect(rs.map((r) => r.name).sort()).toEqual(["Audit webhook relay", "Month-end mail", "Nightly sales refresh", "Pipeline to Slack"]);
    expect(byName(rs, "Audit webhook relay").body.workspace).toBeDefined();
    expect(byName(rs, "Nightly sales refresh").body).not.toHaveProperty("workspace");
    for (const s of heldSecrets(ctx.tenant)) expect(JSON.stringify(rs)).not.toContain(s);
  });

  it("an admin.automations bot reads every definition: workspace, schedules, state; no execution token, no run history", async () => {
    const rs = await collect(automationsBot().listResources("automations"));
    const nightly = byName(rs, "Nightly sales refresh");
    const a = Object.values(kindsOf(ctx.tenant).automations).find((x) => x.name === "Nightly sales refresh")!;
    expect(nightly).toMatchObject({ id: a.id, ownerId: a.ownerId, spaceId: a.spaceId, stamp: a.updatedAt, body: { runMode: "scheduled", workspace: a.workspace, state: "available" } });
    expect(nightly.body.schedules).toEqual([expect.objectContaining({ interval: 86400, recurrence: "RRULE:FREQ=DAILY;BYHOUR=2;BYMINUTE=0", timezone: "Europe/Stockholm" })]);
    for (const r of rs) {
      expect(r.body.workspace).toBeDefined();
      expect(r.body).not.toHaveProperty("executionToken");
      expect(r.body).not.toHaveProperty("lastRun");
    }
    for (const s of heldSecrets(ctx.tenant)) expect(JSON.stringify(rs)).not.toContain(s);
  });

  it("restores into the same tenant as the bot: created, handed to its owner, definition put back so its connection stays linked, disabled as it was", async () => {
    const bot = automationsBot();
    const source = byName(await collect(bot.listResources("automations")), "Nightly sales refresh");
    const conn = Object.values(kindsOf(ctx.tenant).automationConnections).find((c) => c.name === "Snowflake (Ben)")!;
    const res = await createRestoreTarget(bot).createResource!("automations", { body: { ...source.body, name: "Nightly (restored)", state: "disabled" }, ownerId: source.ownerId, spaceId: source.spaceId });
    const made = kindsOf(ctx.tenant).automations[res.id]!;
    expect(made).toMatchObject({ name: "Nightly (restored)", ownerId: userId("Ben Builder"), spaceId: source.spaceId, state: "disabled", runMode: "scheduled" });
    expect(JSON.stringify(made.workspace)).toContain(conn.id);
    expect(made.schedules).toEqual([expect.objectContaining({ interval: 86400, timezone: "Europe/Stockholm" })]);
    expect(res.notes).toBeUndefined();
  });

  it("as a tenant admin's key (no admin.automations) the owner change detaches the connections: noted for the owner", async () => {
    const bot = automationsBot();
    const source = byName(await collect(bot.listResources("automations")), "Pipeline to Slack");
    const res = await createRestoreTarget(keyOf(ctx.emu)).createResource!("automations", { body: { ...source.body, name: "Pipeline (restored)" }, ownerId: source.ownerId });
    const made = kindsOf(ctx.tenant).automations[res.id]!;
    expect(made.ownerId).toBe(userId("Chloe Chen"));
    const slack = Object.values(kindsOf(ctx.tenant).automationConnections).find((c) => c.name === "Slack (Chloe)")!;
    expect(JSON.stringify(made.workspace)).not.toContain(slack.id);
    expect(res.notes).toEqual([
      expect.stringMatching(/^its new owner must re-select its connections in the automation editor: Qlik detaches them when the owner changes/),
      "Qlik gave it a new execution token: whatever starts it (triggered) needs the new one",
    ]);
  });

  it("one that starts by itself is created disabled when a connection it names is not connected (its secret not given), noted", async () => {
    const bot = automationsBot();
    const target = createRestoreTarget(keyOf(ctx.emu));
    const sfSource = byName(await collect(keyOf(ctx.emu).listResources("automationConnections")), "Snowflake (Ben)");
    const conn = await target.createResource!("automationConnections", { body: { ...sfSource.body, name: "Snowflake (restored, no secret)" } });
    const source = byName(await collect(bot.listResources("automations")), "Nightly sales refresh");
    const workspace = JSON.parse(JSON.stringify(source.body.workspace).replaceAll(sfSource.id, conn.id)) as unknown;
    const res = await createRestoreTarget(bot).createResource!("automations", { body: { ...source.body, name: "Nightly (no secret)", workspace }, spaceId: source.spaceId });
    expect(kindsOf(ctx.tenant).automations[res.id]).toMatchObject({ state: "disabled", runMode: "scheduled" });
    expect(res.notes).toEqual(["created disabled: its connection 'Snowflake (restored, no secret)' is not connected (a secret not given, or an OAuth sign-in pending) — enable the automation once connected"]);
    // A manual one is left as it was: it never runs by itself.
    const manual = await createRestoreTarget(bot).createResource!("automations", { body: { ...source.body, name: "Manual (no secret)", runMode: "manual", workspace }, spaceId: source.spaceId });
    expect(kindsOf(ctx.tenant).automations[manual.id]!.state).toBe("available");
  });

  it("updates an automation in place (definition, state) and refuses to create one whose definition was not readable", async () => {
    const bot = automationsBot();
    const a = Object.values(kindsOf(ctx.tenant).automations).find((x) => x.name === "Month-end mail")!;
    const source = byName(await collect(bot.listResources("automations")), "Month-end mail");
    a.description = "drifted";
    a.state = "available";
    a.maxConcurrentRuns = 5;
    expect(await createRestoreTarget(bot).updateResource!("automations", a.id, { body: source.body, ownerId: source.ownerId })).toEqual({ id: a.id });
    expect(a).toMatchObject({ description: "", state: "disabled", maxConcurrentRuns: 2 });
    const summary = byName(await collect(keyOf(ctx.emu).listResources("automations")), "Month-end mail");
    await expect(createRestoreTarget(keyOf(ctx.emu)).createResource!("automations", { body: summary.body })).rejects.toThrow(/automation 'Month-end mail'.*no definition \(workspace\)/);
  });
});
