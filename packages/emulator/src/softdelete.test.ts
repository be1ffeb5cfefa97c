/**
 * Soft delete and Qlik's own restore (API-FACTS §6.1b), and the section-access export rule
 * (help.qlik.com export-apps-cloud-hub): what the emulator does, through the REST surface and
 * the admin surface's clock controls.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { EmulatorHandle } from "./server.ts";
import { startTestEmulator, userApi, userByName } from "./testing.ts";

const running: EmulatorHandle[] = [];
async function start(): Promise<EmulatorHandle> {
  const emu = await startTestEmulator({ admin: true });
  running.push(emu);
  return emu;
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()));
});

const rest = (emu: { host: string; apiKey: string }, method: string, path: string, body?: unknown, token = emu.apiKey) =>
  fetch(`${emu.host}${path}`, { method, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
const admin = (emu: { host: string }, method: string, path: string, body?: unknown) =>
  fetch(`${emu.host}/__emulator${path}`, { method, headers: { "content-type": "application/json" }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });

describe("soft delete (§6.1b)", () => {
  it("an app older than 45 minutes is soft-deleted, listed in the audit events with purgeAt, and restored with the same id into the same space", async () => {
    const emu = await start();
    const tenant = emu.state.tenants[0]!;
    const app = Object.values(tenant.apps).find((a) => a.name === "Sales Overview")!;
    const { id, spaceId, dataModelBytes } = app;
    expect((await rest(emu, "DELETE", `/api/v1/apps/${id}`)).status).toBe(200);
    expect((await rest(emu, "GET", `/api/v1/apps/${id}`)).status).toBe(404);

    const events = (await (await rest(emu, "GET", "/api/v1/audits?eventType=com.qlik.app.softdeleted&limit=100")).json()) as { data: { data: { id: string; purgeAt: string } }[] };
    const ev = events.data.find((e) => e.data.id === id)!;
    expect(Date.parse(ev.data.purgeAt) - Date.now()).toBeGreaterThan(13.9 * 24 * 3_600_000);
    const deleted = (await (await rest(emu, "GET", "/api/v1/audits?eventType=com.qlik.app.deleted")).json()) as { data: { data: { id: string; deleteType: string } }[] };
    expect(deleted.data.find((e) => e.data.id === id)?.data.deleteType).toBe("SOFT");

    // The eventTime window (START/END) filters: a window in the past holds none of today's events.
    const past = (await (await rest(emu, "GET", `/api/v1/audits?eventType=com.qlik.app.softdeleted&eventTime=${encodeURIComponent("2020-01-01T00:00:00Z/2020-01-02T00:00:00Z")}`)).json()) as { data: unknown[] };
    expect(past.data).toEqual([]);
    expect((await rest(emu, "GET", "/api/v1/audits?eventTime=yesterday")).status).toBe(400);
    // Audit events are for tenant admins (and audit admins) only.
    expect((await userApi(emu, userByName(emu, "Ben Builder")).audits.getAudits({}).catch((e: { status: number }) => e)).status).toBe(403);

    const restored = await rest(emu, "POST", `/api/analytics/apps/${id}/actions/restore`);
    expect(restored.status).toBe(200);
    const body = (await restored.json()) as { attributes: { id: string; spaceId?: string } };
    expect(body.attributes).toMatchObject({ id, spaceId });
    expect(tenant.apps[id]?.dataModelBytes).toBe(dataModelBytes);
    expect((await rest(emu, "POST", `/api/analytics/apps/${id}/actions/restore`)).status).toBe(404);
  });

  it("an app deleted within its first 45 minutes is hard-deleted; a soft deletion older than 14 days is purged (404 on restore)", async () => {
    const emu = await start();
    const tenant = emu.state.tenants[0]!;
    const made = (await (await rest(emu, "POST", "/api/v1/apps", { attributes: { name: "Fresh" } })).json()) as { attributes: { id: string } };
    await rest(emu, "DELETE", `/api/v1/apps/${made.attributes.id}`);
    expect((await rest(emu, "POST", `/api/analytics/apps/${made.attributes.id}/actions/restore`)).status).toBe(404);
    const hard = (await (await rest(emu, "GET", "/api/v1/audits?eventType=com.qlik.app.harddeleted")).json()) as { data: { data: { id: string } }[] };
    expect(hard.data.map((e) => e.data.id)).toContain(made.attributes.id);

    // 44 minutes old: still hard; aged past 45: soft.
    const second = (await (await rest(emu, "POST", "/api/v1/apps", { attributes: { name: "Older" } })).json()) as { attributes: { id: string } };
    await admin(emu, "POST", `/apps/${second.attributes.id}/age`, { minutes: 46 });
    await rest(emu, "DELETE", `/api/v1/apps/${second.attributes.id}`);
    expect(tenant.deletedApps?.[second.attributes.id]).toBeDefined();

    // 13 days later: still restorable; 14 days and a minute: purged.
    expect(await (await admin(emu, "POST", `/apps/${second.attributes.id}/age`, { minutes: 13 * 24 * 60 })).json()).toMatchObject({ state: "soft-deleted" });
    expect(await (await admin(emu, "POST", `/apps/${second.attributes.id}/age`, { minutes: 24 * 60 + 1 })).json()).toMatchObject({ state: "purged" });
    expect((await rest(emu, "POST", `/api/analytics/apps/${second.attributes.id}/actions/restore`)).status).toBe(404);
    const purged = (await (await rest(emu, "GET", "/api/v1/audits?eventType=com.qlik.app.harddeleted")).json()) as { data: { data: { id: string } }[] };
    expect(purged.data.map((e) => e.data.id)).toContain(second.attributes.id);
  });

  it("the owner may restore only while the space exists; an admin is refused a restore into a space that is gone", async () => {
    const emu = await start();
    const tenant = emu.state.tenants[0]!;
    const app = Object.values(tenant.apps).find((a) => a.name === "Pipeline Analysis")!;
    const owner = tenant.users[app.ownerId]!;
    await rest(emu, "DELETE", `/api/v1/apps/${app.id}`);
    const other = userApi(emu, userByName(emu, "Ben Builder"));
    const refused = await other.analytics.apps.restoreApp(app.id).catch((e: { status: number }) => e);
    expect(owner.name).not.toBe("Ben Builder");
    expect((refused as { status: number }).status).toBe(403);
    delete tenant.spaces[app.spaceId!];
    expect((await rest(emu, "POST", `/api/analytics/apps/${app.id}/actions/restore`)).status).toBe(400);
  });
});

describe("section access on export (help.qlik.com export-apps-cloud-hub)", () => {
  it("a section-access app exported by someone other than its owner is imported without its script; the owner's own export keeps it", async () => {
    const emu = await start();
    const tenant = emu.state.tenants[0]!;
    const app = Object.values(tenant.apps).find((a) => a.hasSectionAccess)!;
    expect(app.script).toMatch(/^Section Access;/m);
    const importOf = async (token: string): Promise<string> => {
      const ex = await rest(emu, "POST", `/api/v1/apps/${app.id}/export?NoData=true`, undefined, token);
      const fileId = ex.headers.get("location")!.split("/").pop()!;
      const imp = (await (await rest(emu, "POST", `/api/v1/apps/import?fileId=${fileId}&name=copy`, undefined, token)).json()) as { attributes: { id: string } };
      return tenant.apps[imp.attributes.id]!.script;
    };
    expect(await importOf(emu.apiKey)).toBe("");
    const ownerToken = `test_${app.ownerId}`;
    tenant.apiKeys[ownerToken] = { id: `k_${app.ownerId}`, token: ownerToken, userId: app.ownerId };
    expect(await importOf(ownerToken)).toBe(app.script);
  });
});
