/**
 * The restore target's reads of Qlik's soft delete (qlik.dev changelog 225; docs/qlik-surface.md, "REST calls") through the connector,
 * against the emulator: the deletion events say which apps Qlik can still restore; a user
 * who may not read them gets "unknown", never "none"; Qlik's restore brings the app back
 * under its id. Setup (ageing a deletion) goes through the emulator's admin surface.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type EmulatorHandle } from "@lifeboat/emulator";
import { readTargetState } from "@lifeboat/engine";
import { createTenantClient } from "./client.ts";
import { createRestoreTarget } from "./restore-target.ts";

describe("restore target: soft-deleted apps", () => {
  let emu: EmulatorHandle;
  beforeAll(async () => {
    emu = await startEmulator({ fixture: "demo", admin: true, qix: false });
  });
  afterAll(async () => emu?.close());

  it("lists an app deleted over REST with its purge date, restores it under its id, and forgets one whose window passed", async () => {
    const tenant = emu.state.tenants[0]!;
    const client = createTenantClient({ host: emu.host, auth: { type: "oauth2", clientId: emu.clientId, clientSecret: emu.clientSecret } });
    const target = createRestoreTarget(client);
    try {
      const [keep, purge] = Object.values(tenant.apps).filter((a) => a.spaceId && !a.originAppId);
      await client.writer().deleteApp(keep!.id);
      await client.writer().deleteApp(purge!.id);
      const listed = await target.listSoftDeletedApps();
      expect(listed?.map((a) => a.appId).sort()).toEqual([keep!.id, purge!.id].sort());
      expect(listed?.find((a) => a.appId === keep!.id)).toMatchObject({ spaceId: keep!.spaceId, name: keep!.name });

      const aged = await fetch(`${emu.host}/__emulator/apps/${purge!.id}/age`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ minutes: 14 * 24 * 60 + 1 }) });
      expect(aged.status).toBe(200);
      expect((await target.listSoftDeletedApps())?.map((a) => a.appId)).toEqual([keep!.id]);

      await target.restoreDeletedApp(keep!.id);
      expect((await target.getApp(keep!.id))?.attributes.id).toBe(keep!.id);
      // No event says an app was restored: the events still name it, the target state does not.
      expect((await target.listSoftDeletedApps())?.map((a) => a.appId)).toEqual([keep!.id]);
      expect((await readTargetState(target)).softDeleted).toEqual([]);
    } finally {
      await client.close();
    }
  });

  it("a user who may not read deletion events gets undefined (unknown), not an empty list", async () => {
    const tenant = emu.state.tenants[0]!;
    const ben = Object.values(tenant.users).find((u) => u.name === "Ben Builder")!;
    const token = `test_${ben.id}`;
    tenant.apiKeys[token] = { id: `k_${ben.id}`, token, userId: ben.id };
    const client = createTenantClient({ host: emu.host, auth: { type: "apikey", apiKey: token } });
    try {
      expect(await createRestoreTarget(client).listSoftDeletedApps()).toBeUndefined();
    } finally {
      await client.close();
    }
  });
});

describe("restore target: what the optimistic check reads", () => {
  for (const objectMetaDates of [true, false])
    it(`objectMetaDates=${objectMetaDates}: readObjectStamps gives each object's modifiedDate, or undefined without dates; readTargetState keeps them with fingerprints`, async () => {
      const emu = await startEmulator({ fixture: "demo", quirks: { objectMetaDates } });
      const client = createTenantClient({ host: emu.host, auth: { type: "oauth2", clientId: emu.clientId, clientSecret: emu.clientSecret } });
      const target = createRestoreTarget(client);
      try {
        const app = Object.values(emu.state.tenants[0]!.apps).find((a) => a.name === "Sales Overview" && a.spaceId && !a.originAppId)!;
        const stamps = await target.readObjectStamps!(app.id);
        if (objectMetaDates) expect(stamps?.find((s) => s.type === "sheet")?.modifiedDate).toMatch(/^\d{4}-\d\d-\d\dT/);
        else expect(stamps).toBeUndefined();
        const state = await readTargetState(target, { objectsOf: [app.id] });
        const sheet = state.objects![app.id]!.find((o) => o.type === "sheet")!;
        expect(sheet.fingerprint).toMatch(/^[0-9a-f]{32}$/);
        expect(sheet.modifiedDate !== undefined).toBe(objectMetaDates);
        expect(state.appModified?.[app.id]).toMatch(/^\d{4}-\d\d-\d\dT/);
      } finally {
        await client.close();
        await emu.close();
      }
    });
});
