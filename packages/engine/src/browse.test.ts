import { createTestRepository } from "@lifeboat/repository/testing";
import { describe, expect, it } from "vitest";
import { backup } from "./backup/run.ts";
import { browseSnapshot } from "./browse.ts";
import { createFakeTenant, sampleTenantState } from "./testing.ts";

describe("browsing a declared resource kind", () => {
  it("an item is named by its id or its name (its document, not its files), with its owner's and space's names", async () => {
    const repo = await createTestRepository();
    try {
      const state = sampleTenantState();
      const owner = state.users[0]!;
      const space = state.spaces[0]!;
      const tenant = createFakeTenant({
        ...state,
        resources: [
          {
            record: { kind: "themes", id: "th-1", name: "Brand", ownerId: owner.id, spaceId: space.id, body: { name: "Brand" }, files: ["archive.zip"] },
            files: { "archive.zip": new Uint8Array([80, 75, 3, 4]) },
          },
        ],
      });
      const { snapshot } = await backup({ tenant, repository: repo });
      const folder = await browseSnapshot(repo, snapshot, "themes");
      expect(folder.entries).toHaveLength(2); // the document and its archive
      const doc = folder.entries.find((e) => e.meta.file === undefined)!;
      expect(doc).toMatchObject({ kind: "theme", label: "Brand", ownerName: owner.name, spaceName: space.name });
      for (const path of ["themes/th-1", "themes/Brand"]) {
        const one = await browseSnapshot(repo, snapshot, path);
        expect(one.entries.map((e) => e.name), path).toEqual([doc.name]);
      }
    } finally {
      await repo.close();
    }
  });
});
