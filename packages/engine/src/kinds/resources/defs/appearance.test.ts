/**
 * The appearance and knowledge kinds' declarations (appearance.ts, knowledge.ts) through a
 * backup of a fake tenant that lists them: each under its folder, every file byte for byte
 * beside its document, nothing to re-enter, the classes with their reasons, and `diff` of two
 * snapshots (a new archive or brand file is a change; what Qlik sets itself is not).
 */
import { createTestRepository } from "@lifeboat/repository/testing";
import type { Repository, TreeEntry } from "@lifeboat/repository";
import type { ResourceKindName, ResourceRecord, TenantReader } from "@lifeboat/model";
import { describe, expect, it } from "vitest";
import { backup } from "../../../backup/run.ts";
import { diffSnapshots } from "../../../diff.ts";
import { createFakeTenant, sampleTenantState } from "../../../testing.ts";
import { RESOURCES } from "../../registry.ts";
import { APPEARANCE, brands, extensions, themes } from "./appearance.ts";
import { glossaries, KNOWLEDGE } from "./knowledge.ts";

type Files = Record<string, Uint8Array>;
interface Listed {
  records: Partial<Record<ResourceKindName, ResourceRecord[]>>;
  /** `kind/id/file` → bytes. */
  files: Files;
}

const zip = (text: string): Uint8Array => new Uint8Array(Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.from(text), Buffer.from([0, 0xff, 0x10])]));

function listed(): Listed {
  return {
    records: {
      themes: [{ kind: "themes", id: "th-1", name: "Acme corporate", stamp: "2026-01-01T00:00:00.000Z", body: { id: "th-1", name: "Acme corporate", qextFilename: "acme-theme", type: "theme", version: "1.2.0", userId: "u-ada", tenantId: "t", createdAt: "c", updateAt: "2026-01-01T00:00:00.000Z", tags: [] }, files: ["archive.zip"] }],
      extensions: [
        { kind: "extensions", id: "ex-1", name: "Sankey chart", stamp: "s1", body: { id: "ex-1", name: "Sankey chart", qextFilename: "sankey-chart", type: "visualization", version: "2.0.1", checksum: "abc", userId: "u-ada", updateAt: "s1", supernova: false }, files: ["archive.zip"] },
        { kind: "extensions", id: "ex-2", name: "KPI tiles", stamp: "s2", body: { id: "ex-2", name: "KPI tiles", qextFilename: "kpi-tiles", type: "visualization", version: "0.9.0", userId: "u-ada", updateAt: "s2" }, files: ["archive.zip"] },
      ],
      brands: [
        { kind: "brands", id: "br-1", name: "Acme", stamp: "b1", body: { id: "br-1", name: "Acme", description: "Corporate look", active: true, files: [{ id: "logo", eTag: "e1", path: "/p", contentType: "image/png" }, { id: "styles", eTag: "e2" }], createdAt: "c", createdBy: "u-ada", updatedAt: "b1", updatedBy: "u-ada" }, files: ["logo", "styles"] },
        { kind: "brands", id: "br-2", name: "Winter", stamp: "b2", body: { id: "br-2", name: "Winter", description: "", active: false, files: [], updatedAt: "b2" }, files: [] },
      ],
      glossaries: [
        {
          kind: "glossaries",
          id: "g-1",
          name: "Sales glossary",
          ownerId: "u-ben",
          spaceId: "sp-1",
          body: {
            id: "g-1",
            name: "Sales glossary",
            ownerId: "u-ben",
            spaceId: "sp-1",
            updatedAt: "x",
            categories: [{ id: "Revenue", name: "Revenue", stewardDetails: [{ userId: "u-ben" }] }],
            terms: [{ id: "t-1", name: "ARR", categories: ["Revenue"], stewards: [{ userId: "u-ben", email: "ben@example.com" }], linksTo: [{ resourceId: "app-1", resourceType: "app" }], relatesTo: [], status: "verified" }],
          },
        },
      ],
    },
    files: {
      "themes/th-1/archive.zip": zip("acme theme"),
      "extensions/ex-1/archive.zip": zip("sankey"),
      "extensions/ex-2/archive.zip": zip("kpi"),
      "brands/br-1/logo": new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]),
      "brands/br-1/styles": new TextEncoder().encode('{\n  "header": { "color": "#fff" }\n}'),
    },
  };
}

/** A fake tenant that lists `l` and counts the file reads. */
function tenantWith(l: Listed, reads: string[] = []): TenantReader {
  const base = createFakeTenant(sampleTenantState());
  return Object.assign(base, {
    resourceKinds: () => Object.keys(l.records) as ResourceKindName[],
    async *listResources(kind: ResourceKindName) {
      for (const r of l.records[kind] ?? []) yield structuredClone(r);
    },
    async *readResourceFile(kind: ResourceKindName, id: string, file: string) {
      const key = `${kind}/${id}/${file}`;
      reads.push(key);
      const bytes = l.files[key];
      if (!bytes) throw new Error(`no file ${key}`);
      yield bytes;
    },
  });
}

async function entries(repo: Repository, tree: string, path: string): Promise<TreeEntry[]> {
  const root = await repo.loadTree(tree);
  const e = root.entries.find((x) => x.name === path);
  return e?.type === "tree" ? (await repo.loadTree(e.subtree)).entries : [];
}

describe("appearance and knowledge kinds", () => {
  it("are declared in RESOURCE_KINDS order, each with a folder of its own and nothing to re-enter", () => {
    expect(RESOURCES.filter((k) => [...APPEARANCE, ...KNOWLEDGE].includes(k)).map((k) => k.layer)).toEqual(["themes", "extensions", "brands", "glossaries"]);
    expect([...APPEARANCE, ...KNOWLEDGE].map((k) => k.path)).toEqual(["themes", "extensions", "brands", "glossaries"]);
    for (const k of [...APPEARANCE, ...KNOWLEDGE]) expect(k.restoreNeeds?.reenter).toEqual([]);
    expect(themes.def.files).toEqual(["archive.zip"]);
    expect(brands.def.files).toEqual(["logo", "favIcon", "styles"]);
  });

  it("back up every item with its files byte for byte beside its document", async () => {
    const repo = await createTestRepository();
    try {
      const l = listed();
      const { snapshot, manifest } = await backup({ tenant: tenantWith(l), repository: repo });
      for (const [key, bytes] of Object.entries(l.files)) {
        const [kind, id, file] = key.split("/") as [string, string, string];
        const e = (await entries(repo, snapshot.tree, kind)).find((x) => x.meta?.id === id && x.meta?.file === file);
        expect(e?.type, key).toBe("blob");
        if (e?.type === "blob") expect(new Uint8Array(await repo.readBlobBytes(e.blob)), key).toEqual(bytes);
      }
      const doc = (await entries(repo, snapshot.tree, "brands")).find((x) => x.meta?.id === "br-1" && !x.meta?.file);
      expect(doc?.meta).toMatchObject({ name: "Acme", files: ["logo", "styles"] });
      for (const layer of ["themes", "extensions", "brands", "glossaries"]) {
        const items = manifest.items.filter((i) => i.layer === layer);
        expect(items.length, layer).toBeGreaterThan(0);
        for (const i of items) expect(i, `${layer} ${i.id}`).toMatchObject({ status: "captured" });
        for (const i of items) expect(i.reenter).toBeUndefined();
      }
      expect(manifest.items.find((i) => i.layer === "glossaries")?.owner).toBe("u-ben");
    } finally {
      await repo.close();
    }
  });

  it("classify: all direct, with what happens said (a new brand id, the active brand activated, the glossary's owner)", () => {
    const r = listed().records;
    expect(themes.def.classify(r.themes![0]!)).toEqual({ class: "direct", reason: expect.stringContaining("byte for byte") });
    expect(extensions.def.classify(r.extensions![0]!).reason).toContain("qext name");
    expect(brands.def.classify(r.brands![0]!).reason).toMatch(/new id, and it is activated again/);
    expect(brands.def.classify(r.brands![1]!).reason).not.toContain("activated");
    expect(glossaries.def.classify(r.glossaries![0]!)).toEqual({ class: "direct", reason: expect.stringMatching(/^its 1 term\(s\).*restoring user becomes its owner/) });
    expect(glossaries.def.match).toBe("name-in-space");
    expect(glossaries.def.refs?.map((x) => x.to)).toEqual(["user", "user", "user", "user", "app"]);
  });

  it("diff: a new archive or brand file is a change, Qlik's own fields are not; an unchanged stamp reads no file again", async () => {
    const repo = await createTestRepository();
    try {
      const first = await backup({ tenant: tenantWith(listed()), repository: repo });
      const after = listed();
      // A new archive for the theme (Qlik moves its stamp).
      after.files["themes/th-1/archive.zip"] = zip("acme theme v2");
      after.records.themes![0]!.stamp = "2026-02-01T00:00:00.000Z";
      after.records.themes![0]!.body.updateAt = "2026-02-01T00:00:00.000Z";
      // Only Qlik's own fields moved for an extension: same bytes, new checksum field value and stamp.
      after.records.extensions![0]!.stamp = "s9";
      Object.assign(after.records.extensions![0]!.body, { updateAt: "s9", checksum: "def" });
      // A brand lost its active state and got a new styles file.
      after.records.brands![0]!.stamp = "b9";
      Object.assign(after.records.brands![0]!.body, { active: false, updatedAt: "b9", files: [{ id: "logo", eTag: "e1" }, { id: "styles", eTag: "e3" }] });
      after.files["brands/br-1/styles"] = new TextEncoder().encode('{"header":{"color":"#000"}}');
      // A glossary's term changed status; its ids and dates are Qlik's.
      const g = after.records.glossaries![0]!;
      (g.body.terms as Record<string, unknown>[])[0]!.status = "deprecated";
      Object.assign(g.body, { updatedAt: "y" });
      (g.body.terms as Record<string, unknown>[])[0]!.id = "t-other";
      const reads: string[] = [];
      const second = await backup({ tenant: tenantWith(after, reads), repository: repo });
      const diff = await diffSnapshots(repo, first.snapshot, second.snapshot);
      const layers = new Set(["themes", "extensions", "brands", "glossaries"]);
      expect(diff.changes.filter((c) => layers.has(c.layer)).map((c) => c.summary)).toEqual([
        "theme 'Acme corporate' (th-1): file archive.zip",
        "brand 'Acme' (br-1): active; file styles",
        "glossary 'Sales glossary' (g-1): terms changed",
      ]);
      // The second extension and the second brand kept their stamps: their files were not read again.
      expect(reads.filter((k) => k.startsWith("extensions/ex-2") || k.startsWith("brands/br-2"))).toEqual([]);
    } finally {
      await repo.close();
    }
  });
});
