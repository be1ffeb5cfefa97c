/**
 * The QRS reader against the emulator's client-managed site over real sockets: what it reads
 * equals the site's state; the export's one-time download is retried by a fresh export,
 * never downloaded twice; failures are classified and name the site.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type EmulatorHandle, type Site, type SiteHandle } from "@lifeboat/emulator";
import { QlikApiError } from "./errors.ts";
import { createQrsReader, type QrsReaderConfig } from "./qrs.ts";

let emu: EmulatorHandle;
let handle: SiteHandle;
let site: Site;

beforeAll(async () => {
  emu = await startEmulator({ fixture: "qseow-demo", qix: false });
  handle = emu.sites[0] as SiteHandle;
  site = emu.state.sites[0] as Site;
});
afterAll(async () => {
  await emu?.close();
});

const config = (extra: Partial<QrsReaderConfig> = {}): QrsReaderConfig => ({
  host: `${handle.host}/${handle.virtualProxyPrefix}`,
  auth: { type: "header", headerName: handle.headerName, user: handle.user },
  ...extra,
});

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

async function bytes(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

describe("createQrsReader", () => {
  it("reads the caller, users, streams as spaces and apps as the site holds them", async () => {
    const r = createQrsReader(config());
    expect(await r.whoAmI()).toMatchObject({ subject: "ACME\\qadmin", isPrivateContentBot: true });
    const users = await collect(r.listUsers());
    expect(users.map((u) => u.subject).sort()).toEqual(Object.values(site.users).map((u) => `${u.userDirectory}\\${u.userId}`).sort());
    expect(users.find((u) => u.subject === "ACME\\qadmin")).toMatchObject({ assignedRoles: [{ name: "RootAdmin" }], email: "qadmin@acme.example.com" });
    const spaces = await collect(r.listSpaces());
    expect(spaces.map((s) => s.name).sort()).toEqual(["Everyone", "Finance", "Sales"]);
    expect(spaces.every((s) => s.type === "managed")).toBe(true);
    const apps = await collect(r.listApps());
    expect(apps).toHaveLength(5);
    const work = apps.find((a) => a.name === "Work in Progress");
    expect(work).toMatchObject({ spaceType: "personal" });
    expect(work?.spaceId).toBeUndefined();
    const info = await r.getAppInfo(apps.find((a) => a.name === "Sales Dashboard")!.appId);
    expect(info.attributes).toMatchObject({ source: "qseow", owner: "ACME\\johnsmith", published: true, stream: { name: "Sales" }, tags: ["Certified", "Sales"], customProperties: [{ name: "Department", value: "Sales" }] });
  });

  it("reads every object of an app with its owner subject and state", async () => {
    const r = createQrsReader(config());
    const dash = Object.values(site.apps).find((a) => a.app.name === "Sales Dashboard")!;
    const objects = await r.readAppObjects(dash.app.id);
    expect(objects.map((o) => o.id).sort()).toEqual(Object.keys(dash.objectRepoIds).sort());
    for (const o of objects) {
      const stored = dash.app.objects[o.id]!;
      const owner = site.users[stored.ownerId]!;
      expect(o).toMatchObject({ type: stored.type, ownerId: owner.id, ownerSubject: `${owner.userDirectory}\\${owner.userId}`, approved: stored.approved, published: stored.published, propertyTree: null });
    }
    expect(objects.find((o) => o.type === "bookmark")?.genericType).toBe("genericBookmark");
  });

  it("a non-admin header user is no private-content reader", async () => {
    const r = createQrsReader(config({ auth: { type: "header", headerName: handle.headerName, user: "ACME\\liwei" } }));
    expect(await r.whoAmI()).toMatchObject({ subject: "ACME\\liwei", isPrivateContentBot: false });
  });

  it("exports with scope all and, when the download fails, exports afresh instead of downloading twice", async () => {
    const dash = Object.values(site.apps).find((a) => a.app.name === "Sales Dashboard")!;
    const requests: string[] = [];
    let failDownloads = 1;
    const flaky: typeof fetch = async (input, init) => {
      const url = String(input);
      requests.push(`${init?.method ?? "GET"} ${new URL(url).pathname}`);
      if (url.includes("/tempcontent/") && failDownloads-- > 0) {
        await fetch(input, init).then((res) => res.arrayBuffer()); // the site counts this as the one download
        throw new TypeError("fetch failed (connection reset)");
      }
      return fetch(input, init);
    };
    const r = createQrsReader(config({ fetch: flaky }));
    const file = await r.exportApp(dash.app.id, { withData: false });
    const body = await bytes(file.body);
    expect(body.subarray(0, 8).toString("latin1")).toBe("LBEMUAPP");
    const exports = requests.filter((x) => x.startsWith("POST"));
    const downloads = requests.filter((x) => x.includes("/tempcontent/"));
    expect(exports).toHaveLength(2);
    expect(new Set(downloads).size).toBe(2);
    expect(exports[0]).toMatch(/\/hdr\/qrs\/app\/[0-9a-f-]+\/export\/[0-9a-f-]{36}$/);
    // Scope all: every private object is in the file.
    const json = JSON.parse(body.subarray(28, 28 + body.readUInt32BE(16)).toString("utf8")) as { app: { objects: Record<string, unknown> } };
    for (const id of Object.keys(dash.objectRepoIds)) expect(json.app.objects[id], id).toBeDefined();
  });

  it("classifies failures and names the site: no prefix (Windows proxy) is unauthorized, a missing app not-found", async () => {
    const noPrefix = createQrsReader(config({ host: handle.host }));
    const err = await noPrefix.whoAmI().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QlikApiError);
    expect(err).toMatchObject({ kind: "unauthorized", status: 401, host: handle.host });
    const r = createQrsReader(config());
    const missing = await r.getAppInfo("00000000-0000-4000-8000-000000000000").catch((e: unknown) => e);
    expect(missing).toMatchObject({ kind: "not-found", status: 404 });
    expect(String((missing as Error).message)).toContain(`${handle.host}/hdr`);
  });
});
