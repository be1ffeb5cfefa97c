/**
 * The QIX engine inside the full emulator (`startEmulator`, demo fixture): OAuth bot and
 * API-key users through @qlik/api, and the REST change-owner seen by an open engine session.
 */
import type { HostConfig } from "@qlik/api/auth";
import { createQlikApi } from "@qlik/api";
import { openAppSession } from "@qlik/api/qix";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { App, Tenant, User } from "../model.ts";
import { startEmulator, type EmulatorHandle } from "../server.ts";

const BOT_SCOPE = "user_default admin.apps admin_classic";

let emu: EmulatorHandle;
let tenant: Tenant;
let app: App;
let botHost: HostConfig;

// The mixin-typed Doc is large; these tests use it loosely.
type AnyDoc = any;

function userHost(user: User): HostConfig {
  const token = `qix_test_${user.id}`;
  tenant.apiKeys[token] = { id: `k_${user.id}`, token, userId: user.id };
  return { authType: "apikey", host: emu.host, apiKey: token } as HostConfig;
}

async function withDoc<T>(hostConfig: HostConfig, identity: string, fn: (doc: AnyDoc) => Promise<T>): Promise<T> {
  const session = openAppSession({ appId: app.id, identity, withoutData: true, hostConfig });
  try {
    return await fn(await session.getDoc());
  } finally {
    await session.close({ websocketCloseDelay: 0 });
  }
}

async function handleFor(doc: AnyDoc, qId: string, qType: string): Promise<AnyDoc> {
  switch (qType) {
    case "bookmark":
    case "snapshot": // bookmark-type (@qlik/api getSnapshotList uses qBookmarkListDef)
      return doc.getBookmark(qId);
    case "measure":
      return doc.getMeasure(qId);
    case "dimension":
      return doc.getDimension(qId);
    case "variable":
      return doc.getVariableById(qId);
    default:
      return doc.getObject(qId);
  }
}

beforeAll(async () => {
  emu = await startEmulator({ fixture: "demo" });
  tenant = emu.state.tenants[0] as Tenant;
  // an app with base content and other users' private and community sheets
  const candidate = Object.values(tenant.apps).find((a) => Object.values(a.objects).some((o) => !o.approved && !o.published && o.ownerId !== a.ownerId));
  if (!candidate) throw new Error("demo fixture has no app with private content of a non-owner");
  app = candidate;
  botHost = { authType: "oauth2", host: emu.host, clientId: emu.clientId, clientSecret: emu.clientSecret, scope: BOT_SCOPE } as HostConfig;
});

afterAll(async () => {
  await emu?.close();
});

describe("QIX in the emulator", () => {
  it("a private-content bot reads every object's qMeta (owner subject, state) and property tree", async () => {
    await withDoc(botHost, "bot-read", async (doc) => {
      const infos: Array<{ qId: string; qType: string }> = await doc.getAllInfos();
      const topLevel = Object.keys(app.objects).sort();
      expect(topLevel.every((id) => infos.some((i) => i.qId === id))).toBe(true);
      for (const info of infos) {
        const handle = await handleFor(doc, info.qId, info.qType);
        const layout = await handle.getLayout();
        const persisted = app.objects[info.qId];
        if (!persisted) {
          // A child (a chart on a sheet): qMeta carries privileges only (real layouts, datahub PR #9682).
          expect(Object.keys(layout.qMeta), info.qId).toEqual(["privileges"]);
          continue;
        }
        if (persisted.type === "LoadModel" || persisted.type === "appprops") {
          expect(layout.qMeta, info.qId).toBeUndefined();
          continue;
        }
        const owner = tenant.users[persisted.ownerId];
        expect(layout.qMeta, info.qId).toMatchObject({
          ownerId: persisted.ownerId,
          owner: owner?.subject,
          approved: persisted.approved,
          published: persisted.published,
        });
        if (persisted.genericType === "genericObject") {
          const tree = await handle.getFullPropertyTree();
          expect(tree.qChildren.map((c: AnyDoc) => c.qProperty.qInfo.qId)).toEqual(persisted.children.map((c) => c.id));
        }
      }
    });
  });

  it("the app owner does not see another user's private sheet, but sees community ones", async () => {
    const owner = tenant.users[app.ownerId] as User;
    const privateOne = Object.values(app.objects).find((o) => !o.approved && !o.published && o.ownerId !== app.ownerId)!;
    await withDoc(userHost(owner), "owner-read", async (doc) => {
      const infos: Array<{ qId: string }> = await doc.getAllInfos();
      expect(infos.some((i) => i.qId === privateOne.id)).toBe(false);
      await expect(doc.getObject(privateOne.id)).rejects.toMatchObject({ code: 2 });
      const community = Object.values(app.objects).filter((o) => o.published && !o.approved);
      for (const c of community) expect(infos.some((i) => i.qId === c.id)).toBe(true);
    });
  });

  it("an owner changed over REST shows in an open session and survives its DoSave", async () => {
    const target = Object.values(tenant.users).find((u) => u.id !== app.ownerId && u.status === "active" && !u.subject.startsWith("qlikbot"))!;
    const api = createQlikApi({ hostConfig: botHost });
    const session = openAppSession({ appId: app.id, identity: "bot-restore", withoutData: true, hostConfig: botHost });
    try {
      const doc: AnyDoc = await session.getDoc();
      const created = await doc.createObject({ qInfo: { qId: "restored-sheet", qType: "sheet" }, qMetaDef: { title: "Restored" } });
      await created.setFullPropertyTree({
        qProperty: { qInfo: { qId: created.id, qType: "sheet" }, qMetaDef: { title: "Restored" } },
        qChildren: [{ qProperty: { qInfo: { qId: "restored-chart", qType: "barchart" }, title: "c" }, qChildren: [] }],
      });
      await doc.doSave();
      expect(app.objects[created.id]?.children.map((c) => c.id)).toEqual(["restored-chart"]);
      await api.apps.updateAppObjectOwner(app.id, created.id, { ownerId: target.id });
      const layout = await (await doc.getObject(created.id)).getLayout();
      expect(layout.qMeta).toMatchObject({ ownerId: target.id, owner: target.subject });
      await doc.doSave();
      expect(app.objects[created.id]?.ownerId).toBe(target.id);
      expect(app.objects[created.id]?.children[0]?.ownerId).toBe(target.id);
    } finally {
      await session.close({ websocketCloseDelay: 0 });
    }
  });
});
