/**
 * Real shapes, QIX side (issue 10 item 12). The evidence: responses captured from a real
 * Qlik Cloud tenant that datahub-project/datahub (PR #9682) keeps as test mocks in
 * `metadata-ingestion/tests/integration/qlik_sense/test_qlik_sense.py` — GetAppLayout,
 * GetObjects of sheets, a sheet's GetLayout with its qChildList, a chart's GetLayout
 * (reached with GetChild) and LoadModel's GetLayout. The expectations below state the fields
 * and value forms those responses have, written from that file; the values themselves are
 * the emulator's fixture.
 */
import { openAppSession } from "@qlik/api/qix";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmulatorHandle } from "../index.ts";
import { startEmulator } from "../index.ts";
import type { App, Tenant, User } from "../model.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDoc = any;

let emu: EmulatorHandle;
let tenant: Tenant;
let app: App;
let owner: User;
let token: string;

beforeAll(async () => {
  emu = await startEmulator({ fixture: "demo", port: 0, seed: "shapes" });
  tenant = emu.state.tenants[0]!;
  app = Object.values(tenant.apps).find((a) => a.name === "Sales Overview" && !a.originAppId)!;
  owner = tenant.users[app.ownerId]!;
  // The captured responses are those of the app's owner (a tenant admin owning the sheet).
  token = `shapes_${owner.id}`;
  tenant.apiKeys[token] = { id: `k_${owner.id}`, token, userId: owner.id };
});

afterAll(async () => {
  await emu?.close();
});

function tokenOf(user: User): string {
  const t = `shapes_${user.id}`;
  tenant.apiKeys[t] = { id: `k_${user.id}`, token: t, userId: user.id };
  return t;
}

async function withDoc<T>(fn: (doc: AnyDoc) => Promise<T>, apiKey = token): Promise<T> {
  const hostConfig = { authType: "apikey", host: emu.host, apiKey } as const;
  const session = openAppSession({ appId: app.id, withoutData: true, identity: "shapes", hostConfig });
  try {
    return await fn(await session.getDoc());
  } finally {
    await session.close({ websocketCloseDelay: 0 }).catch(() => undefined);
  }
}

/** The qMeta keys of a top-level object in the captured GetObjects and GetLayout of a sheet. */
const TOP_LEVEL_META_KEYS = ["_objecttype", "_resourcetype", "approved", "createdDate", "description", "id", "modifiedDate", "owner", "ownerId", "privileges", "publishTime", "published", "title"];

describe("QIX shapes as captured from a real Qlik Cloud tenant (datahub PR #9682)", () => {
  it("GetObjects of sheets: {qInfo, qMeta, qData}; qMeta with exactly the captured keys and value forms", async () => {
    await withDoc(async (doc) => {
      const list: AnyDoc[] = await doc.getObjects({ qTypes: ["sheet"], qIncludeSessionObjects: false, qData: {} });
      expect(list.length).toBeGreaterThan(0);
      for (const e of list) {
        expect(Object.keys(e).sort()).toEqual(["qData", "qInfo", "qMeta"]);
        expect(e.qData).toEqual({});
        expect(Object.keys(e.qMeta).sort()).toEqual(TOP_LEVEL_META_KEYS);
        expect(e.qMeta).toMatchObject({ _resourcetype: "app.object", _objecttype: "sheet", id: e.qInfo.qId });
        expect(typeof e.qMeta.description).toBe("string");
        expect(e.qMeta.createdDate).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
        expect(e.qMeta.modifiedDate).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
        // The privilege that allows a change of owner is spelled change_owner; exportdata is not listed.
        expect(e.qMeta.privileges).not.toContain("changeowner");
        expect(e.qMeta.privileges).not.toContain("exportdata");
      }
    });
    // An unpublished sheet, read by its owner: publishTime is the boolean true, privileges as captured.
    const priv = Object.values(app.objects).find((o) => o.type === "sheet" && !o.published)!;
    const user = tenant.users[priv.ownerId]!;
    await withDoc(async (doc) => {
      const list: AnyDoc[] = await doc.getObjects({ qTypes: ["sheet"], qIncludeSessionObjects: false, qData: {} });
      const own = list.find((e) => e.qInfo.qId === priv.id);
      expect(own, "the unpublished sheet").toBeDefined();
      expect(Object.keys(own.qMeta).sort()).toEqual(TOP_LEVEL_META_KEYS);
      expect(own.qMeta).toMatchObject({ approved: false, published: false, publishTime: true, owner: user.subject, ownerId: user.id });
      expect(own.qMeta.privileges).toEqual(["read", "update", "delete", "publish", "change_owner"]);
    }, tokenOf(user));
  });

  it("a sheet's GetLayout: qSelectionInfo {}, thumbnail.qStaticContentUrl, qChildList items with qMeta {privileges} only", async () => {
    await withDoc(async (doc) => {
      const sheet = Object.values(app.objects).find((o) => o.type === "sheet" && o.children.length > 0 && o.ownerId === owner.id)!;
      const layout = await (await doc.getObject(sheet.id)).getLayout();
      expect(layout.qInfo).toEqual({ qId: sheet.id, qType: "sheet" });
      expect(Object.keys(layout.qMeta).sort()).toEqual(TOP_LEVEL_META_KEYS);
      expect(layout.qSelectionInfo).toEqual({});
      expect(layout.thumbnail).toEqual({ qStaticContentUrl: {} });
      expect(typeof layout.rank).toBe("number");
      expect(typeof layout.columns).toBe("number");
      expect(typeof layout.rows).toBe("number");
      expect(layout).not.toHaveProperty("qMetaDef");
      expect(layout).not.toHaveProperty("qChildListDef");
      expect(layout.qChildList.qItems).toHaveLength(sheet.children.length);
      for (const item of layout.qChildList.qItems) {
        expect(Object.keys(item).sort()).toEqual(["qData", "qInfo", "qMeta"]);
        expect(item.qMeta).toEqual({ privileges: ["read", "update", "delete"] });
      }
    });
  });

  it("a chart's GetLayout (through GetChild): qMeta {privileges} only, empty strings where Qlik sends them", async () => {
    await withDoc(async (doc) => {
      const sheet = Object.values(app.objects).find((o) => o.type === "sheet" && o.children.length > 0 && o.ownerId === owner.id)!;
      const chartId = sheet.children[0]!.id;
      const handle = await (await doc.getObject(sheet.id)).getChild(chartId);
      const layout = await handle.getLayout();
      expect(layout.qInfo.qId).toBe(chartId);
      expect(layout.qMeta).toEqual({ privileges: ["read", "update", "delete"] });
      expect(layout.qSelectionInfo).toEqual({});
      expect(layout.qHyperCube).toMatchObject({ qSize: expect.any(Object), qDimensionInfo: expect.any(Array), qMeasureInfo: expect.any(Array) });
      expect(layout).toMatchObject({ showTitles: true, subtitle: "", footnote: "", visualization: layout.qInfo.qType });
      expect(typeof layout.title).toBe("string");
    });
  });

  it("LoadModel: GetObject gives qGenericType LoadModel; its layout has no qMeta and no qSelectionInfo", async () => {
    await withDoc(async (doc) => {
      const handle = await doc.getObject("LoadModel");
      expect(handle.genericType).toBe("LoadModel");
      const layout = await handle.getLayout();
      expect(layout.qInfo).toEqual({ qId: "LoadModel", qType: "LoadModel" });
      expect(layout).not.toHaveProperty("qMeta");
      expect(layout).not.toHaveProperty("qSelectionInfo");
      expect(Array.isArray(layout.tables)).toBe(true);
      expect(typeof layout.schemaVersion).toBe("number");
    });
  });

  it("GetAppLayout: qMeta is empty and the app's attributes sit beside it", async () => {
    await withDoc(async (doc) => {
      const layout = await doc.getAppLayout();
      expect(layout.qMeta).toEqual({});
      expect(layout).toMatchObject({
        qTitle: app.name,
        qFileName: app.id,
        qHasScript: true,
        qStateNames: [],
        qUsage: "ANALYTICS",
        encrypted: true,
        id: app.id,
        published: false,
        owner: owner.subject,
        ownerId: owner.id,
        spaceId: app.spaceId,
        hassectionaccess: false,
        _resourcetype: "app",
      });
      expect(layout.privileges).toEqual(expect.arrayContaining(["read", "update", "delete", "reload", "export", "duplicate", "change_owner", "change_space"]));
      expect(layout.createdDate).toMatch(/Z$/);
      expect(layout.modifiedDate).toMatch(/Z$/);
    });
  });
});
