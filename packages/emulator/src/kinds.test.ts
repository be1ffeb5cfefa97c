/**
 * The issue-12 kinds as Qlik serves them: data connections (and their DataFiles connections),
 * data credentials, reload tasks, webhooks — who sees and changes what, write-only secrets,
 * paging, tiers, fixtures. Response shapes are checked in schema.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmulatorHandle } from "./server.ts";
import { startEmulator } from "./server.ts";
import type { User } from "./model.ts";
import { adminApi, botApi, startTestEmulator, userByName } from "./testing.ts";
import { DEMO_SECRETS } from "./fixtures-kinds.ts";
import { kindsOf } from "./kinds.ts";
import { tierOf } from "./internal/tiers.ts";
import { buildTenant } from "./fixtures.ts";
import { readZip, writeZip } from "./internal/zip.ts";

type Json = Record<string, unknown>;
let emu: EmulatorHandle;

function tokenOf(user: User): string {
  const tenant = emu.state.tenants[0]!;
  const token = `test_${user.id}`;
  tenant.apiKeys[token] = { id: `k_${user.id}`, token, userId: user.id };
  return token;
}
async function call(method: string, path: string, opts: { token?: string; body?: unknown } = {}): Promise<{ status: number; json: Json; text: string }> {
  const res = await fetch(path.startsWith("http") ? path : `${emu.host}${path}`, {
    method,
    headers: { authorization: `Bearer ${opts.token ?? emu.apiKey}`, ...(opts.body !== undefined ? { "content-type": "application/json" } : {}) },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Json) : {}, text };
}
const data = (r: { json: Json }): Json[] => r.json.data as Json[];
const names = (r: { json: Json }): string[] => data(r).map((x) => (x.qName ?? x.name) as string);

beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(async () => {
  await emu?.close();
});

describe("data connections", () => {
  it("are space-scoped: members see a space's connections, a personal one only its owner (an admin with userId=)", async () => {
    const ben = userByName(emu, "Ben Builder");
    const dev = userByName(emu, "Dev Patel");
    const emma = userByName(emu, "Emma Evans");
    const asBen = names(await call("GET", "/api/v1/data-connections?noDatafiles=true", { token: tokenOf(ben) }));
    expect(asBen).toEqual(expect.arrayContaining(["Sales DB", "CRM REST", "Ben's scratch DB"]));
    expect(asBen).not.toContain("Finance Warehouse");
    const asDev = names(await call("GET", "/api/v1/data-connections?noDatafiles=true", { token: tokenOf(dev) }));
    expect(asDev.sort()).toEqual(["CRM REST", "Sales DB"]);
    const asEmma = names(await call("GET", "/api/v1/data-connections?noDatafiles=true", { token: tokenOf(emma) }));
    expect(asEmma).toContain("Finance Warehouse");
    expect(asEmma).not.toContain("Sales DB");
    const asAdmin = names(await call("GET", "/api/v1/data-connections?noDatafiles=true"));
    expect(asAdmin).not.toContain("Ben's scratch DB");
    expect(names(await call("GET", `/api/v1/data-connections?userId=${ben.id}&noDatafiles=true`))).toContain("Ben's scratch DB");
    expect((await call("GET", `/api/v1/data-connections?userId=${emma.id}`, { token: tokenOf(dev) })).status).toBe(403);
  });

  it("a space consumer may read but not change one; the owner may", async () => {
    const dev = userByName(emu, "Dev Patel");
    const list = data(await call("GET", "/api/v1/data-connections?noDatafiles=true", { token: tokenOf(dev) }));
    const sales = list.find((x) => x.qName === "Sales DB")!;
    expect(sales.privileges).toEqual(["list", "read"]);
    const put = await call("PATCH", `/api/v1/data-connections/${sales.qID}`, { token: tokenOf(dev), body: [{ op: "replace", path: "/qName", value: "Mine" }] });
    expect(put.status).toBe(403);
    expect((put.json.errors as Json[])[0]).toMatchObject({ code: "HTTP-403", title: "Forbidden" });
    const ben = userByName(emu, "Ben Builder");
    expect((await call("PATCH", `/api/v1/data-connections/${sales.qID}`, { token: tokenOf(ben), body: [{ op: "replace", path: "/tags", value: ["sales"] }] })).status).toBe(204);
  });

  it("never return qUsername or qPassword; qConnectionSecret only on a single GET (quirk: plaintext), kept by a PUT that omits it, cleared by \"\"", async () => {
    const chloe = userByName(emu, "Chloe Chen");
    const token = tokenOf(chloe);
    const salesDev = Object.values(emu.state.tenants[0]!.spaces).find((s) => s.name === "Sales Dev")!;
    const made = await call("POST", "/api/v1/data-connections", {
      token,
      body: { qName: "Secret test", qType: "QvRestConnector.exe", qConnectStatement: 'CUSTOM CONNECT TO "provider=QvRestConnector.exe;url=https://x;"', datasourceID: "rest", space: salesDev.id, qUsername: "USER-W1", qPassword: "PW-W1", qConnectionSecret: "CS-W1" },
    });
    expect(made.status).toBe(201);
    expect(made.text).not.toMatch(/USER-W1|PW-W1|CS-W1/);
    const id = made.json.qID as string;
    const list = await call("GET", "/api/v1/data-connections?limit=100", { token });
    expect(list.text).toContain("Secret test");
    expect(list.text).not.toMatch(/USER-W1|PW-W1|CS-W1/);
    const one = await call("GET", `/api/v1/data-connections/${id}`, { token });
    expect(one.json.qConnectionSecret).toBe("CS-W1");
    expect(one.text).not.toMatch(/USER-W1|PW-W1/);
    const base = { qID: id, qEngineObjectID: id, qName: "Secret test", qType: "QvRestConnector.exe", qConnectStatement: 'CUSTOM CONNECT TO "provider=QvRestConnector.exe;url=https://y;"' };
    expect((await call("PUT", `/api/v1/data-connections/${id}`, { token, body: base })).status).toBe(204);
    expect((await call("GET", `/api/v1/data-connections/${id}`, { token })).json.qConnectionSecret).toBe("CS-W1");
    expect((await call("PUT", `/api/v1/data-connections/${id}`, { token, body: { ...base, qConnectionSecret: "" } })).status).toBe(204);
    const cleared = await call("GET", `/api/v1/data-connections/${id}`, { token });
    expect(cleared.json.qConnectionSecret).toBeUndefined();
    expect(cleared.json.qConnectStatement).toContain("url=https://y");
    // The stored password is still there (write-only, not lost): Qlik keeps what a PUT omits.
    expect(kindsOf(emu.state.tenants[0]!).dataConnections[id]!.password).toBe("PW-W1");
    expect((await call("DELETE", `/api/v1/data-connections/${id}`, { token })).status).toBe(204);
    expect((await call("GET", `/api/v1/data-connections/${id}`, { token })).status).toBe(404);
  });

  it("with connectionSecretOnGet=absent not even a single GET returns the connection secret", async () => {
    const other = await startTestEmulator({ quirks: { connectionSecretOnGet: "absent" } });
    try {
      const crm = Object.values(kindsOf(other.state.tenants[0]!).dataConnections).find((x) => x.name === "CRM REST")!;
      const res = await fetch(`${other.host}/api/v1/data-connections/${crm.id}`, { headers: { authorization: `Bearer ${other.apiKey}` } });
      expect(res.status).toBe(200);
      expect(await res.text()).not.toContain("SECRET-demo");
    } finally {
      await other.close();
    }
  });

  it("name is unique per space (409); qID can be supplied and is kept; a non-UUID qID is refused", async () => {
    const salesDev = Object.values(emu.state.tenants[0]!.spaces).find((s) => s.name === "Sales Dev")!;
    const body = { qName: "Sales DB", qType: "QvOdbcConnectorPackage.exe", qConnectStatement: "x", datasourceID: "snowflake", space: salesDev.id };
    const clash = await call("POST", "/api/v1/data-connections", { body });
    expect(clash.status).toBe(409);
    const qID = "3f2b1c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d";
    const kept = await call("POST", "/api/v1/data-connections", { body: { ...body, qName: "Kept id", qID } });
    expect(kept.status).toBe(201);
    expect(kept.json.qID).toBe(qID);
    expect((await call("POST", "/api/v1/data-connections", { body: { ...body, qName: "Bad id", qID: "nope" } })).status).toBe(400);
    expect((await call("POST", "/api/v1/data-connections", { body: { qName: "No statement", qType: "x", datasourceID: "y" } })).status).toBe(400);
    await call("DELETE", `/api/v1/data-connections/${qID}`);
  });

  it("every space and the personal space has a DataFiles connection: listed last regardless of sort, not deletable, gone with noDatafiles", async () => {
    const list = data(await call("GET", "/api/v1/data-connections?limit=100&sort=-qName"));
    const firstDf = list.findIndex((x) => x.qType === "qix-datafiles.exe");
    expect(firstDf).toBeGreaterThan(0);
    expect(list.slice(firstDf).every((x) => x.qType === "qix-datafiles.exe")).toBe(true);
    const spaces = Object.values(emu.state.tenants[0]!.spaces).filter((s) => s.type !== "data");
    expect(list.length - firstDf).toBe(spaces.length + 1);
    const df = list[firstDf]!;
    expect((await call("DELETE", `/api/v1/data-connections/${df.qID}`)).status).toBe(403);
    expect(data(await call("GET", "/api/v1/data-connections?limit=100&noDatafiles=true")).some((x) => x.qType === "qix-datafiles.exe")).toBe(false);
  });

  it("pages with limit and an absolute links.next.href (page cursor) until the end", async () => {
    const all = data(await call("GET", "/api/v1/data-connections?limit=100"));
    let next: string | undefined = `${emu.host}/api/v1/data-connections?limit=2`;
    const seen: string[] = [];
    while (next) {
      const page = await call("GET", next);
      expect(data(page).length).toBeLessThanOrEqual(2);
      seen.push(...data(page).map((x) => x.qID as string));
      next = ((page.json.links as Json).next as { href: string } | undefined)?.href;
      if (next) expect(next).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v1\/data-connections\?.*page=/);
    }
    expect(seen).toEqual(all.map((x) => x.qID));
    expect((await call("GET", "/api/v1/data-connections?limit=101")).status).toBe(400);
  });

  it("@qlik/api reads them (and a tenant admin re-owns and moves one with actions/update)", async () => {
    const api = adminApi(emu);
    const res = await api.dataConnections.getDataConnections({ noDatafiles: true, userId: userByName(emu, "Ben Builder").id });
    const scratch = res.data.data!.find((x) => x.qName === "Ben's scratch DB")!;
    const salesDev = Object.values(emu.state.tenants[0]!.spaces).find((s) => s.name === "Sales Dev")!;
    const moved = await api.dataConnections.updateDataConnections({ connections: [{ id: scratch.qID, ownerId: userByName(emu, "Chloe Chen").id, spaceId: salesDev.id, spaceType: "shared" }] });
    expect(moved.status).toBe(207);
    const after = (await api.dataConnections.getDataConnection(scratch.qID, {})).data;
    expect(after).toMatchObject({ space: salesDev.id, user: userByName(emu, "Chloe Chen").id });
    const ben = userByName(emu, "Ben Builder");
    expect((await call("POST", "/api/v1/data-connections/actions/update", { token: tokenOf(ben), body: { connections: [{ id: scratch.qID, ownerId: ben.id }] } })).status).toBe(403);
  });
});

describe("data credentials", () => {
  it("belong to their user, never return qUsername/qPassword, count their connections, and need all four fields on PUT", async () => {
    const emma = userByName(emu, "Emma Evans");
    const token = tokenOf(emma);
    const fw = data(await call("GET", "/api/v1/data-connections?noDatafiles=true", { token })).find((x) => x.qName === "Finance Warehouse")!;
    expect(fw.qSeparateCredentials).toBe(true);
    const cred = await call("GET", `/api/v1/data-credentials/${fw.qCredentialsID}`, { token });
    expect(cred.json).toMatchObject({ qName: "Emma's warehouse login", qConnCount: 1 });
    expect(cred.text).not.toMatch(/SECRET-demo|emma\.evans"/);
    expect((await call("GET", `/api/v1/data-credentials/${encodeURIComponent("Emma's warehouse login")}?byCredentialName=true`, { token })).status).toBe(200);
    expect((await call("GET", `/api/v1/data-credentials/${fw.qCredentialsID}`)).status).toBe(404);
    expect((await call("PUT", `/api/v1/data-credentials/${fw.qCredentialsID}`, { token, body: { qName: "x", qType: "y", qUsername: "u" } })).status).toBe(400);
    expect((await call("PUT", `/api/v1/data-credentials/${fw.qCredentialsID}`, { token, body: { qName: "Emma's warehouse login", qType: "QvOdbcConnectorPackage.exe", qUsername: "emma.evans", qPassword: "NEW-PW" } })).status).toBe(204);
    expect(kindsOf(emu.state.tenants[0]!).dataCredentials[fw.qCredentialsID as string]!.password).toBe("NEW-PW");
  });
});

describe("reload tasks", () => {
  it("are per app with schedule, time zone and state; seen by those who may open the app, changed by its editors", async () => {
    const bot = botApi(emu);
    const all = (await bot.reloadTasks.getReloadTasks({ limit: 100 })).data.data;
    expect(all.length).toBe(4);
    const sales = Object.values(emu.state.tenants[0]!.apps).find((a) => a.name === "Sales Overview" && !a.originAppId)!;
    const task = all.find((t) => t.appId === sales.id)!;
    expect(task).toMatchObject({ timeZone: "Europe/Stockholm", state: "Enabled", recurrence: ["RRULE:FREQ=DAILY;INTERVAL=1;BYHOUR=6;BYMINUTE=0;BYSECOND=0"], userId: sales.ownerId, spaceId: sales.spaceId });
    const disabled = all.find((t) => t.state === "Disabled")!;
    expect(disabled.disabledCode).toBe("MANUALLY");
    const dev = userByName(emu, "Dev Patel");
    const asDev = data(await call("GET", "/api/v1/reload-tasks?limit=100", { token: tokenOf(dev) }));
    expect(asDev.map((t) => t.appId).sort()).toEqual(all.filter((t) => ["Sales Overview", "Pipeline Analysis"].includes(emu.state.tenants[0]!.apps[t.appId!]!.name)).map((t) => t.appId).sort());
    expect((await call("PUT", `/api/v1/reload-tasks/${task.id}`, { token: tokenOf(dev), body: { state: "Disabled" } })).status).toBe(403);
    expect((await call("POST", "/api/v1/reload-tasks", { token: tokenOf(dev), body: { appId: sales.id, timeZone: "UTC" } })).status).toBe(403);
    expect((await call("POST", "/api/v1/reload-tasks", { body: { appId: sales.id } })).status).toBe(400);
    expect((await call("POST", "/api/v1/reload-tasks", { body: { appId: sales.id, timeZone: "UTC", recurrence: ["DTSTART:20250101T000000Z\nRRULE:FREQ=DAILY"] } })).status).toBe(400);
    const put = await call("PUT", `/api/v1/reload-tasks/${task.id}`, { token: tokenOf(userByName(emu, "Ben Builder")), body: { timeZone: "Europe/Berlin", state: "Disabled" } });
    expect(put.json).toMatchObject({ timeZone: "Europe/Berlin", state: "Disabled", disabledCode: "MANUALLY", recurrence: task.recurrence });
  });

  it("a task is dropped when its app moves to another space", async () => {
    const bot = botApi(emu);
    const budget = Object.values(emu.state.tenants[0]!.apps).find((a) => a.name === "Budget vs Actual")!;
    const before = (await bot.reloadTasks.getReloadTasks({ appId: budget.id })).data.data;
    expect(before).toHaveLength(1);
    const salesDev = Object.values(emu.state.tenants[0]!.spaces).find((s) => s.name === "Sales Dev")!;
    await bot.apps.moveAppToSpace(budget.id, { spaceId: salesDev.id });
    expect(data(await call("GET", `/api/v1/reload-tasks?appId=${budget.id}`))).toEqual([]);
    expect((await call("GET", `/api/v1/reload-tasks/${before[0]!.id}`)).status).toBe(404);
  });

  it("page with next/prev and absolute links", async () => {
    const first = await call("GET", "/api/v1/reload-tasks?limit=2");
    expect(data(first).length).toBe(2);
    const next = ((first.json.links as Json).next as { href: string }).href;
    expect(next).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v1\/reload-tasks\?.*next=/);
    const second = await call("GET", next);
    expect(((second.json.links as Json).prev as { href: string }).href).toMatch(/prev=/);
  });
});

describe("webhooks", () => {
  it("never return the secret or encrypted header values; a URL change drops encrypted headers; PUT clears what it omits", async () => {
    const list = await call("GET", "/api/v1/webhooks");
    expect(list.text).not.toContain("SECRET-demo");
    const alerts = data(list).find((h) => h.name === "Reload alerts")!;
    expect(alerts).toMatchObject({ secretKeyAdded: true, encryptedHeaders: ["X-Api-Token"], headers: { "X-Team": "operations" }, level: "tenant" });
    expect(alerts).not.toHaveProperty("secret");
    const made = await call("POST", "/api/v1/webhooks", { body: { name: "W", url: "https://a.example.com/", secret: "S".repeat(40), encryptedHeaders: { "X-K": "ENC-V" }, enableCloudEventDelivery: true } });
    expect(made.status).toBe(201);
    expect(made.text).not.toMatch(/SSSSSSSS|ENC-V/);
    const id = made.json.id as string;
    await call("PATCH", `/api/v1/webhooks/${id}`, { body: [{ op: "replace", path: "/url", value: "https://b.example.com/" }] });
    const afterUrl = await call("GET", `/api/v1/webhooks/${id}`);
    expect(afterUrl.json).toMatchObject({ url: "https://b.example.com/", encryptedHeaders: [], secretKeyAdded: true });
    expect((await call("PATCH", `/api/v1/webhooks/${id}`, { body: [{ op: "replace", path: "/enableCloudEventDelivery", value: false }] })).status).toBe(400);
    const put = await call("PUT", `/api/v1/webhooks/${id}`, { body: { name: "W2", url: "https://b.example.com/", enableCloudEventDelivery: true } });
    expect(put.json).toMatchObject({ name: "W2", secretKeyAdded: false, enabled: false });
    expect((await call("POST", "/api/v1/webhooks", { body: { name: "short", url: "https://a.example.com/", secret: "too short" } })).status).toBe(400);
    await call("DELETE", `/api/v1/webhooks/${id}`);
  });

  it("a tenant admin sees all; others their own; tenant level needs TenantAdmin, user level the Developer role", async () => {
    const ben = userByName(emu, "Ben Builder");
    const dev = userByName(emu, "Dev Patel");
    expect(names(await call("GET", "/api/v1/webhooks", { token: tokenOf(ben) }))).toEqual(["Ben's app events"]);
    expect(data(await call("GET", "/api/v1/webhooks", { token: tokenOf(dev) }))).toEqual([]);
    const body = { name: "Mine", url: "https://ben.example.com/x" };
    expect((await call("POST", "/api/v1/webhooks", { token: tokenOf(ben), body })).status).toBe(403);
    const mine = await call("POST", "/api/v1/webhooks", { token: tokenOf(ben), body: { ...body, level: "user" } });
    expect(mine.status).toBe(201);
    expect((await call("POST", "/api/v1/webhooks", { token: tokenOf(dev), body: { ...body, level: "user" } })).status).toBe(403);
    const adminHook = data(await call("GET", "/api/v1/webhooks")).find((h) => h.name === "Reload alerts")!;
    expect((await call("GET", `/api/v1/webhooks/${adminHook.id}`, { token: tokenOf(ben) })).status).toBe(404);
    await call("DELETE", `/api/v1/webhooks/${mine.json.id}`, { token: tokenOf(ben) });
  });
});

describe("automations and automation connections", () => {
  async function automationsToken(): Promise<string> {
    const client = Object.values(emu.state.tenants[0]!.oauthClients)[0]!;
    if (!client.scopes.includes("admin.automations")) client.scopes.push("admin.automations");
    const res = await fetch(`${emu.host}/oauth/token`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ client_id: emu.clientId, client_secret: emu.clientSecret, grant_type: "client_credentials", scope: "user_default admin.automations" }) });
    return ((await res.json()) as { access_token: string }).access_token;
  }

  it("a tenant admin lists all (without workspaces); a definition is its owner's or an admin.automations token's only", async () => {
    const ben = userByName(emu, "Ben Builder");
    const all = await call("GET", "/api/v1/automations");
    expect(names(all).sort()).toEqual(["Audit webhook relay", "Month-end mail", "Nightly sales refresh", "Pipeline to Slack"]);
    expect(data(all).every((a) => !("workspace" in a))).toBe(true);
    expect(names(await call("GET", "/api/v1/automations", { token: tokenOf(ben) }))).toEqual(["Nightly sales refresh"]);
    expect((await call("GET", "/api/v1/automations?listAll=true", { token: tokenOf(ben) })).status).toBe(403);
    const nightly = data(all).find((a) => a.name === "Nightly sales refresh")!;
    expect(nightly).toMatchObject({ runMode: "scheduled", ownerId: ben.id, state: "available" });
    const denied = await call("GET", `/api/v1/automations/${nightly.id}`);
    expect(denied.status).toBe(403);
    const asBot = await call("GET", `/api/v1/automations/${nightly.id}`, { token: await automationsToken() });
    expect(asBot.status).toBe(200);
    expect(asBot.json.schedules).toEqual([expect.objectContaining({ recurrence: "RRULE:FREQ=DAILY;BYHOUR=2;BYMINUTE=0", timezone: "Europe/Stockholm", interval: 86400 })]);
    const blocks = (asBot.json.workspace as { blocks: Json[] }).blocks;
    const conn = Object.values(kindsOf(emu.state.tenants[0]!).automationConnections).find((x) => x.name === "Snowflake (Ben)")!;
    expect(blocks.some((b) => b.connectionId === conn.id)).toBe(true);
    expect((await call("GET", `/api/v1/automations/${nightly.id}`, { token: tokenOf(ben) })).status).toBe(200);
  });

  it("runMode follows the workspace (not the body); a copy gets a new executionToken; move needs TenantAdmin and detaches connectors", async () => {
    const ben = userByName(emu, "Ben Builder");
    const token = tokenOf(ben);
    const made = await call("POST", "/api/v1/automations", { token, body: { name: "Mine", runMode: "webhook", workspace: { blocks: [{ type: "StartBlock", runMode: "triggered" }] } } });
    expect(made.json).toMatchObject({ runMode: "triggered", state: "available", ownerId: ben.id });
    const id = made.json.id as string;
    const put = await call("PUT", `/api/v1/automations/${id}`, { token, body: { name: "Mine", schedules: [{ interval: 120, timezone: "UTC" }] } });
    expect(put.json.runMode).toBe("scheduled");
    expect((await call("PUT", `/api/v1/automations/${id}`, { token, body: { name: "Mine", schedules: [{ interval: 90 }] } })).status).toBe(400);
    const copy = await call("POST", `/api/v1/automations/${id}/actions/copy`, { token, body: { name: "Mine copy" } });
    const copied = await call("GET", `/api/v1/automations/${copy.json.id}`, { token });
    expect(copied.json.executionToken).not.toBe(made.json.executionToken);
    expect((await call("POST", `/api/v1/automations/${id}/actions/move`, { token, body: { userId: userByName(emu, "Chloe Chen").id } })).status).toBe(403);
    expect((await call("POST", `/api/v1/automations/${id}/actions/move`, { body: { userId: userByName(emu, "Chloe Chen").id } })).status).toBe(204);
    expect((await call("GET", `/api/v1/automations/${id}`, { token })).status).toBe(404);
    await call("DELETE", `/api/v1/automations/${copy.json.id}`, { token });
  });

  it("change-owner detaches the workspace's connections (a PUT by an admin.automations bot links them again); change-space; a tenant admin may disable another's", async () => {
    const bot = await automationsToken();
    const chloe = userByName(emu, "Chloe Chen");
    const conn = Object.values(kindsOf(emu.state.tenants[0]!).automationConnections).find((x) => x.name === "Snowflake (Ben)")!;
    const workspace = { blocks: [{ id: "start", type: "StartBlock", runMode: "manual" }, { id: "b1", type: "EndpointBlock", connectorId: conn.connectorId, connectionId: conn.id }] };
    const made = await call("POST", "/api/v1/automations", { token: bot, body: { name: "Handed over", workspace } });
    expect(made.json.connectorIds).toEqual([conn.connectorId]);
    const id = made.json.id as string;
    expect((await call("POST", `/api/v1/automations/${id}/actions/change-owner`, { token: bot, body: { userId: chloe.id } })).status).toBe(204);
    const after = await call("GET", `/api/v1/automations/${id}`, { token: bot });
    expect(after.json.ownerId).toBe(chloe.id);
    expect(JSON.stringify(after.json.workspace)).not.toContain(conn.id);
    expect(after.json.connectorIds).toEqual([conn.connectorId]);
    expect((await call("PUT", `/api/v1/automations/${id}`, { body: { name: "Handed over", workspace } })).status).toBe(403);
    const put = await call("PUT", `/api/v1/automations/${id}`, { token: bot, body: { name: "Handed over", workspace } });
    expect(JSON.stringify(put.json.workspace)).toContain(conn.id);
    const space = Object.values(emu.state.tenants[0]!.spaces).find((s) => s.name === "Sales Dev")!;
    expect((await call("POST", `/api/v1/automations/${id}/actions/change-space`, { token: bot, body: {} })).status).toBe(400);
    expect((await call("POST", `/api/v1/automations/${id}/actions/change-space`, { token: bot, body: { spaceId: space.id } })).status).toBe(204);
    expect((await call("GET", `/api/v1/automations/${id}`, { token: bot })).json.spaceId).toBe(space.id);
    expect((await call("POST", `/api/v1/automations/${id}/actions/disable`)).status).toBe(204);
    expect(data(await call("GET", "/api/v1/automations")).find((a) => a.id === id)?.state).toBe("disabled");
    expect((await call("DELETE", `/api/v1/automations/${id}`)).status).toBe(204);
  });

  it("a connection of a known connector has that connector's parameters: connected only with every required one set, an OAuth one never by the API", async () => {
    const snowflake = "61a87510-c7a3-11ea-95da-0fb0c241e75c";
    expect((await call("POST", "/api/v1/automation-connections", { body: { connectorId: snowflake, name: "Bad", params: [{ name: "warehouse", value: "x" }] } })).status).toBe(400);
    const half = await call("POST", "/api/v1/automation-connections", { body: { connectorId: snowflake, name: "Half", params: [{ name: "account", value: "a" }, { name: "username", value: "u" }] } });
    expect(half.json).toMatchObject({ isConnected: false });
    expect((half.json.params as Json[]).map((p) => p.name)).toEqual(["account", "username", "password"]);
    const pw = (half.json.params as Json[]).find((p) => p.name === "password")!;
    const put = await call("PUT", `/api/v1/automation-connections/${half.json.id}`, { body: { params: [{ id: pw.id, value: "pw" }] } });
    expect(put.json.isConnected).toBe(true);
    const slack = await call("POST", "/api/v1/automation-connections", { body: { connectorId: "c7e48240-e0f2-11ea-a3f1-9d8b7a0c3a41", name: "Slack again" } });
    expect(slack.json).toMatchObject({ isConnected: false, redirect: expect.stringContaining("oauth") });
    for (const id of [half.json.id, slack.json.id]) await call("DELETE", `/api/v1/automation-connections/${id}`);
  });

  it("connections: password params are write-only; OAuth ones carry their account; deleting one in use needs forced=true", async () => {
    const all = await call("GET", "/api/v1/automation-connections?listAll=true");
    expect(names(all).sort()).toEqual(["SMTP (Emma)", "Slack (Chloe)", "Snowflake (Ben)"]);
    expect(names(await call("GET", "/api/v1/automation-connections"))).toEqual([]);
    const ben = userByName(emu, "Ben Builder");
    expect((await call("GET", "/api/v1/automation-connections?listAll=true", { token: tokenOf(ben) })).status).toBe(403);
    const sf = data(all).find((x) => x.name === "Snowflake (Ben)")!;
    const one = await call("GET", `/api/v1/automation-connections/${sf.id}`);
    expect(one.text).not.toContain("SECRET-demo");
    expect(one.json.params).toEqual([
      expect.objectContaining({ name: "account", value: "acme.eu-west-1" }),
      expect.objectContaining({ name: "username", value: "svc_automation" }),
      { id: expect.any(String), name: "password", fieldType: "password", isOptional: false },
    ]);
    const slack = await call("GET", `/api/v1/automation-connections/${data(all).find((x) => x.name === "Slack (Chloe)")!.id}`);
    expect(slack.json.oauthAccountName).toBe("chloe.chen@example.com");
    expect((await call("DELETE", `/api/v1/automation-connections/${sf.id}`)).status).toBe(400);
    // The owner may not hand it over: change-owner is a tenant admin's.
    expect((await call("POST", `/api/v1/automation-connections/${sf.id}/actions/change-owner`, { token: tokenOf(ben), body: { userId: userByName(emu, "Chloe Chen").id } })).status).toBe(403);
  });
});

describe("themes and extensions", () => {
  const upload = async (kind: string, form: FormData, token = emu.apiKey, method = "POST", id = "") =>
    fetch(`${emu.host}/api/v1/${kind}${id ? `/${id}` : ""}`, { method, headers: { authorization: `Bearer ${token}` }, body: form });

  it("an uploaded archive downloads byte for byte; a file inside it by path; found by id or qextFilename", async () => {
    const zip = writeZip([
      { name: "my-viz/my-viz.qext", data: JSON.stringify({ name: "My viz", type: "visualization", version: "3.1.4", author: "Me" }) },
      { name: "my-viz/my-viz.js", data: "define([], () => ({}));" },
      { name: "my-viz/assets/logo.bin", data: Buffer.from([0, 1, 2, 255, 254]) },
    ]);
    const form = new FormData();
    form.set("file", new Blob([new Uint8Array(zip)]), "my-viz.zip");
    const res = await upload("extensions", form);
    expect(res.status).toBe(201);
    const made = (await res.json()) as Json;
    expect(made).toMatchObject({ name: "My viz", qextFilename: "my-viz", version: "3.1.4", author: "Me", type: "visualization" });
    const file = await fetch(`${emu.host}/api/v1/extensions/my-viz/file`, { headers: { authorization: `Bearer ${emu.apiKey}` } });
    expect(file.headers.get("content-type")).toBe("application/zip");
    expect(Buffer.from(await file.arrayBuffer()).equals(zip)).toBe(true);
    const inner = await fetch(`${emu.host}/api/v1/extensions/${made.id}/file/assets/logo.bin`, { headers: { authorization: `Bearer ${emu.apiKey}` } });
    expect([...new Uint8Array(await inner.arrayBuffer())]).toEqual([0, 1, 2, 255, 254]);
    // Again: the name is taken.
    const again = await upload("extensions", form);
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ code: "HTTP-409", title: "Conflict", status: 409 });
    // PATCH data only keeps the archive.
    const patch = new FormData();
    patch.set("data", JSON.stringify({ author: "Someone else" }));
    expect(((await (await upload("extensions", patch, emu.apiKey, "PATCH", made.id as string)).json()) as Json).author).toBe("Someone else");
    const after = await fetch(`${emu.host}/api/v1/extensions/${made.id}/file`, { headers: { authorization: `Bearer ${emu.apiKey}` } });
    expect(Buffer.from(await after.arrayBuffer()).equals(zip)).toBe(true);
    expect((await call("DELETE", `/api/v1/extensions/${made.id}`)).status).toBe(204);
    const gone = await call("GET", `/api/v1/extensions/${made.id}`);
    expect(gone.status).toBe(410);
    expect(gone.json).toMatchObject({ code: "HTTP-410", title: "Gone" });
    expect(names(await call("GET", "/api/v1/extensions"))).not.toContain("My viz");
  });

  it("everyone reads, only a tenant admin uploads; not multipart is 415, not a ZIP 422", async () => {
    const ben = userByName(emu, "Ben Builder");
    expect(names(await call("GET", "/api/v1/themes", { token: tokenOf(ben) }))).toEqual(["Acme corporate"]);
    expect(names(await call("GET", "/api/v1/extensions", { token: tokenOf(ben) })).sort()).toEqual(["KPI tiles", "Sankey chart"]);
    const theme = data(await call("GET", "/api/v1/themes"))[0]!;
    const zip = Buffer.from(await (await fetch(`${emu.host}/api/v1/themes/${theme.id}/file`, { headers: { authorization: `Bearer ${tokenOf(ben)}` } })).arrayBuffer());
    expect(readZip(zip).map((e) => e.name)).toEqual(["acme-theme.qext", "theme.json"]);
    const form = new FormData();
    form.set("data", JSON.stringify({ name: "Ben's theme" }));
    expect((await upload("themes", form, tokenOf(ben))).status).toBe(403);
    expect((await call("POST", "/api/v1/themes", { body: { name: "json" } })).status).toBe(415);
    const bad = new FormData();
    bad.set("file", new Blob([new Uint8Array([1, 2, 3, 4])]), "x.zip");
    expect((await upload("themes", bad)).status).toBe(422);
  });
});

describe("collections", () => {
  it("private ones are their creator's, public ones everyone's (created by a tenant admin); items shown only when visible", async () => {
    const ben = userByName(emu, "Ben Builder");
    const dev = userByName(emu, "Dev Patel");
    expect(names(await call("GET", "/api/v1/collections?limit=100", { token: tokenOf(ben) })).sort()).toEqual(["Ben's shortlist", "Finance certified", "Sales essentials", "certified"]);
    expect(names(await call("GET", "/api/v1/collections?limit=100", { token: tokenOf(dev) })).sort()).toEqual(["Finance certified", "Sales essentials", "certified"]);
    expect((await call("POST", "/api/v1/collections", { token: tokenOf(ben), body: { name: "Ben public", type: "public" } })).status).toBe(403);
    const finance = data(await call("GET", "/api/v1/collections?type=publicgoverned", { token: tokenOf(dev) }))[0]!;
    // Dev is no member of the Finance space: the collection's item is hidden from him.
    expect(finance.itemCount).toBe(0);
    expect(data(await call("GET", `/api/v1/collections/${finance.id}/items`)).map((i) => i.name)).toEqual(["P&L"]);
    const shortlist = data(await call("GET", "/api/v1/collections?type=private", { token: tokenOf(ben) }))[0]!;
    expect((await call("GET", `/api/v1/collections/${shortlist.id}`)).status).toBe(404);
    expect((await call("DELETE", `/api/v1/collections/${finance.id}/items/${emu.state.tenants[0]!.apps[Object.keys(emu.state.tenants[0]!.apps).find((id) => emu.state.tenants[0]!.apps[id]!.name === "P&L" && emu.state.tenants[0]!.apps[id]!.originAppId)!]!.itemId}`)).status).toBe(400);
  });

  it("a deleted app's item leaves every collection", async () => {
    const ben = userByName(emu, "Ben Builder");
    const token = tokenOf(ben);
    const made = await call("POST", "/api/v1/collections", { token, body: { name: "Temp", type: "private" } });
    const api = botApi(emu);
    const app = await api.apps.createApp({ attributes: { name: "Doomed" } });
    const appId = app.data.attributes!.id!;
    const item = Object.values(emu.state.tenants[0]!.apps).find((a) => a.id === appId)!.itemId;
    // The bot created the app: give it to Ben so he can add it.
    emu.state.tenants[0]!.apps[appId]!.ownerId = ben.id;
    expect((await call("POST", `/api/v1/collections/${made.json.id}/items`, { token, body: { id: item } })).status).toBe(201);
    expect((await call("POST", `/api/v1/collections/${made.json.id}/items`, { token, body: { id: item } })).status).toBe(409);
    expect((await call("GET", `/api/v1/collections/${made.json.id}`, { token })).json.itemCount).toBe(1);
    await api.apps.deleteApp(appId);
    expect((await call("GET", `/api/v1/collections/${made.json.id}`, { token })).json.itemCount).toBe(0);
    expect(kindsOf(emu.state.tenants[0]!).collections[made.json.id as string]!.itemIds).toEqual([]);
  });
});

describe("web integrations and CSP origins", () => {
  it("are tenant-admin settings: others get 403; ids are server-generated; PATCH replaces name or origins; pages by startingAfter", async () => {
    const ben = userByName(emu, "Ben Builder");
    expect((await call("GET", "/api/v1/web-integrations", { token: tokenOf(ben) })).status).toBe(403);
    expect((await call("GET", "/api/v1/csp-origins", { token: tokenOf(ben) })).status).toBe(403);
    const made = await call("POST", "/api/v1/web-integrations", { body: { name: "Zz embed", validOrigins: ["https://z.example.com"], id: "mine" } });
    expect(made.status).toBe(201);
    expect(made.json.id).not.toBe("mine");
    const id = made.json.id as string;
    expect((await call("PATCH", `/api/v1/web-integrations/${id}`, { body: [{ op: "add", path: "/name", value: "x" }] })).status).toBe(400);
    await call("PATCH", `/api/v1/web-integrations/${id}`, { body: [{ op: "replace", path: "/validOrigins", value: ["https://y.example.com", "https://z.example.com"] }] });
    expect((await call("GET", `/api/v1/web-integrations/${id}`)).json.validOrigins).toEqual(["https://y.example.com", "https://z.example.com"]);
    const first = await call("GET", "/api/v1/web-integrations?limit=2");
    expect(names(first)).toEqual(["Customer portal", "Intranet mashup"]);
    const next = ((first.json.links as Json).next as { href: string }).href;
    expect(next).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v1\/web-integrations\?.*startingAfter=/);
    expect(names(await call("GET", next))).toEqual(["Zz embed"]);
    await call("DELETE", `/api/v1/web-integrations/${id}`);
    expect((await call("GET", `/api/v1/web-integrations/${id}`)).status).toBe(404);
  });

  it("CSP origins: one flag per directive, generate-header in JSON or text", async () => {
    const list = data(await call("GET", "/api/v1/csp-origins"));
    expect(list.map((e) => e.origin).sort()).toEqual(["*.tiles.example.net", "https://fonts.example.org", "portal.example.com"]);
    const header = (await call("GET", "/api/v1/csp-origins/actions/generate-header")).json["Content-Security-Policy"] as string;
    expect(header).toContain("frame-ancestors 'self' portal.example.com");
    expect(header).toContain("img-src 'self' *.tiles.example.net");
    const text = await fetch(`${emu.host}/api/v1/csp-origins/actions/generate-header`, { headers: { authorization: `Bearer ${emu.apiKey}`, accept: "text/plain" } });
    expect(await text.text()).toBe(header);
    expect((await call("POST", "/api/v1/csp-origins", { body: { origin: "x.example.com", imgSrc: "yes" } })).status).toBe(400);
    expect((await call("POST", "/api/v1/csp-origins", { body: { name: "no origin" } })).status).toBe(400);
  });
});

describe("secrets and tiers", () => {
  it("no planted secret leaves the emulator in any list or read of any kind, for any caller (besides the single-GET connection secret)", async () => {
    const fresh = await startTestEmulator();
    try {
      const tenant = fresh.state.tenants[0]!;
      const k = kindsOf(tenant);
      const stored = JSON.stringify(k);
      for (const s of DEMO_SECRETS) expect(stored).toContain(s);
      const bodies: string[] = [];
      for (const user of Object.values(tenant.users)) {
        const token = `t_${user.id}`;
        tenant.apiKeys[token] = { id: token, token, userId: user.id };
        const get = async (p: string) => bodies.push(await (await fetch(`${fresh.host}${p}`, { headers: { authorization: `Bearer ${token}` } })).text());
        await get("/api/v1/data-connections?limit=100");
        await get("/api/v1/reload-tasks?limit=100");
        await get("/api/v1/webhooks?limit=100");
        for (const c of Object.values(k.dataConnections)) await get(`/api/v1/data-connections/${c.id}`);
        for (const c of Object.values(k.dataCredentials)) await get(`/api/v1/data-credentials/${c.id}`);
        for (const h of Object.values(k.webhooks)) await get(`/api/v1/webhooks/${h.id}`);
        await get("/api/v1/oauth-clients?limit=100");
        for (const x of Object.values(k.oauthClients)) await get(`/api/v1/oauth-clients/${x.clientId}`);
        await get("/api/v1/automation-connections?listAll=true");
        for (const x of Object.values(k.automationConnections)) await get(`/api/v1/automation-connections/${x.id}`);
      }
      const all = bodies.join("\n");
      const crm = Object.values(k.dataConnections).find((c) => c.name === "CRM REST")!;
      for (const s of DEMO_SECRETS.filter((x) => x !== crm.connectionSecret)) expect(all).not.toContain(s);
      // The one that does come back (quirk connectionSecretOnGet=plaintext) does so only on its single GET.
      expect(all.split("\n").filter((b) => b.includes(crm.connectionSecret!)).every((b) => b.startsWith(`{"qID":"${crm.id}"`))).toBe(true);
    } finally {
      await fresh.close();
    }
  });

  it("every route has the tier operations.tsv gives it (reads Tier 1, writes Tier 2)", () => {
    const reads = ["/api/v1/data-connections", "/api/v1/data-connections/x", "/api/v1/data-credentials/x", "/api/v1/reload-tasks", "/api/v1/reload-tasks/x", "/api/v1/webhooks", "/api/v1/webhooks/x", "/api/v1/webhooks/event-types", "/api/v1/web-integrations", "/api/v1/web-integrations/x", "/api/v1/csp-origins", "/api/v1/csp-origins/x", "/api/v1/csp-origins/actions/generate-header", "/api/v1/automations", "/api/v1/automations/x", "/api/v1/automation-connections", "/api/v1/automation-connections/x", "/api/v1/themes", "/api/v1/themes/x/file", "/api/v1/extensions/x/file/a.js", "/api/v1/collections", "/api/v1/collections/x/items"];
    reads.push("/api/v1/oauth-clients", "/api/v1/oauth-clients/x", "/api/v1/api-keys/configs/t");
    for (const p of reads) expect(tierOf("GET", p)).toEqual({ bucket: "1", perMinute: 1000 });
    const writes: [string, string][] = [
      ["POST", "/api/v1/data-connections"],
      ["PUT", "/api/v1/data-connections/x"],
      ["PATCH", "/api/v1/data-connections/x"],
      ["DELETE", "/api/v1/data-connections/x"],
      ["POST", "/api/v1/data-connections/actions/update"],
      ["PUT", "/api/v1/data-credentials/x"],
      ["PATCH", "/api/v1/data-credentials/x"],
      ["DELETE", "/api/v1/data-credentials/x"],
      ["POST", "/api/v1/data-credentials/actions/filter-orphan"],
      ["POST", "/api/v1/reload-tasks"],
      ["PUT", "/api/v1/reload-tasks/x"],
      ["DELETE", "/api/v1/reload-tasks/x"],
      ["POST", "/api/v1/webhooks"],
      ["PUT", "/api/v1/webhooks/x"],
      ["PATCH", "/api/v1/webhooks/x"],
      ["DELETE", "/api/v1/webhooks/x"],
      ["POST", "/api/v1/web-integrations"],
      ["PATCH", "/api/v1/web-integrations/x"],
      ["DELETE", "/api/v1/web-integrations/x"],
      ["POST", "/api/v1/csp-origins"],
      ["PUT", "/api/v1/csp-origins/x"],
      ["DELETE", "/api/v1/csp-origins/x"],
      ["POST", "/api/v1/automations"],
      ["PUT", "/api/v1/automations/x"],
      ["DELETE", "/api/v1/automations/x"],
      ["POST", "/api/v1/automations/x/actions/copy"],
      ["POST", "/api/v1/automations/x/actions/move"],
      ["POST", "/api/v1/automation-connections"],
      ["PUT", "/api/v1/automation-connections/x"],
      ["DELETE", "/api/v1/automation-connections/x"],
      ["POST", "/api/v1/automation-connections/x/actions/change-owner"],
      ["POST", "/api/v1/themes"],
      ["PATCH", "/api/v1/extensions/x"],
      ["DELETE", "/api/v1/extensions/x"],
      ["POST", "/api/v1/collections"],
      ["PATCH", "/api/v1/collections/x"],
      ["POST", "/api/v1/collections/x/items"],
      ["DELETE", "/api/v1/collections/x/items/y"],
    ];
    writes.push(["POST", "/api/v1/oauth-clients"], ["PATCH", "/api/v1/oauth-clients/x"], ["DELETE", "/api/v1/oauth-clients/x"], ["POST", "/api/v1/oauth-clients/x/actions/publish"], ["POST", "/api/v1/oauth-clients/x/client-secrets"], ["DELETE", "/api/v1/oauth-clients/x/client-secrets/h"], ["PATCH", "/api/v1/api-keys/configs/t"]);
    for (const [m, p] of writes) expect(tierOf(m, p)).toEqual({ bucket: "2", perMinute: 100 });
  });
});

describe("fixtures", () => {
  it("demo: connections in three spaces and a personal one, by four owners; tasks by four owners", () => {
    const k = kindsOf(emu.state.tenants[0]!);
    const conns = Object.values(buildTenant({ fixture: "demo", seed: "0", tenantIndex: 0 }).tenant.kinds!.dataConnections);
    expect(new Set(conns.map((c) => c.spaceId ?? "personal")).size).toBe(4);
    expect(new Set(conns.map((c) => c.ownerId)).size).toBe(4);
    expect(new Set(Object.values(k.reloadTasks).map((t) => t.userId)).size).toBeGreaterThanOrEqual(3);
  });

  it("generated: counts follow the options; 2,000 apps with ~330 connections still build in about a second", async () => {
    const small = buildTenant({ fixture: "generated", seed: "s", tenantIndex: 0, apps: 10, connections: 7, reloadTasks: 3, webhooks: 1, automations: 4, automationConnections: 5 }).tenant;
    const ks = kindsOf(small);
    expect([ks.dataConnections, ks.reloadTasks, ks.webhooks, ks.automations, ks.automationConnections].map((x) => Object.keys(x).length)).toEqual([7, 3, 1, 4, 5]);
    const integ = kindsOf(buildTenant({ fixture: "generated", seed: "s", tenantIndex: 0, apps: 10, webIntegrations: 3, cspOrigins: 4, oauthClients: 5 }).tenant);
    expect([integ.webIntegrations, integ.cspOrigins, integ.oauthClients].map((x) => Object.keys(x).length)).toEqual([3, 4, 5]);
    expect(Object.values(integ.oauthClients).filter((x) => x.secrets.length).map((x) => x.secrets[0]!.secret)).toEqual(["SECRET-gen-oauth-0001-0123456789abcdef0123456789abcdef", "SECRET-gen-oauth-0003-0123456789abcdef0123456789abcdef", "SECRET-gen-oauth-0005-0123456789abcdef0123456789abcdef"]);
    const t0 = Date.now();
    const big = await startEmulator({ fixture: "generated", apps: 2000, objectsPerApp: 10, connections: 330, qix: false });
    expect(Object.keys(kindsOf(big.state.tenants[0]!).automationConnections).length).toBe(334);
    expect(Object.keys(kindsOf(big.state.tenants[0]!).automations).length).toBe(200);
    try {
      expect(Date.now() - t0).toBeLessThan(5000);
      const kb = kindsOf(big.state.tenants[0]!);
      expect(Object.keys(kb.dataConnections).length).toBe(330);
      expect(Object.keys(kb.reloadTasks).length).toBe(500);
      const res = await fetch(`${big.host}/api/v1/data-connections?limit=100&noDatafiles=true`, { headers: { authorization: `Bearer ${big.apiKey}` } });
      expect(((await res.json()) as { meta: { count: number } }).meta.count).toBeGreaterThan(0);
    } finally {
      await big.close();
    }
  });
});
