/**
 * The flow of seed 000 against the demo fixture, through @qlik/api only (REST + QIX):
 * list managed spaces, list their apps, export each without data, open each without data,
 * read every object's owner subject, approved and published state.
 */
import type { HostConfig } from "@qlik/api/auth";
import { createQlikApi } from "@qlik/api";
import { openAppSession } from "@qlik/api/qix";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type EmulatorHandle } from "./server.ts";
import { BOT_SCOPE } from "./testing.ts";

let emu: EmulatorHandle;
beforeAll(async () => {
  emu = await startEmulator({ fixture: "demo", latency: "realistic", timeScale: 50, rateLimits: "qlik" });
});
afterAll(async () => {
  await emu?.close();
});

// biome-ignore lint: mixin-typed Doc used loosely
type AnyDoc = any;

describe("seed 000 flow", () => {
  it("runs against the demo tenant as a private-content bot", async () => {
    const hostConfig = { authType: "oauth2", host: emu.host, clientId: emu.clientId, clientSecret: emu.clientSecret, scope: BOT_SCOPE } as HostConfig;
    const api = createQlikApi({ hostConfig });
    const spaces = await api.spaces.getSpaces({ type: "managed", limit: 100 }, { noCache: true });
    expect(spaces.data.data?.length).toBe(2);
    const tenant = emu.state.tenants[0]!;
    let objectsRead = 0;
    for (const space of spaces.data.data ?? []) {
      const items = await api.items.getItems({ resourceType: "app", spaceId: space.id, limit: 100 }, { noCache: true });
      expect(items.data.data.length).toBeGreaterThan(0);
      for (const item of items.data.data) {
        const appId = item.resourceId!;
        const ex = await api.apps.exportApp(appId, { NoData: true });
        expect(ex.status).toBe(201);
        const fileId = ex.headers.get("location")!.split("/").pop()!;
        const file = await api.tempContents.downloadTempFile(fileId, {}, { noCache: true });
        expect((file.data as Blob).size).toBeGreaterThan(0);
        const session = openAppSession({ appId, identity: "lifeboat", withoutData: true, hostConfig });
        try {
          const doc: AnyDoc = await session.getDoc();
          const infos: { qId: string; qType: string }[] = await doc.getAllInfos();
          const stored = tenant.apps[appId]!;
          expect(infos.length).toBeGreaterThanOrEqual(Object.keys(stored.objects).length);
          for (const info of infos) {
            const o = stored.objects[info.qId];
            if (!o) continue; // children
            const handle =
              info.qType === "bookmark" || info.qType === "snapshot" ? await doc.getBookmark(info.qId)
              : info.qType === "measure" ? await doc.getMeasure(info.qId)
              : info.qType === "dimension" ? await doc.getDimension(info.qId)
              : info.qType === "variable" ? await doc.getVariableById(info.qId)
              : await doc.getObject(info.qId);
            const layout = await handle.getLayout();
            // System objects (LoadModel, appprops) carry no qMeta in Qlik Cloud: no owner to record.
            if (o.type === "LoadModel" || o.type === "appprops") {
              expect(layout.qMeta).toBeUndefined();
              continue;
            }
            const meta = layout.qMeta as { ownerId: string; owner: string; approved: boolean; published: boolean };
            expect(meta.ownerId).toBe(o.ownerId);
            expect(meta.owner).toBe(tenant.users[o.ownerId]!.subject);
            expect(meta.approved).toBe(o.approved);
            expect(meta.published).toBe(o.published);
            objectsRead++;
          }
        } finally {
          await session.close({ websocketCloseDelay: 0 });
        }
      }
    }
    expect(objectsRead).toBeGreaterThan(20);
  });
});
