/**
 * Themes, extensions and brands through the connector, against the emulator: listed with
 * their files byte for byte, restored into an empty second tenant (files byte-identical,
 * the active brand active again), updated in place, and refused clearly.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type EmulatorHandle, type Tenant } from "@lifeboat/emulator";
import type { ResourceKindName, ResourceRecord, ResourceWrite } from "@lifeboat/model";
import { createTenantClient, type TenantClient } from "../client.ts";
import { createRestoreTarget } from "../restore-target.ts";
import { QlikApiError } from "../errors.ts";

const sha = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");

async function bytes(it: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const p of it) parts.push(p);
  return Buffer.concat(parts);
}

async function all(client: TenantClient, kind: ResourceKindName): Promise<ResourceRecord[]> {
  const out: ResourceRecord[] = [];
  for await (const r of client.listResources(kind)) out.push(r);
  return out;
}

/** What a restore hands the writer for a record read from `from`: its body and its files. */
function writeOf(from: TenantClient, r: ResourceRecord): ResourceWrite {
  return { body: r.body, files: Object.fromEntries((r.files ?? []).map((f) => [f, () => from.readResourceFile(r.kind, r.id, f)])) };
}

const apiKey = (host: string, key: string): TenantClient => createTenantClient({ host, auth: { type: "apikey", apiKey: key } });

describe.each([false, true])("appearance kinds (brand files as attachment: %s)", (attachment) => {
  let emu: EmulatorHandle;
  let src: TenantClient;
  let dst: TenantClient;
  let source: Tenant;
  let target: Tenant;
  beforeAll(async () => {
    emu = await startEmulator({ tenantFixtures: ["demo", "empty"], tenants: 2, port: 0, rateLimits: "off", qix: false, quirks: { brandFileAttachment: attachment } });
    [source, target] = emu.state.tenants as [Tenant, Tenant];
    src = apiKey(emu.tenants[0]!.host, emu.tenants[0]!.apiKey);
    dst = apiKey(emu.tenants[1]!.host, emu.tenants[1]!.apiKey);
  });
  afterAll(async () => {
    await src?.close();
    await dst?.close();
    await emu?.close();
  });

  it("lists themes and extensions by name, with their qext names and archives byte for byte", async () => {
    for (const kind of ["themes", "extensions"] as const) {
      const stored = Object.values(source.kinds![kind]);
      const listed = await all(src, kind);
      expect(listed.map((r) => r.name).sort()).toEqual(stored.map((x) => x.name).sort());
      for (const r of listed) {
        const x = stored.find((s) => s.id === r.id)!;
        expect(r.files).toEqual(["archive.zip"]);
        expect(r.body.qextFilename).toBe(x.qextFilename);
        expect(r.stamp).toBe(x.updatedAt);
        expect(sha(await bytes(src.readResourceFile(kind, r.id, "archive.zip")))).toBe(x.checksum);
      }
    }
  });

  it("restores themes and extensions into an empty tenant: archives byte-identical, model fields kept", async () => {
    for (const kind of ["themes", "extensions"] as const) {
      for (const r of await all(src, kind)) {
        const made = await createRestoreTarget(dst).createResource!(kind, writeOf(src, r));
        const back = (await all(dst, kind)).find((x) => x.id === made.id)!;
        expect(back.name).toBe(r.name);
        for (const k of ["name", "qextFilename", "type", "version", "author", "tags"]) expect(back.body[k], `${kind} ${r.name} ${k}`).toEqual(r.body[k]);
        expect(await bytes(dst.readResourceFile(kind, made.id, "archive.zip"))).toEqual(await bytes(src.readResourceFile(kind, r.id, "archive.zip")));
      }
    }
  });

  it("updates an existing theme in place, and names the theme when Qlik refuses a second of that name", async () => {
    const [theme] = await all(src, "themes");
    const [copy] = await all(dst, "themes");
    const changed = { ...writeOf(src, theme!), body: { ...theme!.body, author: "Restored" } };
    expect((await createRestoreTarget(dst).updateResource!("themes", copy!.id, changed)).id).toBe(copy!.id);
    expect((await all(dst, "themes"))[0]!.body.author).toBe("Restored");
    const again = createRestoreTarget(dst).createResource!("themes", writeOf(src, theme!));
    await expect(again).rejects.toBeInstanceOf(QlikApiError);
    await expect(again).rejects.toThrow(/theme 'Acme corporate'.*409/);
  });

  it("lists brands with their files byte for byte (a styles file too, whatever its content type)", async () => {
    const listed = await all(src, "brands");
    const stored = Object.values(source.kinds!.brands);
    expect(listed.map((r) => r.name).sort()).toEqual(stored.map((b) => b.name).sort());
    for (const r of listed) {
      const b = stored.find((x) => x.id === r.id)!;
      expect(r.body.active).toBe(b.active);
      expect(r.files).toEqual(["logo", "favIcon", "styles"].filter((f) => b.files.some((x) => x.id === f)));
      for (const f of b.files) expect(await bytes(src.readResourceFile("brands", r.id, f.id)), `${r.name} ${f.id}`).toEqual(Buffer.from(f.data, "base64"));
    }
  });

  it("restores brands into an empty tenant with their files, the active one active again", async () => {
    for (const r of await all(src, "brands")) await createRestoreTarget(dst).createResource!("brands", writeOf(src, r));
    const back = Object.values(target.kinds!.brands);
    for (const b of Object.values(source.kinds!.brands)) {
      const copy = back.find((x) => x.name === b.name)!;
      expect(copy.id).not.toBe(b.id);
      expect(copy.active).toBe(b.active);
      expect(copy.description).toBe(b.description);
      expect(copy.files.map((f) => [f.id, f.data])).toEqual(b.files.map((f) => [f.id, f.data]));
    }
  });

  it("brings an existing brand back: description, files added and removed, active state", async () => {
    const [acme] = (await all(src, "brands")).filter((r) => r.name === "Acme");
    const copy = Object.values(target.kinds!.brands).find((b) => b.name === "Acme")!;
    // The target drifted: other description, no favIcon, an inactive brand.
    copy.description = "drifted";
    copy.files = copy.files.filter((f) => f.id !== "favIcon");
    copy.active = false;
    const { id } = await createRestoreTarget(dst).updateResource!("brands", copy.id, writeOf(src, acme!));
    expect(id).toBe(copy.id);
    const src0 = Object.values(source.kinds!.brands).find((b) => b.name === "Acme")!;
    expect(copy.description).toBe(src0.description);
    expect(copy.active).toBe(true);
    expect(copy.files.map((f) => f.id).sort()).toEqual(src0.files.map((f) => f.id).sort());
    expect(copy.files.find((f) => f.id === "favIcon")!.data).toBe(src0.files.find((f) => f.id === "favIcon")!.data);
    // A snapshot without styles removes them.
    const { styles: _s, ...noStyles } = writeOf(src, acme!).files!;
    await createRestoreTarget(dst).updateResource!("brands", copy.id, { body: acme!.body, files: noStyles });
    expect(copy.files.map((f) => f.id).sort()).toEqual(["favIcon", "logo"]);
  });

  it("names the brand and the reason when Qlik refuses its logo", async () => {
    const bad = createRestoreTarget(dst).createResource!("brands", { body: { name: "Broken", description: "" }, files: { logo: async function* () { yield new TextEncoder().encode("not an image"); } } });
    await expect(bad).rejects.toThrow(/brand 'Broken'.*400.*PNG or JPG/);
  });
});
