/**
 * Selections and bookmarks in the emulated engine, as the QIX spec describes them:
 * `GenericBookmarkProperties` has no `qBookmark`; `CreateBookmark` records the session's
 * current selections (help.qlik.com Engine API, "Get the layout of a bookmark"); fields exist
 * only with data loaded.
 */
import { openAppSession } from "@qlik/api/qix";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmulatorHandle } from "../index.ts";
import { startEmulator } from "../index.ts";
import type { App, Tenant } from "../model.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDoc = any;

let emu: EmulatorHandle;
let tenant: Tenant;
let app: App;
let token: string;

beforeAll(async () => {
  emu = await startEmulator({ fixture: "demo", port: 0, seed: "selections" });
  tenant = emu.state.tenants[0]!;
  app = Object.values(tenant.apps).find((a) => a.name === "Sales Overview" && !a.originAppId)!;
  const owner = tenant.users[app.ownerId]!;
  token = `sel_${owner.id}`;
  tenant.apiKeys[token] = { id: `k_${owner.id}`, token, userId: owner.id };
});

afterAll(async () => {
  await emu?.close();
});

async function withDoc<T>(withoutData: boolean, fn: (doc: AnyDoc) => Promise<T>): Promise<T> {
  const hostConfig = { authType: "apikey", host: emu.host, apiKey: token } as const;
  const session = openAppSession({ appId: app.id, withoutData, identity: `sel-${withoutData}`, hostConfig });
  try {
    return await fn(await session.getDoc());
  } finally {
    await session.close({ websocketCloseDelay: 0 }).catch(() => undefined);
  }
}

const values = (layout: AnyDoc) =>
  Object.fromEntries(
    (layout.qBookmark.qStateData as AnyDoc[]).map((st) => [st.qStateName, Object.fromEntries((st.qFieldItems as AnyDoc[]).map((f) => [f.qDef.qName, f.qValues.map((v: AnyDoc) => v.qText)]))]),
  );

describe("selections and bookmarks", () => {
  it("CreateBookmark records the session's selections in every state; qBookmark is never a property", async () => {
    await withDoc(false, async (doc) => {
      expect(await (await doc.getField("Region")).selectValues([{ qText: "South" }, { qText: "Nowhere" }])).toBe(true);
      expect(await (await doc.getField("Product", "Compare")).selectValues([{ qText: "Gadgets" }])).toBe(true);
      // A qBookmark handed in with the properties is not how selections get in: it is dropped.
      const bm = await doc.createBookmark({ qInfo: { qType: "bookmark" }, qMetaDef: { title: "t" }, qBookmark: { qStateData: [{ qStateName: "$", qFieldItems: [] }] } });
      expect(await bm.getProperties()).not.toHaveProperty("qBookmark");
      expect(values(await bm.getLayout())).toEqual({ $: { Region: ["South"] }, Compare: { Product: ["Gadgets"] } });

      // ApplyBookmark makes a bookmark's selections the session's; ReplaceBookmark records the current ones.
      await doc.clearAll(true);
      await doc.clearAll(true, "Compare");
      await (await doc.getField("Region")).selectValues([{ qText: "North" }]);
      await doc.replaceBookmark(bm.id);
      expect(values(await bm.getLayout())).toEqual({ $: { Region: ["North"] } });
      await doc.clearAll(true);
      const other = await doc.createBookmark({ qInfo: { qType: "bookmark" }, qMetaDef: { title: "empty" } });
      expect(values(await other.getLayout())).toEqual({ $: {} });
      expect(await doc.applyBookmark(bm.id)).toBe(true);
      const again = await doc.createBookmark({ qInfo: { qType: "bookmark" }, qMetaDef: { title: "copy" } });
      expect(values(await again.getLayout())).toEqual({ $: { Region: ["North"] } });
    });
  });

  it("without data loaded there is nothing to select in: the bookmark records no selection", async () => {
    await withDoc(true, async (doc) => {
      expect(await (await doc.getField("Region")).selectValues([{ qText: "South" }])).toBe(false);
      const bm = await doc.createBookmark({ qInfo: { qType: "bookmark" }, qMetaDef: { title: "no data" } });
      expect(values(await bm.getLayout())).toEqual({ $: {} });
    });
  });

  it("with qIncludeVariables the bookmark records the variables as they are", async () => {
    await withDoc(false, async (doc) => {
      const bm = await doc.createBookmark({ qInfo: { qType: "bookmark" }, qMetaDef: { title: "vars" }, qIncludeVariables: true });
      const items = (await bm.getLayout()).qBookmark.qVariableItems as AnyDoc[];
      expect(items.map((v) => [v.qName, v.qDefinition]).sort()).toEqual([["vCurrency", "'EUR'"], ["vThreshold", "100"]]);
    });
  });
});
